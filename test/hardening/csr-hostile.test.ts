// Hostile CSRs and subject fields (issue 8), through both ways in: the CLI
// `cert issue` (a child process, as an operator runs it) and the request
// workflow over the JSON API of the running server, plus an edit of a draft.
// Each is refused with its stable code; no certificate row, no request row
// change, nothing signed; every refusal is in the audit log.
import { strict as assert } from "node:assert";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { CallContext } from "../../server/access/actor";
import { isAppError } from "../../server/errors/app-error";
import { TEST_PASSPHRASE, TEST_PUBLIC_URL, startTestServer, type TestServer } from "../support/app";
import { seedAccessFixture, type AccessFixture } from "../support/access-fixture";
import { runCli } from "../support/cli";
import { makeCsr } from "../support/csr";
import { forEachDatabase } from "../support/databases";
import { AttackTable } from "./attack-table";
import { hostileCsrs, type HostileCsr } from "../support/hostile-csr";

/** Runs `fn` over `items` with at most `n` at a time (CLI children are ~1 s of CPU each). */
async function pool<T, R>(items: T[], n: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  }));
  return out;
}

/** The cases the real CLI child also runs: one per code, the most hostile of each. */
const CLI_CHILD = new Set(["broken signature", "RSA e=1 (self-verifying signature)", "EC explicit curve parameters", "10 MB", "extensionRequest cA:TRUE"]);

const CYRILLIC_A = "\u0430"; // looks like Latin "a"
const GREEK_O = "\u03bf"; // looks like Latin "o"

/** Hostile subject fields: [label, CLI --cn, API fullName]. */
const SUBJECTS: Array<[string, string]> = [
  ["control character (ESC)", "Nguyễn Văn\u001b[31m An"],
  ["line break in a name", "Nguyễn Văn\nAn"],
  ["NUL byte", "Nguyễn\u0000Văn An"],
  ["bidi override", "Nguyễn \u202eVăn An"],
  ["homoglyph: Cyrillic а in a Latin name", `Nguyễn V${CYRILLIC_A}n An`],
  ["homoglyph: Greek ο in a Latin name", `Hoàng Văn Đ${GREEK_O}`],
  ["10,000-character name", "A".repeat(10_000)],
];

