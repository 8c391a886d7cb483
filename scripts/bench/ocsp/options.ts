// Command line of the OCSP bench: its options, their defaults and limits, and the usage text.
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { REPO } from "./processes";

export type Tool = "wrk" | "autocannon";

export interface Options {
  certs: number;
  duration: number;
  warmup: number;
  rounds: number;
  connections: number;
  distinct: number;
  tool: Tool;
  multi: number;
  workers: number;
  profile: boolean;
  keep: boolean;
  out: string;
}

export const USAGE = `usage: npx tsx scripts/bench/ocsp.ts [options]
  --certs N         certificates to issue (default 1000; 10% are revoked)
  --duration S      measured seconds per row and round (default 5)
  --warmup S        warm-up seconds before each row (default 2)
  --rounds N        times every row is run, interleaved; ratios are per-round medians (default 5)
  --connections N   concurrent keep-alive connections (default 16)
  --distinct N      distinct OCSP requests cycled through (default 200)
  --tool T          wrk (default) or autocannon (cannot measure openssl's responder)
  --multi N         openssl ocsp responder processes (-multi, default 2)
  --workers N       chungthu server processes (WORKERS, node:cluster; default 2, like openssl)
  --profile         one extra profiled run of our responder, with a per-request CPU breakdown
  --keep            keep the temp directory (printed at the end)
  --out FILE        markdown output (default bench-results/ocsp.md)`;

export function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      certs: { type: "string", default: "1000" },
      duration: { type: "string", default: "5" },
      warmup: { type: "string", default: "2" },
      rounds: { type: "string", default: "5" },
      connections: { type: "string", default: "16" },
      distinct: { type: "string", default: "200" },
      tool: { type: "string", default: "wrk" },
      multi: { type: "string", default: "2" },
      workers: { type: "string", default: "2" },
      profile: { type: "boolean", default: false },
      keep: { type: "boolean", default: false },
      out: { type: "string", default: join(REPO, "bench-results", "ocsp.md") },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const int = (name: string, v: string, min: number, max: number) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer from ${min} to ${max}, not "${v}"`);
    return n;
  };
  if (values.tool !== "wrk" && values.tool !== "autocannon") throw new UsageError(`--tool must be wrk or autocannon, not "${values.tool}"`);
  return {
    certs: int("certs", values.certs, 10, 1_000_000),
    duration: int("duration", values.duration, 1, 3600),
    warmup: int("warmup", values.warmup, 0, 600),
    rounds: int("rounds", values.rounds, 1, 20),
    connections: int("connections", values.connections, 1, 10_000),
    distinct: int("distinct", values.distinct, 1, 100_000),
    tool: values.tool,
    multi: int("multi", values.multi, 1, 64),
    workers: int("workers", values.workers, 1, 64),
    profile: values.profile,
    keep: values.keep,
    out: resolve(values.out),
  };
}

export class UsageError extends Error {}
