// The token pages over real HTTP, on sqlite and PostgreSQL: who sees which
// token (out of scope 404, audited — also for every action by URL), the list's
// filters and keyset paging, registering and handing over with the forms, only
// the moves the allow-list permits and the role may make, Vietnamese messages
// for every refusal, and "report lost" from its confirmation page to revoked
// certificates.
import { strict as assert } from "node:assert";
import { TOKEN_PAGE_SIZE } from "../../server/directory/token-directory";
import { AccessFixture, PASSWORD, seedAccessFixture } from "../support/access-fixture";
import { startTestServer, TestServer } from "../support/app";
import { forEachDatabase } from "../support/databases";
import { WebClient } from "../support/web-client";

type Who = "admin" | "operator" | "provincial" | "focal_a" | "focal_b" | "oversight";
const EVERYONE: Who[] = ["admin", "operator", "provincial", "focal_a", "focal_b", "oversight"];

forEachDatabase("token pages", (db) => {
  let server: TestServer;
  let fx: AccessFixture;
  const clients = {} as Record<Who, WebClient>;
  const tok = {} as Record<"a" | "a1" | "b" | "other" | "locked", number>;
  const subs = {} as Record<"an" | "binh" | "cuong", number>;

  before(async function () {
    this.timeout(90_000);
    server = await startTestServer(db);
    fx = await seedAccessFixture(server, db.dataDir);
    const { store } = server.core;
    const now = new Date();
    const u = fx.units;
    subs.an = await store.subscribers.insert({ kind: "individual", unitId: u.DEPT_A, name: "Nguyễn Văn An" }, now);
    subs.binh = await store.subscribers.insert({ kind: "individual", unitId: u.COMMUNE_A1, name: "Trần Thị Bình" }, now);
    subs.cuong = await store.subscribers.insert({ kind: "individual", unitId: u.DEPT_B, name: "Lê Văn Cường" }, now);
    const add = async (serial: string, unitId: number, state: "in_stock" | "in_use" | "locked", holder: number | null, type: "usb_token" | "sim_pki" = "usb_token") =>
      (await store.tokens.insert({ serial, type, unitId, state, holderSubscriberId: holder }, now)) as number;
    tok.a = await add("TKA-0001", u.DEPT_A, "in_use", subs.an);
    tok.a1 = await add("TKA1-0001", u.COMMUNE_A1, "in_stock", null, "sim_pki");
    tok.b = await add("TKB-0001", u.DEPT_B, "in_use", subs.cuong);
    tok.other = await add("TKX-0001", u.OTHER_PROV, "in_stock", null);
    tok.locked = await add("TKA-0002", u.DEPT_A, "locked", subs.an);
    await store.tokens.attachCertificate(fx.certs.a, tok.a);
    await store.tokens.attachCertificate(fx.certs.b, tok.b);
    for (const who of EVERYONE) {
      clients[who] = new WebClient(server.url);
      assert.equal((await clients[who].signIn(who, PASSWORD)).status, 303, `${who} signs in`);
    }
  });
  after(async () => server?.close());

  it("answers every role as the scope says, on the list, the token page, the form and the lost page", async () => {
    const all = (n: number) => Object.fromEntries(EVERYONE.map((w) => [w, n])) as Record<Who, number>;
    const only = (ok: Who[], other = 404) => Object.fromEntries(EVERYONE.map((w) => [w, ok.includes(w) ? 200 : other])) as Record<Who, number>;
    const whole: Who[] = ["admin", "operator", "oversight"];
    const rows: Array<{ path: string; expect: Record<Who, number> }> = [
      { path: "/tokens", expect: all(200) },
      { path: "/tokens?state=in_use&type=usb_token", expect: all(200) },
      { path: "/tokens/new", expect: only(["admin", "operator", "provincial", "focal_a", "focal_b"], 403) },
      { path: `/tokens/${tok.a}`, expect: only([...whole, "provincial", "focal_a"]) },
      { path: `/tokens/${tok.a1}`, expect: only([...whole, "provincial", "focal_a"]) },
      { path: `/tokens/${tok.b}`, expect: only([...whole, "provincial", "focal_b"]) },
      { path: `/tokens/${tok.other}`, expect: only(whole) },
      { path: `/tokens/${tok.b}/lost`, expect: { admin: 200, operator: 200, provincial: 200, focal_a: 404, focal_b: 200, oversight: 403 } },
      { path: "/tokens/999999", expect: all(404) },
      { path: "/tokens/abc", expect: all(404) },
    ];
    const wrong: string[] = [];
    for (const row of rows) for (const who of EVERYONE) {
      const r = await clients[who].get(row.path);
      if (r.status !== row.expect[who]) wrong.push(`${who} GET ${row.path}: ${r.status}, expected ${row.expect[who]}`);
    }
    assert.deepEqual(wrong, []);
    assert.equal((await clients.admin.get("/tokens?state=bogus")).status, 400);
    for (const who of EVERYONE) assert.ok((await clients[who].get("/dashboard")).text.includes('href="/tokens"'), `nav link for ${who}`);
  });

  it("never lets agency B see or act on agency A's token by URL, and audits every attempt", async () => {
    const b = clients.focal_b;
    assert.ok(!(await b.get("/tokens")).text.includes("TKA-0001"));
    assert.ok(!(await b.get("/tokens?q=TKA")).text.includes("TKA-0001"));
    await b.get("/tokens"); // a page with a form: the CSRF token
    const before = (await server.core.store.audit.forObject("token", String(tok.a))).length;
    const attempts = [
      await b.get(`/tokens/${tok.a}`),
      await b.get(`/tokens/${tok.a}/lost`),
      await b.post(`/tokens/${tok.a}/lost`, { note: "thử" }),
      await b.post(`/tokens/${tok.a}/transition`, { to: "damaged" }),
      await b.post(`/tokens/${tok.a}/transition`, { to: "returned" }),
    ];
    assert.deepEqual(attempts.map((r) => r.status), [404, 404, 404, 404, 404]);
    assert.equal((await server.core.store.tokens.findById(tok.a))!.state, "in_use");
    assert.equal((await server.core.store.certificates.findBySerial(fx.certs.a))!.status, "valid");
    const denied = (await server.core.store.audit.forObject("token", String(tok.a))).slice(before);
    assert.equal(denied.length, 5);
    assert.ok(denied.every((e) => e.actor === "web:focal_b" && e.outcome === "refused" && e.details?.reason === "out_of_scope"));
    // Registering into another agency's unit: the unit does not exist for them.
    assert.equal((await b.post("/tokens", { serial: "TKB-9999", type: "usb_token", unit: String(fx.units.DEPT_A) })).status, 404);
  });

  it("registers a token in stock and hands it to a subscriber of its unit with the forms", async () => {
    const a = clients.focal_a;
    await a.get("/tokens/new");
    const r = await a.post("/tokens", { serial: " tka1-0777 ", type: "usb_token", unit: String(fx.units.COMMUNE_A1), note: "Lô token tháng 11" });
    assert.equal(r.status, 303);
    const id = Number(/^\/tokens\/(\d+)\?done=registered$/.exec(r.location!)![1]);
    const page = (await a.get(r.location!)).text;
    assert.ok(page.includes("TKA1-0777") && page.includes("Trong kho") && page.includes("Đã nhập token vào kho."));
    assert.ok(page.includes('class="stack move-issued"'), "handover offered");
    assert.ok(page.includes(`<option value="${subs.binh}">Trần Thị Bình</option>`), "the unit's subscribers offered");
    assert.ok(!page.includes(`<option value="${subs.an}">`), "not another unit's subscriber");

    const dup = await a.post("/tokens", { serial: "TKA1-0777", type: "usb_token", unit: String(fx.units.COMMUNE_A1) });
    assert.equal(dup.status, 409);
    assert.ok(dup.text.includes("Số hiệu token này đã có trong sổ."));
    const bad = await a.post("/tokens", { serial: "x", type: "usb_token", unit: String(fx.units.COMMUNE_A1) });
    assert.equal(bad.status, 400);
    assert.ok(bad.text.includes("Số hiệu token không hợp lệ"));

    const wrongHolder = await a.post(`/tokens/${id}/transition`, { to: "issued", holder: String(subs.an) });
    assert.equal(wrongHolder.status, 400);
    assert.ok(wrongHolder.text.includes("Người nhận token phải là thuê bao thuộc đơn vị quản lý token."));
    const ok = await a.post(`/tokens/${id}/transition`, { to: "issued", holder: String(subs.binh), reason: "Bàn giao theo Mẫu 07" });
    assert.equal(ok.status, 303);
    const after = (await a.get(`/tokens/${id}`)).text;
    assert.ok(after.includes("Đã bàn giao") && after.includes(`href="/subscribers/${subs.binh}"`) && after.includes("Bàn giao theo Mẫu 07"));
    const t = (await server.core.store.tokens.findById(id))!;
    assert.equal(t.state, "issued");
    assert.equal(t.holderSubscriberId, subs.binh);
    const list = (await a.get("/tokens?q=TKA1-0777")).text;
    assert.ok(list.includes("TKA1-0777") && list.includes("Trần Thị Bình"), "the list names the holder");
    const audit = (await server.core.store.audit.forObject("token", String(id))).map((e) => `${e.action}:${e.outcome}`);
    assert.deepEqual(audit.filter((x) => x.endsWith(":ok")), ["token.register:ok", "token.transition:ok"]);
    assert.ok(audit.includes("tokens.transition:refused"), "the refused handover is audited");
  });

  it("offers only the moves the allow-list permits and the role may make, and explains every refusal in Vietnamese", async () => {
    const a = clients.focal_a;
    const page = (await a.get(`/tokens/${tok.a}`)).text;
    for (const to of ["locked", "damaged", "returned"]) assert.ok(page.includes(`move-${to}"`), to);
    for (const to of ["issued", "in_use", "recovered", "in_stock", "lost"]) assert.ok(!page.includes(`move-${to}"`), to);
    assert.ok(page.includes('id="report-lost"'));
    const seen = (await clients.oversight.get(`/tokens/${tok.a}`)).text;
    assert.ok(!seen.includes("move-") && !seen.includes('id="report-lost"'), "oversight only reads");
    // PIN recovery is for the CA operator or the province, not for the agency.
    assert.ok(!(await a.get(`/tokens/${tok.locked}`)).text.includes('move-recovered"'));
    assert.ok((await clients.provincial.get(`/tokens/${tok.locked}`)).text.includes('move-recovered"'));

    const cases: Array<[Record<string, string>, number, string]> = [
      [{ to: "returned" }, 409, `Token vẫn còn chứng thư số đang hiệu lực (${fx.certs.a})`],
      [{ to: "issued", holder: String(subs.an) }, 409, "Không thể chuyển token từ trạng thái «Đang sử dụng» sang «Đã bàn giao»."],
      [{ to: "lost" }, 409, "Hãy dùng chức năng «Báo mất token»"],
      [{ to: "flying" }, 409, "Trạng thái token không hợp lệ."],
    ];
    for (const [form, status, text] of cases) {
      const r = await a.post(`/tokens/${tok.a}/transition`, form);
      assert.equal(r.status, status, JSON.stringify(form));
      assert.ok(r.text.includes(text), `${JSON.stringify(form)}: ${text}`);
    }
    const role = await a.post(`/tokens/${tok.locked}/transition`, { to: "recovered" });
    assert.equal(role.status, 403);
    assert.ok(role.text.includes("Bạn không có quyền thực hiện thao tác này với token"));
    assert.equal((await clients.oversight.post(`/tokens/${tok.a}/transition`, { to: "locked" })).status, 403);
    assert.equal((await server.core.store.tokens.findById(tok.a))!.state, "in_use");
    assert.equal((await server.core.store.tokens.findById(tok.locked))!.state, "locked");
    const refused = (await server.core.store.audit.forObject("token", String(tok.a))).filter((e) => e.actor === "web:focal_a" && e.outcome === "refused");
    assert.ok(refused.length >= cases.length, "every refusal is audited");
    // In English too.
    const en = await a.post(`/tokens/${tok.a}/transition?lang=en`, { to: "returned" });
    assert.ok(en.text.includes("Revoke them first (Form 05)"));
    await a.get("/tokens?lang=vi");
  });

  it("reports a token lost from its confirmation page: every valid certificate on it revoked with keyCompromise at once", async () => {
    const b = clients.focal_b;
    const preview = (await b.get(`/tokens/${tok.b}/lost`)).text;
    assert.ok(preview.includes(fx.certs.b) && preview.includes("1 chứng thư số dưới đây sẽ bị thu hồi ngay"));
    assert.equal((await b.post(`/tokens/${tok.b}/lost`, { note: "thử không có CSRF" }, false)).status, 403);
    assert.equal((await server.core.store.tokens.findById(tok.b))!.state, "in_use");
    const r = await b.post(`/tokens/${tok.b}/lost`, { note: "Mất khi đi công tác" });
    assert.equal(r.status, 303);
    assert.equal(r.location, `/tokens/${tok.b}?done=lost`);
    const page = (await b.get(r.location!)).text;
    assert.ok(page.includes("Đã mất") && page.includes("Đã ghi nhận mất token") && page.includes("Mất khi đi công tác"));
    assert.ok(!page.includes("move-") && !page.includes('id="report-lost"'), "lost is terminal");
    const cert = (await server.core.store.certificates.findBySerial(fx.certs.b))!;
    assert.equal(cert.status, "revoked");
    assert.equal(cert.revocationReason, 1);
    assert.equal((await b.get(`/tokens/${tok.b}/lost`)).status, 409, "no second report");
  });

  it("filters by state, type and unit and pages with a keyset cursor, every token once, in serial order", async function () {
    this.timeout(60_000);
    const { store } = server.core;
    const now = new Date();
    for (let i = 0; i < TOKEN_PAGE_SIZE + 7; i++) await store.tokens.insert({ serial: `PG-${String(i).padStart(4, "0")}`, type: i % 3 ? "usb_token" : "hsm_slot", unitId: fx.units.DEPT_B, state: "in_stock" }, now);
    const walk = async (c: WebClient, query: string) => {
      const serials: string[] = [];
      let path: string | null = `/tokens?${query}`;
      for (let pages = 0; path && pages < 10; pages++) {
        const text: string = (await c.get(path)).text;
        serials.push(...[...text.matchAll(/<code class="serial">([^<]+)<\/code>/g)].map((m) => m[1]!));
        const next = /<a href="([^"]+)" rel="next">/.exec(text);
        path = next ? next[1]!.replace(/&#x3D;/g, "=").replace(/&amp;/g, "&") : null;
      }
      return serials;
    };
    const pg = await walk(clients.focal_b, "q=pg-");
    assert.equal(pg.length, TOKEN_PAGE_SIZE + 7);
    assert.deepEqual(pg, [...pg].sort());
    assert.equal(new Set(pg).size, pg.length);
    assert.equal((await walk(clients.focal_b, "q=PG-&type=hsm_slot")).length, Math.ceil((TOKEN_PAGE_SIZE + 7) / 3));
    assert.deepEqual(await walk(clients.admin, "state=locked"), ["TKA-0002"]);
    assert.deepEqual(await walk(clients.admin, `unit=${fx.units.COMMUNE_A1}&type=sim_pki`), ["TKA1-0001"]);
    assert.deepEqual(await walk(clients.focal_a, `unit=${fx.units.DEPT_A}&state=in_use`), ["TKA-0001"]);
    assert.equal((await clients.focal_a.get(`/tokens?unit=${fx.units.DEPT_B}`)).status, 404);
  });
});
