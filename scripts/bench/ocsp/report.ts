// The markdown report: the results table with its ratios, the goal checks, CPU per request and the notes.
import { cpus } from "node:os";
import type { LoadResult } from "./load-generators";
import { fmt } from "./log";
import type { Options } from "./options";
import { median } from "../support/bench-kit";
import { run } from "./processes";
import { rowName, type Kind, type Method, type Row, type Server } from "./targets";

/** One measured run: a row of the table in one round (scripts/bench/ocsp.ts runs every row once per round). */
export interface RoundResult {
  row: Row;
  r: LoadResult;
  round: number;
}

/** A target of the table: its server (by kind, and for ours which process shape), method and connection use. */
interface Series {
  row: Row;
  runs: RoundResult[];
}

/** A series' runs as one LoadResult: medians of the rates and latencies, sums of the counts and CPU. */
function combine(runs: RoundResult[]): LoadResult {
  const rs = runs.map((x) => x.r);
  const errors = rs.reduce((a, r) => a + r.errors, 0);
  return {
    requests: rs.reduce((a, r) => a + r.requests, 0),
    seconds: rs.reduce((a, r) => a + r.seconds, 0),
    rps: median(rs.map((r) => r.rps)),
    p50: median(rs.map((r) => r.p50)),
    p99: median(rs.map((r) => r.p99)),
    errors,
    errorDetail: errors ? rs.filter((r) => r.errors).map((r) => r.errorDetail).join("; ") : "",
    serverCores: median(rs.map((r) => r.serverCores)),
    loadCores: median(rs.map((r) => r.loadCores)),
    otherCores: Math.max(...rs.map((r) => r.otherCores)),
    serverCpuSeconds: rs.reduce((a, r) => a + r.serverCpuSeconds, 0),
    serverSysSeconds: rs.reduce((a, r) => a + r.serverSysSeconds, 0),
    windowUs: [rs[0]!.windowUs[0], rs[rs.length - 1]!.windowUs[1]],
  };
}

/** a/b in each round both were measured in, and their median: drift of the host between rounds cancels out. */
function roundRatios(a: Series | undefined, b: Series | undefined): { median: number; each: number[] } | undefined {
  if (!a || !b) return undefined;
  const each = a.runs.flatMap((x) => {
    const y = b.runs.find((z) => z.round === x.round);
    return y && y.r.rps > 0 ? [x.r.rps / y.r.rps] : [];
  });
  return each.length ? { median: median(each), each } : undefined;
}

