// The markdown report: the results table with its ratios, the goal checks, CPU per request and the notes.
import { cpus } from "node:os";
import type { LoadResult } from "./load-generators";
import { fmt } from "./log";
import type { Options } from "./options";
import { run } from "./processes";
import { rowName, type Kind, type Method, type Row, type Server } from "./targets";

export function report(
  opts: Options,
  results: Array<{ row: Row; r: LoadResult }>,
  sizes: Map<Kind, number>,
  data: { certs: number; revoked: number; distinct: number; revokedInSample: number; reqBytes: number },
  openssl: Server | null,
): string {
  const find = (kind: Kind, method: Method, close: boolean) => results.find((x) => x.row.server.kind === kind && x.row.method === method && (kind === "openssl" || x.row.close === close))?.r;
  // The one-process rows a WORKERS > 1 run adds after the others (scripts/bench/ocsp.ts).
  const single = (method: Method) => (opts.workers > 1 ? results.find((x) => x.row.server.kind === "ours" && x.row.server.note === "one process" && x.row.method === method)?.r : undefined);
  const ratio = (a: number, b: number | undefined) => (b ? `${fmt(a / b, 2)}×` : "—");
  const cpuPerReq = (r: LoadResult) => (r.requests ? (r.serverCpuSeconds * 1e6) / r.requests : 0);
  const wrkVersion = opts.tool === "wrk" ? (run("wrk", ["--version"], { allowFail: true }).out.split("\n")[0] ?? "wrk").replace(/ Copyright.*/, "") : "";
  const tool = opts.tool === "wrk" ? `${wrkVersion}, 1 thread` : "autocannon (in the parent process)";
  const lines = [
    `## OCSP responder throughput (${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC)`,
    "",
    `Machine: ${cpus().length} × ${cpus()[0]?.model ?? "?"}; Node ${process.version}; ${run("openssl", ["version"]).out.trim()}.`,
    `Load: ${tool}; ${opts.connections} connections, pipelining 1; ${opts.warmup} s warm-up, then ${opts.duration} s measured per row. ` +
      `Load generator and server share the ${cpus().length} cores (CPU columns: cores busy during the run; server = its whole process group; other = everything else on the machine).`,
    `Data: ${fmt(data.certs)} certificates issued by chungthu (${fmt(data.revoked)} revoked), RSA 2048 issuing CA; ${data.distinct} distinct requests ` +
      `(${data.revokedInSample} for revoked certificates; SHA-1 CertID, no nonce, ${data.reqBytes} bytes) cycled through by every connection. ` +
      `Both responders sign with P-256; chungthu ${opts.workers > 1 ? `WORKERS=${opts.workers} (node:cluster)` : "one process"}${openssl ? `; openssl ocsp ${openssl.note}, -nmin 60, signs every response` : ""}.`,
    "",
    "| target | req/s | p50 ms | p99 ms | errors | resp B | server CPU | server µs/req | load-gen CPU | other CPU | vs openssl | vs ceiling |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const { row, r } of results) {
    const os = find("openssl", row.method, true);
    const ceil = row.server.kind === "ceiling" ? undefined : find("ceiling", row.method, row.close);
    lines.push(
      `| ${rowName(row)} | ${fmt(r.rps)} | ${fmt(r.p50, 2)} | ${fmt(r.p99, 2)} | ${r.errors ? `${fmt(r.errors)} (${r.errorDetail})` : "0"} | ` +
        `${fmt(sizes.get(row.server.kind) ?? 0)} | ${fmt(r.serverCores, 2)} | ${fmt(cpuPerReq(r), 1)} | ${fmt(r.loadCores, 2)} | ${fmt(r.otherCores, 2)} | ` +
        `${row.server.kind === "openssl" ? "1.00×" : ratio(r.rps, os?.rps)} | ${row.server.kind === "ceiling" ? "—" : ratio(r.rps, ceil?.rps)} |`,
    );
  }
  lines.push("");
  const noisy = results.filter((x) => x.r.otherCores > 0.15);
  if (noisy.length) {
    lines.push(
      `**Warning:** other processes kept up to ${fmt(Math.max(...noisy.map((x) => x.r.otherCores)), 2)} cores busy during ${noisy.length} of ${results.length} rows ` +
        "(see \"other CPU\"); those rows are low and the ratios unreliable. Re-run on an idle machine.",
      "",
    );
  }
  const goal = (label: string, need: number, pairs: Array<[string, LoadResult | undefined, LoadResult | undefined]>) => {
    const parts = pairs.map(([m, a, b]) => (a && b ? { m, x: a.rps / b.rps } : { m, x: NaN }));
    if (parts.some((p) => Number.isNaN(p.x))) return `- ${label}: not measured${opts.tool === "autocannon" ? " (--tool autocannon cannot drive openssl's responder; use wrk)" : ""}`;
    const met = parts.every((p) => p.x >= need);
    return `- ${label}: ${parts.map((p) => `${p.m} ${fmt(p.x, 2)}×`).join(", ")} — **${met ? "met" : "not met"}**`;
  };
  lines.push(
    "Goals:",
    "",
    goal("≥3× openssl (chungthu keep-alive vs openssl)", 3, [
      ["POST", find("ours", "POST", false), find("openssl", "POST", true)],
      ["GET", find("ours", "GET", false), find("openssl", "GET", true)],
    ]),
    goal("≥3× openssl, like for like (both a new connection per request)", 3, [
      ["POST", find("ours", "POST", true), find("openssl", "POST", true)],
      ["GET", find("ours", "GET", true), find("openssl", "GET", true)],
    ]),
    goal(`≥0.8× ceiling (keep-alive)${opts.workers > 1 ? ` (chungthu WORKERS=${opts.workers}, the ceiling one process)` : ""}`, 0.8, [
      ["POST", find("ours", "POST", false), find("ceiling", "POST", false)],
      ["GET", find("ours", "GET", false), find("ceiling", "GET", false)],
    ]),
    ...(single("POST") || single("GET")
      ? [
          goal("≥0.8× ceiling (keep-alive), chungthu one process", 0.8, [
            ["POST", single("POST"), find("ceiling", "POST", false)],
            ["GET", single("GET"), find("ceiling", "GET", false)],
          ]),
          goal("≥3× openssl (chungthu keep-alive vs openssl), chungthu one process", 3, [
            ["POST", single("POST"), find("openssl", "POST", true)],
            ["GET", single("GET"), find("openssl", "GET", true)],
          ]),
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
        `wrk starts its load only once all workers are back (${openssl.wedgedKilled} workers killed in ${2 * (opts.warmup > 0 ? 2 : 1) + 1} responder starts).`,
    );
  }
  return lines.join("\n");
}
