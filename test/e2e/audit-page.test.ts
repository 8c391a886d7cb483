// The oversight audit page over real HTTP, on both databases: who may open it
// (oversight, admin) and who gets 403 (audited); the chain status from the
// background verifier (intact on a fresh system; after a row is tampered with in
// the database and "verify now", the page names that entry); filters, keyset
// paging, the entry page, and escaping of whatever an entry holds.
import { strict as assert } from "node:assert";
import knexFactory, { type Knex } from "knex";
import { forEachDatabase } from "../support/databases";
import { eventually, startTestServer, TestServer } from "../support/app";
import { PASSWORD, seedAccessFixture } from "../support/access-fixture";
import { WebClient } from "../support/web-client";

type Who = "admin" | "operator" | "provincial" | "focal_a" | "focal_b" | "oversight";
const EVERYONE: Who[] = ["admin", "operator", "provincial", "focal_a", "focal_b", "oversight"];
const ALLOWED: Who[] = ["admin", "oversight"];

/** The ids of the entry rows a list page shows, in order. */
const rowIds = (html: string) => [...html.matchAll(/<tr class="outcome-(?:ok|refused)" data-entry="(\d+)">/g)].map((m) => Number(m[1]));
const stateOf = (html: string) => /id="chain-state" data-state="(\w+)"/.exec(html)?.[1];
const unescape = (s: string) => s.replace(/&#x3D;/g, "=").replace(/&amp;/g, "&");
const nextLink = (html: string) => {
  const m = /<a href="([^"]+)" rel="next">/.exec(html);
  return m ? unescape(m[1]!) : null;
};

