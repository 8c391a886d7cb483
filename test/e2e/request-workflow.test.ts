// The request workflow on a running server (both databases), called as each
// role would: file → submit → forward → approve → the certificate, verified
// with openssl; concurrent approvals and submissions, the wrong unit, approval
// after withdrawal, renewal superseding, revocation by Art. 17 trigger, refusals
// audited and changing nothing, idempotent creation, crash recovery.
import { strict as assert } from "node:assert";
import { X509Certificate } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Actor, CallContext } from "../../server/access/actor";
import type { Role } from "../../server/access/roles";
import { isAppError } from "../../server/errors/app-error";
import { startTestServer, type TestServer } from "../support/app";
import { seedAccessFixture, type AccessFixture } from "../support/access-fixture";
import { makeCsr } from "../support/csr";
import { forEachDatabase } from "../support/databases";
import { opensslAsync } from "../support/openssl-async";

const PDF = Buffer.from("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n");

function ctxOf(userId: number, username: string, role: Role, unitId: number | null): CallContext {
  const actor: Actor = { userId, username, displayName: username, roles: [{ role, unitId }] };
  return { actor, requestId: `test-${username}` };
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (isAppError(e)) return e.code;
    throw e;
  }
  return "OK";
}

forEachDatabase("request workflow", (db) => {
  let server: TestServer;
  let fx: AccessFixture;
  let focalA: CallContext, focalB: CallContext, officer: CallContext, operator: CallContext;
  let nid = 100;

  before(async function () {
    this.timeout(90_000);
    server = await startTestServer(db);
    fx = await seedAccessFixture(server, db.dataDir);
    focalA = ctxOf(fx.users.focal_a, "focal_a", "agency_focal_point", fx.units.DEPT_A);
    focalB = ctxOf(fx.users.focal_b, "focal_b", "agency_focal_point", fx.units.DEPT_B);
    officer = ctxOf(fx.users.provincial, "provincial", "provincial_officer", fx.units.PROV);
    operator = ctxOf(fx.users.operator, "operator", "ca_operator", null);
  });

  after(async () => {
    await server?.close();
  });

  const requests = () => server.portal.requests;

  async function filed(data: Record<string, unknown> = {}, unitId = fx.units.DEPT_A, ctx = focalA) {
    nid += 1;
    const r = await requests().create(ctx, {
      type: "new_individual",
      unitId,
      data: { fullName: "Đỗ Thị Hạnh", nationalId: `0990880${String(nid).padStart(5, "0")}`, position: "Chuyên viên", email: `hanh${nid}@thunghiem.gov.vn`, ...data },
      csr: makeCsr(db.dataDir, "p256").pem,
    });
    await requests().attach(ctx, r.id, { kind: "signed_form", filename: "mau01.pdf", contentType: "application/pdf", content: PDF });
    return requests().act(ctx, r.id, "submit");
  }

  it("files, forwards and approves a Mẫu 01: the certificate is issued for the request, subject from the form, and verifies with openssl", async function () {
    this.timeout(30_000);
    const r = await filed({ fullName: "Đỗ Thị  Hạnh" });
    assert.equal(r.state, "submitted");
    assert.match(r.dueDate ?? "", /^\d{4}-\d{2}-\d{2}$/);
    await requests().act(officer, r.id, "forward", "Hồ sơ đầy đủ");
    const done = await requests().act(operator, r.id, "approve");
    assert.equal(done.state, "completed");
    assert.ok(done.resultSerial);
    assert.ok(done.subscriberId);
    const cert = (await server.core.store.certificates.findBySerial(done.resultSerial!))!;
    assert.equal(cert.status, "valid");
    assert.equal(cert.unitId, fx.units.DEPT_A);
    const x = new X509Certificate(cert.certDer!);
    assert.match(x.subject, /CN=Đỗ Thị Hạnh/);
    assert.match(x.subject, /OU=Sở Tài chính/);
    assert.match(x.subject, /O=Tỉnh Thử Nghiệm/);
    assert.match(x.subjectAltName ?? "", /hanh\d+@thunghiem\.gov\.vn/);
    const file = join(db.dataDir, `req-${r.id}.pem`);
    writeFileSync(file, x.toString());
    const v = await opensslAsync(["verify", "-CAfile", join(db.dataDir, "pki", "root.crt.pem"), "-untrusted", join(db.dataDir, "pki", "issuing.crt.pem"), file]);
    assert.match(v.stdout, /: OK/);
    const events = (await requests().get(officer, r.id)).events.map((e) => e.action);
    assert.deepEqual(events, ["create", "attach", "submit", "forward", "approve", "complete"]);
    const subscriber = (await server.core.store.subscribers.findById(done.subscriberId!))!;
    assert.equal(subscriber.name, "Đỗ Thị Hạnh");
  });

  it("two CA operators approving at once produce exactly one certificate", async function () {
    this.timeout(30_000);
    const r = await filed();
    await requests().act(officer, r.id, "forward");
    const outcomes = await Promise.all([code(requests().act(operator, r.id, "approve")), code(requests().act(operator, r.id, "approve")), code(requests().act(operator, r.id, "approve"))]);
    assert.equal(outcomes.filter((o) => o === "OK").length, 1, outcomes.join(","));
    assert.ok(outcomes.filter((o) => o !== "OK").every((o) => o === "REQUEST_STATE_INVALID"), outcomes.join(","));
    const after = (await server.core.store.requests.findById(r.id))!;
    assert.equal(after.state, "completed");
    const n = await server.core.store.requests.certificateOf(r.id);
    assert.equal(n?.serial, after.resultSerial);
  });

  it("a double submission submits once; the second is refused and audited", async () => {
    const r = await requests().create(focalA, { type: "new_individual", unitId: fx.units.DEPT_A, data: { fullName: "Vũ Minh Tâm", nationalId: "099088777001", position: "Kế toán", email: "tam@thunghiem.gov.vn" }, csr: makeCsr(db.dataDir, "p256").pem });
    await requests().attach(focalA, r.id, { kind: "signed_form", filename: "f.pdf", contentType: "application/pdf", content: PDF });
    const outcomes = await Promise.all([code(requests().act(focalA, r.id, "submit")), code(requests().act(focalA, r.id, "submit"))]);
    assert.deepEqual(outcomes.sort(), ["OK", "REQUEST_STATE_INVALID"]);
    const events = (await server.core.store.requests.events(r.id)).filter((e) => e.action === "submit");
    assert.equal(events.length, 1);
  });

  it("another agency cannot see or act on the request; a focal point cannot approve; nothing changes", async () => {
    const r = await filed();
    assert.equal(await code(requests().get(focalB, r.id)), "REQUEST_NOT_FOUND");
    assert.equal(await code(requests().act(focalB, r.id, "withdraw")), "REQUEST_NOT_FOUND");
    assert.equal(await code(requests().act(focalA, r.id, "forward")), "FORBIDDEN");
    await requests().act(officer, r.id, "forward");
    assert.equal(await code(requests().act(focalA, r.id, "approve")), "FORBIDDEN");
    assert.equal(await code(requests().act(officer, r.id, "approve")), "FORBIDDEN");
    assert.equal((await server.core.store.requests.findById(r.id))!.state, "forwarded");
    const refused = await server.core.store.auditQueries.list({ actionPrefix: "request.", outcome: "refused", objectId: String(r.id), limit: 50 });
    const seen = refused.rows.map((e) => `${e.actor} ${e.action}`);
    for (const want of ["web:focal_b request.view", "web:focal_b request.withdraw", "web:focal_a request.forward", "web:focal_a request.approve", "web:provincial request.approve"]) {
      assert.ok(seen.includes(want), `${want} audited (${seen.join("; ")})`);
    }
  });

  it("approval after the request was withdrawn is refused and issues nothing", async () => {
    const r = await filed();
    await requests().act(focalA, r.id, "withdraw", "Nộp nhầm");
    assert.equal(await code(requests().act(officer, r.id, "forward")), "REQUEST_STATE_INVALID");
    assert.equal(await code(requests().act(operator, r.id, "approve")), "REQUEST_STATE_INVALID");
    assert.equal(await server.core.store.requests.certificateOf(r.id), null);
  });

  it("return needs a reason; the focal point corrects and resubmits; the deadline starts again", async () => {
    const r = await filed();
    assert.equal(await code(requests().act(officer, r.id, "return")), "REQUEST_INVALID");
    const returned = await requests().act(officer, r.id, "return", "Thiếu chữ ký thủ trưởng");
    assert.equal(returned.state, "returned");
    assert.equal(returned.lastReason, "Thiếu chữ ký thủ trưởng");
    await requests().edit(focalA, r.id, { data: { ...returned.data, position: "Phó trưởng phòng" } });
    const again = await requests().act(focalA, r.id, "submit");
    assert.equal(again.state, "submitted");
    assert.equal(again.data.position, "Phó trưởng phòng");
    assert.ok((await server.core.store.requests.events(r.id)).some((e) => e.action === "resubmit"));
  });

  it("refuses to submit without a CSR or without the signed form, with per-field messages", async () => {
    const noCsr = await requests().create(focalA, { type: "new_individual", unitId: fx.units.DEPT_A, data: { fullName: "Lý Thị Mai", nationalId: "099088777002", position: "Văn thư", email: "mai@thunghiem.gov.vn" } });
    await assert.rejects(requests().act(focalA, noCsr.id, "submit"), (e: unknown) => isAppError(e) && e.code === "REQUEST_INVALID" && "csr" in ((e.details?.fields as object) ?? {}));
    await requests().edit(focalA, noCsr.id, { data: noCsr.data, csr: makeCsr(db.dataDir, "p256").pem });
    await assert.rejects(requests().act(focalA, noCsr.id, "submit"), (e: unknown) => isAppError(e) && e.code === "REQUEST_INVALID" && "signedForm" in ((e.details?.fields as object) ?? {}));
    assert.equal((await server.core.store.requests.findById(noCsr.id))!.state, "draft");
    await assert.rejects(requests().attach(focalA, noCsr.id, { kind: "signed_form", filename: "x.pdf", contentType: "application/pdf", content: Buffer.from("GIF89a not a pdf") }), (e: unknown) => isAppError(e) && e.code === "ATTACHMENT_INVALID");
    await assert.rejects(
      requests().create(focalA, { type: "new_individual", unitId: fx.units.DEPT_A, data: { fullName: "", nationalId: "12345", email: "not-an-email" } }),
      (e: unknown) => isAppError(e) && e.code === "REQUEST_INVALID" && ["fullName", "nationalId", "email", "position"].every((f) => f in ((e.details?.fields as object) ?? {})),
    );
    await assert.rejects(requests().create(focalA, { type: "new_individual", unitId: fx.units.DEPT_B, data: {} }), (e: unknown) => isAppError(e) && e.code === "REQUEST_INVALID");
  });

  it("a renewal issues a new certificate and revokes the old one as superseded", async function () {
    this.timeout(30_000);
    const first = await filed();
    await requests().act(officer, first.id, "forward");
    const issued = await requests().act(operator, first.id, "approve");
    const renewal = await requests().create(focalA, { type: "renewal", unitId: fx.units.DEPT_A, data: { targetSerial: issued.resultSerial, days: 365 }, csr: makeCsr(db.dataDir, "p256").pem });
    assert.equal(renewal.subscriberId, issued.subscriberId);
    await assert.rejects(
      requests().create(focalA, { type: "revocation", unitId: fx.units.DEPT_A, data: { targetSerial: issued.resultSerial, trigger: "retired", reasonText: "Nghỉ hưu" } }),
      (e: unknown) => isAppError(e) && e.code === "REQUEST_DUPLICATE",
    );
    await assert.rejects(requests().create(focalA, { type: "renewal", unitId: fx.units.DEPT_A, data: { targetSerial: issued.resultSerial, days: 2000 } }), (e: unknown) => isAppError(e) && e.code === "REQUEST_INVALID");
    await requests().attach(focalA, renewal.id, { kind: "signed_form", filename: "mau04.pdf", contentType: "application/pdf", content: PDF });
    await requests().act(focalA, renewal.id, "submit");
    await requests().act(officer, renewal.id, "forward");
    const done = await requests().act(operator, renewal.id, "approve");
    assert.equal(done.state, "completed");
    const old = (await server.core.store.certificates.findBySerial(issued.resultSerial!))!;
    assert.equal(old.status, "revoked");
    assert.equal(old.revocationReason, 4);
    const fresh = (await server.core.store.certificates.findBySerial(done.resultSerial!))!;
    assert.equal(Math.round((fresh.notAfter.getTime() - fresh.notBefore.getTime()) / 86_400_000), 365);
  });

  it("a Mẫu 05 revocation revokes with the reason mapped from its Art. 17 trigger", async function () {
    this.timeout(30_000);
    const first = await filed();
    await requests().act(officer, first.id, "forward");
    const issued = await requests().act(operator, first.id, "approve");
    const rev = await requests().create(focalA, { type: "revocation", unitId: fx.units.DEPT_A, data: { targetSerial: issued.resultSerial, trigger: "retired", reasonText: "Nghỉ hưu từ 01/12/2026" } });
    await requests().attach(focalA, rev.id, { kind: "signed_form", filename: "mau05.pdf", contentType: "application/pdf", content: PDF });
    await requests().act(focalA, rev.id, "submit");
    await requests().act(officer, rev.id, "forward");
    const done = await requests().act(operator, rev.id, "approve");
    assert.equal(done.state, "completed");
    const cert = (await server.core.store.certificates.findBySerial(issued.resultSerial!))!;
    assert.equal(cert.status, "revoked");
    assert.equal(cert.revocationReason, 5); // cessationOfOperation
  });

  it("a system-opened change request without a CSR cannot be forwarded or completed until the agency adds one", async () => {
    const { store } = server.core;
    const id = await store.requests.insert(
      { type: "change", state: "submitted", unitId: fx.units.DEPT_A, subscriberId: null, targetSerial: null, tokenId: null, data: { reasonText: "Chuyển công tác" }, summary: "Nguyễn Văn An", csrDer: null, source: "system", idempotencyKey: null, createdByUserId: null, createdBy: "system:test", submittedAt: new Date(), dueDate: "2030-01-01" },
      new Date(),
    );
    await assert.rejects(requests().act(officer, id, "forward"), (e: unknown) => isAppError(e) && e.code === "REQUEST_INVALID");
    assert.equal((await store.requests.findById(id))!.state, "submitted");
    assert.equal((await requests().act(officer, id, "return", "Bổ sung CSR")).state, "returned");
  });

  it("the same idempotency key returns the same request and creates nothing new", async () => {
    const data = { fullName: "Tạ Văn Long", nationalId: "099088777003", position: "Chuyên viên", email: "long@thunghiem.gov.vn" };
    const a = await requests().create(focalA, { type: "new_individual", unitId: fx.units.DEPT_A, data, idempotencyKey: "dms-2026-0001", source: "api" });
    const b = await requests().create(focalA, { type: "new_individual", unitId: fx.units.DEPT_A, data, idempotencyKey: "dms-2026-0001", source: "api" });
    assert.equal(a.id, b.id);
  });

  it("an approval interrupted after issuance is completed at recovery, once", async function () {
    this.timeout(30_000);
    const r = await filed();
    await requests().act(officer, r.id, "forward");
    // Simulate the crash: claim and issue as the executor does, but stop before completion.
    const { store, issuance } = server.core;
    const subscriberId = await store.subscribers.insert({ kind: "individual", unitId: fx.units.DEPT_A, name: "Đỗ Thị Hạnh", nationalId: "099088999999", position: "Chuyên viên", email: "crash@thunghiem.gov.vn" }, new Date());
    assert.ok(await store.requests.transition(r.id, ["forwarded"], "approved", { subscriberId }, new Date()));
    const issued = await issuance.issue({ csr: (await store.requests.csrOf(r.id))!, profile: "individual", commonName: "Đỗ Thị Hạnh", actor: "test", unitId: fx.units.DEPT_A, subscriberId, requestId: r.id });
    // The partial unique index: a second live certificate for the same request is impossible.
    await assert.rejects(issuance.issue({ csr: makeCsr(db.dataDir, "p256").pem, profile: "individual", commonName: "Đỗ Thị Hạnh", actor: "test", unitId: fx.units.DEPT_A, subscriberId, requestId: r.id }));
    const resumed = await server.portal.requestExecutor.resumeStuck();
    assert.ok(resumed.includes(r.id));
    const after = (await store.requests.findById(r.id))!;
    assert.equal(after.state, "completed");
    assert.equal(after.resultSerial, issued.serial);
    assert.deepEqual(await server.portal.requestExecutor.resumeStuck(), []);
  });
});
