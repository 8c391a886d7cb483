// How the oversight audit page's queries behave on a large log: loads N entries
// (default 1,000,000; 500 actors, 0.1% refusals, a sign-in every 1,000, dated
// 30 s apart) into a fresh database, then times a page of 50 for each filter the
// page offers (median of 5), on the first page and deep in the log.
// The rows are not hash-chained (the page's reads don't look at the chain).
//
//   npx tsx scripts/bench/audit-page.ts [N]            (sqlite in a temp dir)
//   DATABASE_URL=postgres://… npx tsx scripts/bench/audit-page.ts [N]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { openDatabase } from "../../server/store/connection";
import { migrateLatest } from "../../server/store/migrate";
import { createStore } from "../../server/store/store";
import type { AuditQuery } from "../../server/store/audit-query-store";

const N = Number(process.argv[2] ?? 1_000_000);

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), "chungthu-bench-audit-"));
  const db = openDatabase({ dataDir, databaseUrl: process.env.DATABASE_URL });
  const postgres = db.client.config.client === "pg";
  try {
    await migrateLatest(db);
    const t0 = performance.now();
    const cols = "id, at, actor, action, object_type, object_id, outcome, details";
    const values = (i: string, at: string) => `${i}, ${at}, 'web:user' || (${i} % 500),
        CASE WHEN ${i} % 1000 = 0 THEN 'auth.login' WHEN ${i} % 3 = 0 THEN 'cert.view' ELSE 'units.view' END,
        CASE WHEN ${i} % 2 = 0 THEN 'certificate' ELSE 'unit' END, 'obj' || (${i} % 20000),
        CASE WHEN ${i} % 997 = 0 THEN 'refused' ELSE 'ok' END, '{}'`;
    if (postgres) {
      await db.raw(`INSERT INTO audit_log (${cols}) SELECT ${values("i", `to_char(to_timestamp(1700000000 + i * 30) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`)} FROM generate_series(1, ${N}) AS i`);
      await db.raw("ANALYZE audit_log");
    } else {
      await db.raw(`WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < ${N})
        INSERT INTO audit_log (${cols}) SELECT ${values("i", "strftime('%Y-%m-%dT%H:%M:%SZ', 1700000000 + i * 30, 'unixepoch')")} FROM c`);
      await db.raw("ANALYZE");
    }
    console.log(`${N} entries loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s (${postgres ? "PostgreSQL" : "sqlite"})`);
    const store = createStore(db);
    const mid = Math.floor(N / 2);
    const day = (i: number) => new Date((1700000000 + i * 30) * 1000).toISOString().slice(0, 10);
    const cases: Array<[string, Omit<AuditQuery, "limit">]> = [
      ["newest, no filter", {}],
      ["no filter, deep (keyset)", { beforeId: mid }],
      ["outcome=refused", { outcome: "refused" }],
      ["outcome=refused, deep", { outcome: "refused", beforeId: mid }],
      ["actor", { actor: "web:user7" }],
      ["action prefix auth.", { actionPrefix: "auth." }],
      ["action prefix, no match", { actionPrefix: "nothing." }],
      ["object type", { objectType: "unit" }],
      ["object type + id", { objectType: "certificate", objectId: "obj42" }],
      ["one old day", { fromAt: `${day(mid)}T00:00:00Z`, toAt: `${day(mid + 2880)}T00:00:00Z` }],
      ["actor + old day", { actor: "web:user7", fromAt: `${day(mid)}T00:00:00Z`, toAt: `${day(mid + 2880)}T00:00:00Z` }],
    ];
    for (const [name, q] of cases) {
      const times: number[] = [];
      let rows = 0;
      for (let k = 0; k < 5; k++) {
        const t = performance.now();
        rows = (await store.auditQueries.list({ ...q, limit: 50 })).rows.length;
        times.push(performance.now() - t);
      }
      times.sort((a, b) => a - b);
      console.log(`${name.padEnd(28)} ${times[2]!.toFixed(1).padStart(8)} ms  (${rows} rows)`);
    }
  } finally {
    await db.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

void main().catch((e) => {
  console.error(e);
  process.exit(1);
});
