// The JSON API over real HTTP on both databases, called as a province's
// document-management system would: bearer tokens per unit (revoked and expired
// ones refused), filing with Idempotency-Key, the unit's own requests only
// (another agency's id → 404, audited), validation errors per field that create
// nothing, double submission, the PDF attachment, a full run to an issued
// certificate (verified with openssl) and a lost token revoked at once.
import { strict as assert } from "node:assert";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Actor, CallContext } from "../../server/access/actor";
import { hashSecret } from "../../server/access/api-tokens";
import type { Role } from "../../server/access/roles";
import { eventually, startTestServer, type TestServer } from "../support/app";
import { seedAccessFixture, type AccessFixture } from "../support/access-fixture";
import { makeCsr } from "../support/csr";
import { forEachDatabase } from "../support/databases";
import { opensslAsync } from "../support/openssl-async";
import { schemaChecker, type SchemaCheck } from "./api-schemas";

const PDF = Buffer.from("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n");

function ctxOf(userId: number, username: string, role: Role, unitId: number | null): CallContext {
  const actor: Actor = { userId, username, displayName: username, roles: [{ role, unitId }] };
  return { actor, requestId: `test-${username}` };
}

interface ApiResponse {
  status: number;
  headers: Headers;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON from the wire
  text: string;
}

