// Index checks (issue 7, production shape): on a dataset built by `demo scale`'s
// builder, the hot queries — certificate lists scoped to one agency and to the
// province (keyset pages), name-prefix search, the subscriber list, the request
// queue by state and due date, the request, subscriber and token lists of a few
// units (read unit by unit: no sort of the scope), the dashboard's request counts, the OCSP status
// look-up, a CRL entries page and the revocation feed — are run through the
// real store functions, their SQL captured and EXPLAINed: sqlite with EXPLAIN
// QUERY PLAN, PostgreSQL with EXPLAIN (FORMAT JSON) after ANALYZE. None may read
// certificates, requests, subscribers or revocations by a full table scan.
// SCALE_PLAN_CERTS changes the size (default 6,000 certificates, 2,000 requests, 100 units).
import { strict as assert } from "node:assert";
import knexFactory, { type Knex } from "knex";
import { forEachDatabase } from "../support/databases";
import { TEST_PASSPHRASE, TEST_PUBLIC_URL } from "../support/app";
import { loadConfig } from "../../server/config/load-config";
import { openCore, type Core } from "../../server/core";
import { buildScaleDataset } from "../../server/demo/scale-dataset";
import { SCALE_PROVINCE_CODE } from "../../server/demo/scale-names";
import { openScaleStore } from "../../server/store/scale-store";
import { createStore, type Store } from "../../server/store/store";
import { vietnamDay } from "../../server/directory/unit-source";
import { WIDE_SCOPE } from "../../server/store/unit-scope-sql";

const CERTS = Number(process.env.SCALE_PLAN_CERTS ?? 6000);
const WATCHED = ["certificates", "requests", "subscribers", "revocations"];

interface Captured {
  sql: string;
  bindings: readonly unknown[];
}

