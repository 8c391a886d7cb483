// The people-facing pages at scale: N certificates (default 200,000; the issue
// asks 1,000,000) and M requests (default 20,000; asks 100,000) spread over the
// demo province, a server in its own process, signed in as the provincial
// officer (demo.tinh: the whole province in scope), each page loaded by
// autocannon for a few seconds — p95 latency (goal ≤100 ms) — then the
// server's memory (goal ≤300 MB RSS at 1M). Reference: a bare node:http server
// returning a fixed body of the same size as each page (the ceiling).
//
//   npx tsx scripts/bench/web-pages.ts [--certs 200000] [--requests 20000] [--duration 5] [--connections 4] [--data DIR]
//
// --data DIR keeps the dataset in DIR (built on the first run, reused after):
// for EXPLAIN on the same rows and for repeated runs without the load.
import "reflect-metadata";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { createInterface } from "node:readline";
import autocannon from "autocannon";
import { Client as KnexClient } from "knex";
import { DEMO_PASSWORD } from "../../server/demo/demo-users";
import { toDbTime } from "../../server/store/db-time";
import { WebClient } from "../../test/support/web-client";
import { arg, fmt, insertCertificates, machine, percentile, writeResult } from "./support/bench-kit";
import { openBenchDb, startInProcess } from "./support/bench-server";
import { configEnv } from "./ocsp/setup-ca";
import { certStatus, requestMaker } from "./support/ocsp-kit";
import { defaults } from "../../server/config/defaults";

/** The bulk certificates' serials: this prefix and 12 hex digits (bench-kit insertCertificates). */
const BULK_PREFIX = "6a";
const TYPES = ["new_individual", "new_individual", "new_individual", "renewal", "revocation", "change", "token_lost"];
// No "approved": at start the server takes an approved request for an approval a crash
// interrupted and finishes it (requestExecutor.resumeStuck), ~0.4 s each — 10,000 of them
// kept the server from listening for over an hour at 100k requests.
const STATES = ["completed", "completed", "completed", "completed", "submitted", "forwarded", "withdrawn", "returned", "rejected", "draft"];

/** POSTs one OCSP request for each of `n` bulk certificates (8 in flight); returns how many were answered "good". */
async function fillOcspCache(url: string, dataDir: string, n: number): Promise<number> {
  const make = requestMaker(mkdtempSync(join(tmpdir(), "chungthu-bench-ocsp-req-")), join(dataDir, "pki", "issuing.crt.pem"), `${BULK_PREFIX}${"0".repeat(12)}`);
  let next = 0;
  let good = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let j = next++; j < n; j = next++) {
        const res = await fetch(`${url}/ocsp`, { method: "POST", headers: { "content-type": "application/ocsp-request" }, body: new Uint8Array(make(`${BULK_PREFIX}${j.toString(16).padStart(12, "0")}`)) });
        if (certStatus(Buffer.from(await res.arrayBuffer())) === "good") good++;
      }
    }),
  );
  if (good !== n) throw new Error(`OCSP answered "good" for ${good} of ${n} valid certificates`);
  return good;
}

/** The certificate the detail page shows: one the demo issued for real (the bulk rows carry no DER). */
async function realSerial(dataDir: string): Promise<string> {
  const db = openBenchDb(dataDir);
  try {
    const real = (await db("certificates").whereNotNull("cert_der").whereNotNull("unit_id").orderBy("serial").first("serial")) as { serial: string } | undefined;
    if (!real) throw new Error("the demo issued no certificate");
    return real.serial;
  } finally {
    await db.destroy();
  }
}

