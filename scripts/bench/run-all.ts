// `npm run bench`: every benchmark at a size that finishes in a few minutes,
// each against a reference (OpenSSL's own tool, or a bare node:http server) in
// the same script on the same data; writes bench-results/summary.md — one table
// (what, ours, reference, ratio, goal, met?) with the machine and the date,
// then each script's own report.
//
//   npm run bench                 the small sizes below
//   npm run bench -- --full       the sizes the issue asks (1M certificates: tens of minutes)
//   npm run bench -- --only issuance,freshness
//   npm run bench -- --collect    rebuild summary.md from the last runs' files
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import type { SummaryRow } from "./support/bench-kit";

interface Run {
  name: string;
  script: string;
  small: string[];
  full: string[];
}

const RUNS: Run[] = [
  { name: "crl-encoder", script: "crl-encoder.ts", small: ["--entries", "100000,1000000"], full: ["--entries", "100000,1000000"] },
  { name: "crl-publish", script: "crl-publish.ts", small: ["--entries", "100000"], full: ["--entries", "100000,1000000"] },
  { name: "ocsp", script: "ocsp.ts", small: ["--certs", "500", "--duration", "3", "--warmup", "1", "--rounds", "3"], full: ["--certs", "1000", "--duration", "5", "--warmup", "2", "--rounds", "5"] },
  { name: "issuance", script: "issuance.ts", small: ["--certs", "1000"], full: ["--certs", "1000"] },
  { name: "mass-revocation", script: "mass-revocation.ts", small: ["--certs", "10000"], full: ["--certs", "10000"] },
  { name: "freshness", script: "freshness.ts", small: ["--revoked", "100000", "--trials", "3"], full: ["--revoked", "100000", "--trials", "5"] },
  { name: "web-pages", script: "web-pages.ts", small: ["--certs", "200000", "--requests", "20000", "--duration", "5"], full: ["--certs", "1000000", "--requests", "100000", "--duration", "10"] },
];

/** The ocsp script writes only markdown: its goal lines become summary rows. */
function ocspRows(md: string): SummaryRow[] {
  const rows: SummaryRow[] = [];
  for (const m of md.matchAll(/^- (.+?): (.+?) — \*\*(met|not met)\*\*$/gm)) {
    rows.push({ what: `OCSP throughput: ${m[1]!.replace(/^≥[\d.]+× /, "")}`, ours: m[2]!, reference: /ceiling/.test(m[1]!) ? "bare node:http, 1.5 KB" : "openssl ocsp, P-256", ratio: m[2]!, goal: /^(≥[\d.]+×)/.exec(m[1]!)?.[1] ?? "", met: m[3] === "met" });
  }
  return rows;
}

/** The crl-encoder script writes only markdown: its table rows become summary rows. */
function encoderRows(md: string): SummaryRow[] {
  const rows: SummaryRow[] = [];
  for (const m of md.matchAll(/^\| ([\d,]+) \| ([\d.]+) \| [^|]+\| ([\d.]+) \| ([\d.]+) \| ([\d.]+) \| ([\d.]+×) \| ([\d.]+) \| [^|]+\| (met|NOT met) \|$/gm)) {
    rows.push({ what: `CRL encoder only, ${m[1]} entries generated in memory`, ours: `${m[2]} s, ${m[3]} MB`, reference: `openssl ca -gencrl ${m[4]} s, ${m[5]} MB`, ratio: `${m[6]} faster, ${m[7]}× memory`, goal: "≥3×, ≤½ memory", met: m[8] === "met" });
  }
  return rows;
}

function rowsOf(run: Run): SummaryRow[] {
  const json = join("bench-results", `${run.name}.json`);
  if (existsSync(json)) return (JSON.parse(readFileSync(json, "utf8")) as { rows: SummaryRow[] }).rows;
  const md = join("bench-results", `${run.name}.md`);
  if (run.name === "ocsp" && existsSync(md)) return ocspRows(readFileSync(md, "utf8"));
  if (run.name === "crl-encoder" && existsSync(md)) return encoderRows(readFileSync(md, "utf8"));
  return [];
}

function machineLine(): string {
  const openssl = execFileSync("openssl", ["version"]).toString().trim();
  return `${cpus()[0]?.model ?? "CPU"}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GB RAM, Node ${process.version}, ${openssl}`;
}

function main(): number {
  const full = process.argv.includes("--full");
  // --collect: no runs, the summary again from the files the last runs left (after a parser change).
  const collect = process.argv.includes("--collect");
  const onlyAt = process.argv.indexOf("--only");
  const only = onlyAt >= 0 ? new Set(process.argv[onlyAt + 1]!.split(",")) : null;
  mkdirSync("bench-results", { recursive: true });
  const started = new Date();
  const loadBefore = loadavg()[0]!;
  const table: string[] = ["| what | ours | reference | ratio | goal | met? |", "|---|---|---|---|---|:---:|"];
  const sections: string[] = [];
  let failed = 0;
  for (const run of RUNS) {
    if (only && !only.has(run.name)) continue;
    const args = full ? run.full : run.small;
    process.stderr.write(`\n== ${run.script} ${args.join(" ")}\n`);
    if (!collect) for (const ext of ["json", "md"]) rmSync(join("bench-results", `${run.name}.${ext}`), { force: true });
    const t0 = Date.now();
    const r = collect ? { status: existsSync(join("bench-results", `${run.name}.md`)) ? 0 : 1 } : spawnSync(process.execPath, ["--require", "tsx/cjs", join(__dirname, run.script), ...args], { stdio: ["ignore", "inherit", "inherit"] });
    const seconds = collect ? "?" : ((Date.now() - t0) / 1000).toFixed(0);
    const rows = r.status === 0 ? rowsOf(run) : [];
    if (r.status !== 0 || !rows.length) {
      failed++;
      table.push(`| ${run.name} | failed (exit ${r.status}) | | | | ✗ |`);
      sections.push(`## ${run.script}\n\nfailed (exit ${r.status})\n`);
      continue;
    }
    for (const row of rows) table.push(`| ${row.what} | ${row.ours} | ${row.reference} | ${row.ratio} | ${row.goal} | ${row.met === null ? "—" : row.met ? "✓" : "✗"} |`);
    const md = join("bench-results", `${run.name}.md`);
    sections.push(`## ${run.script} ${args.join(" ")} (${seconds} s)\n\n${existsSync(md) ? readFileSync(md, "utf8") : ""}\n`);
  }
  const head = [
    "# chungthu benchmarks",
    "",
    collect
      ? `Collected ${started.toISOString().slice(0, 16).replace("T", " ")} UTC from the last runs' files (each section below gives its own time and load average). Machine: ${machineLine()}.`
      : `${started.toISOString().slice(0, 16).replace("T", " ")} UTC, ${full ? "full" : "small"} sizes. Machine: ${machineLine()}. ` +
        `Load average ${loadBefore.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end: other work on the machine slows every row.`,
    "",
    ...table,
    "",
  ];
  writeFileSync(join("bench-results", "summary.md"), [...head, ...sections].join("\n"));
  process.stderr.write(`\nwritten to bench-results/summary.md${failed ? ` (${failed} failed)` : ""}\n`);
  return failed ? 1 : 0;
}

process.exitCode = main();