export function report(
  opts: Options,
  results: RoundResult[],
  sizes: Map<Kind, number>,
  data: { certs: number; revoked: number; distinct: number; revokedInSample: number; reqBytes: number },
  openssl: Server | null,
): string {
  // One series per row of the table, in the order of the first round.
  const table: Series[] = [];
  for (const x of results) {
    const s = table.find((t) => t.row.server === x.row.server && t.row.method === x.row.method && t.row.close === x.row.close);
    if (s) s.runs.push(x);
    else table.push({ row: x.row, runs: [x] });
  }
  // The one-process server a WORKERS > 1 run measures alongside (scripts/bench/ocsp.ts) is told apart by its note.
  const isSingle = (row: Row) => opts.workers > 1 && row.server.kind === "ours" && row.server.note === "one process";
  const series = (kind: Kind, method: Method, close: boolean, single = false) =>
    table.find((t) => t.row.server.kind === kind && t.row.method === method && (kind === "openssl" || t.row.close === close) && isSingle(t.row) === single);
  const find = (kind: Kind, method: Method, close: boolean) => {
    const s = series(kind, method, close);
    return s ? combine(s.runs) : undefined;
  };
  const ratio = (a: Series | undefined, b: Series | undefined) => {
    const q = roundRatios(a, b);
    return q ? `${fmt(q.median, 2)}×` : "—";
  };
  const cpuPerReq = (r: LoadResult) => (r.requests ? (r.serverCpuSeconds * 1e6) / r.requests : 0);
  const wrkVersion = opts.tool === "wrk" ? (run("wrk", ["--version"], { allowFail: true }).out.split("\n")[0] ?? "wrk").replace(/ Copyright.*/, "") : "";
  const tool = opts.tool === "wrk" ? `${wrkVersion}, 1 thread` : "autocannon (in the parent process)";
  const lines = [
    `## OCSP responder throughput (${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC)`,
    "",
    `Machine: ${cpus().length} × ${cpus()[0]?.model ?? "?"}; Node ${process.version}; ${run("openssl", ["version"]).out.trim()}.`,
    `Load: ${tool}; ${opts.connections} connections, pipelining 1; ${opts.warmup} s warm-up, then ${opts.duration} s measured per row; ` +
      `${opts.rounds} round${opts.rounds > 1 ? "s" : ""} of every row, the order reversed on odd rounds. req/s, p50 and p99 are medians over the rounds, each ratio the median of the per-round ratios. ` +
      `Load generator and server share the ${cpus().length} cores (CPU columns: cores busy during the run; server = its whole process group; other = everything else on the machine).`,
    `Data: ${fmt(data.certs)} certificates issued by chungthu (${fmt(data.revoked)} revoked), RSA 2048 issuing CA; ${data.distinct} distinct requests ` +
      `(${data.revokedInSample} for revoked certificates; SHA-1 CertID, no nonce, ${data.reqBytes} bytes) cycled through by every connection. ` +
      `Both responders sign with P-256; chungthu ${opts.workers > 1 ? `WORKERS=${opts.workers} (node:cluster)` : "one process"}${openssl ? `; openssl ocsp ${openssl.note}, -nmin 60, signs every response` : ""}.`,
    "",
    "| target | req/s | req/s per round | p50 ms | p99 ms | errors | resp B | server CPU | server µs/req | load-gen CPU | other CPU | vs openssl | vs ceiling |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const t of table) {
    const { row } = t;
    const r = combine(t.runs);
    const os = series("openssl", row.method, true);
    const ceil = row.server.kind === "ceiling" ? undefined : series("ceiling", row.method, row.close);
    lines.push(
      `| ${rowName(row)} | ${fmt(r.rps)} | ${t.runs.map((x) => fmt(x.r.rps)).join(" / ")} | ${fmt(r.p50, 2)} | ${fmt(r.p99, 2)} | ${r.errors ? `${fmt(r.errors)} (${r.errorDetail})` : "0"} | ` +
        `${fmt(sizes.get(row.server.kind) ?? 0)} | ${fmt(r.serverCores, 2)} | ${fmt(cpuPerReq(r), 1)} | ${fmt(r.loadCores, 2)} | ${fmt(r.otherCores, 2)} | ` +
        `${row.server.kind === "openssl" ? "1.00×" : ratio(t, os)} | ${row.server.kind === "ceiling" ? "—" : ratio(t, ceil)} |`,
    );
  }
  lines.push("");
  const noisy = results.filter((x) => x.r.otherCores > 0.15);
  if (noisy.length) {
    lines.push(
      `**Warning:** other processes kept up to ${fmt(Math.max(...noisy.map((x) => x.r.otherCores)), 2)} cores busy during ${noisy.length} of ${results.length} runs ` +
        "(see \"other CPU\"); those rows are low and the ratios unreliable. Re-run on an idle machine.",
      "",
    );
  }
  // A goal line: the median of the per-round ratios, then each round's in brackets (run-all.ts reads "— **met**").
  // `compare` prints the same figures for a comparison the issue sets no goal for (no met/not met: run-all.ts skips it).
  const goal = (label: string, need: number, pairs: Array<[string, Series | undefined, Series | undefined]>, compare = false) => {
    const parts = pairs.map(([m, a, b]) => ({ m, q: roundRatios(a, b) }));
    if (parts.some((p) => !p.q)) return `- ${label}: not measured${opts.tool === "autocannon" ? " (--tool autocannon cannot drive openssl's responder; use wrk)" : ""}`;
    const met = parts.every((p) => p.q!.median >= need);
    const each = (p: (typeof parts)[number]) => (p.q!.each.length > 1 ? ` (rounds ${p.q!.each.map((x) => fmt(x, 2)).join(", ")})` : "");
    const figures = parts.map((p) => `${p.m} ${fmt(p.q!.median, 2)}×${each(p)}`).join(", ");
    return compare ? `- ${label}: ${figures}` : `- ${label}: ${figures} — **${met ? "met" : "not met"}**`;
  };
  const pairsOf = (a: (m: Method) => Series | undefined, b: (m: Method) => Series | undefined): Array<[string, Series | undefined, Series | undefined]> =>
    (["POST", "GET"] as const).map((m) => [m, a(m), b(m)]);
  const osOf = (m: Method) => series("openssl", m, true);
  const ceilingOf = (m: Method) => series("ceiling", m, false);
  const hasSingle = table.some((t) => isSingle(t.row));
  lines.push(
    "Goals of the issue, and other comparisons (median of the per-round ratios):",
    "",
    goal("≥3× openssl (chungthu keep-alive vs openssl)", 3, pairsOf((m) => series("ours", m, false), osOf)),
    goal("vs openssl, like for like (both a new connection per request; for comparison)", 3, pairsOf((m) => series("ours", m, true), osOf), true),
    goal(
      `≥0.8× ceiling (keep-alive)${opts.workers > 1 ? ` (chungthu WORKERS=${opts.workers}, the ceiling one process)` : ""}`,
      0.8,
      pairsOf((m) => series("ours", m, false), ceilingOf),
    ),
    ...(hasSingle
      ? [
          goal("vs the ceiling (keep-alive), chungthu one process (for comparison)", 0.8, pairsOf((m) => series("ours", m, false, true), ceilingOf), true),
          goal("vs openssl (chungthu keep-alive vs openssl), chungthu one process (for comparison)", 3, pairsOf((m) => series("ours", m, false, true), osOf), true),
        ]
      : []),
    "",
    "Server CPU per request (less sensitive to a busy machine than req/s): " +
      (["POST", "GET"] as const)
        .map((m) => {
          const o = find("ours", m, false);
          const oc = find("ours", m, true);
          const os = find("openssl", m, true);
          const c = find("ceiling", m, false);
          const us = (r: LoadResult | undefined) => (r ? `${fmt(cpuPerReq(r), 1)} µs` : "—");
          return `${m}: chungthu ${us(o)} keep-alive / ${us(oc)} new connection, openssl ${us(os)}, ceiling ${us(c)}`;
        })
        .join("; ") +
      ".",
    "",
    "Notes: `openssl ocsp` answers HTTP/1.0 and closes every connection, so its rows always include a TCP connect per request; " +
      "the `new conn/request` rows of chungthu and the ceiling send `Connection: close` for a like-for-like comparison. " +
      "Latencies are measured by the load generator from request write to response end (connect time not included). " +
      "`resp B` is the mean response size (chungthu includes its responder certificate, signed by the RSA issuing CA; openssl includes its self-issued P-256 responder certificate).",
  );
  if (openssl) {
    lines.push(
      "",
      "OpenSSL 3.0's responder wedges a worker (100% CPU, no more answers) on every connection closed before a request, which wrk's own " +
        "test connection is: each openssl run uses a fresh responder, a watchdog kills wedged workers (openssl's parent replaces them) and " +
        `wrk starts its load only once all workers are back (${openssl.wedgedKilled} workers killed in ${2 * opts.rounds * (opts.warmup > 0 ? 2 : 1) + 1} responder starts).`,
    );
  }
  return lines.join("\n");
}
