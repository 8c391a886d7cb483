// Hostile use of the pages and the JSON API over real HTTP (issue 8): XSS in
// every text field that is rendered back, SQL injection in every list filter,
// CSRF-less and replayed form posts, wrong-type and oversized uploads, path
// traversal in download names, ID guessing across units, session fixation and
// brute-force sign-in. Each is refused or neutralised; one table row per attack.
import { strict as assert } from "node:assert";
import type { Actor, CallContext } from "../../server/access/actor";
import type { Role } from "../../server/access/roles";
import { startTestServer, testConfig, type TestServer } from "../support/app";
import { addUnit, PASSWORD, seedAccessFixture, type AccessFixture } from "../support/access-fixture";
import { makeCsr } from "../support/csr";
import { forEachDatabase } from "../support/databases";
import { WebClient } from "../support/web-client";
import { AttackTable } from "./attack-table";

const XSS = `<script>alert('xss')</script><img src=x onerror=alert(1)>`;
/** Fits a 64-character name field. */
const XSS_NAME = `<script>alert('xss')</script>`;
const SQLI = ["' OR '1'='1", "1 OR 1=1", "'; DROP TABLE certificates; --", "%' UNION SELECT password_hash, 1 FROM users --", "\\", "%_%", "0x7fffffffffffffff", "-1"];
const PDF = Buffer.from("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n");

function ctxOf(userId: number, username: string, role: Role, unitId: number | null): CallContext {
  const actor: Actor = { userId, username, displayName: username, roles: [{ role, unitId }] };
  return { actor, requestId: `hardening-${username}` };
}

/** True when the payload came back only as text (Handlebars escaping), never as markup. */
function neutralised(html: string): boolean {
  return !html.includes("<script>alert('xss')") && !/<img src=x onerror/i.test(html);
}

