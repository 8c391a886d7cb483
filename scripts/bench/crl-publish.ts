// CRL publication benchmark, the full path: the revoked set lives in the
// database (sqlite, or PostgreSQL with --database-url), and our publisher reads
// it page by page, encodes, signs with the CA's sealed key and writes the file
// — against `openssl ca -gencrl` on an index.txt with the same revoked set.
//
//   npx tsx scripts/bench/crl-publish.ts [--entries 100000,1000000] [--database-url postgres://…]
//
// Each side runs in its own process under /usr/bin/time -v (wall time, max RSS):
// ours twice, as a cold process (the CLI) and as a warm one timing the rebuild the
// server runs after a revocation; a bare `node -e 0` gives the memory floor.
// Both CRLs must pass `openssl crl -verify` and hold the same serials.
// Goal (issue 3/7): ≥3× faster and ≤½ the memory of openssl.
import "reflect-metadata";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../server/config/load-config";
import { openCore } from "../../server/core";
import { createCrlPublisher } from "../../server/publish/crl-publisher";
import { median } from "./support/bench-kit";
import { caConfig, entrySet, measure, must, pages, THIS_UPDATE, writeIndex, type Measured } from "./support/crl-bench-kit";

const PASSPHRASE = "bench-passphrase-not-secret";

function configFor(dataDir: string, databaseUrl?: string) {
  const env: Record<string, string> = { DATA_DIR: dataDir, CA_KEY_PASSPHRASE: PASSPHRASE, DEMO: "0" };
  if (databaseUrl) env.DATABASE_URL = databaseUrl;
  return loadConfig({ env, cwd: dataDir });
}

interface ChildReport {
  openMs: number;
  publishMs: number;
  /** Warm mode: the timed rebuilds after a first publication (wall ms, main-thread CPU ms), and the peak RSS before them. */
  rebuildsMs?: number[];
  rebuildsCpuMs?: number[];
  rssBeforeRebuildMb?: number;
  /** The most a rebuild raised the process's RSS above what it held before (VmHWM reset per rebuild). */
  rebuildAddedMb?: number;
  entries: number;
  bytes: number;
  file: string;
}

function statusKb(field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync("/proc/self/status", "utf8"));
  return m ? Number(m[1]) : 0;
}

function resetPeakRss(): boolean {
  try {
    writeFileSync("/proc/self/clear_refs", "5");
    return true;
  } catch {
    return false;
  }
}

/**
 * Child: "cold" opens the core (what `npm run cli -- crl publish` does) and publishes once;
 * "warm" does the same, then times three more rebuilds in the same process: what the
 * server's publication scheduler runs after a revocation, with modules loaded, the key
 * unsealed and the code compiled by the JIT.
 */
async function child(mode: string, dataDir: string, databaseUrl?: string): Promise<void> {
  const t0 = Date.now();
  const core = await openCore(configFor(dataDir, databaseUrl));
  const issuing = (await core.keyRing.active("issuing"))!;
  const t1 = Date.now();
  const publisher = createCrlPublisher({ config: core.config, store: core.store, keyRing: core.keyRing, clock: core.clock });
  let record = await publisher.publish(issuing.record.id, "bench");
  const t2 = Date.now();
  const report: ChildReport = { openMs: t1 - t0, publishMs: t2 - t1, entries: record.entryCount, bytes: record.byteLength, file: join(dataDir, "pki", "issuing.crl") };
  if (mode === "warm") {
    report.rssBeforeRebuildMb = process.resourceUsage().maxRSS / 1024;
    report.rebuildsMs = [];
    report.rebuildsCpuMs = [];
    report.rebuildAddedMb = 0;
    for (let i = 0; i < 3; i++) {
      // Linux: "5" resets this process's peak RSS to its current RSS (proc(5), clear_refs), so the
      // peak read after the rebuild is what the rebuild itself added to a server already running.
      const peakReset = resetPeakRss();
      const rssBefore = statusKb("VmRSS");
      const c0 = process.cpuUsage();
      const w0 = performance.now();
      record = await publisher.publish(issuing.record.id, "bench");
      report.rebuildsMs.push(performance.now() - w0);
      const c = process.cpuUsage(c0);
      report.rebuildsCpuMs.push((c.user + c.system) / 1000);
      if (peakReset) report.rebuildAddedMb = Math.max(report.rebuildAddedMb, (statusKb("VmHWM") - rssBefore) / 1024);
    }
  }
  await core.close();
  process.stdout.write(JSON.stringify(report) + "\n");
}