async function load(dataDir: string, nCerts: number, nRequests: number): Promise<void> {
  const server = await startInProcess(dataDir, { DEMO: "1" }); // the demo province, its users and CA
  const caId = (await server.core.keyRing.active("issuing"))!.record.id;
  await server.close();
  const db = openBenchDb(dataDir);
  try {
    const unitIds = (await db("units").select("id")).map((r: { id: number }) => r.id);
    const now = new Date();
    const t0 = performance.now();
    const serials = await insertCertificates(db, { caId, unitIds, n: nCerts, prefix: BULK_PREFIX, now });
    const BATCH = 400;
    let trx = await db.transaction();
    for (let i = 0; i < nRequests; i += BATCH) {
      if (i > 0 && (i / BATCH) % 20 === 0) {
        await trx.commit();
        trx = await db.transaction();
      }
      const rows = [];
      for (let j = i; j < Math.min(nRequests, i + BATCH); j++) {
        const created = new Date(now.getTime() - ((j * 7919) % (700 * 86_400)) * 1000);
        const state = STATES[j % STATES.length]!;
        rows.push({
          type: TYPES[j % TYPES.length], state, unit_id: unitIds[(j * 31) % unitIds.length], data: "{}", summary: `Người nộp ${j}`, source: "web",
          created_by: "bench", created_at: toDbTime(created), updated_at: toDbTime(created), submitted_at: state === "draft" ? null : toDbTime(created),
          completed_at: state === "completed" ? toDbTime(created) : null, due_date: new Date(created.getTime() + 5 * 86_400_000).toISOString().slice(0, 10),
        });
      }
      await trx("requests").insert(rows);
    }
    await trx.commit();
    await db.raw(db.client.config.client === "pg" ? "ANALYZE" : "ANALYZE");
    process.stderr.write(`  loaded ${nCerts.toLocaleString("en-US")} certificates and ${nRequests.toLocaleString("en-US")} requests in ${fmt((performance.now() - t0) / 1000, 0)} s\n`);
    void serials;
  } finally {
    await db.destroy();
  }
}

/** Starts a child process that prints one JSON line {url, pid} when it listens. */
async function startChild(args: string[], env: Record<string, string>): Promise<{ url: string; pid: number; child: ChildProcess }> {
  const child = spawn(process.execPath, args, { env: { PATH: process.env.PATH ?? "", ...env }, stdio: ["pipe", "pipe", "inherit"] });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once("line", resolve);
    child.once("exit", (code) => reject(new Error(`server exited ${code}`)));
  });
  const { url } = JSON.parse(line) as { url: string };
  return { url, pid: child.pid!, child };
}

function memoryMb(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(status)![1]) / 1024;
  return { rss: kb("VmRSS"), hwm: kb("VmHWM") };
}

/**
 * The server's RSS every 100 ms, the highest per phase of the run (what the
 * bench was doing then): VmHWM says how high, this says when. A spike shorter
 * than 100 ms shows in VmHWM only.
 */
function sampleMemory(pid: number) {
  const byPhase = new Map<string, number>();
  let phase = "listening";
  const timer = setInterval(() => {
    try {
      byPhase.set(phase, Math.max(byPhase.get(phase) ?? 0, memoryMb(pid).rss));
    } catch {
      // the server has exited
    }
  }, 100);
  return {
    phase(p: string) {
      phase = p;
    },
    stop(): Map<string, number> {
      clearInterval(timer);
      return byPhase;
    },
  };
}

async function hammer(url: string, cookie: string | null, duration: number, connections: number) {
  const times: number[] = [];
  let non2xx = 0;
  const r = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon({ url, connections, duration, headers: cookie ? { cookie, accept: "text/html" } : {} }, (err, result) => (err ? reject(err) : resolve(result)));
    instance.on("response", (_c, status, _bytes, ms) => {
      times.push(ms);
      if (status < 200 || status >= 300) non2xx++;
    });
  });
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p95: percentile(times, 95), rps: r.requests.average, n: times.length, non2xx };
}

interface InProcess {
  sqlMs: number;
  cpuMs: number;
  queries: number;
  slowest: string;
}

/**
 * Each page loaded `n` times one after another by a server in this process:
 * the SQL time per load (every query's round trip, timed around knex's
 * Client.query) and the process CPU per load (ours and sqlite's threads), which
 * a busy machine disturbs far less than the p95 of the autocannon run.
 */
async function inProcess(dataDir: string, pages: Array<[string, string]>, n: number): Promise<Map<string, InProcess>> {
  const proto = KnexClient.prototype as unknown as { query: (conn: unknown, q: { sql?: string } | string) => Promise<unknown> };
  const original = proto.query;
  let sqlMs = 0;
  let queries = 0;
  const bySql = new Map<string, number>();
  proto.query = async function (this: unknown, conn, q) {
    const t = performance.now();
    try {
      return await original.call(this, conn, q);
    } finally {
      const ms = performance.now() - t;
      sqlMs += ms;
      queries++;
      const sql = typeof q === "string" ? q : (q.sql ?? "");
      bySql.set(sql, (bySql.get(sql) ?? 0) + ms);
    }
  };
  const out = new Map<string, InProcess>();
  const server = await startInProcess(dataDir);
  try {
    const web = new WebClient(server.url);
    if ((await web.signIn("demo.tinh", DEMO_PASSWORD)).status !== 303) throw new Error("in-process sign-in failed");
    for (const [page, path] of pages) {
      await web.get(path); // warm-up
      sqlMs = 0;
      queries = 0;
      bySql.clear();
      const cpu0 = process.cpuUsage();
      for (let i = 0; i < n; i++) await web.get(path);
      const cpu = process.cpuUsage(cpu0);
      const [sql, ms] = [...bySql].sort((a, b) => b[1] - a[1])[0] ?? ["", 0];
      out.set(page, { sqlMs: sqlMs / n, cpuMs: (cpu.user + cpu.system) / 1000 / n, queries: queries / n, slowest: `${fmt(ms / n, 1)} ms: ${sql.slice(0, 160)}` });
    }
  } finally {
    await server.close();
    proto.query = original;
  }
  return out;
}