forEachDatabase("hardening: hostile CSRs and subjects", (db) => {
  let server: TestServer;
  let fx: AccessFixture;
  let token: string;
  let env: NodeJS.ProcessEnv;
  let hostile: HostileCsr[];
  const table = new AttackTable(`Hostile CSRs and subject fields [${db.kind}]`);
  let nid = 700;

  before(async function () {
    this.timeout(60_000);
    server = await startTestServer(db);
    fx = await seedAccessFixture(server, db.dataDir);
    token = (await server.portal.apiTokens.issueAs("test:fixture", { unitId: fx.units.DEPT_A, name: "QLVB hardening", expiresAt: null })).secret;
    env = db.env({ CA_KEY_PASSPHRASE: TEST_PASSPHRASE, PUBLIC_URL: TEST_PUBLIC_URL });
    hostile = hostileCsrs(db.dataDir);
  });

  after(async () => {
    table.print();
    await server?.close();
  });

  async function api(body: unknown): Promise<{ status: number; code: string; fields: Record<string, string> }> {
    const res = await fetch(`${server.url}/api/v1/requests`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify(body),
    });
    const json = (await res.json().catch(() => ({}))) as { error?: { code?: string; fields?: Record<string, string> } };
    return { status: res.status, code: json.error?.code ?? `HTTP ${res.status}`, fields: json.error?.fields ?? {} };
  }

  function individual(fullName: string, csrPem: string) {
    nid += 1;
    return { type: "new_individual", data: { fullName, nationalId: `0880880${String(nid).padStart(5, "0")}`, position: "Chuyên viên", email: `hardening${nid}@thunghiem.gov.vn` }, csrPem };
  }

  /** What `cert issue` does after reading its arguments (scripts/commands/cert-commands.ts): its code, or ISSUED. */
  async function issueInProcess(input: { csr: Buffer | string; commonName: string }): Promise<string> {
    try {
      await server.core.issuance.issue({ ...input, profile: "individual", unitId: fx.units.DEPT_A, actor: "cli:hardening" });
      return "ISSUED";
    } catch (e) {
      return isAppError(e) ? e.code : `THROWN ${(e as Error).name}: ${(e as Error).message}`;
    }
  }

  const counts = async () => ({
    certificates: await server.core.store.certificates.countAll(),
    requests: (await server.core.store.requests.list({ units: { all: true }, today: "2026-01-01", sort: "newest", limit: 10_000, offset: 0 })).rows.length,
  });

  async function refusedCodes(actionPrefix: string): Promise<string[]> {
    const { rows } = await server.core.store.auditQueries.list({ actionPrefix, outcome: "refused", limit: 500 });
    return rows.map((r) => String((r.details as Record<string, unknown> | null)?.code));
  }

  it("every hostile CSR is refused with its code by `cert issue` and by POST /api/v1/requests; nothing stored, nothing signed, each refusal audited", async function () {
    this.timeout(90_000);
    const before = await counts();
    const cliAuditBefore = (await refusedCodes("cert.issue")).length;
    // The CLI child costs a second of CPU to start: the real `cert issue` runs once per code
    // (CLI_CHILD), every case goes through the service it calls (core.issuance.issue, same audit).
    const children = hostile.filter((h) => CLI_CHILD.has(h.label));
    const cli = await pool(children, 3, async (h) => {
      const file = join(db.dataDir, `hostile-${hostile.indexOf(h)}.csr`);
      writeFileSync(file, h.body);
      return runCli(["cert", "issue", "--csr", file, "--profile", "individual", "--cn", "Nguyễn Văn An", "--unit", "DEPT_A"], env);
    });
    for (const [i, h] of children.entries()) {
      const r = cli[i]!;
      const m = /^error \[([A-Z_]+)\]: (.+)$/.exec(r.stderr.trim());
      table.add("CLI cert issue (child)", h.label, h.code, r.status === 0 ? "ISSUED" : (m?.[1] ?? r.stderr.trim().slice(0, 60)));
      assert.equal(r.status, 1, `${h.label}: exit ${r.status}\n${r.stderr}`);
      assert.ok(m, `${h.label}: one clear line on stderr, got ${r.stderr}`);
      assert.equal(m[1], h.code, `${h.label}: ${r.stderr}`);
      assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
    }
    for (const h of hostile) {
      const got = await issueInProcess({ csr: h.body, commonName: "Nguyễn Văn An" });
      table.add("cert issue service", h.label, h.code, got);
      assert.equal(got, h.code, h.label);
    }
    for (const h of hostile) {
      // The API takes the CSR as PEM text inside JSON; the 10 MB one stops at the body parser (413).
      const huge = h.body.length > 1024 * 1024;
      const r = await api(individual("Nguyễn Văn An", h.body.toString("latin1")));
      const expected = huge ? "PAYLOAD_TOO_LARGE" : h.code;
      table.add("API POST /requests", h.label, expected, r.code);
      assert.equal(r.code, expected, `${h.label}: ${JSON.stringify(r)}`);
      assert.equal(r.status, huge ? 413 : 400, h.label);
    }
    assert.deepEqual(await counts(), before, "no certificate and no request row was added");
    const cliAudit = await refusedCodes("cert.issue");
    assert.equal(cliAudit.length - cliAuditBefore, hostile.length + children.length, "each `cert issue` refusal audited");
    const apiAudit = await refusedCodes("request.create");
    for (const h of hostile.filter((x) => x.body.length < 1024 * 1024)) assert.ok(apiAudit.includes(h.code), `${h.code} audited for the API`);
    for (const line of server.logs) assert.doesNotMatch(line, /"level":"error"/, `no server error: ${line}`);
  });

  it("a draft edited with a hostile CSR keeps its CSR and its row unchanged; the refusal is audited", async function () {
    this.timeout(30_000);
    const focal: CallContext = { actor: { userId: fx.users.focal_a, username: "focal_a", displayName: "focal_a", roles: [{ role: "agency_focal_point", unitId: fx.units.DEPT_A }] }, requestId: "test-hardening" };
    const good = makeCsr(db.dataDir, "p256");
    const draft = await server.portal.requests.create(focal, { type: "new_individual", unitId: fx.units.DEPT_A, data: individual("Đỗ Văn Bình", "").data, csr: good.pem, source: "api" });
    const rowBefore = await server.core.store.requests.findById(draft.id);
    const csrBefore = await server.core.store.requests.csrOf(draft.id);
    for (const h of hostile) {
      let got = "ACCEPTED";
      try {
        await server.portal.requests.edit(focal, draft.id, { data: individual("Đỗ Văn Bình", "").data, csr: h.body });
      } catch (e) {
        got = isAppError(e) ? e.code : `THROWN ${(e as Error).name}`;
      }
      table.add("workflow edit(draft)", h.label, h.code, got);
      assert.equal(got, h.code, h.label);
    }
    assert.deepEqual(await server.core.store.requests.findById(draft.id), rowBefore, "the request row did not change");
    assert.ok((await server.core.store.requests.csrOf(draft.id))!.equals(csrBefore!), "the draft keeps its CSR");
    const audited = await refusedCodes("request.edit");
    for (const code of new Set(hostile.map((h) => h.code))) assert.ok(audited.includes(code), `${code} audited for edit`);
  });

  it("subject fields with control characters, look-alike letters of another script or 10,000 characters are refused by both paths", async function () {
    this.timeout(60_000);
    const before = await counts();
    const csrs = SUBJECTS.map(() => makeCsr(db.dataDir, "p256"));
    const r = await runCli(["cert", "issue", "--csr", csrs[4]!.csrPath, "--profile", "individual", "--cn", SUBJECTS[4]![1], "--unit", "DEPT_A"], env);
    const m = /^error \[([A-Z_]+)\]: (.+)$/.exec(r.stderr.trim());
    table.add("CLI cert issue --cn (child)", SUBJECTS[4]![0], "SUBJECT_INVALID", r.status === 0 ? "ISSUED" : (m?.[1] ?? r.stderr.trim().slice(0, 60)));
    assert.equal(m?.[1], "SUBJECT_INVALID", r.stderr);
    for (const [i, [label, cn]] of SUBJECTS.entries()) {
      const got = await issueInProcess({ csr: csrs[i]!.pem, commonName: cn });
      table.add("cert issue service --cn", label, "SUBJECT_INVALID", got);
      assert.equal(got, "SUBJECT_INVALID", label);
    }
    for (const [i, [label, fullName]] of SUBJECTS.entries()) {
      const r = await api(individual(fullName, csrs[i]!.pem));
      const got = r.code === "REQUEST_INVALID" && r.fields.fullName ? "REQUEST_INVALID(fullName)" : r.code;
      table.add("API data.fullName", label, "REQUEST_INVALID(fullName)", got);
      assert.equal(got, "REQUEST_INVALID(fullName)", `${label}: ${JSON.stringify(r)}`);
    }
    // A Vietnamese name with every diacritic is one script (Latin): accepted, as is a line break in a reason.
    const ok = await api({ ...individual("Nguyễn Thị Ánh Tuyết Đặng Quỳnh Hương", makeCsr(db.dataDir, "p256").pem) });
    assert.equal(ok.status, 201, JSON.stringify(ok));
    const after = await counts();
    assert.equal(after.certificates, before.certificates, "nothing signed");
    assert.equal(after.requests, before.requests + 1, "only the good request was stored");
  });
});