async function prepare(n: number, dataDir: string, databaseUrl?: string): Promise<void> {
  const core = await openCore(configFor(dataDir, databaseUrl));
  try {
    await core.hierarchy.init({ alg: "rsa2048", force: false, actor: "bench" });
    const issuing = (await core.keyRing.active("issuing"))!;
    const notBefore = new Date(THIS_UPDATE.getTime() - 400 * 86_400_000);
    const notAfter = new Date("2030-12-31T23:59:59Z");
    for (const page of pages(n)) {
      await core.store.transaction((tx) =>
        tx.certificates.bulkInsertRevoked(
          issuing.record.id,
          page.map((e) => ({ serial: e.serialHex, revokedAt: e.revokedAt, reason: e.reason, notBefore, notAfter })),
          core.clock(),
        ),
      );
    }
  } finally {
    await core.close();
  }
}

async function benchOne(n: number, databaseUrl?: string) {
  const dir = mkdtempSync(join(tmpdir(), "chungthu-bench-crlpub-"));
  try {
    const dataDir = join(dir, "data");
    process.stderr.write(`  loading ${n.toLocaleString("en-US")} revoked certificates into ${databaseUrl ? "PostgreSQL" : "sqlite"}…\n`);
    const tLoad = Date.now();
    await prepare(n, dataDir, databaseUrl);
    const loadS = (Date.now() - tLoad) / 1000;

    writeFileSync(join(dir, "ca.cnf"), caConfig(dir));
    must("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-subj", "/C=VN/O=Bench/CN=Bench CRL CA", "-days", "30", "-config", "ca.cnf", "-extensions", "v3_ca"], dir);
    writeFileSync(join(dir, "crlnumber"), "01\n");
    writeFileSync(join(dir, "index.txt.attr"), "unique_subject = no\n");
    await writeIndex(join(dir, "index.txt"), n);

    const childArgs = (mode: string) => ["--require", "tsx/cjs", __filename, "--child", mode, dataDir, ...(databaseUrl ? [databaseUrl] : [])];
    const theirs = measure("openssl", ["ca", "-gencrl", "-config", "ca.cnf", "-out", "openssl.crl", "-batch"], dir);
    const ours = measure(process.execPath, childArgs("cold"), process.cwd());
    const warm = measure(process.execPath, childArgs("warm"), process.cwd());
    const lastLine = (m: Measured) => JSON.parse(m.stdout.trim().split("\n").pop()!) as ChildReport;
    const inner = lastLine(ours);
    const warmInner = lastLine(warm);

    const ourVerify = must("openssl", ["crl", "-inform", "DER", "-in", inner.file, "-noout", "-verify", "-CAfile", join(dataDir, "pki", "chain.pem")], dir);
    const theirVerify = must("openssl", ["crl", "-in", "openssl.crl", "-noout", "-verify", "-CAfile", "ca.pem"], dir);
    if (!/verify OK/.test(ourVerify) || !/verify OK/.test(theirVerify)) throw new Error(`openssl crl -verify failed:\n${ourVerify}\n${theirVerify}`);
    const serialsOf = (der: Buffer) => entrySet(der).map((hex) => hex.slice(0, 40)).sort();
    const a = serialsOf(readFileSync(inner.file));
    const b = serialsOf(Buffer.from(readFileSync(join(dir, "openssl.crl"), "latin1").replace(/-----[^-]+-----|\s/g, ""), "base64"));
    if (a.length !== n || b.length !== n || a.some((x, i) => x !== b[i])) throw new Error(`the two CRLs list different serials (${a.length} / ${b.length})`);
    return { n, loadS, ours, inner, warm, warmInner, theirs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === "--child") return child(argv[1]!, argv[2]!, argv[3]);
  const at = argv.indexOf("--entries");
  const sizes = (at >= 0 ? argv[at + 1]! : "100000,1000000").split(",").map((s) => Number(s.replace(/_/g, "")));
  const dbAt = argv.indexOf("--database-url");
  const databaseUrl = dbAt >= 0 ? argv[dbAt + 1] : undefined;
  // What a Node process costs before any work: the floor under both of our memory figures.
  const bare = measure(process.execPath, ["-e", "0"], process.cwd());
  const bareTsx = measure(process.execPath, ["--require", "tsx/cjs", "-e", "0"], process.cwd());
  const rows = [];
  for (const n of sizes) rows.push(await benchOne(n, databaseUrl));
  const f = (x: number, d = 2) => x.toFixed(d);
  const figures = rows.map((r) => {
    const rebuildS = median(r.warmInner.rebuildsMs!) / 1000;
    const rebuildCpuS = median(r.warmInner.rebuildsCpuMs!) / 1000;
    return {
      ...r,
      rebuildS,
      rebuildCpuS,
      cold: { speed: r.theirs.wallS / r.ours.wallS, mem: r.ours.maxRssMb / r.theirs.maxRssMb },
      inServer: { speed: r.theirs.wallS / rebuildS, mem: r.warm.maxRssMb / r.theirs.maxRssMb },
      added: { speed: r.theirs.wallS / rebuildS, mem: (r.warmInner.rebuildAddedMb ?? Infinity) / r.theirs.maxRssMb },
    };
  });
  const met = (x: { speed: number; mem: number }) => (x.speed >= 3 && x.mem <= 0.5 ? "met" : x.speed >= 3 ? "speed met, memory NOT met" : "NOT met");
  const md = [
    `CRL publication (database → DER file), ${new Date().toISOString()}, node ${process.version}, ${must("openssl", ["version"], process.cwd()).trim()},`,
    `${databaseUrl ? "PostgreSQL" : "sqlite"}, RSA 2048 CA, ${cpus().length} CPUs, load average ${loadavg().map((l) => l.toFixed(1)).join(" ")}.`,
    "Wall and max RSS from /usr/bin/time -v, every side in its own process; openssl reads an unencrypted key (-nodes), ours unseals the CA key (scrypt, ~0.1 s).",
    "",
    "**Cold process** (what `npm run cli -- crl publish` does): node + tsx start-up, loading the application, opening the database, unsealing the key, one publication.",
    "",
    "| revoked | openssl ca -gencrl: wall s | openssl: max RSS MB | ours: wall s (open s + publish s) | ours: max RSS MB | speed-up | memory ratio | goal (≥3×, ≤½) |",
    "|---:|---:|---:|---:|---:|---:|---:|:---:|",
    ...figures.map(
      (r) =>
        `| ${r.n.toLocaleString("en-US")} | ${f(r.theirs.wallS)} | ${f(r.theirs.maxRssMb, 0)} | ${f(r.ours.wallS)} (${f(r.inner.openMs / 1000)} + ${f(r.inner.publishMs / 1000)}) | ${f(r.ours.maxRssMb, 0)} | ${f(r.cold.speed, 1)}× | ${f(r.cold.mem, 2)} | ${met(r.cold)} |`,
    ),
    "",
    "**In-server rebuild** (what the server's publication scheduler runs after a revocation): the same services in a process that has already published once;",
    "median of three timed rebuilds (sqlite → packed pages → DER → signature → file → register). Process memory is that whole process's peak RSS (GNU time), which includes the loaded application;",
    "\"added\" is the most one rebuild raised the RSS of that running process (its peak reset before each rebuild through /proc/self/clear_refs): the memory a CRL build needs in a server that runs anyway, the like of openssl's whole process.",
    "",
    "| revoked | openssl ca -gencrl: wall s | openssl: max RSS MB | ours: rebuild wall s (main-thread CPU s) | ours: process max RSS MB (before the rebuilds) | ours: added by a rebuild MB | speed-up | memory ratio (process / added) | goal (≥3×, ≤½) |",
    "|---:|---:|---:|---:|---:|---:|---:|---:|:---:|",
    ...figures.map(
      (r) =>
        `| ${r.n.toLocaleString("en-US")} | ${f(r.theirs.wallS)} | ${f(r.theirs.maxRssMb, 0)} | ${f(r.rebuildS, 3)} (${f(r.rebuildCpuS, 3)}) | ${f(r.warm.maxRssMb, 0)} (${f(r.warmInner.rssBeforeRebuildMb!, 0)}) | ${f(r.warmInner.rebuildAddedMb ?? NaN, 0)} | ${f(r.inServer.speed, 1)}× | ${f(r.inServer.mem, 2)} / ${f(r.added.mem, 2)} | process: ${met(r.inServer)}; added: ${met(r.added)} |`,
    ),
    "",
    `Floor: a bare \`node -e 0\` peaks at ${f(bare.maxRssMb, 0)} MB (${f(bare.wallS)} s), \`node --require tsx/cjs -e 0\` at ${f(bareTsx.maxRssMb, 0)} MB (${f(bareTsx.wallS)} s).`,
    ...figures
      .filter((r) => r.theirs.maxRssMb / 2 < bare.maxRssMb)
      .map((r) => `At ${r.n.toLocaleString("en-US")} revoked, ½ of openssl's memory (${f(r.theirs.maxRssMb / 2, 0)} MB) is below what an empty Node process uses: that memory goal cannot be met by any Node process.`),
    "",
  ].join("\n");
  process.stdout.write(md);
  mkdirSync("bench-results", { recursive: true });
  writeFileSync(join("bench-results", `crl-publish${databaseUrl ? "-postgres" : ""}.md`), md);
  // The summary rows run-all.ts puts in its table.
  const db = databaseUrl ? "PostgreSQL" : "sqlite";
  const summary = figures.flatMap((r) => [
    {
      what: `CRL full build, ${r.n.toLocaleString("en-US")} revoked (${db} → DER, cold process)`,
      ours: `${f(r.ours.wallS)} s, ${f(r.ours.maxRssMb, 0)} MB`,
      reference: `openssl ca -gencrl ${f(r.theirs.wallS)} s, ${f(r.theirs.maxRssMb, 0)} MB`,
      ratio: `${f(r.cold.speed, 1)}× faster, ${f(r.cold.mem, 2)}× memory`,
      goal: "≥3×, ≤½ memory",
      met: r.cold.speed >= 3 && r.cold.mem <= 0.5,
    },
    {
      what: `CRL full build, ${r.n.toLocaleString("en-US")} revoked (${db} → DER, in-server rebuild; bare node ${f(bare.maxRssMb, 0)} MB)`,
      ours: `${f(r.rebuildS, 3)} s, process ${f(r.warm.maxRssMb, 0)} MB`,
      reference: `openssl ca -gencrl ${f(r.theirs.wallS)} s, ${f(r.theirs.maxRssMb, 0)} MB`,
      ratio: `${f(r.inServer.speed, 1)}× faster, ${f(r.inServer.mem, 2)}× memory`,
      goal: "≥3×, ≤½ memory",
      met: r.inServer.speed >= 3 && r.inServer.mem <= 0.5,
    },
    {
      what: `CRL rebuild, ${r.n.toLocaleString("en-US")} revoked: memory added to the running server (${db})`,
      ours: `${f(r.rebuildS, 3)} s, +${f(r.warmInner.rebuildAddedMb ?? NaN, 0)} MB`,
      reference: `openssl ca -gencrl ${f(r.theirs.wallS)} s, ${f(r.theirs.maxRssMb, 0)} MB`,
      ratio: `${f(r.added.speed, 1)}× faster, ${f(r.added.mem, 2)}× memory`,
      goal: "≥3×, ≤½ memory",
      met: r.added.speed >= 3 && r.added.mem <= 0.5,
    },
  ]);
  writeFileSync(join("bench-results", `crl-publish${databaseUrl ? "-postgres" : ""}.json`), JSON.stringify({ rows: summary }, null, 2));
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
