// Issuance benchmark: N CSRs (default 1,000, P-256 keys made in memory) through
// chungthu's full path — CSR and subject validation, key checks, lint a
// throwaway-key copy, store the pending row, sign, verify, complete, audit —
// against `openssl ca -batch -infiles` (a P-256 CA, a fresh index.txt, the
// same extensions) on the same CSRs. Goal (issue 7): ≥1× openssl. Three rows:
// core.issuance.issue one at a time; the same with 8 in flight; and
// core.issuance.issueMany on all N at once (`cert issue-batch`: the same steps
// with the database writes grouped), the fair counterpart of one `openssl ca
// -infiles` run over a list of CSRs. Each row uses its own N CSRs.
//
//   npx tsx scripts/bench/issuance.ts [--certs 1000] [--database-url postgres://…]
//
// Ours is timed inside one process after opening the database and one warm-up
// issuance (what a running server does); openssl is one cold process for all
// N (it loads its CA once too, and rewrites index.txt once at the end). CPU
// time (user + system, all threads) is reported per certificate beside the
// wall time: on a shared machine it is the steadier figure.
import "reflect-metadata";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { loadConfig } from "../../server/config/load-config";
import { openCore } from "../../server/core";
import { arg, fmt, machine, makeCsrDer, opensslCa, pem, writeResult } from "./support/bench-kit";

interface Timed {
  wallS: number;
  cpuS: number;
}

/** Wall and CPU time of `fn` in this process (CPU: user + system, every thread: sqlite works on libuv's). */
async function timed(fn: () => Promise<unknown>): Promise<Timed> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  const c = process.cpuUsage(c0);
  return { wallS: (performance.now() - t0) / 1000, cpuS: (c.user + c.system) / 1e6 };
}

/** A command's wall and CPU time from GNU time. */
function timedCommand(cmd: string, args: string[], cwd: string): Timed {
  const r = spawnSync("/usr/bin/time", ["-v", cmd, ...args], { cwd, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${cmd} exited ${r.status}\n${r.stderr}`);
  const figure = (label: string) => Number(new RegExp(`${label}: ([\\d.]+)`).exec(r.stderr)?.[1] ?? NaN);
  const wall = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)/.exec(r.stderr);
  if (!wall) throw new Error(`no /usr/bin/time -v figures in:\n${r.stderr}`);
  return { wallS: Number(wall[1] ?? 0) * 3600 + Number(wall[2]) * 60 + Number(wall[3]), cpuS: figure("User time \\(seconds\\)") + figure("System time \\(seconds\\)") };
}

async function main(): Promise<void> {
  const n = arg("certs", 1000);
  const dbAt = process.argv.indexOf("--database-url");
  const databaseUrl = dbAt >= 0 ? process.argv[dbAt + 1] : undefined;
  const dir = mkdtempSync(join(tmpdir(), "chungthu-bench-issue-"));
  try {
    process.stderr.write(`  making ${n} P-256 CSRs…\n`);
    const csrs: Buffer[] = [];
    for (let i = 0; i <= 3 * n; i++) csrs.push(await makeCsrDer(`Bench Subscriber ${i}`));

    const env: Record<string, string> = { DATA_DIR: join(dir, "data"), CA_KEY_PASSPHRASE: "bench-passphrase-not-secret", DEMO: "0" };
    if (databaseUrl) env.DATABASE_URL = databaseUrl;
    const core = await openCore(loadConfig({ env, cwd: dir }));
    let sequential: Timed;
    let parallel: Timed;
    let batch: Timed;
    try {
      await core.hierarchy.init({ alg: "p256", force: false, actor: "bench" });
      const request = (i: number) => ({ csr: csrs[i]!, profile: "individual", commonName: `Bench Subscriber ${i}`, email: `s${i}@bench.gov.vn`, actor: "bench:issuance" });
      const issue = (i: number) => core.issuance.issue(request(i));
      await issue(3 * n); // warm-up: first lint, first signature, prepared statements
      sequential = await timed(async () => {
        for (let i = 0; i < n; i++) await issue(i);
      });
      // The same again with 8 in flight (several officers at once): signing and linting overlap the database round trips.
      let next = n;
      parallel = await timed(() =>
        Promise.all(Array.from({ length: 8 }, async () => {
          for (let i = next++; i < 2 * n; i = next++) await issue(i);
        })),
      );
      // One batch (`cert issue-batch`): every refusal or success still audited, writes grouped.
      const many = Array.from({ length: n }, (_, k) => request(2 * n + k));
      batch = await timed(async () => {
        const outcomes = await core.issuance.issueMany(many);
        const refused = outcomes.filter((o) => !o.ok);
        if (refused.length) throw new Error(`batch refused ${refused.length}: ${refused.map((o) => (o.ok ? "" : o.error.message)).slice(0, 3).join("; ")}`);
      });
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
    const theirs = timedCommand("openssl", ["ca", "-batch", "-config", cnf, "-notext", "-out", "issued.pem", "-infiles", ...files], caDir);
    const issuedByOpenssl = readdirSync(join(caDir, "newcerts")).length;
    if (issuedByOpenssl !== n) throw new Error(`openssl issued ${issuedByOpenssl} of ${n}`);

    const ms = (sec: number) => fmt((sec * 1000) / n);
    const rows: Array<[string, string, Timed]> = [
      [`Issuance, ${n.toLocaleString("en-US")} CSRs, full path`, `${n.toLocaleString("en-US")}, one at a time`, sequential],
      [`Issuance, ${n.toLocaleString("en-US")} CSRs, 8 in flight`, `${n.toLocaleString("en-US")}, 8 in flight`, parallel],
      [`Issuance, batch of ${n.toLocaleString("en-US")} CSRs (cert issue-batch)`, `batch of ${n.toLocaleString("en-US")} (issueMany)`, batch],
    ];
    const md = [
      `### Issuance (${new Date().toISOString().slice(0, 16)} UTC)`,
      "",
      `Machine: ${machine()}. ${databaseUrl ? "PostgreSQL" : "sqlite"}; P-256 CA and subscriber keys on both sides.`,
      "",
      "| CSRs | chungthu full path (validate, lint, store, sign, verify, audit) | per certificate (CPU) | `openssl ca -batch -infiles` | per certificate (CPU) | ratio (openssl time / ours) | goal ≥1× |",
      "|---|---:|---:|---:|---:|---:|:---:|",
      ...rows.map(([, label, t]) => {
        const ratio = theirs.wallS / t.wallS;
        return `| ${label} | ${fmt(t.wallS)} s | ${ms(t.wallS)} ms (${ms(t.cpuS)} ms) | ${fmt(theirs.wallS)} s | ${ms(theirs.wallS)} ms (${ms(theirs.cpuS)} ms) | ${fmt(ratio)}× | ${ratio >= 1 ? "met" : "NOT met"} |`;
      }),
      "",
      "Ours: one at a time, each issuance its own transactions (pending row before signing; completion and audit entry in one), sqlite WAL; the batch: refusals and pending rows in one transaction, completions and their audit entries in another. openssl: one process, index.txt written once.",
      "",
    ].join("\n");
    writeResult(
      "issuance",
      rows.map(([what, , t]) => ({ what, ours: `${fmt(t.wallS)} s (CPU ${ms(t.cpuS)} ms/cert)`, reference: `openssl ca -infiles ${fmt(theirs.wallS)} s`, ratio: `${fmt(theirs.wallS / t.wallS)}×`, goal: "≥1×", met: theirs.wallS / t.wallS >= 1 })),
      md,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