forEachDatabase("hardening: hostile web and API use", (db) => {
  let server: TestServer;
  let fx: AccessFixture;
  let tokenA: string;
  let focal: WebClient;
  let provincial: CallContext, focalA: CallContext;
  /** Objects of DEPT_B and OTHER_PROV that focal_a must never see. */
  const foreign = { requests: [] as number[], subscribers: [] as number[], tokens: [] as number[], certs: [] as string[] };
  const own = { requests: [] as number[], subscribers: [] as number[], tokens: [] as number[] };
  const foreignNames = ["Lê Văn Cường", "Phạm Thị Dung", "Bí Mật Sở Y Tế"];
  const table = new AttackTable(`Hostile web and API use [${db.kind}]`);
  let nid = 900;

  before(async function () {
    this.timeout(90_000);
    // A small sign-in rate limit so the brute-force test reaches it quickly.
    const base = testConfig(db);
    server = await startTestServer(db, { auth: { ...base.auth, maxFailedLogins: 5, loginRateLimit: { windowSeconds: 300, max: 40 } } });
    fx = await seedAccessFixture(server, db.dataDir);
    provincial = ctxOf(fx.users.provincial, "provincial", "provincial_officer", fx.units.PROV);
    focalA = ctxOf(fx.users.focal_a, "focal_a", "agency_focal_point", fx.units.DEPT_A);
    const focalB = ctxOf(fx.users.focal_b, "focal_b", "agency_focal_point", fx.units.DEPT_B);
    tokenA = (await server.portal.apiTokens.issueAs("test:fixture", { unitId: fx.units.DEPT_A, name: "QLVB A", expiresAt: null })).secret;
    foreign.certs.push(fx.certs.b, fx.certs.other);

    const individual = (fullName: string, position = "Chuyên viên") => {
      nid += 1;
      return { fullName, nationalId: `0770770${String(nid).padStart(5, "0")}`, position, email: `web${nid}@thunghiem.gov.vn` };
    };
    const person = (name: string, unitId: number) => {
      nid += 1;
      return { kind: "individual", unitId, name, nationalId: `0660660${String(nid).padStart(5, "0")}`, position: "Chuyên viên", email: `sub${nid}@thunghiem.gov.vn` };
    };
    // DEPT_B's objects (the other agency).
    for (let i = 0; i < 3; i++) {
      foreign.requests.push((await server.portal.requests.create(focalB, { type: "new_individual", unitId: fx.units.DEPT_B, data: individual("Bí Mật Sở Y Tế"), csr: makeCsr(db.dataDir, "p256").pem, source: "api" })).id);
      foreign.subscribers.push((await server.portal.subscriberRegistry.create(focalB, person("Bí Mật Sở Y Tế", fx.units.DEPT_B))).id);
      foreign.tokens.push((await server.portal.tokenActions.register(provincial, { serial: `B-SECRET-${i}`, type: "usb_token", unitId: fx.units.DEPT_B, note: null })).id);
    }
    // DEPT_A's objects, with the XSS payload in every free-text field that can hold it.
    await addUnit(server.core.store, "XSS_UNIT", `Phòng ${XSS}`, "department", fx.units.DEPT_A);
    own.requests.push((await server.portal.requests.create(focalA, { type: "new_individual", unitId: fx.units.DEPT_A, data: individual("An <img src=x onerror=alert(1)>", `Chức vụ ${XSS_NAME}`), csr: makeCsr(db.dataDir, "p256").pem, source: "web" })).id);
    own.subscribers.push((await server.portal.subscriberRegistry.create(focalA, person(`Nguyễn ${XSS_NAME}`, fx.units.DEPT_A))).id);
    own.tokens.push((await server.portal.tokenActions.register(provincial, { serial: "A-XSS-1", type: "usb_token", unitId: fx.units.DEPT_A, note: `Ghi chú ${XSS}` })).id);
    await server.portal.holidays.add(provincial, { date: "2026-12-24", kind: "holiday", name: `Nghỉ ${XSS_NAME}`, justification: `Văn bản ${XSS}` });
    await server.portal.apiTokens.issueAs("test:fixture", { unitId: fx.units.DEPT_A, name: `Khoá ${XSS_NAME}`, expiresAt: null });

    focal = new WebClient(server.url);
    assert.equal((await focal.signIn("focal_a", PASSWORD)).status, 303);
  });

  after(async () => {
    table.print();
    await server?.close();
  });

  it("XSS: every stored or reflected text comes back escaped, never as markup", async function () {
    this.timeout(30_000);
    const admin = new WebClient(server.url);
    await admin.signIn("admin", PASSWORD);
    const q = encodeURIComponent(XSS);
    const shownOn = new Set<string>();
    const pages: Array<[string, WebClient, string]> = [
      ["unit name (unit page)", focal, `/units/${(await server.core.store.units.findByCode("XSS_UNIT"))!.id}`],
      ["unit name (unit list)", focal, "/units"],
      ["request form fields (request page)", focal, `/requests/${own.requests[0]}`],
      ["request form fields (edit form)", focal, `/requests/${own.requests[0]}/edit`],
      ["request summary (request list)", focal, "/requests"],
      ["subscriber name (subscriber page)", focal, `/subscribers/${own.subscribers[0]}`],
      ["subscriber name (subscriber list)", focal, "/subscribers"],
      ["token note (token page)", focal, `/tokens/${own.tokens[0]}`],
      ["holiday name (holiday calendar)", focal, "/holidays?year=2026"],
      ["API token name (token list)", focal, "/api-tokens"],
      ["search box: subscribers", focal, `/subscribers?q=${q}`],
      ["search box: certificates", focal, `/certificates?q=${q}`],
      ["search box: requests", focal, `/requests?text=${q}&q=${q}`],
      ["search box: tokens", focal, `/tokens?serial=${q}&q=${q}`],
      ["search box: users", focal, `/users?q=${q}`],
      ["next= on the sign-in page", new WebClient(server.url), `/login?next=${q}`],
      ["audit details (audit log)", admin, "/audit"],
    ];
    for (const [label, client, path] of pages) {
      const r = await client.get(path);
      const ok = r.status < 500 && neutralised(r.text);
      const shown = r.text.includes("&lt;script&gt;alert(");
      if (shown) shownOn.add(label);
      // "inert": the payload is not on the page at all (e.g. a bad next= is dropped), which is as safe.
      table.add("XSS", label, "escaped or inert", ok ? "escaped or inert" : `MARKUP (HTTP ${r.status})`);
      assert.ok(ok, `${label} (${path}): HTTP ${r.status}, the payload came back as markup`);
    }
    // The pages that hold the stored payloads must show it (escaped), or the test proves nothing.
    for (const label of ["unit name (unit page)", "request form fields (request page)", "subscriber name (subscriber page)", "token note (token page)", "holiday name (holiday calendar)", "API token name (token list)"]) {
      assert.ok(shownOn.has(label), `${label} shows the text escaped`);
    }
  });

  it("SQL injection in every list filter and search parameter: 200 or 400, never 500, never another unit's rows", async function () {
    this.timeout(60_000);
    const certificatesBefore = await server.core.store.certificates.countAll();
    const params = ["q", "text", "state", "status", "type", "unit", "unitId", "page", "sort", "due", "profile", "serial", "kind", "year", "from", "to"];
    const lists = ["/certificates", "/subscribers", "/requests", "/tokens", "/users", "/units", "/api-tokens", "/holidays", "/dashboard", "/registers/trainings"];
    const statuses = new Map<string, Set<number>>();
    for (const payload of SQLI) {
      for (const path of lists) {
        // Every parameter at once, then the same again as an array (?q=a&q=b), which Express turns into string[].
        for (const query of [params.map((p) => `${p}=${encodeURIComponent(payload)}`).join("&"), params.map((p) => `${p}=${encodeURIComponent(payload)}&${p}=x`).join("&")]) {
          const r = await focal.get(`${path}?${query}`);
          const leaked = foreignNames.find((n) => r.text.includes(n)) ?? foreign.certs.find((s) => r.text.includes(s));
          statuses.set(path, (statuses.get(path) ?? new Set()).add(r.status));
          assert.ok(r.status === 200 || r.status === 400 || r.status === 404, `${path} ${payload}: HTTP ${r.status}`);
          assert.equal(leaked, undefined, `${path} ${payload}: shows ${leaked}`);
        }
      }
    }
    for (const path of lists) table.add("SQLi (pages)", `${path}: ${SQLI.length} payloads × ${params.length} params, scalar and array`, "200/400, own rows only", `${[...statuses.get(path)!].join("/")}, own rows only`.replace(/^(200|400|200\/400|400\/200)(, own rows only)$/, "200/400$2"));

    const api = new Set<number>();
    for (const payload of SQLI) {
      for (const p of ["state", "type", "due", "page", "text", "sort", "unitCode"]) {
        const res = await fetch(`${server.url}/api/v1/requests?${p}=${encodeURIComponent(payload)}`, { headers: { authorization: `Bearer ${tokenA}`, accept: "application/json" } });
        api.add(res.status);
        const body = (await res.json()) as { items?: Array<{ unit: { id: number } | null }> };
        assert.ok(res.status === 200 || res.status === 400, `api ${p}=${payload}: HTTP ${res.status}`);
        for (const item of body.items ?? []) assert.ok(item.unit && [fx.units.DEPT_A, fx.units.COMMUNE_A1].includes(item.unit.id), `api ${p}=${payload}: a row of unit ${item.unit?.id}`);
      }
    }
    table.add("SQLi (API)", `GET /api/v1/requests: ${SQLI.length} payloads × 7 params`, "200/400, own rows only", `${[...api].sort().join("/")}, own rows only`);
    assert.equal(await server.core.store.certificates.countAll(), certificatesBefore, "the certificates table is intact");
  });

  it("CSRF: a form post without the token, with a wrong one, or with one from a signed-out session is refused (403, audited) and changes nothing", async function () {
    this.timeout(30_000);
    const before = (await server.core.store.auditQueries.list({ actionPrefix: "csrf.refused", outcome: "refused", limit: 100 })).rows.length;
    const form = { kind: "individual", unitId: String(fx.units.DEPT_A), name: "Trần CSRF", nationalId: "055055055055", position: "Chuyên viên", email: "csrf@thunghiem.gov.vn" };
    const cases: Array<[string, () => Promise<number>]> = [
      ["no _csrf field", async () => (await focal.post("/subscribers/new", form, false)).status],
      ["a wrong _csrf", async () => (await focal.post("/subscribers/new", { ...form, _csrf: "0".repeat(43) })).status],
      ["another user's _csrf", async () => {
        const other = new WebClient(server.url);
        await other.signIn("focal_b", PASSWORD);
        await other.get("/subscribers/new");
        return (await focal.post("/subscribers/new", { ...form, _csrf: other.csrf! })).status;
      }],
      ["_csrf replayed after sign-out, new session", async () => {
        const c = new WebClient(server.url);
        await c.signIn("focal_a", PASSWORD);
        await c.get("/subscribers/new");
        const old = c.csrf!;
        await c.post("/logout");
        await c.signIn("focal_a", PASSWORD);
        return (await c.post("/subscribers/new", { ...form, _csrf: old })).status;
      }],
      ["_csrf replayed with no session cookie", async () => {
        await focal.get("/subscribers/new");
        return (await new WebClient(server.url).post("/subscribers/new", { ...form, _csrf: focal.csrf! })).status;
      }],
    ];
    for (const [label, run] of cases) {
      const status = await run();
      table.add("CSRF POST /subscribers/new", label, "HTTP 403", status === 403 ? "HTTP 403" : `HTTP ${status}`);
      // Without a session the page sends the visitor to sign in (303) before any CSRF check: also refused.
      assert.ok(status === 403 || (label.includes("no session") && status === 303), `${label}: HTTP ${status}`);
    }
    const after = (await server.core.store.auditQueries.list({ actionPrefix: "csrf.refused", outcome: "refused", limit: 100 })).rows.length;
    assert.ok(after - before >= 4, `CSRF refusals audited (${after - before})`);
    const all = await server.core.store.auditQueries.list({ actionPrefix: "subscriber.create", outcome: "ok", limit: 100 });
    assert.ok(!all.rows.some((r) => JSON.stringify(r.details).includes("Trần CSRF")), "no subscriber was created");
  });

  it("uploads: wrong type, oversized and traversal file names are refused or neutralised", async function () {
    this.timeout(30_000);
    const draft = own.requests[0]!;
    const attach = async (body: Buffer | string, type: string, filename: string) => {
      const res = await fetch(`${server.url}/api/v1/requests/${draft}/attachments?filename=${encodeURIComponent(filename)}`, { method: "POST", headers: { authorization: `Bearer ${tokenA}`, "content-type": type, accept: "application/json" }, body: typeof body === "string" ? body : new Uint8Array(body) });
      const json = (await res.json().catch(() => ({}))) as { error?: { code?: string }; id?: number };
      return { status: res.status, code: json.error?.code ?? "", id: json.id };
    };
    const max = server.core.config.requests.attachmentMaxBytes;
    const cases: Array<[string, Buffer | string, string, string]> = [
      ["HTML as text/html", "<html><script>alert(1)</script></html>", "text/html", "ATTACHMENT_INVALID"],
      ["an EXE claiming application/pdf", Buffer.concat([Buffer.from("MZ\x90\x00"), Buffer.alloc(512)]), "application/pdf", "ATTACHMENT_INVALID"],
      ["a PDF one byte over the limit", Buffer.concat([PDF, Buffer.alloc(max + 1 - PDF.length, 0x20)]), "application/pdf", "ATTACHMENT_TOO_LARGE"],
      ["an empty body", Buffer.alloc(0), "application/pdf", "ATTACHMENT_INVALID"],
    ];
    for (const [label, body, type, expected] of cases) {
      const r = await attach(body, type, "mau-don.pdf");
      table.add("upload (API attachment)", label, expected, r.code || `HTTP ${r.status}`);
      assert.equal(r.code, expected, `${label}: ${JSON.stringify(r)}`);
    }
    // Bulk import with a file that is not a spreadsheet.
    const bulk = new FormData();
    await focal.get("/requests/import");
    bulk.set("_csrf", focal.csrf!);
    bulk.set("file", new Blob(["<html><script>alert(1)</script></html>"], { type: "text/html" }), "danh-sach.xlsx");
    const imp = await fetch(`${server.url}/requests/import`, { method: "POST", body: bulk, headers: { cookie: [...focal.cookies].map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join("; "), accept: "text/html" }, redirect: "manual" });
    const impText = await imp.text();
    table.add("upload (bulk import)", "HTML named .xlsx", "HTTP 400/415", imp.status === 400 || imp.status === 415 ? "HTTP 400/415" : `HTTP ${imp.status}`);
    assert.ok(imp.status === 400 || imp.status === 415, `${imp.status}: ${impText.slice(0, 300)}`);
    assert.ok(neutralised(impText));

    // Path traversal and header injection in the stored name: the download names a plain file.
    for (const name of ["../../etc/passwd", "..\\..\\windows\\win.ini", "a\r\nSet-Cookie: pwned=1.pdf", "/etc/shadow"]) {
      const r = await attach(PDF, "application/pdf", name);
      assert.equal(r.status, 201, `${JSON.stringify(name)}: ${JSON.stringify(r)}`);
      const dl = await focal.get(`/requests/${draft}/attachments/${r.id}`);
      const cd = dl.headers.get("content-disposition") ?? "";
      // A plain name: no directory separator (in either form of the parameter), no line break, not "." or "..".
      const names = [...cd.matchAll(/filename\*?=(?:UTF-8'')?"?([^";]*)"?/gi)].map((m) => decodeURIComponent(m[1]!));
      const safe = dl.status === 200 && names.length > 0 && names.every((n) => !/[\\/\r\n]/.test(n) && n !== "." && n !== "..") && !dl.headers.get("set-cookie")?.includes("pwned");
      table.add("download name", JSON.stringify(name), "plain file name", safe ? "plain file name" : `HTTP ${dl.status} ${cd}`);
      assert.ok(safe, `${JSON.stringify(name)} → HTTP ${dl.status}, Content-Disposition: ${cd}`);
    }
    for (const path of ["/pki/ca/..%2F..%2Fetc%2Fpasswd", "/pki/crl/..%2F..%2Fconfig.json", "/reports/signed/1/..%2F..%2Fetc%2Fpasswd", "/certificates/..%2F..%2Fetc%2Fpasswd/pem"]) {
      const r = await focal.get(path);
      table.add("path traversal (GET)", path, "404/400", r.status === 404 || r.status === 400 ? "404/400" : `HTTP ${r.status}`);
      assert.ok((r.status === 404 || r.status === 400) && !r.text.includes("root:"), `${path}: HTTP ${r.status}`);
    }
  });

  it("ID guessing: a focal point walking ids of another agency's requests, certificates, subscribers and tokens gets 404 every time, audited", async function () {
    this.timeout(30_000);
    const deniedBefore = (await server.core.store.auditQueries.list({ outcome: "refused", limit: 1000 })).rows.length;
    const maxId = Math.max(...foreign.requests, ...own.requests, ...foreign.subscribers, ...own.subscribers, ...foreign.tokens, ...own.tokens) + 3;
    const walk = async (what: string, path: (id: number) => string, mine: number[], theirs: number[]) => {
      let probed = 0;
      for (let id = 1; id <= maxId; id++) {
        if (mine.includes(id)) continue;
        const r = await focal.get(path(id));
        probed += 1;
        const leak = foreignNames.find((n) => r.text.includes(n));
        assert.equal(r.status, 404, `${what} ${id}: HTTP ${r.status}`);
        assert.equal(leak, undefined, `${what} ${id} shows ${leak}`);
      }
      table.add("ID guessing (pages)", `${what} 1..${maxId} (${theirs.length} of DEPT_B among them)`, "all 404", "all 404");
      return probed;
    };
    await walk("/requests/:id", (id) => `/requests/${id}`, own.requests, foreign.requests);
    await walk("/subscribers/:id", (id) => `/subscribers/${id}`, own.subscribers, foreign.subscribers);
    await walk("/tokens/:id", (id) => `/tokens/${id}`, own.tokens, foreign.tokens);
    for (const serial of foreign.certs) {
      const page = await focal.get(`/certificates/${serial}`);
      const pem = await focal.get(`/certificates/${serial}/pem`);
      assert.equal(page.status, 404);
      assert.equal(pem.status, 404);
    }
    table.add("ID guessing (pages)", "/certificates/:serial and /pem of DEPT_B and another province", "all 404", "all 404");
    for (const id of foreign.requests) {
      const res = await fetch(`${server.url}/api/v1/requests/${id}`, { headers: { authorization: `Bearer ${tokenA}`, accept: "application/json" } });
      assert.equal(res.status, 404);
    }
    for (const serial of foreign.certs) {
      const res = await fetch(`${server.url}/api/v1/certificates/${serial}`, { headers: { authorization: `Bearer ${tokenA}`, accept: "application/json" } });
      assert.equal(res.status, 404);
    }
    table.add("ID guessing (API)", "/api/v1/requests/:id and /certificates/:serial of DEPT_B", "all 404", "all 404");
    const refused = (await server.core.store.auditQueries.list({ outcome: "refused", limit: 1000 })).rows.slice(0, 1000);
    const deniedAfter = refused.length;
    const foreignCount = foreign.requests.length * 2 + foreign.subscribers.length + foreign.tokens.length + foreign.certs.length * 3;
    assert.ok(deniedAfter - deniedBefore >= foreignCount, `each look at another agency's object is audited (${deniedAfter - deniedBefore} of ${foreignCount})`);
  });

  it("session fixation: a session cookie planted before sign-in is not the one after; a token copied before sign-out is dead after it", async function () {
    this.timeout(30_000);
    const c = new WebClient(server.url);
    const planted = "attacker-chosen-session-value-0123456789abcdefghij";
    c.cookies.set("chungthu_session", planted);
    await c.get("/login");
    const r = await c.post("/login", { username: "focal_a", password: PASSWORD });
    assert.equal(r.status, 303);
    const after = c.cookies.get("chungthu_session");
    assert.ok(after && after !== planted, "a new session token after sign-in");
    const attacker = new WebClient(server.url);
    attacker.cookies.set("chungthu_session", planted);
    assert.equal((await attacker.get("/dashboard")).status, 303, "the planted value is not signed in");
    // Signing out kills the token on the server, not only in the browser: a copy of it is worthless.
    const copy = after!;
    await c.get("/dashboard"); // the signed-in page carries the session's form token
    assert.equal((await c.post("/logout")).status, 303);
    const old = new WebClient(server.url);
    old.cookies.set("chungthu_session", copy);
    const oldStatus = (await old.get("/dashboard")).status;
    table.add("session fixation", "cookie planted before sign-in", "new token, planted one anonymous", "new token, planted one anonymous");
    table.add("session replay", "token copied before sign-out, used after", "signed out (303 to /login)", oldStatus === 303 ? "signed out (303 to /login)" : `HTTP ${oldStatus}`);
    assert.equal(oldStatus, 303, "the signed-out session no longer signs anyone in");
  });

  it("brute-force sign-in: the account locks after 5 wrong passwords (the right one is then refused too) and the address is rate-limited", async function () {
    this.timeout(60_000);
    const c = new WebClient(server.url);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await c.signIn("oversight", `sai-mat-khau-${i}`)).status);
    const right = await c.signIn("oversight", PASSWORD);
    table.add("brute force", "6 wrong passwords for one account", "locked (423/401)", right.status === 303 ? "NOT LOCKED" : "locked (423/401)");
    assert.notEqual(right.status, 303, "the right password is refused while the account is locked");
    assert.match(right.text, /khoá|khóa|locked/i);
    let limited = 0;
    for (let i = 0; i < 45 && !limited; i++) {
      const r = await c.signIn(`khong-ton-tai-${i}`, "x");
      if (r.status === 429) limited = i + 1;
    }
    table.add("brute force", "many usernames from one address", "HTTP 429", limited ? "HTTP 429" : "never limited");
    assert.ok(limited > 0, "the address is rate-limited");
    const audited = await server.core.store.auditQueries.list({ actionPrefix: "auth.login", outcome: "refused", limit: 200 });
    assert.ok(audited.rows.some((r) => JSON.stringify(r.details).includes("rate_limited")), "the rate limit is audited");
    assert.ok(statuses.every((s) => s !== 303 && s < 500), `wrong passwords refused: ${statuses.join(",")}`);
  });
});