forEachDatabase("audit page", (db) => {
  let server: TestServer;
  let raw: Knex;
  const clients = {} as Record<Who, WebClient>;

  before(async function () {
    this.timeout(120_000);
    server = await startTestServer(db);
    await seedAccessFixture(server, db.dataDir);
    for (const who of EVERYONE) {
      clients[who] = new WebClient(server.url);
      const r = await clients[who].signIn(who, PASSWORD);
      assert.equal(r.status, 303, `${who} signs in`);
    }
    raw = knexFactory(db.knexConfig());
  });

  after(async () => {
    await server?.close();
    await raw?.destroy();
  });

  /** Starts a verification and waits until the page shows a result of a run started after now. */
  async function verifyNow(c: WebClient, want: string): Promise<string> {
    await c.get("/audit");
    const r = await c.post("/audit/verify", { returnTo: "/audit?outcome=ok" });
    assert.equal(r.status, 303);
    assert.equal(r.location, "/audit?outcome=ok&verify=started");
    return eventually(
      async () => {
        const page = await c.get("/audit");
        return stateOf(page.text) === want && !page.text.includes('class="hint" role="status"') ? page.text : null;
      },
      20_000,
      `chain state ${want}`,
    );
  }

  it("opens for oversight and admin, with a navigation link; 403 for everyone else, audited", async function () {
    this.timeout(30_000);
    for (const who of EVERYONE) {
      const allowed = ALLOWED.includes(who);
      for (const path of ["/audit", "/audit/1", "/audit?outcome=refused"]) {
        const r = await clients[who].get(path);
        assert.equal(r.status, allowed ? 200 : 403, `${who} GET ${path}`);
      }
      const dash = await clients[who].get("/dashboard");
      assert.equal(dash.text.includes('href="/audit"'), allowed, `${who}: navigation link`);
      const post = await clients[who].post("/audit/verify", {});
      assert.equal(post.status, allowed ? 303 : 403, `${who} POST /audit/verify`);
    }
    const refusals = (await server.core.store.audit.recent(500)).filter((e) => e.outcome === "refused" && e.action.startsWith("audit."));
    for (const who of EVERYONE.filter((w) => !ALLOWED.includes(w))) {
      const mine = refusals.filter((e) => e.actor === `web:${who}`);
      assert.equal(mine.filter((e) => e.action === "audit.view").length, 3, `${who}: three refused views in the log`);
      assert.equal(mine.filter((e) => e.action === "audit.verify").length, 1, `${who}: a refused verify in the log`);
      assert.deepEqual(mine[0]!.details, { reason: "forbidden", permission: "audit.view" });
    }
    assert.equal(refusals.filter((e) => ALLOWED.some((w) => e.actor === `web:${w}`)).length, 0);
    // A form without the CSRF token is refused.
    const noToken = await clients.oversight.post("/audit/verify", {}, false);
    assert.equal(noToken.status, 403);
  });

  it("reports an intact chain on a fresh system, in Vietnamese and in English", async function () {
    this.timeout(30_000);
    const html = await verifyNow(clients.oversight, "intact");
    assert.ok(html.includes("Chuỗi nhật ký toàn vẹn"));
    const head = await server.core.store.audit.head();
    assert.match(html, /Kiểm tra lần cuối lúc<\/dt><dd>\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}<\/dd>/);
    assert.ok(head.entryCount > 0);
    const en = await clients.admin.get("/audit?lang=en");
    assert.equal(stateOf(en.text), "intact");
    assert.ok(en.text.includes("The audit chain is intact"));
    await clients.admin.get("/audit?lang=vi");
  });

  it("names the tampered entry after 'verify now', and is intact again once it is restored", async function () {
    this.timeout(60_000);
    const c = clients.oversight;
    const victim = (await server.core.store.audit.recent(20)).find((e) => e.action === "auth.login")!;
    assert.ok(victim, "a sign-in entry to tamper with");
    const original = (await raw("audit_log").where({ id: victim.id }).first()) as Record<string, unknown>;
    await raw("audit_log").where({ id: victim.id }).update({ details: '{"ip":"10.0.0.66","note":"nothing to see"}' });
    try {
      const html = await verifyNow(c, "broken");
      assert.ok(html.includes(`data-broken-entry="${victim.id}"`), "the page names the entry");
      assert.ok(html.includes(`#${victim.id}`));
      assert.ok(html.includes("Nội dung bản ghi không khớp với mã băm đã lưu"), "the problem in Vietnamese");
      const en = await c.get("/audit?lang=en");
      assert.ok(en.text.includes("does not match its stored hash"), "the problem in English");
      await c.get("/audit?lang=vi");
      // The entry page shows the tampered content and its hashes.
      const entry = await c.get(`/audit/${victim.id}`);
      assert.equal(entry.status, 200);
      assert.ok(entry.text.includes("nothing to see"));
      assert.ok(entry.text.includes(String(original.hash)) && entry.text.includes(String(original.prev_hash)));
    } finally {
      await raw("audit_log").where({ id: victim.id }).update({ details: original.details });
    }
    await verifyNow(c, "intact");
  });

  it("filters refusals: a failed sign-in shows with outcome=refused, not with outcome=ok", async function () {
    this.timeout(30_000);
    const stranger = new WebClient(server.url);
    await stranger.get("/login");
    const failed = await stranger.post("/login", { username: "oversight", password: "sai-mat-khau-roi" });
    assert.notEqual(failed.status, 303);
    const entry = (await server.core.store.audit.recent(5)).find((e) => e.action === "auth.login" && e.outcome === "refused")!;
    assert.ok(entry);
    const refused = await clients.oversight.get("/audit?outcome=refused&action=auth.");
    assert.equal(refused.status, 200);
    assert.ok(rowIds(refused.text).includes(entry.id));
    assert.ok(refused.text.includes(`<tr class="outcome-refused" data-entry="${entry.id}">`), "refusals are highlighted");
    assert.ok(!refused.text.includes('class="outcome-ok"'));
    const ok = await clients.oversight.get("/audit?outcome=ok");
    assert.ok(!rowIds(ok.text).includes(entry.id));
    const byActor = await clients.oversight.get(`/audit?actor=web%3Aoversight&objectType=user&objectId=${entry.objectId}`);
    assert.ok(rowIds(byActor.text).includes(entry.id));
    assert.ok(rowIds(byActor.text).every((id) => id !== 1));
    assert.equal((await clients.oversight.get("/audit?outcome=maybe")).status, 400);
    assert.equal((await clients.oversight.get("/audit?from=2026-02-30")).status, 400);
    assert.equal((await clients.oversight.get("/audit?before=abc")).status, 400);
  });

  it("pages newest first by id, 50 at a time, and filters by date", async function () {
    this.timeout(30_000);
    const now = new Date();
    for (let i = 0; i < 73; i++) await server.core.store.audit.append({ actor: "test:pager", action: "test.page", objectType: "test", objectId: String(i), outcome: "ok" }, now);
    const c = clients.admin;
    const seen: number[] = [];
    let url: string | null = "/audit?action=test.page";
    const sizes: number[] = [];
    while (url) {
      assert.ok(sizes.length < 5, "paging ends");
      const page = await c.get(url);
      assert.equal(page.status, 200);
      const ids = rowIds(page.text);
      sizes.push(ids.length);
      seen.push(...ids);
      url = nextLink(page.text);
    }
    assert.deepEqual(sizes, [50, 23]);
    assert.equal(new Set(seen).size, 73);
    assert.deepEqual(seen, [...seen].sort((a, b) => b - a), "newest first");
    // The action filter is a prefix, with LIKE wildcards taken literally.
    assert.equal(rowIds((await c.get("/audit?action=test.pag")).text).length, 50);
    assert.equal(rowIds((await c.get("/audit?action=test_page")).text).length, 0);
    // Dates are Vietnam days.
    const vnToday = new Date(now.getTime() + 7 * 3_600_000).toISOString().slice(0, 10);
    const vnTomorrow = new Date(now.getTime() + 31 * 3_600_000).toISOString().slice(0, 10);
    assert.equal(rowIds((await c.get(`/audit?action=test.page&from=${vnToday}&to=${vnToday}`)).text).length, 50);
    assert.equal(rowIds((await c.get(`/audit?action=test.page&from=${vnTomorrow}`)).text).length, 0);
    assert.equal(rowIds((await c.get(`/audit?action=test.page&to=2020-01-01`)).text).length, 0);
  });

  it("escapes whatever an entry holds, on the list and on the entry page", async function () {
    this.timeout(30_000);
    await server.core.store.audit.append(
      { actor: "test:<script>alert(1)</script>", action: "test.xss", objectType: "test", objectId: "<script>alert(2)</script>", outcome: "refused", details: { note: "<script>alert(3)</script>" }, before: { a: "</pre><script>alert(4)</script>" } },
      new Date(),
    );
    // And through the real sign-in form.
    const stranger = new WebClient(server.url);
    await stranger.get("/login");
    await stranger.post("/login", { username: "<script>alert(5)</script>", password: "whatever-long-enough" });
    const list = await clients.oversight.get("/audit?action=test.xss");
    assert.equal(rowIds(list.text).length, 1);
    assert.ok(!list.text.includes("<script>"));
    assert.ok(list.text.includes("&lt;script&gt;alert(1)&lt;/script&gt;") && list.text.includes("&lt;script&gt;alert(2)&lt;/script&gt;"));
    const id = rowIds(list.text)[0]!;
    const detail = await clients.oversight.get(`/audit/${id}`);
    assert.equal(detail.status, 200);
    assert.ok(!detail.text.includes("<script>"));
    assert.ok(detail.text.includes("&lt;script&gt;alert(3)&lt;/script&gt;") && detail.text.includes("&lt;/pre&gt;&lt;script&gt;alert(4)"));
    const login = (await server.core.store.audit.recent(5)).find((e) => e.action === "auth.login" && e.outcome === "refused")!;
    const loginPage = await clients.oversight.get(`/audit/${login.id}`);
    assert.ok(!loginPage.text.includes("<script>") && loginPage.text.includes("&lt;script&gt;alert(5)&lt;/script&gt;"));
    assert.equal((await clients.oversight.get("/audit/99999999")).status, 404);
    assert.equal((await clients.oversight.get("/audit/x1")).status, 404);
  });
});
