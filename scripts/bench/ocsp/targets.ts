// The servers under test: their common interface, the rows of the table, and our responder and the ceiling as child processes.
import { join } from "node:path";
import { firstJsonLine, spawnChild, type Child } from "./processes";
import { configEnv } from "./setup-ca";

const CHILD_ENTRY = join(__dirname, "..", "support", "ocsp-server-child.ts");
export const CEILING_BODY_BYTES = 1536;

export type Kind = "ceiling" | "ours" | "openssl";
export type Method = "POST" | "GET";

export interface Server {
  kind: Kind;
  child: Child;
  origin: string;
  postPath: string;
  getPrefix: string;
  note: string;
  /** Called before every load run (openssl: a fresh responder process, see startOpenssl). */
  beforeRun(): Promise<void>;
  /** Called once the load generator has started but before it sends load (openssl: see startOpenssl). */
  settle(): Promise<void>;
  /** Called after every load run. */
  afterRun(): Promise<void>;
  /** Wedged openssl workers killed by the watchdog, in total. */
  wedgedKilled: number;
}

const noop = async () => {};

export interface Row {
  server: Server;
  method: Method;
  /** Send `Connection: close`: a new TCP connection per request (as openssl's responder forces). */
  close: boolean;
}

export function rowName(row: Row): string {
  const who = row.server.kind === "ours" ? `chungthu (${row.server.note})` : row.server.kind === "openssl" ? "openssl ocsp" : "ceiling (bare node http)";
  const conn = row.server.kind === "openssl" ? "new conn/request (server closes)" : row.close ? "new conn/request" : "keep-alive";
  return `${who} ${row.method}, ${conn}`;
}

export async function startOurs(dataDir: string, profileDir: string | null, workers = 1): Promise<Server> {
  const nodeArgs = ["--import", "tsx"];
  if (profileDir) nodeArgs.push("--cpu-prof", "--cpu-prof-dir", profileDir);
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: "production", ...configEnv(dataDir), WORKERS: String(workers) };
  const child = spawnChild(profileDir ? "chungthu server (profiled)" : "chungthu server", process.execPath, [...nodeArgs, CHILD_ENTRY], { env });
  const { url } = await firstJsonLine<{ url: string }>(child, 60_000);
  return { kind: "ours", child, origin: url, postPath: "/ocsp", getPrefix: "/ocsp/", note: workers > 1 ? `WORKERS=${workers} (node:cluster)` : "one process", beforeRun: noop, settle: noop, afterRun: noop, wedgedKilled: 0 };
}

export async function startCeiling(): Promise<Server> {
  const code = `
    const http = require("node:http");
    const body = Buffer.alloc(${CEILING_BODY_BYTES}, 0x5a);
    const headers = { "content-type": "application/ocsp-response", "content-length": body.length };
    const server = http.createServer((req, res) => {
      req.on("end", () => { res.writeHead(200, headers); res.end(body); });
      req.resume();
    });
    server.keepAliveTimeout = 65000;
    server.listen(0, "127.0.0.1", () => process.stdout.write(JSON.stringify({ url: "http://127.0.0.1:" + server.address().port }) + "\\n"));
    process.on("SIGTERM", () => process.exit(0));
    process.stdin.on("end", () => process.exit(0));
    process.stdin.resume();`;
  const child = spawnChild("ceiling server", process.execPath, ["-e", code], { env: { PATH: process.env.PATH, NODE_ENV: "production" } });
  const { url } = await firstJsonLine<{ url: string }>(child, 15_000);
  return { kind: "ceiling", child, origin: url, postPath: "/ocsp", getPrefix: "/ocsp/", note: `${CEILING_BODY_BYTES} B fixed body`, beforeRun: noop, settle: noop, afterRun: noop, wedgedKilled: 0 };
}