forEachDatabase("api requests", (db) => {
  let server: TestServer;
  let fx: AccessFixture;
  let tokenA: string, tokenB: string;
  let officer: CallContext, operator: CallContext, focalA: CallContext;
  let nid = 500;
  let conforms: SchemaCheck;

  before(async function () {
    this.timeout(90_000);
    server = await startTestServer(db);
    fx = await seedAccessFixture(server, db.dataDir);
    tokenA = (await server.portal.apiTokens.issueAs("test:fixture", { unitId: fx.units.DEPT_A, name: "QLVB Sở Tài chính", expiresAt: null })).secret;
    tokenB = (await server.portal.apiTokens.issueAs("test:fixture", { unitId: fx.units.DEPT_B, name: "QLVB Sở Y tế", expiresAt: null })).secret;
    officer = ctxOf(fx.users.provincial, "provincial", "provincial_officer", fx.units.PROV);
    operator = ctxOf(fx.users.operator, "operator", "ca_operator", null);
    focalA = ctxOf(fx.users.focal_a, "focal_a", "agency_focal_point", fx.units.DEPT_A);
    // Every answer below is checked against the schemas of the document the server serves.
    conforms = schemaChecker((await (await fetch(`${server.url}/api/v1/openapi.json`)).json()) as { components: unknown });
  });

  after(async () => {
    await server?.close();
  });

  async function call(method: string, path: string, opts: { token?: string | null; json?: unknown; raw?: string | Buffer; type?: string; headers?: Record<string, string> } = {}): Promise<ApiResponse> {
    const token = opts.token === undefined ? tokenA : opts.token;
    const headers: Record<string, string> = { accept: "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}), ...opts.headers };
    let body: string | Blob | undefined;
    if (opts.json !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(opts.json);
    } else if (opts.raw !== undefined) {
      headers["content-type"] = opts.type ?? "application/json";
      body = typeof opts.raw === "string" ? opts.raw : new Blob([new Uint8Array(opts.raw)]);
    }
    const res = await fetch(`${server.url}/api/v1${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
    const text = await res.text();
    let parsed: unknown = null;
    try {
      parsed = JSON.parse(text);
    } catch {
      // PEM and other non-JSON answers
    }
    return { status: res.status, headers: res.headers, body: parsed, text };
  }

  function newIndividual(extra: Record<string, unknown> = {}, data: Record<string, unknown> = {}) {
    nid += 1;
    return {
      type: "new_individual",
      data: { fullName: "Đỗ Thị Hạnh", nationalId: `0990990${String(nid).padStart(5, "0")}`, position: "Chuyên viên", email: `hanh${nid}@thunghiem.gov.vn`, ...data },
      csrPem: makeCsr(db.dataDir, "p256").pem,
      ...extra,
    };
  }

  const requestCount = async () => Number(((await server.core.store.requests.list({ units: { all: true }, today: "2026-01-01", sort: "newest", limit: 10_000, offset: 0 })).rows.length));

  it("asks for a bearer token: none, unknown, revoked or expired → 401 API_TOKEN_INVALID (audited); the OpenAPI document needs none", async () => {
    const none = await call("GET", "/requests", { token: null });
    assert.equal(none.status, 401);
    assert.equal(none.body.error.code, "API_TOKEN_INVALID");
    assert.match(none.headers.get("www-authenticate") ?? "", /^Bearer/);
    conforms("Error", none.body);
    const unknown = await call("GET", "/requests", { token: `ct_${randomBytes(32).toString("base64url")}` });
    assert.equal(unknown.status, 401);
    assert.equal(unknown.body.error.code, "API_TOKEN_INVALID");
    assert.match(unknown.headers.get("www-authenticate") ?? "", /invalid_token/);

    const revoked = await server.portal.apiTokens.issueAs("test:fixture", { unitId: fx.units.DEPT_A, name: "sẽ thu hồi", expiresAt: null });
    assert.equal((await call("GET", "/requests", { token: revoked.secret })).status, 200);
    await server.portal.apiTokens.revokeAs("test:fixture", revoked.token.id);
    const afterRevoke = await call("GET", "/requests", { token: revoked.secret });
    assert.equal(afterRevoke.status, 401);
    assert.equal(afterRevoke.body.error.code, "API_TOKEN_INVALID");

    // An expired token (made directly: the service refuses an expiry in the past).
    const expiredSecret = `ct_${randomBytes(32).toString("base64url")}`;
    await server.core.store.apiTokens.insert({ unitId: fx.units.DEPT_A, name: "hết hạn", prefix: expiredSecret.slice(0, 11), secretHash: hashSecret(expiredSecret), createdByUserId: null, createdBy: "test:fixture", expiresAt: new Date(Date.now() - 60_000) }, new Date(Date.now() - 120_000));
    const expired = await call("GET", "/requests", { token: expiredSecret });
    assert.equal(expired.status, 401);
    assert.equal(expired.body.error.code, "API_TOKEN_INVALID");

    const refused = (await server.core.store.auditQueries.list({ actionPrefix: "api.auth", outcome: "refused", limit: 20 })).rows.map((r) => String(r.details?.reason));
    for (const reason of ["unknown", "revoked", "expired"]) assert.ok(refused.includes(reason), `${reason} audited (${refused.join(",")})`);

    const doc = await call("GET", "/openapi.json", { token: null });
    assert.equal(doc.status, 200);
    assert.equal(doc.body.openapi, "3.1.0");
  });

  it("files a request (201, Location, deadline, links); the same Idempotency-Key again → 200 with the same request and nothing new; a key reused for another type → 409", async () => {
    const before = await requestCount();
    const body = newIndividual({ submit: true });
    const first = await call("POST", "/requests", { json: body, headers: { "idempotency-key": "qlvb-2026-000001" } });
    assert.equal(first.status, 201, first.text);
    assert.equal(first.headers.get("location"), `/api/v1/requests/${first.body.id}`);
    assert.equal(first.body.state, "submitted");
    assert.match(first.body.reference, /^YC-\d{6}$/);
    assert.match(first.body.dueDate, /^\d{4}-\d{2}-\d{2}$/);
    assert.equal(first.body.unit.code, "DEPT_A");
    assert.equal(first.body.form, "01");
    assert.equal(first.body.links.self, `/api/v1/requests/${first.body.id}`);
    assert.deepEqual(first.body.events.map((e: { action: string }) => e.action), ["create", "submit"]);
    assert.match(first.body.events[0].actor, /^api:ct_/);
    conforms("Request", first.body);

    const again = await call("POST", "/requests", { json: body, headers: { "idempotency-key": "qlvb-2026-000001" } });
    assert.equal(again.status, 200, again.text);
    assert.equal(again.body.id, first.body.id);
    assert.equal(await requestCount(), before + 1);

    const other = await call("POST", "/requests", { json: { type: "token_recovery", data: { tokenSerial: "X1", reasonText: "quên PIN" } }, headers: { "idempotency-key": "qlvb-2026-000001" } });
    assert.equal(other.status, 409);
    assert.equal(other.body.error.code, "REQUEST_CONFLICT");
    conforms("Error", other.body);
    assert.equal(await requestCount(), before + 1);

    // The key is per unit: the other agency's same key files its own request.
    const b = await call("POST", "/requests", { token: tokenB, json: newIndividual(), headers: { "idempotency-key": "qlvb-2026-000001" } });
    assert.equal(b.status, 201, b.text);
    assert.notEqual(b.body.id, first.body.id);
  });

  it("refuses bad JSON, an unknown type, unknown envelope fields and invalid form fields with 400, a code and per-field messages, creating nothing", async () => {
    const before = await requestCount();
    const badJson = await call("POST", "/requests", { raw: '{"type": "new_individual", ' });
    assert.equal(badJson.status, 400);
    assert.equal(badJson.body.error.code, "INPUT_INVALID");

    const unknownType = await call("POST", "/requests", { json: { type: "new_spaceship", data: {} } });
    assert.equal(unknownType.status, 400);
    assert.equal(unknownType.body.error.code, "REQUEST_INVALID");
    assert.ok(unknownType.body.error.fields.type);

    const extra = await call("POST", "/requests", { json: { ...newIndividual(), colour: "blue" } });
    assert.equal(extra.status, 400);
    assert.equal(extra.body.error.code, "REQUEST_INVALID");
    assert.ok(extra.body.error.fields.colour, JSON.stringify(extra.body));

    const noData = await call("POST", "/requests", { json: { type: "new_individual" } });
    assert.equal(noData.status, 400);
    assert.ok(noData.body.error.fields.data);

    const fields = await call("POST", "/requests", { json: newIndividual({}, { nationalId: "123", email: "không-phải-email", fullName: "" }) });
    assert.equal(fields.status, 400);
    assert.equal(fields.body.error.code, "REQUEST_INVALID");
    assert.match(fields.body.error.fields.nationalId, /12 chữ số/);
    assert.ok(fields.body.error.fields.email);
    assert.ok(fields.body.error.fields.fullName);
    conforms("Error", fields.body);

    const otherUnit = await call("POST", "/requests", { json: newIndividual({ unitCode: "DEPT_B" }) });
    assert.equal(otherUnit.status, 400);
    assert.ok(otherUnit.body.error.fields.unitCode, JSON.stringify(otherUnit.body));
    const otherUnitId = await call("POST", "/requests", { json: newIndividual({ unitId: fx.units.DEPT_B }) });
    assert.equal(otherUnitId.status, 400);
    assert.ok(otherUnitId.body.error.fields.unitId, JSON.stringify(otherUnitId.body));
    const noUnit = await call("POST", "/requests", { json: newIndividual({ unitCode: "NO_SUCH_UNIT" }) });
    assert.equal(noUnit.status, 400);
    assert.ok(noUnit.body.error.fields.unitCode, JSON.stringify(noUnit.body));

    const badCsr = await call("POST", "/requests", { json: newIndividual({ csrPem: "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n" }) });
    assert.equal(badCsr.status, 400);
    assert.equal(badCsr.body.error.code, "CSR_MALFORMED");

    const tooBig = await call("POST", "/requests", { raw: JSON.stringify({ type: "new_individual", data: { fullName: "x".repeat(100_000) } }) });
    assert.equal(tooBig.status, 413);
    assert.equal(tooBig.body.error.code, "PAYLOAD_TOO_LARGE");

    assert.equal(await requestCount(), before);
  });

  it("shows a unit only its own requests: another agency's id → 404 (audited), not in its list", async () => {
    const mine = await call("POST", "/requests", { json: newIndividual() });
    assert.equal(mine.status, 201, mine.text);
    const theirs = await call("GET", `/requests/${mine.body.id}`, { token: tokenB });
    assert.equal(theirs.status, 404);
    assert.equal(theirs.body.error.code, "REQUEST_NOT_FOUND");
    const actOn = await call("POST", `/requests/${mine.body.id}/withdraw`, { token: tokenB });
    assert.equal(actOn.status, 404);
    const listB = await call("GET", "/requests", { token: tokenB });
    assert.equal(listB.status, 200);
    assert.ok(!listB.body.items.some((r: { id: number }) => r.id === mine.body.id));
    const listA = await call("GET", "/requests?state=draft");
    assert.ok(listA.body.items.some((r: { id: number }) => r.id === mine.body.id));
    conforms("RequestList", listA.body);
    conforms("Error", theirs.body);
    assert.ok(listA.body.items.every((r: { state: string; unit: { code: string } }) => r.state === "draft" && ["DEPT_A", "COMMUNE_A1"].includes(r.unit.code)));
    const refused = (await server.core.store.auditQueries.list({ actionPrefix: "request.", outcome: "refused", objectId: String(mine.body.id), limit: 20 })).rows;
    assert.ok(refused.some((r) => r.actor.startsWith("api:ct_") && r.details?.reason === "out_of_scope"), JSON.stringify(refused.map((r) => [r.actor, r.action, r.details])));
    assert.equal((await call("GET", "/requests/999999")).status, 404);
    const badFilter = await call("GET", "/requests?state=flying&due=later");
    assert.equal(badFilter.status, 400);
    assert.ok(badFilter.body.error.fields.state && badFilter.body.error.fields.due);
  });

  it("submits a draft once: a second submit → 409 REQUEST_STATE_INVALID; a PDF is attached as application/pdf; withdraw", async () => {
    const draft = await call("POST", "/requests", { json: newIndividual() });
    assert.equal(draft.body.state, "draft");
    const pdf = await call("POST", `/requests/${draft.body.id}/attachments?filename=mau01.pdf`, { raw: PDF, type: "application/pdf" });
    assert.equal(pdf.status, 201, pdf.text);
    assert.equal(pdf.body.size, PDF.length);
    assert.equal(pdf.body.kind, "signed_form");
    conforms("Attachment", pdf.body);
    const notPdf = await call("POST", `/requests/${draft.body.id}/attachments`, { raw: Buffer.from("GIF89a"), type: "application/pdf" });
    assert.equal(notPdf.status, 400);
    assert.equal(notPdf.body.error.code, "ATTACHMENT_INVALID");
    const wrongType = await call("POST", `/requests/${draft.body.id}/attachments`, { raw: PDF, type: "image/png" });
    assert.equal(wrongType.status, 400);
    const max = server.core.config.requests.attachmentMaxBytes;
    for (const size of [max + 1, max + 64 * 1024]) {
      const big = await call("POST", `/requests/${draft.body.id}/attachments`, { raw: Buffer.concat([PDF, Buffer.alloc(size - PDF.length, 0x20)]), type: "application/pdf" });
      assert.equal(big.status, 413, `${size} bytes`);
      assert.equal(big.body.error.code, "ATTACHMENT_TOO_LARGE");
    }
    assert.equal((await server.core.store.requests.attachments(draft.body.id)).length, 1);

    const submitted = await call("POST", `/requests/${draft.body.id}/submit`);
    assert.equal(submitted.status, 200, submitted.text);
    assert.equal(submitted.body.state, "submitted");
    assert.equal(submitted.body.attachments.length, 1);
    conforms("Request", submitted.body);
    const twice = await call("POST", `/requests/${draft.body.id}/submit`);
    assert.equal(twice.status, 409);
    assert.equal(twice.body.error.code, "REQUEST_STATE_INVALID");
    assert.equal(twice.body.error.state, "submitted");
    conforms("Error", twice.body);
    const submits = (await server.core.store.requests.events(draft.body.id)).filter((e) => e.action === "submit");
    assert.equal(submits.length, 1);

    const withdrawn = await call("POST", `/requests/${draft.body.id}/withdraw`, { json: { reason: "Nộp nhầm" } });
    assert.equal(withdrawn.status, 200, withdrawn.text);
    assert.equal(withdrawn.body.state, "withdrawn");
    assert.equal((await call("POST", `/requests/${draft.body.id}/submit`)).status, 409);
  });

  it("runs a request to the end: filed and submitted by API, forwarded and approved by people; the API shows it completed with the certificate, which is good and verifies with openssl", async function () {
    this.timeout(30_000);
    const filed = await call("POST", "/requests", { json: newIndividual({ submit: true }, { fullName: "Lương Văn Khải" }) });
    assert.equal(filed.status, 201, filed.text);
    await server.portal.requests.act(officer, filed.body.id, "forward", "Hồ sơ đầy đủ");
    await server.portal.requests.act(operator, filed.body.id, "approve");
    const done = await call("GET", `/requests/${filed.body.id}`);
    assert.equal(done.body.state, "completed");
    assert.match(done.body.certificateSerial, /^[0-9a-f]+$/);
    assert.deepEqual(done.body.events.map((e: { action: string }) => e.action), ["create", "submit", "forward", "approve", "complete"]);
    assert.equal(done.body.links.certificate, `/api/v1/certificates/${done.body.certificateSerial}`);
    conforms("Request", done.body);

    const cert = await call("GET", done.body.links.certificate.replace("/api/v1", ""));
    assert.equal(cert.status, 200, cert.text);
    assert.equal(cert.body.status, "good");
    assert.equal(cert.body.revokedAt, null);
    assert.match(cert.body.subject, /Lương Văn Khải/);
    assert.equal(cert.body.unit.code, "DEPT_A");
    conforms("Certificate", cert.body);
    assert.ok(new Date(cert.body.notAfter) > new Date(cert.body.notBefore));
    const pem = await call("GET", `/certificates/${done.body.certificateSerial}/pem`);
    assert.equal(pem.status, 200);
    const file = join(db.dataDir, `api-${filed.body.id}.pem`);
    writeFileSync(file, pem.text);
    const v = await opensslAsync(["verify", "-CAfile", join(db.dataDir, "pki", "root.crt.pem"), "-untrusted", join(db.dataDir, "pki", "issuing.crt.pem"), file]);
    assert.match(v.stdout, /: OK/, v.stderr);

    // Another agency's token: the certificate does not exist for it.
    assert.equal((await call("GET", `/certificates/${done.body.certificateSerial}`, { token: tokenB })).status, 404);
    assert.equal((await call("GET", "/certificates/zz")).status, 404);
  });

  it("reports a lost token: every certificate on it revoked at once with keyCompromise; another agency gets 404", async function () {
    this.timeout(30_000);
    await server.portal.tokenActions.register(focalA, { serial: "TK-API-0001", type: "usb_token", unitId: fx.units.DEPT_A });
    const filed = await call("POST", "/requests", { json: newIndividual({ submit: true }, { fullName: "Phan Thị Mai", tokenSerial: "TK-API-0001" }) });
    assert.equal(filed.status, 201, filed.text);
    await server.portal.requests.act(officer, filed.body.id, "forward");
    const done = await server.portal.requests.act(operator, filed.body.id, "approve");
    const serial = done.resultSerial!;
    assert.equal((await call("GET", `/certificates/${serial}`)).body.status, "good");
    const certPath = join(db.dataDir, `lost-${serial}.pem`);
    writeFileSync(certPath, (await call("GET", `/certificates/${serial}/pem`)).text);

    const stranger = await call("POST", "/tokens/TK-API-0001/report-lost", { token: tokenB, json: {} });
    assert.equal(stranger.status, 404);
    assert.equal(stranger.body.error.code, "TOKEN_NOT_FOUND");
    const nothing = await call("POST", "/tokens/NO-SUCH-TOKEN/report-lost", { token: tokenB, json: {} });
    assert.equal(nothing.status, 404);
    assert.equal(nothing.body.error.message.replace("NO-SUCH-TOKEN", "X"), stranger.body.error.message.replace("TK-API-0001", "X"));

    const lost = await call("POST", "/tokens/tk-api-0001/report-lost", { json: { note: "Mất trên đường công tác" } });
    assert.equal(lost.status, 200, lost.text);
    assert.equal(lost.body.token.state, "lost");
    assert.deepEqual(lost.body.revoked.map((r: { serial: string }) => r.serial), [serial]);
    assert.equal(lost.body.revoked[0].revocationReason, "keyCompromise");
    assert.match(lost.body.request?.reference ?? "", /^YC-/);
    conforms("LostReport", lost.body);

    const cert = await call("GET", `/certificates/${serial}`);
    assert.equal(cert.body.status, "revoked");
    assert.equal(cert.body.revocationReason, "keyCompromise");
    conforms("Certificate", cert.body);
    assert.ok(cert.body.revokedAt);
    // Relying parties see it too: the OCSP responder answers revoked (keyCompromise), checked with openssl.
    const pki = join(db.dataDir, "pki");
    const ocsp = await eventually(async () => {
      const r = await opensslAsync(["ocsp", "-issuer", join(pki, "issuing.crt.pem"), "-cert", certPath, "-CAfile", join(pki, "chain.pem"), "-url", `${server.url}/ocsp`, "-resp_text"]);
      return /: revoked/.test(r.stdout) ? r : null;
    }, 10_000, "OCSP to answer revoked");
    assert.match(ocsp.stdout + ocsp.stderr, /Response verify OK/);
    assert.match(ocsp.stdout, /Reason: keyCompromise/);
    const again = await call("POST", "/tokens/TK-API-0001/report-lost", { json: {} });
    assert.equal(again.status, 409);
  });
});