forEachDatabase("query plans", (db) => {
  let core: Core;
  let k: Knex;
  let store: Store;
  let captured: Captured[] = [];
  let unitIds: number[];
  let oneUnit: number;
  let caId: number;
  let serial: string;

  before(async function () {
    this.timeout(300_000);
    const env = db.env({ CA_KEY_PASSPHRASE: TEST_PASSPHRASE, PUBLIC_URL: TEST_PUBLIC_URL, DEMO: "0" }) as Record<string, string>;
    const config = loadConfig({ env, cwd: db.dataDir });
    core = await openCore(config);
    await core.hierarchy.init({ alg: "p256", force: false, actor: "test" });
    const scale = openScaleStore(config);
    try {
      await buildScaleDataset(
        { config, store: core.store, scale, keyRing: core.keyRing, clock: core.clock },
        { certs: CERTS, revoked: Math.round(CERTS * 0.22), units: 100, requests: 2000, append: false },
      );
    } finally {
      await scale.close();
    }
    k = knexFactory(db.knexConfig());
    k.on("query", (q: { sql: string; bindings?: readonly unknown[] }) => captured.push({ sql: q.sql, bindings: q.bindings ?? [] }));
    store = createStore(k);
    const province = (await core.store.units.findByCode(SCALE_PROVINCE_CODE))!;
    unitIds = await core.store.units.subtreeIdsAsOf(province.id, vietnamDay(new Date()));
    assert.ok(unitIds.length > 64, "a province wider than WIDE_SCOPE, so the walk-the-order path is checked");
    // The agency with the most certificates.
    const top = (await k("certificates").whereNotNull("unit_id").select("unit_id").count({ c: "*" }).groupBy("unit_id").orderBy("c", "desc").first()) as { unit_id: number };
    oneUnit = Number(top.unit_id);
    const rev = (await k("revocations").orderBy("id").first("serial", "ca_id")) as { serial: string; ca_id: number };
    serial = rev.serial;
    caId = Number(rev.ca_id);
  });

  after(async () => {
    await k?.destroy();
    await core?.close();
  });

  /** Runs `fn` against the store and returns the plans of the statements it issued. */
  async function plansOf(fn: () => Promise<unknown>): Promise<Array<{ sql: string; plan: string[]; tree?: PgNode }>> {
    captured = [];
    await fn();
    const queries = captured.filter((q) => /^\s*select/i.test(q.sql));
    assert.ok(queries.length > 0, "the function ran a query");
    const out: Array<{ sql: string; plan: string[]; tree?: PgNode }> = [];
    for (const q of queries) {
      captured = [];
      if (db.kind === "sqlite") {
        const rows = (await k.raw(`EXPLAIN QUERY PLAN ${q.sql}`, q.bindings as Knex.RawBinding[])) as Array<{ detail: string }>;
        out.push({ sql: q.sql, plan: rows.map((r) => r.detail) });
      } else {
        // knex reports PostgreSQL statements with $n placeholders: run them on the driver as they are.
        const conn = (await k.client.acquireConnection()) as { query: (sql: string, values: unknown[]) => Promise<{ rows: Array<{ "QUERY PLAN": unknown }> }> };
        try {
          const r = await conn.query(`EXPLAIN (FORMAT JSON) ${q.sql}`, [...q.bindings]);
          const plan = r.rows[0]!["QUERY PLAN"] as Array<{ Plan: PgNode }>;
          out.push({ sql: q.sql, plan: flatten(plan[0]!.Plan), tree: plan[0]!.Plan });
        } finally {
          await k.client.releaseConnection(conn);
        }
      }
    }
    return out;
  }

  interface PgNode {
    "Node Type": string;
    "Plan Rows"?: number;
    "Relation Name"?: string;
    "Index Name"?: string;
    Plans?: PgNode[];
  }
  function flatten(n: PgNode): string[] {
    const here = `${n["Node Type"]}${n["Relation Name"] ? ` on ${n["Relation Name"]}` : ""}${n["Index Name"] ? ` using ${n["Index Name"]}` : ""}`;
    return [here, ...(n.Plans ?? []).flatMap(flatten)];
  }

  /** No full table scan of a watched table; at least one index used. */
  function assertIndexed(what: string, plans: Array<{ sql: string; plan: string[] }>) {
    for (const p of plans) {
      const text = p.plan.join("\n");
      const fullScan = p.plan.find((line) =>
        db.kind === "sqlite"
          ? WATCHED.some((t) => new RegExp(`^SCAN ${t}\\b(?! USING)`).test(line))
          : WATCHED.some((t) => line === `Seq Scan on ${t}`),
      );
      assert.equal(fullScan, undefined, `${what}: full scan in the plan of\n${p.sql}\n${text}`);
      assert.match(text, db.kind === "sqlite" ? /USING (COVERING |INTEGER PRIMARY KEY|PRIMARY KEY)?\s*(INDEX|KEY)|USING INTEGER PRIMARY KEY/ : /Index|Bitmap/, `${what}: no index in the plan of\n${p.sql}\n${text}`);
    }
  }

  /**
   * No sort of certificates straight off their scan: a keyset page must come
   * from an index in its order (or be merged from per-unit pages that do), not
   * from sorting every row of the scope. sqlite: "USE TEMP B-TREE FOR ORDER BY"
   * right after a SEARCH/SCAN of the table (certificates unless told; not a
   * look-up of listed keys); PostgreSQL: a Sort node whose input is a scan of
   * the table expected to return more than 200 rows.
   */
  /** A look-up of listed keys (a merged page's rows, mergedPageKeys): the sort that follows orders that page only. */
  const byKeys = (line: string) => /^SEARCH \w+ USING (INTEGER PRIMARY KEY|INDEX \w+_unique|INDEX sqlite_autoindex_\w+) \((rowid|id|serial)=\?\)$/.test(line);
  function assertNoScopeSort(what: string, plans: Array<{ sql: string; plan: string[]; tree?: PgNode }>, table = "certificates") {
    // PostgreSQL may rightly sort a few rows it expects (an agency's revoked ones): more than a few pages is the scope.
    const scan = (n: PgNode) => /Scan/.test(n["Node Type"]) && n["Relation Name"] === table && (n["Plan Rows"] ?? 0) > 200;
    const pgSorts = (n: PgNode): boolean => (n["Node Type"] === "Sort" && (n.Plans ?? []).some(scan)) || (n.Plans ?? []).some(pgSorts);
    for (const p of plans) {
      const sorted =
        db.kind === "sqlite" ? p.plan.some((line, i) => line.startsWith("USE TEMP B-TREE FOR ORDER BY") && new RegExp(`^(SEARCH|SCAN) ${table}\\b`).test(p.plan[i - 1] ?? "") && !byKeys(p.plan[i - 1]!)) : pgSorts(p.tree!);
      assert.ok(!sorted, `${what}: the rows of the scope are sorted in the plan of\n${p.sql}\n${p.plan.join("\n")}`);
    }
  }

  it("the checks themselves flag a full scan (a filter no index serves) and a sort of the scope", async () => {
    const sorted = await plansOf(() => k("certificates").where("key_alg", "p256").orderBy("subject_dn").limit(5).select("serial"));
    assert.throws(() => assertNoScopeSort("unindexed order", sorted), /sorted/);
    // The check on another table, as the request lists use it: the old "unit_id in (…) order by id desc" of a
    // few units, which sqlite answers by sorting them (PostgreSQL's plan depends on its row estimates).
    if (db.kind === "sqlite") {
      const old = await plansOf(() => k("requests").whereIn("unit_id", unitIds.slice(0, 12)).orderBy("id", "desc").limit(51).select("*"));
      assert.throws(() => assertNoScopeSort("old request list", old, "requests"), /sorted/);
    }
    const plans = await plansOf(() => k("certificates").where("key_alg", "p384").orWhere("subject_dn", "like", "%Thử%").limit(5).select("serial"));
    assert.throws(() => assertIndexed("unindexed filter", plans), /full scan/);
  });

  const now = () => new Date();
  const today = () => vietnamDay(new Date());

  it("certificate list of one agency, first and next keyset page", async () => {
    const units = { all: false as const, unitIds: [oneUnit] };
    const first = await store.certificateQueries.list({ units, now: now(), limit: 50 });
    assert.ok(first.next, "more than one page");
    assertIndexed("agency list", await plansOf(() => store.certificateQueries.list({ units, now: now(), limit: 50 })));
    assertIndexed("agency list, page 2", await plansOf(() => store.certificateQueries.list({ units, now: now(), limit: 50, after: first.next! })));
    assertIndexed("agency list, revoked", await plansOf(() => store.certificateQueries.list({ units, now: now(), limit: 50, status: "revoked" })));
    for (const status of [undefined, "revoked", "active"] as const) {
      assertNoScopeSort(`agency list, ${status ?? "all"}`, await plansOf(() => store.certificateQueries.list({ units, now: now(), limit: 50, status })));
    }
  });

  it("certificate list of a small province (a few units, most of the rows): unit by unit, no sort of the scope", async () => {
    // The demo province's shape: 12 units holding every certificate. "unit_id in (…) order by … limit"
    // was answered on sqlite by sorting all of them (640 ms at 200k certificates).
    const units = { all: false as const, unitIds: unitIds.slice(0, 12) };
    assert.ok(units.unitIds.length <= WIDE_SCOPE);
    const first = await store.certificateQueries.list({ units, now: now(), limit: 50 });
    assert.ok(first.next, "more than one page");
    for (const status of [undefined, "revoked", "active", "expired"] as const) {
      const plans = await plansOf(() => store.certificateQueries.list({ units, now: now(), limit: 50, status }));
      assertIndexed(`small province, ${status ?? "all"}`, plans);
      assertNoScopeSort(`small province, ${status ?? "all"}`, plans);
    }
    const page2 = await plansOf(() => store.certificateQueries.list({ units, now: now(), limit: 50, after: first.next! }));
    assertIndexed("small province, page 2", page2);
    assertNoScopeSort("small province, page 2", page2);
  });

  it("certificate list of the whole province (wide scope), first and next keyset page", async () => {
    const units = { all: false as const, unitIds };
    const first = await store.certificateQueries.list({ units, now: now(), limit: 50 });
    assertIndexed("province list", await plansOf(() => store.certificateQueries.list({ units, now: now(), limit: 50 })));
    assertNoScopeSort("province list", await plansOf(() => store.certificateQueries.list({ units, now: now(), limit: 50 })));
    assertIndexed("province list, page 2", await plansOf(() => store.certificateQueries.list({ units, now: now(), limit: 50, after: first.next! })));
    assertIndexed("whole-CA list", await plansOf(() => store.certificateQueries.list({ units: { all: true }, now: now(), limit: 50 })));
    assertNoScopeSort("whole-CA list", await plansOf(() => store.certificateQueries.list({ units: { all: true }, now: now(), limit: 50 })));
  });

  it("certificate search by name prefix", async () => {
    const hit = await store.certificateQueries.list({ units: { all: true }, now: now(), limit: 20, text: "nguyen van" });
    assert.ok(hit.rows.length > 0);
    assertIndexed("search, whole CA", await plansOf(() => store.certificateQueries.list({ units: { all: true }, now: now(), limit: 20, text: "nguyen van" })));
    assertIndexed("search, province", await plansOf(() => store.certificateQueries.list({ units: { all: false, unitIds }, now: now(), limit: 20, text: "tran" })));
    assertIndexed("search, agency", await plansOf(() => store.certificateQueries.list({ units: { all: false, unitIds: [oneUnit] }, now: now(), limit: 20, text: "le" })));
  });

  it("subscriber list (agency, province, name prefix)", async () => {
    assertIndexed("subscribers, agency", await plansOf(() => store.subscribers.list({ units: { all: false, unitIds: [oneUnit] }, limit: 50 })));
    assertIndexed("subscribers, province", await plansOf(() => store.subscribers.list({ units: { all: false, unitIds }, limit: 50 })));
    assertIndexed("subscribers, search", await plansOf(() => store.subscribers.list({ units: { all: true }, limit: 50, text: "pham" })));
  });

  it("request, subscriber and token lists of a small province and an agency: unit by unit, no sort of the scope", async () => {
    const small = { all: false as const, unitIds: unitIds.slice(0, 12) };
    const agency = { all: false as const, unitIds: [oneUnit] };
    const base = { today: today(), limit: 50, offset: 0 };
    for (const units of [small, agency]) {
      const label = units === small ? "small province" : "agency";
      for (const sort of ["due", "newest"] as const) {
        for (const offset of [0, 50]) {
          const plans = await plansOf(() => store.requests.list({ ...base, units, sort, offset }));
          assertIndexed(`requests ${label}, ${sort}, offset ${offset}`, plans);
          assertNoScopeSort(`requests ${label}, ${sort}, offset ${offset}`, plans, "requests");
        }
      }
      const subs = await plansOf(() => store.subscribers.list({ units, limit: 50 }));
      assertIndexed(`subscribers ${label}`, subs);
      assertNoScopeSort(`subscribers ${label}`, subs, "subscribers");
      const tokens = await plansOf(() => store.tokens.list({ units, limit: 50 }));
      assertNoScopeSort(`tokens ${label}`, tokens, "tokens");
    }
    const first = await store.subscribers.list({ units: small, limit: 50 });
    assert.ok(first.next, "more than one page of subscribers");
    const subs2 = await plansOf(() => store.subscribers.list({ units: small, limit: 50, after: first.next! }));
    assertIndexed("subscribers small province, page 2", subs2);
    assertNoScopeSort("subscribers small province, page 2", subs2, "subscribers");
  });

  it("request queue by state and due date, and the overdue list", async () => {
    const base = { today: today(), sort: "due" as const, limit: 50, offset: 0 };
    assertIndexed("requests to check (province)", await plansOf(() => store.requests.list({ ...base, units: { all: false, unitIds }, states: ["submitted"] })));
    assertIndexed("requests to approve (CA)", await plansOf(() => store.requests.list({ ...base, units: { all: true }, states: ["forwarded"] })));
    assertIndexed("overdue (agency)", await plansOf(() => store.requests.list({ ...base, units: { all: false, unitIds: [oneUnit] }, due: "overdue" })));
  });

  it("request counts for the dashboard", async () => {
    const province = await plansOf(() => store.requests.counts({ all: false, unitIds }, today()));
    assertIndexed("counts, province", province);
    // Every open dossier of the province is counted: from the index alone, not a row look-up each (sqlite states it).
    if (db.kind === "sqlite") for (const p of province) assert.match(p.plan.join("\n"), /SEARCH requests USING COVERING INDEX/, `counts, province: row look-ups in\n${p.sql}\n${p.plan.join("\n")}`);
    assertIndexed("counts, whole CA", await plansOf(() => store.requests.counts({ all: true }, today())));
  });

  it("OCSP status, a CRL entries page and the revocation feed", async () => {
    assertIndexed("OCSP status", await plansOf(() => store.certificates.ocspStatus(caId, serial)));
    assertIndexed("CRL entries page", await plansOf(async () => {
      for await (const page of store.crls.revokedEntries(caId, new Date(0), 500)) return page;
      return null;
    }));
    // (The start-up recovery's count of a CA's CRL entries reads every revocation of the CA whatever the plan: not checked here.)
    assertIndexed("revocation feed", await plansOf(() => store.certificates.revocationsAfter(100, 1000)));
  });
});
