// The dashboard reads the actor's unit subtree once per view, whichever
// permissions ask for it (dashboard.view, requests.view, .check, .file: the
// same units for one role), and counts a scope's open dossiers once; the page's
// figures are those of the services asked one by one. Every statement the view
// issues is captured around knex's Client.query (as scripts/bench/web-pages.ts times them).
import { strict as assert } from "node:assert";
import { Client as KnexClient } from "knex";
import { forEachDatabase } from "../support/databases";
import { startTestServer, TestServer } from "../support/app";
import { AccessFixture, actorCall, PASSWORD, seedAccessFixture } from "../support/access-fixture";
import { WebClient } from "../support/web-client";
import { makeCsr } from "../support/csr";

forEachDatabase("dashboard queries", (db) => {
  let server: TestServer;
  let fx: AccessFixture;

  const actor = actorCall;

  before(async function () {
    this.timeout(120_000);
    server = await startTestServer(db);
    fx = await seedAccessFixture(server, db.dataDir);
    const focalA = actor("focal_a", fx.users.focal_a, "agency_focal_point", fx.units.DEPT_A);
    const csr = makeCsr(db.dataDir, "p256").pem;
    for (let n = 1; n <= 3; n++) {
      const data = { fullName: `Nguyễn Văn Đếm ${n}`, nationalId: `0880880${String(n).padStart(5, "0")}`, position: "Chuyên viên", email: `dem${n}@thunghiem.gov.vn` };
      await server.portal.requests.create(focalA, { type: "new_individual", unitId: fx.units.DEPT_A, data, csr, submit: true, source: "api" });
    }
  });

  after(async () => {
    await server?.close();
  });

  /** The SQL of the statements `fn` issues. */
  async function statementsOf(fn: () => Promise<unknown>): Promise<string[]> {
    const proto = KnexClient.prototype as unknown as { query: (conn: unknown, q: { sql?: string } | string) => Promise<unknown> };
    const original = proto.query;
    const out: string[] = [];
    proto.query = function (this: unknown, conn, q) {
      out.push(typeof q === "string" ? q : (q.sql ?? ""));
      return original.call(this, conn, q);
    };
    try {
      await fn();
    } finally {
      proto.query = original;
    }
    return out;
  }

  const subtreeReads = (sql: string[]) => sql.filter((s) => /with recursive/i.test(s)).length;
  const openCounts = (sql: string[]) => sql.filter((s) => /from\s+["`]requests["`]/i.test(s) && /group by\s+["`]state["`]/i.test(s)).length;

  for (const [who, role, unit] of [
    ["provincial", "provincial_officer", "PROV"],
    ["focal_a", "agency_focal_point", "DEPT_A"],
  ] as const) {
    it(`${who}: one subtree read and one open-dossier count per view, the same figures`, async () => {
      const ctx = actor(who, fx.users[who], role, fx.units[unit]);
      let summary: Awaited<ReturnType<typeof server.portal.dashboard.summary>> | undefined;
      const sql = await statementsOf(async () => {
        summary = await server.portal.dashboard.summary(ctx);
      });
      assert.equal(subtreeReads(sql), 1, `subtree reads in\n${sql.join("\n")}`);
      assert.equal(openCounts(sql), 1, `open-dossier counts in\n${sql.join("\n")}`);
      // The figures are the services' own, each asked with its own scope.
      const w = await server.portal.requests.waitingFor(ctx.actor);
      if (role === "provincial_officer") {
        assert.equal(w.toCheck, 3);
        assert.equal(summary!.waiting.check?.counts[0]?.n, w.toCheck);
        // The count reads the states the officer's roles act on (submitted; returned and drafts as a filer), not every live one.
        const countSql = sql.find((s) => /group by\s+["`]state["`]/i.test(s))!;
        const states = /["`]state["`] in \(([?, ]*)\)/.exec(countSql)?.[1]?.split(",").length;
        assert.equal(states, 3, countSql);
        assert.equal(w.overdue, w.checkDeadlines.overdue, "the digest's overdue is the queue's");
        // Overdue and due today come from the same counting statement: the only other read of requests is the urgent list.
        assert.equal(sql.filter((s) => /from\s+["`]requests["`]/i.test(s)).length, 2, `reads of requests in\n${sql.join("\n")}`);
        for (const [key, due] of [["dashboard.wait.overdue", "overdue"], ["dashboard.wait.dueToday", "due_today"]] as const) {
          const listed = await server.portal.requests.list(ctx, { states: ["submitted"], due });
          assert.equal(summary!.waiting.check?.counts.find((c) => c.key === key)?.n, listed.rows.length, `${key}: the count is what its list shows`);
        }
        const list = await server.portal.requests.list(ctx, { states: ["submitted"], sort: "due" });
        assert.deepEqual(summary!.waiting.check?.urgent.map((r) => r.id), list.rows.slice(0, 5).map((r) => r.id));
      } else {
        assert.ok(summary!.waiting.file);
        assert.equal(summary!.waiting.file.counts.find((c) => c.key === "dashboard.wait.drafts")?.n, w.drafts);
      }
      // PROV → DEPT_A → COMMUNE_A1, PROV → DEPT_B: the subtree read once is the whole subtree.
      assert.equal(summary!.unitCount, role === "provincial_officer" ? 4 : 2);
    });
  }

  it("one page view over HTTP reads the subtree once between the side panel, the dashboard and the lists", async function () {
    this.timeout(30_000);
    const web = new WebClient(server.url);
    assert.equal((await web.signIn("provincial", PASSWORD)).status, 303);
    for (const path of ["/dashboard", "/certificates", "/requests"]) {
      let status = 0;
      const sql = await statementsOf(async () => {
        status = (await web.get(path)).status;
      });
      assert.equal(status, 200, path);
      assert.equal(subtreeReads(sql), 1, `${path}: subtree reads in\n${sql.join("\n")}`);
    }
  });
});
