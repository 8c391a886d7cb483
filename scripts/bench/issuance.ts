// Issuance benchmark: N CSRs (default 1,000, P-256 keys made in memory) through
// chungthu's full path — core.issuance.issue: CSR and subject validation, key
// checks, store the pending row, lint a throwaway-key copy, sign, complete,
// audit — against `openssl ca -batch -infiles` (a P-256 CA, a fresh index.txt,
// the same extensions) on the same CSRs. Goal (issue 7): ≥1× openssl.
//
//   npx tsx scripts/bench/issuance.ts [--certs 1000] [--database-url postgres://…]
//
// Ours is timed inside one process after opening the database and one warm-up
// issuance (what a running server does); openssl is one cold process for all
// N (it loads its CA once too, and rewrites index.txt once at the end).
import "reflect-metadata";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { loadConfig } from "../../server/config/load-config";
import { openCore } from "../../server/core";
import { arg, fmt, machine, makeCsrDer, opensslCa, pem, writeResult } from "./support/bench-kit";
import { measure } from "./support/crl-bench-kit";

async function main(): Promise<void> {
  const n = arg("certs", 1000);
  const dbAt = process.argv.indexOf("--database-url");
  const databaseUrl = dbAt >= 0 ? process.argv[dbAt + 1] : undefined;
  const dir = mkdtempSync(join(tmpdir(), "chungthu-bench-issue-"));
  try {
    process.stderr.write(`  making ${n} P-256 CSRs…\n`);
    const csrs: Buffer[] = [];
    for (let i = 0; i <= 2 * n; i++) csrs.push(await makeCsrDer(`Bench Subscriber ${i}`));

    const env: Record<string, string> = { DATA_DIR: join(dir, "data"), CA_KEY_PASSPHRASE: "bench-passphrase-not-secret", DEMO: "0" };
    if (databaseUrl) env.DATABASE_URL = databaseUrl;
    const core = await openCore(loadConfig({ env, cwd: dir }));
    let oursS: number;
    let parallelS: number;
    try {
      await core.hierarchy.init({ alg: "p256", force: false, actor: "bench" });
      const issue = (i: number) => core.issuance.issue({ csr: csrs[i]!, profile: "individual", commonName: `Bench Subscriber ${i}`, email: `s${i}@bench.gov.vn`, actor: "bench:issuance" });
      await issue(n); // warm-up: first lint, first signature, prepared statements
      const t0 = performance.now();
      for (let i = 0; i < n; i++) await issue(i);
      oursS = (performance.now() - t0) / 1000;
      // The same again with 8 in flight (several officers at once): signing and linting overlap the database round trips.
      const t1 = performance.now();
      let next = n + 1;
      await Promise.all(Array.from({ length: 8 }, async () => {
        for (let i = next++; i <= 2 * n; i = next++) await issue(i);
      }));
      parallelS = (performance.now() - t1) / 1000;
    } finally {
      await core.close();
    }

    const caDir = join(dir, "openssl");
    mkdirSync(join(caDir, "csr"), { recursive: true });
    const cnf = opensslCa(caDir);
    const files = csrs.slice(0, n).map((der, i) => {
      const f = join("csr", `${i}.csr`);
      writeFileSync(join(caDir, f), pem(der, "CERTIFICATE REQUEST"));
      return f;
    });
    const theirs = measure("openssl", ["ca", "-batch", "-config", cnf, "-notext", "-out", "issued.pem", "-infiles", ...files], caDir);
    const issuedByOpenssl = readdirSync(join(caDir, "newcerts")).length;
    if (issuedByOpenssl !== n) throw new Error(`openssl issued ${issuedByOpenssl} of ${n}`);

    const ratio = theirs.wallS / oursS;
    const md = [
      `### Issuance (${new Date().toISOString().slice(0, 16)} UTC)`,
      "",
      `Machine: ${machine()}. ${databaseUrl ? "PostgreSQL" : "sqlite"}; P-256 CA and subscriber keys on both sides.`,
      "",
      "| CSRs | chungthu full path (validate, store, lint, sign, audit) | per certificate | `openssl ca -batch -infiles` | per certificate | ratio (openssl time / ours) | goal ≥1× |",
      "|---:|---:|---:|---:|---:|---:|:---:|",
      `| ${n.toLocaleString("en-US")} | ${fmt(oursS)} s | ${fmt((oursS * 1000) / n)} ms | ${fmt(theirs.wallS)} s | ${fmt((theirs.wallS * 1000) / n)} ms | ${fmt(ratio)}× | ${ratio >= 1 ? "met" : "NOT met"} |`,
      `| ${n.toLocaleString("en-US")}, 8 in flight | ${fmt(parallelS)} s | ${fmt((parallelS * 1000) / n)} ms | ${fmt(theirs.wallS)} s | ${fmt((theirs.wallS * 1000) / n)} ms | ${fmt(theirs.wallS / parallelS)}× | ${theirs.wallS / parallelS >= 1 ? "met" : "NOT met"} |`,
      "",
      "Ours: sequential, one issuance at a time, each its own transactions with fsync (sqlite WAL) and two audit entries; openssl: one process, index.txt written once.",
      "",
    ].join("\n");
    writeResult("issuance", [
      { what: `Issuance, ${n.toLocaleString("en-US")} CSRs, full path`, ours: `${fmt(oursS)} s`, reference: `openssl ca -infiles ${fmt(theirs.wallS)} s`, ratio: `${fmt(ratio)}×`, goal: "≥1×", met: ratio >= 1 },
      { what: `Issuance, ${n.toLocaleString("en-US")} CSRs, 8 in flight`, ours: `${fmt(parallelS)} s`, reference: `openssl ca -infiles ${fmt(theirs.wallS)} s`, ratio: `${fmt(theirs.wallS / parallelS)}×`, goal: "≥1×", met: theirs.wallS / parallelS >= 1 },
    ], md);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
