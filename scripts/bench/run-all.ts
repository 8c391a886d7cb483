// `npm run bench`: every benchmark at a size that finishes in a few minutes,
// each against OpenSSL's own tool in the same script; the tables are gathered
// into bench-results/summary.md. Larger sizes: run the scripts one by one.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";

const RUNS: Array<{ script: string; args: string[]; result: string }> = [
  { script: "crl-encoder.ts", args: ["--entries", "100000,1000000"], result: "crl-encoder.md" },
  { script: "crl-publish.ts", args: ["--entries", "100000"], result: "crl-publish.md" },
  { script: "ocsp.ts", args: ["--certs", "500", "--duration", "5", "--warmup", "1"], result: "ocsp.md" },
];

function main(): number {
  mkdirSync("bench-results", { recursive: true });
  const parts = [`# chungthu benchmarks\n\n${new Date().toISOString()}, ${cpus().length} × ${cpus()[0]?.model ?? "CPU"}, ${(totalmem() / 2 ** 30).toFixed(0)} GB, node ${process.version}\n`];
  let failed = 0;
  for (const run of RUNS) {
    process.stderr.write(`\n== ${run.script} ${run.args.join(" ")}\n`);
    const r = spawnSync(process.execPath, ["--require", "tsx/cjs", join(__dirname, run.script), ...run.args], { stdio: ["ignore", "inherit", "inherit"] });
    const file = join("bench-results", run.result);
    if (r.status !== 0 || !existsSync(file)) {
      failed++;
      parts.push(`## ${run.script}\n\nfailed (exit ${r.status})\n`);
      continue;
    }
    parts.push(`## ${run.script}\n\n${readFileSync(file, "utf8")}\n`);
  }
  writeFileSync(join("bench-results", "summary.md"), parts.join("\n"));
  process.stderr.write(`\nwritten to bench-results/summary.md${failed ? ` (${failed} failed)` : ""}\n`);
  return failed ? 1 : 0;
}

process.exitCode = main();
