// --profile: where the profiled server's CPU went per request (from a .cpuprofile), and in-process micro-benchmarks of the responder.
import { createHash, generateKeyPairSync, sign as cryptoSign } from "node:crypto";
import { readFileSync } from "node:fs";
import { relative } from "node:path";
import { parseOcspRequest } from "../../../server/publish/ocsp-request";
import type { LoadResult } from "./load-generators";
import { fmt } from "./log";
import { REPO } from "./processes";
import type { OcspReq } from "./requests";
import { startBenchServer } from "./setup-ca";

export interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

/**
 * Where the profiled server's main thread spent the measured window (start-up and warm-up left
 * out). The profiler samples wall time, so on a busy machine time spent descheduled lands on
 * whatever ran last; shares are therefore converted to µs per request with the CPU time the
 * process really used (/proc), not with the profile's own clock.
 */
export function summariseProfile(file: string, r: LoadResult): string {
  const prof = JSON.parse(readFileSync(file, "utf8")) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; startTime: number };
  const self = new Map<number, number>();
  let t = prof.startTime;
  prof.samples.forEach((id, i) => {
    const d = Math.max(0, prof.timeDeltas[i] ?? 0);
    t += d;
    if (t < r.windowUs[0] || t > r.windowUs[1]) return;
    self.set(id, (self.get(id) ?? 0) + d);
  });
  const requests = r.requests;
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const where = (n: ProfileNode): string => {
    const { functionName, url } = n.callFrame;
    if (!url) return functionName.startsWith("(") ? functionName : "(native/VM)";
    const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
    if (nm) return nm[1]!;
    if (url.startsWith("node:")) return url;
    const path = url.replace(/^file:\/\//, "");
    return path.startsWith(REPO) ? relative(REPO, path) : path;
  };
  const label = (n: ProfileNode) => `${n.callFrame.functionName || "(anonymous)"} ${where(n)}:${n.callFrame.lineNumber + 1}`;
  let total = 0;
  let idle = 0;
  const buckets = new Map<string, number>();
  const fns = new Map<string, number>();
  for (const [id, us] of self) {
    const n = byId.get(id)!;
    total += us;
    if (n.callFrame.functionName === "(idle)") {
      idle += us;
      continue;
    }
    buckets.set(where(n), (buckets.get(where(n)) ?? 0) + us);
    fns.set(label(n), (fns.get(label(n)) ?? 0) + us);
  }
  // Inclusive time of a few frames of interest (responder vs HTTP/Express around it).
  const parent = new Map<number, number>();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const inclusive = new Map<string, number>();
  const interesting = /^(respond|parseOcspRequest|encodeOcspSuccess|statusOf|sign|ocspStatus|send|handle|next|query|runQuery|_query|emit|parserOnIncoming|etag|write|end)$/;
  for (const [id, us] of self) {
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const n = byId.get(cur)!;
      if (!interesting.test(n.callFrame.functionName)) continue;
      const key = label(n);
      if (seen.has(key)) continue; // recursion: count once
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + us);
    }
  }
  const busy = total - idle;
  // Main-thread busy share × the process's CPU per request (the process also has GC, libuv and profiler threads).
  const cpuPerReqUs = (r.serverCpuSeconds * 1e6) / requests;
  const perReq = (us: number) => `${fmt((us / busy) * cpuPerReqUs, 1)} µs`;
  const pct = (us: number) => `${fmt((100 * us) / busy, 1)}%`;
  const top = <K>(m: Map<K, number>, k: number) => [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, k);
  const lines = [
    `Measured window only: ${fmt(requests)} requests; the server process used ${fmt(cpuPerReqUs, 1)} µs of CPU per request ` +
      `(/proc; ${fmt((r.serverSysSeconds * 1e6) / requests, 1)} µs of it in the kernel); main thread ${fmt((100 * busy) / Math.max(1, total), 0)}% busy in the profile. ` +
      `"per request" = share × ${fmt(cpuPerReqUs, 1)} µs. The profiler samples wall time: \`writev\` (the native socket write) also collects ` +
      "time the thread spent preempted on a busy machine; compare its share with the kernel time above before blaming the syscall.",
    "",
    "Self time by module:",
    "",
    "| module (self time) | share | per request |",
    "| --- | ---: | ---: |",
    ...top(buckets, 18).map(([k, v]) => `| ${k} | ${pct(v)} | ${perReq(v)} |`),
    "",
    "Self time by function (top 25):",
    "",
    "| function (self time) | share | per request |",
    "| --- | ---: | ---: |",
    ...top(fns, 25).map(([k, v]) => `| ${k.replace(/\|/g, "\\|")} | ${pct(v)} | ${perReq(v)} |`),
    "",
    "Inclusive time of selected frames:",
    "",
    "| frame (inclusive) | share | per request |",
    "| --- | ---: | ---: |",
    ...top(inclusive, 25).map(([k, v]) => `| ${k.replace(/\|/g, "\\|")} | ${pct(v)} | ${perReq(v)} |`),
  ];
  return lines.join("\n");
}

/**
 * CPU per call of the pieces of one request, in this process (no HTTP), on the same data:
 * what the responder itself costs, against what the HTTP stack costs in the profile.
 */
export async function microbench(dataDir: string, reqs: OcspReq[]): Promise<string> {
  const server = await startBenchServer(dataDir);
  try {
    const time = async (n: number, fn: (i: number) => unknown): Promise<number> => {
      for (let i = 0; i < Math.min(n, 5_000); i++) await fn(i); // warm-up (JIT, caches)
      const c0 = process.cpuUsage();
      for (let i = 0; i < n; i++) await fn(i);
      const c = process.cpuUsage(c0);
      return (c.user + c.system) / n;
    };
    const ders = reqs.map((r) => r.der);
    const answer = await server.responder.respond(ders[0]!);
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const tbs = answer.body.subarray(0, 700);
    const rows: Array<[string, number]> = [
      ["parseOcspRequest (83-byte request)", await time(50_000, (i) => parseOcspRequest(ders[i % ders.length]!))],
      ["responder.respond(), answer from the pre-signed cache", await time(50_000, (i) => server.responder.respond(ders[i % ders.length]!))],
      ["ETag Express computes on every res.send (SHA-1 of the body)", await time(50_000, () => createHash("sha1").update(answer.body).digest("base64"))],
      ["for scale: one P-256 signature (what openssl does per response)", await time(5_000, () => cryptoSign("sha256", tbs, privateKey))],
    ];
    return [
      "In-process micro-benchmarks (CPU per call, no HTTP):",
      "",
      "| operation | µs/call |",
      "| --- | ---: |",
      ...rows.map(([k, v]) => `| ${k} | ${fmt(v, 1)} |`),
    ].join("\n");
  } finally {
    await server.close();
  }
}
