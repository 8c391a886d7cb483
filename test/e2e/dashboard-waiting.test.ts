// The dashboard's "what waits for me" panel over real HTTP, per role, for a set
// of requests filed through portal.requests on the running server: the
// provincial officer's dossiers to check (overdue, due today, the most urgent),
// the CA operator's forwarded dossiers, the focal point's returned dossiers,
// drafts, tokens to collect and certificates expiring, oversight's counts; each
// number links to its filtered list, and another agency's requests are never counted.
import { strict as assert } from "node:assert";
import type { CallContext } from "../../server/access/actor";
import { vietnamDay } from "../../server/directory/unit-source";
import { referenceOf } from "../../server/ra/request-ports";
import { forEachDatabase } from "../support/databases";
import { startTestServer, TestServer } from "../support/app";
import { AccessFixture, actorCall, PASSWORD, seedAccessFixture } from "../support/access-fixture";
import { WebClient } from "../support/web-client";
import { makeCsr } from "../support/csr";

type Who = "admin" | "operator" | "provincial" | "focal_a" | "focal_b" | "oversight";

/** The panel's tiles on a dashboard page: key → { text, href }. */
function tiles(html: string): Map<string, { n: string; href: string }> {
  const out = new Map<string, { n: string; href: string }>();
  for (const m of html.matchAll(/data-wait="([^"]+)"><a href="([^"]*)"><span class="tile-n">([^<]*)<\/span>/g)) {
    const href = m[2]!.replace(/&amp;/g, "&").replace(/&#x3D;/g, "=");
    out.set(m[1]!.replace("dashboard.wait.", ""), { n: m[3]!, href });
  }
  return out;
}

const numbers = (html: string) => Object.fromEntries([...tiles(html)].map(([k, v]) => [k, v.n]));

forEachDatabase("dashboard waiting panel", (db) => {
  let server: TestServer;
  let fx: AccessFixture;
  const clients = {} as Record<Who, WebClient>;
  const ids = {} as Record<string, number>;

  const actor = actorCall;

  before(async function () {
    this.timeout(120_000);
    server = await startTestServer(db);
    fx = await seedAccessFixture(server, db.dataDir);
    const { portal } = server;
    const { store } = server.core;
    const u = fx.units;
    const focalA = actor("focal_a", fx.users.focal_a, "agency_focal_point", u.DEPT_A);
    const focalB = actor("focal_b", fx.users.focal_b, "agency_focal_point", u.DEPT_B);
    const provincial = actor("provincial", fx.users.provincial, "provincial_officer", u.PROV);
    // Another province's agency and officer: nobody in our province may count their dossiers.
    const focalOther = actor("focal_other", 0, "agency_focal_point", u.OTHER_PROV);
    const provOther = actor("prov_other", 0, "provincial_officer", u.OTHER_PROV);
    const csr = makeCsr(db.dataDir, "p256").pem;
    let n = 0;
    const file = async (ctx: CallContext, unitId: number, submit: boolean) => {
      n++;
      const data = { fullName: `Nguyễn Văn Hồ Sơ ${n}`, nationalId: `0990990${String(n).padStart(5, "0")}`, position: "Chuyên viên", email: `hoso${n}@thunghiem.gov.vn` };
      return (await portal.requests.create(ctx, { type: "new_individual", unitId, data, csr, submit, source: "api" })).id;
    };
    const today = vietnamDay(new Date());
    const shift = (days: number) => new Date(Date.parse(`${today}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
    const due = (id: number, day: string) => store.requests.patch(id, { dueDate: day }, new Date());

    ids.A1 = await file(focalA, u.DEPT_A, true);
    await due(ids.A1, shift(-2));
    ids.A2 = await file(focalA, u.DEPT_A, true);
    await due(ids.A2, today);
    ids.A3 = await file(focalA, u.DEPT_A, true);
    await due(ids.A3, shift(10));
    ids.A4 = await file(focalA, u.DEPT_A, true);
    await portal.requests.act(provincial, ids.A4, "forward");
    ids.A5 = await file(focalA, u.DEPT_A, true);
    await portal.requests.act(provincial, ids.A5, "return", "Thiếu bản scan mẫu đơn");
    ids.A6 = await file(focalA, u.DEPT_A, false);
    ids.C1 = await file(focalA, u.COMMUNE_A1, true);
    await due(ids.C1, shift(-1));
    // Mẫu 08: a token the agency has to collect.
    const tokenId = await store.tokens.insert({ serial: "TK-DASH-A", type: "usb_token", unitId: u.DEPT_A, state: "in_use" }, new Date());
    assert.equal(typeof tokenId, "number");
    ids.TR = (await portal.requests.create(focalA, { type: "token_return", unitId: u.DEPT_A, data: { tokenSerial: "TK-DASH-A", reasonText: "Nghỉ hưu" }, submit: true, source: "api" })).id;
    await due(ids.TR, shift(5));
    ids.B1 = await file(focalB, u.DEPT_B, true);
    await due(ids.B1, shift(-3));
    ids.B2 = await file(focalB, u.DEPT_B, false);
    ids.O1 = await file(focalOther, u.OTHER_PROV, true);
    await due(ids.O1, shift(-5));
    ids.O2 = await file(focalOther, u.OTHER_PROV, true);
    await due(ids.O2, today);
    ids.O3 = await file(focalOther, u.OTHER_PROV, true);
    await portal.requests.act(provOther, ids.O3, "forward");
    await due(ids.O3, shift(-1));
    ids.O4 = await file(focalOther, u.OTHER_PROV, true);
    await portal.requests.act(provOther, ids.O4, "return", "Sai chức vụ");
    ids.O5 = await file(focalOther, u.OTHER_PROV, false);
    // A certificate of agency A's that expires within 30 days.
    await server.core.issuance.issue({ csr: makeCsr(db.dataDir, "p256").pem, profile: "individual", commonName: "Đỗ Thị Sắp Hết", organization: "UBND tỉnh Thử Nghiệm", email: "saphet@thunghiem.gov.vn", actor: "test:fixture", unitId: u.COMMUNE_A1, days: 10 });
    for (const who of Object.keys(fx.users) as Who[]) {
      clients[who] = new WebClient(server.url);
      assert.equal((await clients[who].signIn(who, PASSWORD)).status, 303, `${who} signs in`);
    }
  });

  after(async () => {
    await server?.close();
  });

  it("shows the provincial officer the dossiers to check in the province, overdue and due today, the most urgent first", async () => {
    const r = await clients.provincial.get("/dashboard");
    assert.equal(r.status, 200);
    const t = tiles(r.text);
    assert.deepEqual(numbers(r.text), { toCheck: "6", overdue: "3", dueToday: "1" });
    assert.equal(t.get("toCheck")!.href, "/requests?state=submitted");
    assert.equal(t.get("overdue")!.href, "/requests?state=submitted&due=overdue");
    assert.equal(t.get("dueToday")!.href, "/requests?state=submitted&due=due_today");
    const table = /<table class="list" data-urgent>[\s\S]*?<\/table>/.exec(r.text)?.[0] ?? "";
    const listed = [...table.matchAll(/href="\/requests\/(\d+)"/g)].map((m) => Number(m[1]));
    assert.equal(listed.length, 5);
    // Earliest deadline first: B1 (-3 days), A1 (-2), C1 (-1), then A2 (today).
    assert.deepEqual(listed.slice(0, 4), [ids.B1, ids.A1, ids.C1, ids.A2]);
    assert.ok(table.includes(referenceOf(ids.A1)) && table.includes("Sở Tài chính") && table.includes("quá hạn"));
    for (const id of [ids.O1, ids.O2, ids.O3]) assert.ok(!r.text.includes(`/requests/${id}"`), `another province's ${id}`);
    assert.ok(r.text.replace(/&#x3D;/g, "=").includes('<a href="/requests?state=submitted">'), "see all");
  });

  it("shows the CA operator the forwarded dossiers of every province", async () => {
    const r = await clients.operator.get("/dashboard");
    assert.deepEqual(numbers(r.text), { toApprove: "2", overdue: "1", dueToday: "0" });
    assert.equal(tiles(r.text).get("toApprove")!.href, "/requests?state=forwarded");
    assert.equal(tiles(r.text).get("overdue")!.href, "/requests?state=forwarded&due=overdue");
    const table = /<table class="list" data-urgent>[\s\S]*?<\/table>/.exec(r.text)?.[0] ?? "";
    assert.deepEqual([...table.matchAll(/href="\/requests\/(\d+)"/g)].map((m) => Number(m[1])), [ids.O3, ids.A4]);
  });

  it("shows a focal point their own agency's returned dossiers, drafts, tokens to collect and certificates expiring, never another agency's", async () => {
    const a = await clients.focal_a.get("/dashboard");
    assert.deepEqual(numbers(a.text), { returned: "1", drafts: "1", tokens: "1", expiring: "1" });
    const t = tiles(a.text);
    assert.equal(t.get("returned")!.href, "/requests?state=returned");
    assert.equal(t.get("drafts")!.href, "/requests?state=draft");
    assert.equal(t.get("tokens")!.href, "/requests?type=token_return");
    assert.equal(t.get("expiring")!.href, "#expiring");
    assert.ok(a.text.includes('id="expiring"'));
    const b = await clients.focal_b.get("/dashboard");
    assert.deepEqual(numbers(b.text), { returned: "0", drafts: "1", tokens: "0", expiring: "0" });
    assert.ok(!b.text.includes("data-urgent"));
  });

  it("shows oversight and admin counts only, over the whole CA", async () => {
    for (const who of ["oversight", "admin"] as const) {
      const r = await clients[who].get("/dashboard");
      assert.deepEqual(numbers(r.text), { submitted: "8", forwarded: "2", returned: "2", overdue: "5", dueToday: "2" }, who);
      assert.equal(tiles(r.text).get("overdue")!.href, "/requests?due=overdue");
      assert.ok(!r.text.includes("data-urgent"), `${who}: no rows`);
    }
  });

  it("says it in English too", async () => {
    const r = await clients.provincial.get("/dashboard?lang=en");
    assert.ok(r.text.includes("Waiting for you") && r.text.includes("Requests to check") && r.text.includes("Overdue"));
    const vi = await clients.provincial.get("/dashboard?lang=vi");
    assert.ok(vi.text.includes("Việc đang chờ bạn") && vi.text.includes("Hồ sơ chờ kiểm tra"));
  });
});
