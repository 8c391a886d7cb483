// The provincial annual report at national scale (issue 6: "renders in under
// 2 s on 1M certificates"): loads N certificates (default 1,000,000, with
// realistic ~2 KB DER rows) over a province of ~160 units, 100k tokens with
// their events, 20k completed requests and a few thousand unit moves into a
// fresh database, then times the provincial summary for 2025 — every aggregate
// query, the year-on-year regrouping and the HTML page with its SVG charts,
// rendered through the same handlebars views as the site.
//
//   npx tsx scripts/bench/report.ts [N]                 (sqlite in a temp dir)
//   DATABASE_URL=postgres://… npx tsx scripts/bench/report.ts [N]
//
// Absolute times only: no external tool produces this report, so a ratio
// against OpenSSL would mean nothing.
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { create } from "express-handlebars";
import { createAccessAudit } from "../../server/access/access-audit";
import { createScoper } from "../../server/access/scope";
import { createGuard } from "../../server/directory/guard";
import { unitSourceFromStore } from "../../server/directory/unit-source";
import { createSla } from "../../server/ra/sla";
import { createReportService } from "../../server/reports/report-service";
import { openDatabase } from "../../server/store/connection";
import { toDbTime } from "../../server/store/db-time";
import { migrateLatest } from "../../server/store/migrate";
import { registerFigures } from "../../server/store/register-stores";
import { createStore } from "../../server/store/store";
import { createTranslator } from "../../server/web/i18n/i18n";
import { reportView } from "../../server/web/report-routes";
import { viewHelpers } from "../../server/web/view-helpers";
import { defaults } from "../../server/config/defaults";

const N = Number(process.argv[2] ?? 1_000_000);
const TOKENS = Math.min(100_000, Math.ceil(N / 10));
const REQUESTS = Math.min(20_000, Math.ceil(N / 50));
const VIEWS = join(__dirname, "..", "..", "views");