const CEILING = `const http=require("node:http");const body=Buffer.alloc(Number(process.env.SIZE),"x");
const s=http.createServer((q,r)=>{r.writeHead(200,{"content-type":"text/html; charset=utf-8","content-length":body.length});r.end(body)});
s.listen(0,"127.0.0.1",()=>console.log(JSON.stringify({url:"http://127.0.0.1:"+s.address().port})));process.stdin.on("end",()=>process.exit(0));process.stdin.resume();`;

async function main(): Promise<void> {
  const nCerts = arg("certs", 200_000);
  const nRequests = arg("requests", 20_000);
  const duration = arg("duration", 5);
  const connections = arg("connections", 4);
  const keep = process.argv.includes("--data") ? process.argv[process.argv.indexOf("--data") + 1]! : null;
  const dir = keep ?? mkdtempSync(join(tmpdir(), "chungthu-bench-web-"));
  const dataDir = join(dir, "data");
  const loaded = join(dir, `loaded-${nCerts}-${nRequests}`);
  const rows: Array<{ page: string; path: string; bytes: number; ours: Awaited<ReturnType<typeof hammer>>; ceiling: Awaited<ReturnType<typeof hammer>> }> = [];
  let mem = { rss: 0, hwm: 0 };
  let started = { rss: 0, hwm: 0 };
  let ocspFilled = 0;
  let byPhase = new Map<string, number>();
  try {
    if (!keep || !existsSync(loaded)) {
      if (keep) rmSync(dataDir, { recursive: true, force: true });
      await load(dataDir, nCerts, nRequests);
      if (keep) writeFileSync(loaded, "");
    }
    const serial = await realSerial(dataDir);
    const pages: Array<[string, string]> = [
      ["certificate list", "/certificates"],
      ["certificate search (name)", `/certificates?q=${encodeURIComponent("nguyễn văn")}`],
      ["certificate detail", `/certificates/${serial}`],
      ["dashboard", "/dashboard"],
      ["request list", "/requests"],
    ];
    // BENCH_CPU_PROF=<dir>: the server writes a V8 CPU profile there when it stops.
    const prof = process.env.BENCH_CPU_PROF ? ["--cpu-prof", "--cpu-prof-dir", process.env.BENCH_CPU_PROF] : [];
    const server = await startChild([...prof, "--require", "tsx/cjs", join(__dirname, "support", "ocsp-server-child.ts")], { ...configEnv(dataDir), WORKERS: "1", NODE_ENV: "production" });
    const sampler = sampleMemory(server.pid);
    try {
      started = memoryMb(server.pid);
      const web = new WebClient(server.url);
      const signIn = await web.signIn("demo.tinh", DEMO_PASSWORD);
      if (signIn.status !== 303) throw new Error(`sign-in answered ${signIn.status}`);
      const cookie = [...web.cookies].map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join("; ");
      for (const [page, path] of pages) {
        const first = await web.get(path);
        if (first.status !== 200) throw new Error(`${path} answered ${first.status}`);
        const bytes = Buffer.byteLength(first.text);
        sampler.phase(page);
        await hammer(server.url + path, cookie, 1, connections); // warm-up
        const ours = await hammer(server.url + path, cookie, duration, connections);
        sampler.phase(`${page}: ceiling`);
        const ceil = await startChild(["-e", CEILING], { SIZE: String(bytes) });
        try {
          const ceiling = await hammer(ceil.url, null, duration, connections);
          rows.push({ page, path, bytes, ours, ceiling });
        } finally {
          ceil.child.stdin!.end();
        }
        process.stderr.write(`  ${page}: p95 ${fmt(ours.p95, 1)} ms (ceiling ${fmt(rows.at(-1)!.ceiling.p95, 1)} ms)\n`);
      }
      // The OCSP cache full (ocsp.cacheMax + 10% distinct certificates, each answered once): the
      // memory goal holds with the responder's cache at its bound, not only with the pages.
      sampler.phase("OCSP cache filled");
      ocspFilled = await fillOcspCache(server.url, dataDir, Math.min(nCerts, Math.ceil(defaults.ocsp.cacheMax * 1.1)));
      process.stderr.write(`  OCSP: ${ocspFilled.toLocaleString("en-US")} distinct certificates answered "good"\n`);
      mem = memoryMb(server.pid);
    } finally {
      byPhase = sampler.stop();
      server.child.stdin!.end();
      await new Promise((r) => server.child.once("exit", r));
    }

    const local = await inProcess(dataDir, pages, 20);
    for (const [page, l] of local) process.stderr.write(`  ${page} in-process: SQL ${fmt(l.sqlMs, 1)} ms, CPU ${fmt(l.cpuMs, 1)} ms, ${fmt(l.queries, 0)} queries; slowest ${l.slowest}\n`);
    const N = nCerts.toLocaleString("en-US");
    const M = nRequests.toLocaleString("en-US");
    const md = [
      `### Web pages at ${N} certificates, ${M} requests (${new Date().toISOString().slice(0, 16)} UTC)`,
      "",
      `Machine: ${machine()}. sqlite; one server process; signed in as the provincial officer (whole demo province in scope); ` +
        `autocannon in the bench process, ${connections} connections, ${duration} s per page after 1 s warm-up. Ceiling: bare node:http returning a fixed body of the page's size.`,
      "",
      "SQL and CPU per load: the same page loaded 20 times one after another by a server in the bench process (SQL: every query's round trip; CPU: the whole process, client included, sqlite's threads too).",
      "",
      "| page | bytes | p50 ms | p95 ms | req/s | non-2xx | ceiling p95 ms | ceiling req/s | SQL ms/load | CPU ms/load | queries/load | goal p95 ≤100 ms |",
      "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|",
      ...rows.map((r) => {
        const l = local.get(r.page)!;
        return `| ${r.page} (\`${r.path.replace(/\?.*/, "?q=…")}\`) | ${r.bytes.toLocaleString("en-US")} | ${fmt(r.ours.p50, 1)} | ${fmt(r.ours.p95, 1)} | ${fmt(r.ours.rps, 0)} | ${r.ours.non2xx} | ${fmt(r.ceiling.p95, 1)} | ${fmt(r.ceiling.rps, 0)} | ${fmt(l.sqlMs, 1)} | ${fmt(l.cpuMs, 1)} | ${fmt(l.queries, 0)} | ${r.ours.p95 <= 100 ? "met" : "NOT met"} |`;
      }),
      "",
      `Server memory once listening: RSS ${fmt(started.rss, 0)} MB (peak ${fmt(started.hwm, 0)} MB); after the run, the pages and then ${ocspFilled.toLocaleString("en-US")} distinct OCSP requests (the pre-signed cache at its bound of ${defaults.ocsp.cacheMax.toLocaleString("en-US")}): RSS ${fmt(mem.rss, 0)} MB, peak (VmHWM) ${fmt(mem.hwm, 0)} MB (goal ≤300 MB at 1M certificates).`,
      "",
      `Server RSS sampled every 100 ms, highest while: ${[...byPhase].map(([p, mb]) => `${p} ${fmt(mb, 0)} MB`).join("; ")}.`,
      "",
    ].join("\n");
    writeResult("web-pages", [
      ...rows.map((r) => ({
        what: `Web p95: ${r.page}, ${N} certs / ${M} requests`,
        ours: `${fmt(r.ours.p95, 1)} ms`,
        reference: `bare node:http, same size: ${fmt(r.ceiling.p95, 1)} ms`,
        ratio: `ceiling ÷ ${fmt(r.ours.p95 / r.ceiling.p95, 0)}`,
        goal: "≤100 ms",
        met: r.ours.p95 <= 100 && r.ours.non2xx === 0,
      })),
      { what: `Web server memory at ${N} certificates (peak RSS; the pages, then the OCSP cache filled to its bound)`, ours: `${fmt(mem.hwm, 0)} MB`, reference: "—", ratio: "—", goal: "≤300 MB at 1M", met: mem.hwm <= 300 },
    ], md);
  } finally {
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
