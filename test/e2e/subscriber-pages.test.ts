// The subscriber pages over real HTTP: every role × /subscribers and
// /subscribers/:id (allowed, 403 never — every role sees certificates —, 404 out
// of scope incl. a guessed id of another agency's subscriber, audited), list
// filters (kind, name without diacritics, exact e-mail, exact citizen id) and
// keyset paging, the detail page with the subscriber's certificates in every
// state, newest first, names escaped, and the certificate page's link back.
import { strict as assert } from "node:assert";
import { forEachDatabase } from "../support/databases";
import { startTestServer, TestServer } from "../support/app";
import { AccessFixture, PASSWORD, seedAccessFixture } from "../support/access-fixture";
import { WebClient } from "../support/web-client";
import { makeCsr } from "../support/csr";
import { SUBSCRIBER_PAGE_SIZE } from "../../server/directory/subscriber-directory";

type Who = "admin" | "operator" | "provincial" | "focal_a" | "focal_b" | "oversight";
const EVERYONE: Who[] = ["admin", "operator", "provincial", "focal_a", "focal_b", "oversight"];
const XSS = `<script>alert("x")</script> Đinh & "Ngô"`;

forEachDatabase("subscriber pages", (db) => {
  let server: TestServer;
  let fx: AccessFixture;
  const clients = {} as Record<Who, WebClient>;
  const subs = {} as Record<"an" | "binh" | "cuong" | "dung" | "xss" | "device", number>;
  let anSecond: string;

  before(async function () {
    this.timeout(90_000);
    server = await startTestServer(db);
    fx = await seedAccessFixture(server, db.dataDir);
    const { store, issuance, revocation } = server.core;
    const now = new Date();
    const u = fx.units;
    subs.an = await store.subscribers.insert({ kind: "individual", unitId: u.DEPT_A, name: "Nguyễn Văn An", email: "an@thunghiem.gov.vn", nationalId: "099088001234", position: "Chuyên viên" }, now);
    subs.binh = await store.subscribers.insert({ kind: "individual", unitId: u.COMMUNE_A1, name: "Trần Thị Bình", email: "binh@thunghiem.gov.vn", nationalId: "099190004321" }, now);
    subs.cuong = await store.subscribers.insert({ kind: "individual", unitId: u.DEPT_B, name: "Lê Văn Cường", email: "cuong@thunghiem.gov.vn", nationalId: "099075111111" }, now);
    subs.dung = await store.subscribers.insert({ kind: "individual", unitId: u.OTHER_PROV, name: "Phạm Thị Dung", email: "dung@thunghiem.gov.vn", nationalId: "099182222222" }, now);
    subs.xss = await store.subscribers.insert({ kind: "organization", unitId: u.DEPT_A, name: XSS, email: "vanthu@thunghiem.gov.vn" }, now);
    subs.device = await store.subscribers.insert({ kind: "device", unitId: u.DEPT_B, name: "hethong.syte.thunghiem.gov.vn", purpose: "Hệ thống quản lý văn bản", responsiblePerson: "Phòng CNTT" }, now);
    await store.subscribers.linkCertificates(subs.an, [fx.certs.a]);
    await store.subscribers.linkCertificates(subs.binh, [fx.certs.a1]);
    await store.subscribers.linkCertificates(subs.cuong, [fx.certs.b]);
    await store.subscribers.linkCertificates(subs.dung, [fx.certs.other]);
    // An renews: the first certificate is revoked as superseded, a second one issued.
    await revocation.revoke({ serial: fx.certs.a, reason: "superseded", actor: "test:fixture" });
    await new Promise((r) => setTimeout(r, 1100));
    anSecond = (await issuance.issue({ csr: makeCsr(db.dataDir, "p256").pem, profile: "individual", commonName: "Nguyễn Văn An", organization: "UBND tỉnh Thử Nghiệm", email: "an@thunghiem.gov.vn", actor: "test:fixture", unitId: u.DEPT_A })).serial;
    await store.subscribers.linkCertificates(subs.an, [anSecond]);
    for (const who of EVERYONE) {
      clients[who] = new WebClient(server.url);
      assert.equal((await clients[who].signIn(who, PASSWORD)).status, 303, `${who} signs in`);
    }
  });

  after(async () => {
    await server?.close();
  });

  function matrix(): Array<{ path: string; expect: Record<Who, number> }> {
    const all = (n: number) => Object.fromEntries(EVERYONE.map((w) => [w, n])) as Record<Who, number>;
    const only = (ok: Who[]) => Object.fromEntries(EVERYONE.map((w) => [w, ok.includes(w) ? 200 : 404])) as Record<Who, number>;
    const whole: Who[] = ["admin", "operator", "oversight"];
    return [
      { path: "/subscribers", expect: all(200) },
      { path: "/subscribers?kind=device", expect: all(200) },
      { path: `/subscribers/${subs.an}`, expect: only([...whole, "provincial", "focal_a"]) },
      { path: `/subscribers/${subs.binh}`, expect: only([...whole, "provincial", "focal_a"]) },
      { path: `/subscribers/${subs.cuong}`, expect: only([...whole, "provincial", "focal_b"]) },
      { path: `/subscribers/${subs.device}`, expect: only([...whole, "provincial", "focal_b"]) },
      { path: `/subscribers/${subs.dung}`, expect: only(whole) },
      { path: "/subscribers/999999", expect: all(404) },
      { path: "/subscribers/abc", expect: all(404) },
    ];
  }

  it("answers every role on both routes as the matrix says", async () => {
    const wrong: string[] = [];
    for (const row of matrix()) {
      for (const who of EVERYONE) {
        const r = await clients[who].get(row.path);
        if (r.status !== row.expect[who]) wrong.push(`${who} GET ${row.path}: ${r.status}, expected ${row.expect[who]}`);
      }
    }
    assert.deepEqual(wrong, []);
    assert.equal((await clients.admin.get("/subscribers?kind=bogus")).status, 400);
  });

  it("sends a signed-out visitor to the sign-in page", async () => {
    const anon = new WebClient(server.url);
    for (const path of ["/subscribers", `/subscribers/${subs.an}`]) {
      const r = await anon.get(path);
      assert.equal(r.status, 303, path);
      assert.equal(r.location, `/login?next=${encodeURIComponent(path)}`);
    }
  });

  it("audits a guessed id of another agency's subscriber", async () => {
    assert.equal((await clients.focal_a.get(`/subscribers/${subs.cuong}`)).status, 404);
    const entries = await server.core.store.audit.forObject("subscriber", String(subs.cuong));
    const denied = entries.find((e) => e.action === "subscribers.view" && e.outcome === "refused" && e.actor === "web:focal_a");
    assert.ok(denied, "out-of-scope read is audited");
    assert.equal(denied.details?.reason, "out_of_scope");
  });

  it("shows the link in the navigation for every role", async () => {
    for (const who of EVERYONE) assert.ok((await clients[who].get("/dashboard")).text.includes('href="/subscribers"'), who);
  });

  it("lists only the subscribers of the actor's subtree", async () => {
    const link = (id: number) => `href="/subscribers/${id}"`;
    const a = (await clients.focal_a.get("/subscribers")).text;
    assert.ok(a.includes(link(subs.an)) && a.includes(link(subs.binh)) && a.includes(link(subs.xss)));
    for (const id of [subs.cuong, subs.dung, subs.device]) assert.ok(!a.includes(link(id)), `focal A sees ${id}`);
    const p = (await clients.provincial.get("/subscribers")).text;
    for (const id of [subs.an, subs.binh, subs.cuong, subs.device, subs.xss]) assert.ok(p.includes(link(id)));
    assert.ok(!p.includes(link(subs.dung)));
    const admin = (await clients.admin.get("/subscribers")).text;
    for (const id of Object.values(subs)) assert.ok(admin.includes(link(id)));
    // Searches never reach outside the scope.
    for (const q of ["le van", "cuong@thunghiem.gov.vn", "099075111111"]) assert.ok(!(await clients.focal_a.get(`/subscribers?q=${encodeURIComponent(q)}`)).text.includes(link(subs.cuong)), q);
  });

  it("filters by kind, by name without diacritics, by exact e-mail and by exact citizen id", async () => {
    const c = clients.admin;
    const found = async (query: string) => {
      const text = (await c.get(`/subscribers?${query}`)).text;
      return Object.entries(subs).filter(([, id]) => text.includes(`href="/subscribers/${id}"`)).map(([k]) => k).sort();
    };
    assert.deepEqual(await found("kind=device"), ["device"]);
    assert.deepEqual(await found("kind=organization"), ["xss"]);
    assert.deepEqual(await found(`q=${encodeURIComponent("nguyen van")}`), ["an"]);
    assert.deepEqual(await found(`q=${encodeURIComponent("Trần Thị")}`), ["binh"]);
    assert.deepEqual(await found(`q=${encodeURIComponent("CUONG@thunghiem.gov.vn")}`), ["cuong"]);
    assert.deepEqual(await found("q=099182222222"), ["dung"]);
    assert.deepEqual(await found("q=09918222222"), []);
    assert.deepEqual(await found(`kind=individual&q=${encodeURIComponent("le van")}`), ["cuong"]);
    assert.deepEqual(await found(`kind=device&q=${encodeURIComponent("le van")}`), []);
  });

  it("pages the list with a keyset cursor, every subscriber once, in name order", async function () {
    this.timeout(60_000);
    const { store } = server.core;
    const now = new Date();
    const extra: number[] = [];
    for (let i = 0; i < SUBSCRIBER_PAGE_SIZE + 7; i++) extra.push(await store.subscribers.insert({ kind: "individual", unitId: fx.units.DEPT_B, name: `Vũ Thị Page ${String(i).padStart(3, "0")}`, email: `p${i}@thunghiem.gov.vn` }, now));
    const c = clients.focal_b;
    const seen: number[] = [];
    let url: string | null = `/subscribers?q=${encodeURIComponent("vu thi page")}`;
    let pages = 0;
    while (url) {
      const r = await c.get(url);
      assert.equal(r.status, 200);
      seen.push(...[...r.text.matchAll(/href="\/subscribers\/(\d+)"/g)].map((m) => Number(m[1])));
      const next = /<a href="([^"]+)" rel="next">/.exec(r.text);
      url = next ? next[1]!.replace(/&amp;/g, "&").replace(/&#x3D;/g, "=") : null;
      assert.ok(++pages <= 3, "paging ends");
    }
    assert.equal(pages, 2);
    assert.deepEqual(seen, extra);
  });

  it("shows a subscriber with their certificates in every state, newest first, and links back from a certificate", async () => {
    const r = await clients.focal_a.get(`/subscribers/${subs.an}`);
    assert.equal(r.status, 200);
    assert.ok(r.text.includes("Nguyễn Văn An") && r.text.includes("099088001234") && r.text.includes("Chuyên viên") && r.text.includes("Sở Tài chính"));
    const i2 = r.text.indexOf(`href="/certificates/${anSecond}"`);
    const i1 = r.text.indexOf(`href="/certificates/${fx.certs.a}"`);
    assert.ok(i2 > 0 && i1 > i2, "both certificates, the newer first");
    assert.match(r.text, /status-revoked/);
    assert.match(r.text, /status-active/);
    const cert = await clients.focal_a.get(`/certificates/${anSecond}`);
    assert.ok(cert.text.includes(`href="/subscribers/${subs.an}"`));
    // A certificate with no subscriber has no link.
    assert.ok(!(await clients.admin.get(`/certificates/${fx.certs.none}`)).text.includes('href="/subscribers/'));
    const en = await clients.focal_a.get(`/subscribers/${subs.an}?lang=en`);
    assert.ok(en.text.includes("Managing agency") && en.text.includes("Citizen ID"));
  });

  it("escapes names on the list and the detail page", async () => {
    for (const path of ["/subscribers?kind=organization", `/subscribers/${subs.xss}`]) {
      const r = await clients.focal_a.get(path);
      assert.equal(r.status, 200);
      assert.ok(!r.text.includes("<script>alert"), path);
      assert.ok(r.text.includes("&lt;script&gt;alert("), path);
    }
  });
});