async function main(): Promise<void> {
  // REPORT_BENCH_DIR=<dir>: keep the loaded database there and reuse it on the next run (sqlite).
  const keepDir = process.env.REPORT_BENCH_DIR;
  const dataDir = keepDir ?? mkdtempSync(join(tmpdir(), "chungthu-bench-report-"));
  const db = openDatabase({ dataDir, databaseUrl: process.env.DATABASE_URL });
  const postgres = db.client.config.client === "pg";
  try {
    await migrateLatest(db);
    const store = createStore(db);
    const now = new Date("2026-03-02T03:00:00Z");
    const at = toDbTime(now);
    const t0 = performance.now();
    const loaded = Number(((await db("certificates").count("* as n").first()) as { n?: unknown } | undefined)?.n ?? 0);
    if (loaded < N) await load();
    async function load(): Promise<void> {
    const [ca] = (await db("cas")
      .insert({ slug: "bench", kind: "issuing", subject_dn: "CN=bench", cert_der: Buffer.from([0]), key_ref: "x", key_alg: "p256", ski: "00", not_before: at, not_after: at, created_at: at })
      .returning("id")) as Array<{ id: number } | number>;
    const caId = typeof ca === "number" ? ca : ca!.id;

    // The province: 25 departments, 9 districts of 15 communes each (2020 structure).
    const units: number[] = [];
    const addUnit = async (code: string, name: string, type: string, parent: number | null) => {
      const id = await store.units.insertUnit(code, now);
      await store.units.insertVersion({ unitId: id, name, type: type as "commune", parentUnitId: parent, taxCode: null, budgetCode: null, address: null, emailDomain: null, focalPointName: null, focalPointEmail: null, focalPointPhone: null, validFrom: "2020-01-01", batchId: null }, now);
      units.push(id);
      return id;
    };
    const prov = await addUnit("PROV", "Tỉnh Thử Nghiệm", "province", null);
    for (let i = 1; i <= 25; i++) await addUnit(`SO${i}`, `Sở số ${i}`, "department", prov);
    for (let d = 1; d <= 9; d++) {
      const h = await addUnit(`H${d}`, `UBND huyện ${d}`, "district", prov);
      for (let c = 1; c <= 15; c++) await addUnit(`H${d}X${c}`, `UBND xã ${d}.${c}`, "commune", h);
    }

    let x = 12345;
    const rand = () => ((x = (x * 1103515245 + 12345) % 2147483648), x / 2147483648);
    const day = 86_400_000;
    const start = Date.parse("2021-01-01T00:00:00Z");
    const span = Date.parse("2026-03-01T00:00:00Z") - start;
    // DER of a real certificate is 1–2 KB: the rows are that fat so a table scan costs what it would.
    const tbs = Buffer.alloc(900, 0x30);
    const der = Buffer.alloc(1200, 0x30);
    const BATCH = postgres ? 2000 : 400;
    // One transaction per 20 statements: sqlite otherwise syncs its journal after each one.
    let trx = await db.transaction();
    for (let i = 0; i < N; i += BATCH) {
      if (i > 0 && (i / BATCH) % 20 === 0) {
        await trx.commit();
        trx = await db.transaction();
      }
      const rows = [];
      for (let j = i; j < Math.min(N, i + BATCH); j++) {
        const issued = new Date(start + Math.floor(rand() * span));
        const notAfter = new Date(issued.getTime() + (rand() < 0.1 ? 365 : 1095) * day);
        const revoked = rand() < 0.22 ? new Date(issued.getTime() + Math.floor(rand() * (notAfter.getTime() - issued.getTime()))) : null;
        const p = rand();
        rows.push({
          serial: (0x100000000000 + j).toString(16), ca_id: caId, profile: p < 0.8 ? "individual" : p < 0.97 ? "organization" : "device",
          status: revoked && revoked < now ? "revoked" : "valid", subject_dn: `CN=bench ${j}`, common_name: `bench ${j}`, email: null,
          spki_sha256: j.toString(16).padStart(64, "0"), key_alg: "p256", tbs_der: tbs, cert_der: der,
          not_before: toDbTime(issued), not_after: toDbTime(notAfter), created_at: toDbTime(issued), issued_at: toDbTime(issued),
          revoked_at: revoked && revoked < now ? toDbTime(revoked) : null, revocation_reason: revoked && revoked < now ? [1, 3, 4, 5, 9][Math.floor(rand() * 5)] : null,
          unit_id: units[1 + Math.floor(rand() * (units.length - 1))], search_name: `bench ${j}`,
        });
      }
      await trx("certificates").insert(rows);
      if (i % 100_000 === 0 && i > 0) process.stderr.write(`  ${i.toLocaleString("en-US")} certificates…\n`);
    }
    await trx.commit();
    // A few thousand certificates moved by transfers (the report reverses them).
    const moves = [];
    for (let j = 0; j < 3000; j++) {
      moves.push({ object_kind: "cert", object_id: (0x100000000000 + Math.floor(rand() * N)).toString(16), from_unit_id: units[1 + Math.floor(rand() * (units.length - 1))], to_unit_id: units[1 + Math.floor(rand() * (units.length - 1))], effective_date: `202${3 + Math.floor(rand() * 3)}-0${1 + Math.floor(rand() * 9)}-15`, source: "staff_change", recorded_at: at });
    }
    for (let i = 0; i < moves.length; i += 400) await db("unit_moves").insert(moves.slice(i, i + 400));
    const types = ["usb_token", "sim_pki", "hsm_slot"];
    const states = ["in_stock", "issued", "in_use", "locked", "recovered", "lost", "damaged", "returned"];
    for (let i = 0; i < TOKENS; i += 400) {
      const rows = [];
      for (let j = i; j < Math.min(TOKENS, i + 400); j++) rows.push({ serial: `TK${j}`, type: types[rand() < 0.8 ? 0 : rand() < 0.7 ? 1 : 2], unit_id: units[1 + Math.floor(rand() * (units.length - 1))], state: states[Math.floor(rand() * states.length)], created_at: at, updated_at: at });
      await db("tokens").insert(rows);
    }
    const tokenIds = (await db("tokens").select("id", "state")) as Array<{ id: number; state: string }>;
    for (let i = 0; i < tokenIds.length; i += 200) {
      const rows = [];
      for (const t of tokenIds.slice(i, i + 200)) {
        const t1 = new Date(start + Math.floor(rand() * span * 0.5));
        rows.push({ token_id: t.id, from_state: null, to_state: "in_stock", actor: "bench", at: toDbTime(t1) });
        rows.push({ token_id: t.id, from_state: "in_stock", to_state: t.state, actor: "bench", at: toDbTime(new Date(t1.getTime() + Math.floor(rand() * span * 0.5))) });
      }
      await db("token_events").insert(rows);
    }
    const rtypes = ["new_individual", "new_organization", "renewal", "change", "revocation", "token_recovery"];
    for (let i = 0; i < REQUESTS; i += 300) {
      const rows = [];
      for (let j = i; j < Math.min(REQUESTS, i + 300); j++) {
        const sub = new Date(Date.parse("2024-12-01T03:00:00Z") + Math.floor(rand() * 450 * day));
        const done = new Date(sub.getTime() + Math.floor(rand() * 12 * day));
        rows.push({ type: rtypes[Math.floor(rand() * rtypes.length)], state: "completed", unit_id: units[1 + Math.floor(rand() * (units.length - 1))], data: "{}", summary: `bench ${j}`, source: "api", created_by: "bench", created_at: toDbTime(sub), updated_at: toDbTime(done), submitted_at: toDbTime(sub), completed_at: toDbTime(done), due_date: toDbTime(new Date(sub.getTime() + 5 * day)).slice(0, 10) });
      }
      await db("requests").insert(rows);
    }
    if (postgres) await db.raw("vacuum analyze");
    else await db.raw("analyze");
    }
    process.stdout.write(`${N.toLocaleString("en-US")} certificates, ${TOKENS.toLocaleString("en-US")} tokens, ${REQUESTS.toLocaleString("en-US")} requests, 170 units, ready in ${((performance.now() - t0) / 1000).toFixed(0)} s (${postgres ? "PostgreSQL" : "sqlite"})\n`);

    const clock = () => now;
    const unitSource = unitSourceFromStore(store.units);
    const accessAudit = createAccessAudit({ store, clock });
    const guard = createGuard({ scoper: createScoper(unitSource), audit: accessAudit, clock });
    const sla = createSla({ store, config: { sla: defaults.sla }, clock });
    const reports = createReportService({ store, guard, accessAudit, clock, calendar: () => sla.calendar(), registers: registerFigures(store.registers) });
    const ctx = { actor: { userId: 0, username: "bench", displayName: "bench", roles: [{ role: "oversight" as const, unitId: null }] }, requestId: null };
    const hbs = create({ extname: ".hbs", defaultLayout: "main", layoutsDir: join(VIEWS, "layouts"), partialsDir: join(VIEWS, "partials"), helpers: viewHelpers(createTranslator()) });

    // REPORT_BENCH_TRACE=1 prints every query over 20 ms (which figure is slow, and its SQL).
    if (process.env.REPORT_BENCH_TRACE) {
      const started = new Map<string, number>();
      db.on("query", (q: { __knexQueryUid: string }) => started.set(q.__knexQueryUid, performance.now()));
      db.on("query-response", (_r: unknown, q: { __knexQueryUid: string; sql: string }) => {
        const ms = performance.now() - (started.get(q.__knexQueryUid) ?? performance.now());
        if (ms > 20) process.stderr.write(`  ${ms.toFixed(0).padStart(6)} ms  ${q.sql.slice(0, 300)}\n`);
      });
    }
    const once = async (year: number) => {
      const s = performance.now();
      const cpu0 = process.cpuUsage();
      const report = await reports.province(ctx, { year });
      const q = performance.now();
      const html = await hbs.renderView(join(VIEWS, "reports", "report.hbs"), { report: reportView(report, "vi"), lang: "vi", htmlLang: "vi", settings: { views: VIEWS }, layout: "main" });
      const e = performance.now();
      const cpu = process.cpuUsage(cpu0);
      return { total: e - s, figures: q - s, render: e - q, cpu: (cpu.user + cpu.system) / 1000, bytes: html.length, active: report.totals.activeAtYearEnd };
    };
    await once(2025);
    const runs = [];
    for (let i = 0; i < 5; i++) runs.push(await once(2025));
    runs.sort((a, b) => a.total - b.total);
    const m = runs[2]!;
    process.stdout.write(
      `provincial summary 2025 (with 2024 year-on-year), median of 5: ${m.total.toFixed(0)} ms ` +
        `(figures ${m.figures.toFixed(0)} ms, HTML ${m.render.toFixed(0)} ms; CPU of this process${postgres ? " (the database server's not counted)" : " incl. the sqlite driver's threads"} ${m.cpu.toFixed(0)} ms; ` +
        `${(m.bytes / 1024).toFixed(0)} KB page, ${m.active.toLocaleString("en-US")} active at year end; load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} CPUs); ` +
        `slowest ${runs[4]!.total.toFixed(0)} ms — goal < 2000 ms: ${runs[4]!.total < 2000 ? "met" : "NOT met"}\n`,
    );
  } finally {
    await db.destroy();
    if (!keepDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
