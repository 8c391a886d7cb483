// OCSP throughput benchmark: our responder against `openssl ocsp` on the same
// data in one run, and against a ceiling (a bare Node http server returning a
// fixed 1.5 KB body). Prints a markdown table with the ratios and the two goal
// checks (≥3× openssl, ≥0.8× ceiling), and writes it to bench-results/ocsp.md.
//
//   npx tsx scripts/bench/ocsp.ts [--certs 1000] [--duration 10] [--connections 16]
//        [--warmup 2] [--distinct 200] [--tool wrk|autocannon] [--multi 2]
//        [--profile] [--keep]
//
// What it does:
//  1. A temp DATA_DIR (sqlite); startServer creates the TEST CA hierarchy (RSA
//     2048 issuing CA, P-256 delegated responder). N certificates are issued
//     through core.issuance.issue (one fresh P-256 key and CSR each) and 10% of
//     them revoked; then that in-process server is closed.
//  2. The same serials and statuses go into an openssl CA database (index.txt).
//     openssl's responder signs with a self-issued P-256 certificate (our issuing
//     CA's key is sealed and stays so): both responders sign with P-256 and
//     answer the same requests about the same issuer (-CA is our issuing CA
//     certificate, so the CertIDs match). Its signature does not chain to our
//     root; that does not matter for throughput.
//  3. `openssl ocsp -reqout` builds --distinct requests (SHA-1 CertID, no nonce)
//     for a random sample of the serials; every connection of the load generator
//     cycles through all of them. POST with application/ocsp-request, GET with the
//     URL-encoded standard base64 as the last path segment.
//  4. Three servers in child processes, each in its own process group: ours
//     (scripts/bench/support/ocsp-server-child.ts), `openssl ocsp -multi 2`, and
//     the ceiling. Before any load, answers from both responders are checked with
//     `openssl ocsp -respin` (good and revoked, POST and GET, signature verified).
//  5. For each row: warm-up, then the measured run. The machine's cores are
//     shared by the load generator and the server under test.
//
// Load generator: wrk (default, 1 thread) or autocannon. `openssl ocsp` (3.0)
// answers in HTTP/1.0 and closes the connection after every response. wrk
// reconnects and counts correctly; autocannon does not: it writes the next request
// onto the closing socket and its in-flight queue drifts (against openssl, 4
// connections, 3 s: 26,543 requests "sent" for 13,270 answers, 330 connection
// errors, p50 578 ms). So `--tool autocannon` runs only the keep-alive rows. The
// table also has rows for our responder and the ceiling with `Connection: close`,
// the like-for-like comparison with openssl.
//
// OpenSSL 3.0's responder has a bug the harness must work around: a connection
// closed before it carries a request (wrk's test connection, a port probe, a load
// generator stopping) puts that worker into a 100% CPU loop for good. See
// startOpenssl for how each openssl run gets all of its workers anyway.
//
// --profile: one extra run of our responder (POST, keep-alive) under
// `node --cpu-prof`, after the table (so the table is not slowed by it): where the
// server's CPU went per request in the measured window, and in-process
// micro-benchmarks of the responder itself (no HTTP) for comparison.
//
// Children and the temp dir are removed on exit, on an error and on Ctrl-C
// (--keep keeps the temp dir). The children also exit when their stdin closes.
import "reflect-metadata";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash, generateKeyPairSync, randomInt, sign as cryptoSign, webcrypto, X509Certificate } from "node:crypto";
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createNetServer, type AddressInfo } from "node:net";
import { cpus, tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import * as x509 from "@peculiar/x509";
import autocannon from "autocannon";
import { loadConfig } from "../../server/config/load-config";
import { createLogger } from "../../server/log";
import { parseOcspRequest } from "../../server/publish/ocsp-request";
import { startServer } from "../../server/server";

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const REPO = resolve(__dirname, "..", "..");
const CHILD_ENTRY = join(__dirname, "support", "ocsp-server-child.ts");
const PASSPHRASE = "bench-passphrase-123";
const PUBLIC_URL = "http://localhost:3000";
const CEILING_BODY_BYTES = 1536;
/** Reasons both we and openssl's index.txt know (openssl has no privilegeWithdrawn). */
const REASONS = ["keyCompromise", "superseded", "affiliationChanged", "cessationOfOperation"] as const;

// ---------------------------------------------------------------- options

type Tool = "wrk" | "autocannon";

interface Options {
  certs: number;
  duration: number;
  warmup: number;
  connections: number;
  distinct: number;
  tool: Tool;
  multi: number;
  profile: boolean;
  keep: boolean;
  out: string;
}

const USAGE = `usage: npx tsx scripts/bench/ocsp.ts [options]
  --certs N         certificates to issue (default 1000; 10% are revoked)
  --duration S      measured seconds per row (default 10)
  --warmup S        warm-up seconds before each row (default 2)
  --connections N   concurrent keep-alive connections (default 16)
  --distinct N      distinct OCSP requests cycled through (default 200)
  --tool T          wrk (default) or autocannon (cannot measure openssl's responder)
  --multi N         openssl ocsp responder processes (-multi, default 2)
  --profile         one extra profiled run of our responder, with a per-request CPU breakdown
  --keep            keep the temp directory (printed at the end)
  --out FILE        markdown output (default bench-results/ocsp.md)`;

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      certs: { type: "string", default: "1000" },
      duration: { type: "string", default: "10" },
      warmup: { type: "string", default: "2" },
      connections: { type: "string", default: "16" },
      distinct: { type: "string", default: "200" },
      tool: { type: "string", default: "wrk" },
      multi: { type: "string", default: "2" },
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
    connections: int("connections", values.connections, 1, 10_000),
    distinct: int("distinct", values.distinct, 1, 100_000),
    tool: values.tool,
    multi: int("multi", values.multi, 1, 64),
    profile: values.profile,
    keep: values.keep,
    out: resolve(values.out),
  };
}

class UsageError extends Error {}

// ---------------------------------------------------------------- small helpers

function log(msg: string): void {
  process.stderr.write(`[bench:ocsp] ${msg}\n`);
}

function which(cmd: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;
}

/** Runs a command synchronously; throws with both outputs unless it exits 0 (or `allowFail`). */
function run(cmd: string, args: string[], opts: { cwd?: string; allowFail?: boolean } = {}): { status: number; out: string } {
  const r = spawnSync(cmd, args, { cwd: opts.cwd, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  const out = `${r.stdout ?? ""}${r.stderr ?? ""}`;
  const status = r.status ?? 128;
  if (r.error) throw new Error(`cannot run ${cmd}: ${r.error.message}`);
  if (status !== 0 && !opts.allowFail) throw new Error(`${cmd} ${args.join(" ")} exited ${status}:\n${out}`);
  return { status, out };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** openssl index.txt time: UTCTime YYMMDDHHMMSSZ (all our dates are before 2050). */
function utcTime(d: Date): string {
  return d.toISOString().replace(/[-:T]/g, "").slice(2, 14) + "Z";
}

async function freePort(): Promise<number> {
  const srv = createNetServer();
  await new Promise<void>((r, j) => srv.listen(0, "127.0.0.1", () => r()).once("error", j));
  const port = (srv.address() as AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/**
 * Waits until something listens on 127.0.0.1/[::] `port`, without connecting to it: a connection
 * closed without a request sends an `openssl ocsp` worker into a busy loop (see startOpenssl).
 */
async function waitForListen(port: number, timeoutMs: number, alive: () => boolean): Promise<void> {
  const end = Date.now() + timeoutMs;
  const hex = port.toString(16).toUpperCase().padStart(4, "0");
  for (;;) {
    for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
      let text = "";
      try {
        text = readFileSync(table, "utf8");
      } catch {
        continue;
      }
      // "  sl  local_address rem_address   st ..."; st 0A = LISTEN
      for (const line of text.split("\n")) {
        const f = line.trim().split(/\s+/);
        if (f[3] === "0A" && f[1]?.endsWith(`:${hex}`)) return;
      }
    }
    if (!alive()) throw new Error(`the process meant to listen on port ${port} exited`);
    if (Date.now() > end) throw new Error(`nothing listens on port ${port} after ${timeoutMs} ms`);
    await sleep(50);
  }
}

function fmt(n: number, digits = 0): string {
  return n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

// ---------------------------------------------------------------- child processes and cleanup

interface Child {
  name: string;
  proc: ChildProcess;
  /** Process group id (= pid: every child is spawned detached, in its own group). */
  pgid: number;
  exited: boolean;
  /** Last output, for error messages. */
  tail: () => string;
}

const children = new Set<Child>();
let tempDir: string | null = null;
let keepTemp = false;

function spawnChild(
  name: string,
  cmd: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; logFile?: string; makesOwnGroup?: boolean } = {},
): Child {
  // A log file for chatty children (openssl logs every request line), so the parent never spends CPU on it.
  const fd = opts.logFile ? openSync(opts.logFile, "a") : null;
  const proc = spawn(cmd, args, {
    cwd: opts.cwd ?? REPO,
    env: opts.env ?? process.env,
    // Its own process group, so it and everything it forks can be signalled by its id. A program
    // that makes its own group (openssl ocsp -multi calls setpgid, which fails in a new session) is left to do so.
    detached: !opts.makesOwnGroup,
    stdio: ["pipe", fd ?? "pipe", fd ?? "pipe"],
  });
  if (fd !== null) closeSync(fd);
  if (proc.pid === undefined) throw new Error(`cannot start ${name} (${cmd})`);
  let buf = "";
  const keep = (d: Buffer) => {
    buf = (buf + d.toString("utf8")).slice(-16_384);
  };
  proc.stdout?.on("data", keep);
  proc.stderr?.on("data", keep);
  proc.stdin?.on("error", () => {});
  const child: Child = {
    name,
    proc,
    pgid: proc.pid,
    exited: false,
    tail: () => (opts.logFile && existsSync(opts.logFile) ? readFileSync(opts.logFile, "utf8").slice(-16_384) : buf),
  };
  proc.once("exit", () => {
    child.exited = true;
  });
  children.add(child);
  return child;
}

/** Resolves with the first stdout line that parses as JSON. */
function firstJsonLine<T>(child: Child, timeoutMs: number): Promise<T> {
  return new Promise((resolvePromise, reject) => {
    let acc = "";
    const timer = setTimeout(() => fail(new Error(`${child.name} did not start within ${timeoutMs} ms`)), timeoutMs);
    const fail = (e: Error) => {
      clearTimeout(timer);
      child.proc.stdout?.off("data", onData);
      reject(new Error(`${e.message}\n--- ${child.name} output ---\n${child.tail()}`));
    };
    const onData = (d: Buffer) => {
      acc += d.toString("utf8");
      for (const line of acc.split("\n").slice(0, -1)) {
        try {
          const v = JSON.parse(line) as T;
          clearTimeout(timer);
          child.proc.stdout?.off("data", onData);
          resolvePromise(v);
          return;
        } catch {
          // not our line
        }
      }
    };
    child.proc.stdout?.on("data", onData);
    child.proc.once("exit", (code, sig) => fail(new Error(`${child.name} exited (${sig ?? code}) before it was ready`)));
  });
}

function signalGroup(child: Child, sig: NodeJS.Signals): void {
  for (const target of [-child.pgid, child.pgid]) {
    try {
      process.kill(target, sig);
    } catch {
      // already gone (or the group does not exist yet)
    }
  }
}

function groupAlive(child: Child): boolean {
  return [-child.pgid, child.pgid].some((target) => {
    try {
      process.kill(target, 0);
      return true;
    } catch {
      return false;
    }
  });
}

/** Graceful stop: SIGTERM to the group, SIGKILL after a grace period. */
async function stopChild(child: Child, graceMs = 5_000): Promise<void> {
  child.proc.stdin?.end();
  signalGroup(child, "SIGTERM");
  const end = Date.now() + graceMs;
  while (groupAlive(child) && Date.now() < end) await sleep(50);
  if (groupAlive(child)) signalGroup(child, "SIGKILL");
  children.delete(child);
}

/** Synchronous, for exit paths: every child group gets SIGTERM, then SIGKILL; the temp dir goes. */
function cleanupSync(): void {
  for (const c of children) signalGroup(c, "SIGTERM");
  const end = Date.now() + 2_000;
  while ([...children].some(groupAlive) && Date.now() < end) sleepSync(50);
  for (const c of children) if (groupAlive(c)) signalGroup(c, "SIGKILL");
  children.clear();
  if (tempDir) {
    if (keepTemp) log(`kept ${tempDir}`);
    else rmSync(tempDir, { recursive: true, force: true });
    tempDir = null;
  }
}

let interrupted = false;
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(sig, () => {
    if (interrupted) return;
    interrupted = true;
    log(`${sig}: stopping children and removing the temp dir`);
    cleanupSync();
    process.exit(130);
  });
}
process.on("exit", () => cleanupSync());

// ---------------------------------------------------------------- CPU accounting (/proc)

const CLK_TCK = (() => {
  const n = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout?.trim());
  return Number.isFinite(n) && n > 0 ? n : 100;
})();

/** User and system CPU seconds used so far by every live process in a process group. */
function groupCpu(pgid: number): { user: number; sys: number } {
  let user = 0;
  let sys = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue;
    }
    // Fields after "(comm)": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime ...
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(f[2]) !== pgid) continue;
    user += Number(f[11]);
    sys += Number(f[12]);
  }
  return { user: user / CLK_TCK, sys: sys / CLK_TCK };
}

function groupCpuSeconds(pgid: number): number {
  const c = groupCpu(pgid);
  return c.user + c.sys;
}

/** Busy CPU seconds of the whole machine so far (all cores; /proc/stat). */
function machineBusySeconds(): number {
  try {
    const f = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal ...
    return (f[0]! + f[1]! + f[2]! + f[5]! + f[6]! + f[7]!) / CLK_TCK;
  } catch {
    return 0;
  }
}

/** Cores kept busy by processes outside a set of process groups, measured over `ms`. */
async function backgroundCores(ms: number, groups: number[]): Promise<number> {
  const g0 = groups.reduce((a, g) => a + groupCpuSeconds(g), 0) + process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6;
  const m0 = machineBusySeconds();
  await sleep(ms);
  const g1 = groups.reduce((a, g) => a + groupCpuSeconds(g), 0) + process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6;
  return Math.max(0, (machineBusySeconds() - m0 - (g1 - g0)) / (ms / 1000));
}

/** User+system CPU seconds of one process (0 once it is gone). */
function pidCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) / CLK_TCK;
  } catch {
    return 0;
  }
}

function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function socketInodes(pid: number): Set<string> {
  const out = new Set<string>();
  let fds: string[] = [];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return out;
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) out.add(m[1]!);
    } catch {
      // closed meanwhile
    }
  }
  return out;
}

// ---------------------------------------------------------------- setup: CA, certificates, revocations

interface CertInfo {
  serial: string; // canonical lowercase hex, as our database stores it
  commonName: string;
  notAfter: Date;
  revoked: { at: Date; reason: string } | null;
}

async function makeCsr(): Promise<Buffer> {
  const alg = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
  const keys = (await webcrypto.subtle.generateKey(alg, false, ["sign", "verify"])) as CryptoKeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: "CN=bench", keys, signingAlgorithm: alg });
  return Buffer.from(csr.rawData);
}

function configEnv(dataDir: string): Record<string, string> {
  return { DATA_DIR: dataDir, PORT: "0", HOST: "127.0.0.1", PUBLIC_URL, DEMO: "0", CA_KEY_PASSPHRASE: PASSPHRASE };
}

async function setupCa(dataDir: string, n: number): Promise<CertInfo[]> {
  const config = loadConfig({ env: configEnv(dataDir), cwd: dataDir });
  const server = await startServer(config, { log: createLogger({ minLevel: "warn" }) });
  try {
    const certs: CertInfo[] = new Array(n);
    let next = 0;
    let done = 0;
    const t0 = Date.now();
    // A few in flight: key generation and signing overlap the (single) sqlite connection.
    const worker = async () => {
      for (let i = next++; i < n; i = next++) {
        const commonName = `bench subscriber ${String(i + 1).padStart(7, "0")}`;
        const issued = await server.core.issuance.issue({ csr: await makeCsr(), profile: "individual", commonName, actor: "bench:ocsp" });
        certs[i] = { serial: issued.serial, commonName, notAfter: new Date(new X509Certificate(issued.certDer).validTo), revoked: null };
        if (++done % 250 === 0 || done === n) log(`issued ${done}/${n} (${fmt((Date.now() - t0) / done, 1)} ms each)`);
      }
    };
    await Promise.all(Array.from({ length: 6 }, worker));

    // Revoke 10%, spread over the list, with reasons both sides can express.
    const toRevoke = shuffle([...certs.keys()]).slice(0, Math.round(n / 10));
    let r = 0;
    for (const i of toRevoke) {
      const reason = REASONS[r++ % REASONS.length]!;
      const notice = await server.core.revocation.revoke({ serial: certs[i]!.serial, reason, actor: "bench:ocsp" });
      certs[i]!.revoked = { at: notice.revokedAt, reason };
    }
    log(`revoked ${toRevoke.length}`);
    return certs;
  } finally {
    await server.close();
  }
}

function shuffle<T>(a: T[]): T[] {
  for (let i = a.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

// ---------------------------------------------------------------- openssl responder material and requests

interface OpensslFiles {
  dir: string;
  index: string;
  key: string;
  cert: string;
  log: string;
}

function writeOpensslFiles(dir: string, certs: CertInfo[]): OpensslFiles {
  mkdirSync(dir, { recursive: true });
  const index = join(dir, "index.txt");
  const lines = certs.map((c) => {
    const serial = c.serial.toUpperCase(); // = BN_bn2hex, which openssl looks serials up by
    const subject = `/CN=${c.commonName}`;
    return c.revoked
      ? `R\t${utcTime(c.notAfter)}\t${utcTime(c.revoked.at)},${c.revoked.reason}\t${serial}\tunknown\t${subject}`
      : `V\t${utcTime(c.notAfter)}\t\t${serial}\tunknown\t${subject}`;
  });
  writeFileSync(index, lines.join("\n") + "\n");
  writeFileSync(`${index}.attr`, "unique_subject = no\n");
  const key = join(dir, "resp.key");
  const cert = join(dir, "resp.crt");
  run("openssl", [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
    "-keyout", key, "-out", cert, "-days", "2", "-subj", "/O=chungthu TEST bench/CN=openssl OCSP responder (bench only)",
    "-addext", "keyUsage=critical,digitalSignature", "-addext", "extendedKeyUsage=OCSPSigning",
  ]);
  return { dir, index, key, cert, log: join(dir, "openssl-ocsp.log") };
}

interface OcspReq {
  serial: string;
  der: Buffer;
  /** URL-encoded standard base64 of the DER (RFC 6960 A.1). */
  getPath: string;
  expected: "good" | "revoked";
}

function buildRequests(dir: string, issuingPem: string, sample: CertInfo[]): OcspReq[] {
  mkdirSync(dir, { recursive: true });
  return sample.map((c, i) => {
    const file = join(dir, `req-${i}.der`);
    run("openssl", ["ocsp", "-issuer", issuingPem, "-serial", `0x${c.serial}`, "-no_nonce", "-reqout", file]);
    const der = readFileSync(file);
    return { serial: c.serial, der, getPath: encodeURIComponent(der.toString("base64")), expected: c.revoked ? "revoked" : "good" };
  });
}

// ---------------------------------------------------------------- targets

type Kind = "ceiling" | "ours" | "openssl";
type Method = "POST" | "GET";

interface Server {
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

interface Row {
  server: Server;
  method: Method;
  /** Send `Connection: close`: a new TCP connection per request (as openssl's responder forces). */
  close: boolean;
}

function rowName(row: Row): string {
  const who = row.server.kind === "ours" ? "chungthu" : row.server.kind === "openssl" ? "openssl ocsp" : "ceiling (bare node http)";
  const conn = row.server.kind === "openssl" ? "new conn/request (server closes)" : row.close ? "new conn/request" : "keep-alive";
  return `${who} ${row.method}, ${conn}`;
}

async function startOurs(dataDir: string, profileDir: string | null): Promise<Server> {
  const nodeArgs = ["--import", "tsx"];
  if (profileDir) nodeArgs.push("--cpu-prof", "--cpu-prof-dir", profileDir);
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: "production", ...configEnv(dataDir) };
  const child = spawnChild(profileDir ? "chungthu server (profiled)" : "chungthu server", process.execPath, [...nodeArgs, CHILD_ENTRY], { env });
  const { url } = await firstJsonLine<{ url: string }>(child, 60_000);
  return { kind: "ours", child, origin: url, postPath: "/ocsp", getPrefix: "/ocsp/", note: "", beforeRun: noop, settle: noop, afterRun: noop, wedgedKilled: 0 };
}

async function startCeiling(): Promise<Server> {
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

/**
 * openssl's responder. OpenSSL 3.0's `openssl ocsp` worker spins at 100% CPU forever, answering
 * nothing, once a client closes a connection it has accepted before sending a request (a health
 * check, a port probe; seen with curl and python too). wrk always makes such a connection first
 * (it test-connects to the address), and every load generator leaves some when it stops. So:
 *  - the responder is started afresh for every load run and killed after it;
 *  - readiness is checked in /proc/net, never by connecting;
 *  - a watchdog kills a worker that holds the same client connection for two ticks (100 ms; a
 *    request takes well under 1 ms), and openssl's parent forks a replacement about 1 s later;
 *  - settle(): wrk waits (in its Lua setup) until the worker wedged by its test connection has
 *    been replaced, so the measured run has all -multi workers from its first request.
 */
async function startOpenssl(files: OpensslFiles, issuingPem: string, multi: number): Promise<Server> {
  let watchdog: NodeJS.Timeout | null = null;
  let killedThisRun = 0;
  const launch = async () => {
    const port = await freePort();
    const args = ["ocsp", "-index", files.index, "-port", String(port), "-rsigner", files.cert, "-rkey", files.key, "-CA", issuingPem, "-nmin", "60", "-ignore_err"];
    // Always -multi (even 1): its parent process replaces a worker the watchdog kills. It forks
    // the workers in a process group of its own (pgid = its pid).
    args.push("-multi", String(multi));
    const child = spawnChild("openssl ocsp responder", "openssl", args, { cwd: files.dir, logFile: files.log, makesOwnGroup: true });
    await waitForListen(port, 15_000, () => !child.exited);
    const workers = () => childPids(child.pgid);
    const end = Date.now() + 10_000;
    while (workers().length < multi && Date.now() < end) await sleep(20);
    // The listening socket, which every worker shares.
    const listening = socketInodes(child.pgid);
    let held = new Map<number, Set<string>>();
    killedThisRun = 0;
    if (watchdog) clearInterval(watchdog);
    watchdog = setInterval(() => {
      const now = new Map<number, Set<string>>();
      for (const pid of workers()) {
        const socks = new Set([...socketInodes(pid)].filter((i) => !listening.has(i)));
        const before = held.get(pid);
        if (before && [...socks].some((i) => before.has(i))) {
          try {
            process.kill(pid, "SIGKILL");
            killedThisRun++;
            server.wedgedKilled++;
          } catch {
            // gone already
          }
          continue;
        }
        now.set(pid, socks);
      }
      held = now;
    }, 100);
    return { child, origin: `http://127.0.0.1:${port}`, workers };
  };
  const stop = async () => {
    if (watchdog) clearInterval(watchdog);
    watchdog = null;
    await stopChild(server.child, 300);
  };
  let current = await launch();
  const server: Server = {
    kind: "openssl",
    child: current.child,
    origin: current.origin,
    postPath: "/",
    getPrefix: "/",
    note: `-multi ${multi}`,
    wedgedKilled: 0,
    async beforeRun() {
      if (!server.child.exited) await stop();
      current = await launch();
      server.child = current.child;
      server.origin = current.origin;
    },
    async settle() {
      // wrk's test connection wedges one worker: wait for the watchdog to kill it and for the replacement.
      const end = Date.now() + 5_000;
      while (killedThisRun === 0 && Date.now() < end) await sleep(20);
      while (current.workers().length < multi && Date.now() < end) await sleep(20);
      await sleep(100);
    },
    afterRun: stop,
  };
  return server;
}

// ---------------------------------------------------------------- sanity checks

/** responseStatus of an OCSPResponse DER (0 = successful), or -1 if it does not look like one. */
function ocspResponseStatus(der: Buffer): number {
  if (der.length < 5 || der[0] !== 0x30) return -1;
  const l = der[1]!;
  const hdr = l < 0x80 ? 2 : 2 + (l & 0x7f);
  return der[hdr] === 0x0a && der[hdr + 1] === 0x01 ? der[hdr + 2]! : -1;
}

async function fetchOcsp(server: Server, req: OcspReq, method: Method): Promise<Buffer> {
  const res =
    method === "POST"
      ? await fetch(server.origin + server.postPath, { method: "POST", headers: { "content-type": "application/ocsp-request" }, body: new Uint8Array(req.der) })
      : await fetch(server.origin + server.getPrefix + req.getPath);
  const body = Buffer.from(await res.arrayBuffer());
  if (res.status !== 200) throw new Error(`${server.kind} ${method}: HTTP ${res.status} for serial ${req.serial}`);
  return body;
}

/** Every request answered `successful` by both responders; one good and one revoked answer read back by openssl. Returns mean response sizes. */
async function sanityCheck(servers: Server[], reqs: OcspReq[], dir: string, issuingPem: string, chainPem: string, opensslCert: string): Promise<Map<Kind, number>> {
  mkdirSync(dir, { recursive: true });
  const sizes = new Map<Kind, number>();
  for (const server of servers.filter((s) => s.kind !== "ceiling")) {
    let bytes = 0;
    for (const req of reqs) {
      const der = await fetchOcsp(server, req, "POST");
      const st = ocspResponseStatus(der);
      if (st !== 0) throw new Error(`${server.kind}: OCSP responseStatus ${st} (not successful) for serial ${req.serial}`);
      bytes += der.length;
    }
    sizes.set(server.kind, bytes / reqs.length);
    const verify = server.kind === "ours" ? ["-CAfile", chainPem] : ["-VAfile", opensslCert];
    const picks = [reqs.find((r) => r.expected === "good"), reqs.find((r) => r.expected === "revoked")].filter((r): r is OcspReq => !!r);
    for (const req of picks) {
      for (const method of ["POST", "GET"] as const) {
        const file = join(dir, `${server.kind}-${method}-${req.serial}.resp`);
        writeFileSync(file, await fetchOcsp(server, req, method));
        const { out } = run("openssl", ["ocsp", "-respin", file, "-issuer", issuingPem, "-serial", `0x${req.serial}`, "-no_nonce", ...verify], { allowFail: true });
        const got = new RegExp(`^0x${req.serial}: (\\w+)`, "m").exec(out)?.[1];
        if (!/Response verify OK/.test(out) || got !== req.expected) {
          throw new Error(`sanity check failed: ${server.kind} ${method} serial ${req.serial}: expected ${req.expected}, openssl says ${got ?? "?"}\n${out}`);
        }
      }
    }
    log(`sanity: ${server.kind} answers ${reqs.length}/${reqs.length} requests successfully; openssl -respin reads ${picks.map((p) => p.expected).join(" and ")} (POST and GET, signature verified)`);
  }
  return sizes;
}

// ---------------------------------------------------------------- load generation

interface LoadResult {
  requests: number;
  seconds: number;
  rps: number;
  p50: number; // ms
  p99: number; // ms
  errors: number;
  errorDetail: string;
  serverCores: number;
  loadCores: number;
  /** Cores busy with anything else on the machine during the run (other users' jobs, the bench script itself). */
  otherCores: number;
  /** Server CPU seconds in the measured window, and the part spent in the kernel. */
  serverCpuSeconds: number;
  serverSysSeconds: number;
  /** The measured window, in µs of the monotonic clock (the one V8 profiles use). */
  windowUs: [number, number];
}

const monoUs = () => Number(process.hrtime.bigint() / 1000n);

function luaString(b: Buffer): string {
  let s = '"';
  for (const byte of b) s += "\\" + String(byte).padStart(3, "0");
  return s + '"';
}

function wrkScript(row: Row, reqs: OcspReq[]): string {
  const headers = row.close ? `["Connection"] = "close"` : "";
  const builds =
    row.method === "POST"
      ? reqs.map((r) => `  reqs[#reqs + 1] = wrk.format("POST", ${JSON.stringify(row.server.postPath)}, { ["Content-Type"] = "application/ocsp-request"${headers ? ", " + headers : ""} }, ${luaString(r.der)})`)
      : reqs.map((r) => `  reqs[#reqs + 1] = wrk.format("GET", ${JSON.stringify(row.server.getPrefix + r.getPath)}, { ${headers} })`);
  return `-- generated by scripts/bench/ocsp.ts
local reqs = {}
local i = 0
-- Runs before any load connection is made: wait for the parent's go-ahead (BENCH_GO file).
setup = function(thread)
  local go = os.getenv("BENCH_GO")
  local waited = 0
  while go and waited < 300 do
    local f = io.open(go, "r")
    if f then f:close(); break end
    os.execute("sleep 0.05")
    waited = waited + 1
  end
  io.write("BENCH_SETTLED\\n")
  io.flush()
end
init = function(args)
${builds.join("\n")}
end
request = function()
  i = i % #reqs + 1
  return reqs[i]
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('\\nBENCH_JSON {"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"p50_us":%d,"p99_us":%d}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout, latency:percentile(50), latency:percentile(99)))
end
`;
}

let wrkRuns = 0;

async function runWrk(row: Row, reqs: OcspReq[], seconds: number, opts: Options, scriptDir: string): Promise<LoadResult> {
  const script = join(scriptDir, `wrk-${row.server.kind}-${row.method}-${row.close ? "close" : "ka"}.lua`);
  if (!existsSync(script)) writeFileSync(script, wrkScript(row, reqs));
  const goFile = join(scriptDir, `go-${++wrkRuns}`);
  const threads = 1; // one event loop is plenty for these rates and leaves the cores to the servers
  const child = spawnChild("wrk", "wrk", ["-t", String(threads), "-c", String(opts.connections), "-d", `${seconds}s`, "--timeout", "5s", "-s", script, row.server.origin], {
    env: { ...process.env, BENCH_GO: goFile },
  });
  let out = "";
  let settled: () => void = () => {};
  const settledP = new Promise<void>((r) => (settled = r));
  child.proc.stdout?.on("data", (d: Buffer) => {
    out += d.toString("utf8");
    if (out.includes("BENCH_SETTLED")) settled();
  });
  const exited = new Promise<number | null>((r) => child.proc.once("exit", (c) => r(c)));
  void exited.then(() => settled());
  await row.server.settle();
  writeFileSync(goFile, "go\n");
  await settledP;
  // The measured window starts now: wrk connects and sends load right after its setup().
  const before = groupCpu(row.server.child.pgid);
  const machine0 = machineBusySeconds();
  const wrk0 = pidCpuSeconds(child.pgid);
  const t0 = process.hrtime.bigint();
  const w0 = monoUs();
  // wrk's own CPU: sampled until it exits (it is gone from /proc afterwards).
  let wrkCpu = wrk0;
  const sampler = setInterval(() => {
    const v = pidCpuSeconds(child.pgid);
    if (v > 0) wrkCpu = v;
  }, 200);
  const code = await exited;
  clearInterval(sampler);
  const w1 = monoUs();
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const after = groupCpu(row.server.child.pgid);
  const serverCpu = after.user + after.sys - before.user - before.sys;
  const serverSys = after.sys - before.sys;
  const machineCpu = machineBusySeconds() - machine0;
  const loadCpu = wrkCpu - wrk0;
  children.delete(child);
  const line = /BENCH_JSON (\{.*\})/.exec(out)?.[1];
  if (code !== 0 || !line) throw new Error(`wrk failed (exit ${code}) on ${rowName(row)}:\n${out}\n${child.tail()}`);
  const j = JSON.parse(line) as Record<string, number>;
  const secs = j.duration_us! / 1e6;
  const errs = { connect: j.connect!, read: j.read!, write: j.write!, "HTTP ≥400": j.status!, timeout: j.timeout! };
  const errors = Object.values(errs).reduce((a, b) => a + b, 0);
  return {
    requests: j.requests!,
    seconds: secs,
    rps: j.requests! / secs,
    p50: j.p50_us! / 1000,
    p99: j.p99_us! / 1000,
    errors,
    errorDetail: Object.entries(errs).filter(([, v]) => v > 0).map(([k, v]) => `${k} ${v}`).join(", "),
    serverCores: serverCpu / wall,
    loadCores: loadCpu / wall,
    otherCores: Math.max(0, (machineCpu - serverCpu - loadCpu) / wall),
    serverCpuSeconds: serverCpu,
    serverSysSeconds: serverSys,
    windowUs: [w0, w1],
  };
}

async function runAutocannon(row: Row, reqs: OcspReq[], seconds: number, opts: Options): Promise<LoadResult> {
  if (row.close || row.server.kind === "openssl") throw new Error("autocannon cannot measure a new connection per request");
  const requests =
    row.method === "POST"
      ? reqs.map((r) => ({ method: "POST" as const, path: row.server.postPath, headers: { "content-type": "application/ocsp-request" }, body: r.der }))
      : reqs.map((r) => ({ method: "GET" as const, path: row.server.getPrefix + r.getPath }));
  const before = groupCpu(row.server.child.pgid);
  const machine0 = machineBusySeconds();
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const w0 = monoUs();
  const result = await autocannon({ url: row.server.origin, connections: opts.connections, pipelining: 1, duration: seconds, timeout: 5, requests });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const w1 = monoUs();
  const cpu = process.cpuUsage(cpu0);
  const after = groupCpu(row.server.child.pgid);
  const serverCpu = after.user + after.sys - before.user - before.sys;
  const serverSys = after.sys - before.sys;
  const machineCpu = machineBusySeconds() - machine0;
  const loadCpu = (cpu.user + cpu.system) / 1e6;
  const errs = { "connection errors": result.errors - result.timeouts, timeouts: result.timeouts, "non-2xx": result.non2xx };
  return {
    requests: result.requests.total,
    seconds: result.duration,
    rps: result.requests.total / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: Object.values(errs).reduce((a, b) => a + b, 0),
    errorDetail: Object.entries(errs).filter(([, v]) => v > 0).map(([k, v]) => `${k} ${v}`).join(", "),
    serverCores: serverCpu / wall,
    loadCores: loadCpu / wall,
    otherCores: Math.max(0, (machineCpu - serverCpu - loadCpu) / wall),
    serverCpuSeconds: serverCpu,
    serverSysSeconds: serverSys,
    windowUs: [w0, w1],
  };
}

async function measure(row: Row, reqs: OcspReq[], opts: Options, scriptDir: string): Promise<LoadResult> {
  const go = async (s: number) => {
    await row.server.beforeRun();
    try {
      return await (opts.tool === "wrk" ? runWrk(row, reqs, s, opts, scriptDir) : runAutocannon(row, reqs, s, opts));
    } finally {
      await row.server.afterRun();
    }
  };
  if (opts.warmup > 0) {
    const w = await go(opts.warmup);
    if (w.errors) log(`  warm-up of ${rowName(row)}: ${w.errorDetail}`);
  }
  await sleep(300);
  return go(opts.duration);
}

// ---------------------------------------------------------------- CPU profile summary

interface ProfileNode {
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
function summariseProfile(file: string, r: LoadResult): string {
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
async function microbench(dataDir: string, reqs: OcspReq[]): Promise<string> {
  const config = loadConfig({ env: configEnv(dataDir), cwd: dataDir });
  const server = await startServer(config, { log: createLogger({ minLevel: "warn" }) });
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

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  keepTemp = opts.keep;

  const missing: string[] = [];
  if (!which("openssl")) missing.push("openssl (apt-get install -y openssl)");
  if (opts.tool === "wrk" && !which("wrk")) missing.push("wrk (apt-get install -y wrk), or run with --tool autocannon, which cannot measure openssl's responder");
  if (missing.length) {
    console.error(`bench:ocsp: missing: ${missing.join("; ")}`);
    process.exitCode = 2;
    return;
  }
  if (process.platform !== "linux") log("CPU columns read /proc and will be empty outside Linux");

  tempDir = mkdtempSync(join(tmpdir(), "chungthu-bench-ocsp-"));
  const dataDir = join(tempDir, "data");
  log(`temp dir ${tempDir}`);

  // 1. CA, certificates, revocations.
  const t0 = Date.now();
  const certs = await setupCa(dataDir, opts.certs);
  const pki = join(dataDir, "pki");
  const issuingPem = join(pki, "issuing.crt.pem");
  const chainPem = join(pki, "chain.pem");
  for (const f of [issuingPem, chainPem]) if (!existsSync(f)) throw new Error(`the CA did not write ${f}`);
  log(`setup took ${fmt((Date.now() - t0) / 1000, 1)} s`);

  // 2 + 3. openssl's database and responder key, and the requests.
  const ossl = writeOpensslFiles(join(tempDir, "openssl"), certs);
  const sample = shuffle([...certs]).slice(0, Math.min(opts.distinct, certs.length));
  const reqs = buildRequests(join(tempDir, "requests"), issuingPem, sample);
  const revokedInSample = reqs.filter((r) => r.expected === "revoked").length;
  log(`${reqs.length} distinct requests (${revokedInSample} for revoked certificates), ${reqs[0]!.der.length} bytes each`);

  // 4. Servers, each in its own process group.
  const ceiling = await startCeiling();
  const ours = await startOurs(dataDir, null);
  const openssl = opts.tool === "wrk" ? await startOpenssl(ossl, issuingPem, opts.multi) : null;
  log(`servers: ceiling ${ceiling.origin}, chungthu ${ours.origin}${openssl ? `, openssl ${openssl.origin} (${openssl.note})` : ""}`);
  const sizes = await sanityCheck(openssl ? [ours, openssl] : [ours], reqs, join(tempDir, "sanity"), issuingPem, chainPem, ossl.cert);
  sizes.set("ceiling", CEILING_BODY_BYTES);
  if (openssl) await openssl.afterRun();

  // Other users of the machine distort every number: say so up front (and per row, in the table).
  const background = await backgroundCores(1_000, [ceiling.child.pgid, ours.child.pgid]);
  log(`background load before the runs: ${fmt(background, 2)} cores busy with other processes`);
  if (background > 0.15) log(`WARNING: other processes keep ${fmt(background, 2)} of ${cpus().length} cores busy; the results will be low and noisy`);

  // 5. Load.
  const rows: Row[] = [
    { server: ceiling, method: "POST", close: false },
    { server: ceiling, method: "GET", close: false },
    { server: ours, method: "POST", close: false },
    { server: ours, method: "GET", close: false },
  ];
  if (openssl) {
    rows.push(
      { server: openssl, method: "POST", close: true },
      { server: openssl, method: "GET", close: true },
      { server: ceiling, method: "POST", close: true },
      { server: ours, method: "POST", close: true },
      { server: ours, method: "GET", close: true },
    );
  }
  const scriptDir = join(tempDir, "wrk");
  mkdirSync(scriptDir, { recursive: true });
  const results: Array<{ row: Row; r: LoadResult }> = [];
  for (const row of rows) {
    log(`${rowName(row)}: ${opts.warmup} s warm-up + ${opts.duration} s ...`);
    const r = await measure(row, reqs, opts, scriptDir);
    log(
      `  ${fmt(r.rps)} req/s, p50 ${fmt(r.p50, 2)} ms, p99 ${fmt(r.p99, 2)} ms; cores: server ${fmt(r.serverCores, 2)}, load ${fmt(r.loadCores, 2)}, other ${fmt(r.otherCores, 2)}` +
        (r.errors ? `; errors: ${r.errorDetail}` : ""),
    );
    results.push({ row, r });
  }

  // Optional profile: a separate, profiled server process; the table above is not affected by it.
  let profileText = "";
  if (opts.profile) {
    const profDir = join(tempDir, "profile");
    mkdirSync(profDir, { recursive: true });
    await stopChild(ours.child);
    const profiled = await startOurs(dataDir, profDir);
    const row: Row = { server: profiled, method: "POST", close: false };
    log(`profiling ${rowName(row)} under --cpu-prof ...`);
    const r = await measure(row, reqs, opts, scriptDir);
    await stopChild(profiled.child, 15_000);
    const file = readdirSync(profDir).find((f) => f.endsWith(".cpuprofile"));
    if (!file) throw new Error("the profiled server wrote no .cpuprofile");
    profileText =
      `### Profile: chungthu POST, keep-alive, under \`node --cpu-prof\` (${fmt(r.rps)} req/s while profiled)\n\n` +
      summariseProfile(join(profDir, file), r) +
      "\n\n" +
      (await microbench(dataDir, reqs));
  }

  // Report.
  const md = report(opts, results, sizes, { certs: certs.length, revoked: certs.filter((c) => c.revoked).length, distinct: reqs.length, revokedInSample, reqBytes: reqs[0]!.der.length }, openssl);
  const full = profileText ? `${md}\n\n${profileText}\n` : `${md}\n`;
  console.log(full);
  mkdirSync(resolve(opts.out, ".."), { recursive: true });
  writeFileSync(opts.out, full);
  log(`written to ${relative(process.cwd(), opts.out) || opts.out}`);

  for (const c of [...children]) await stopChild(c);
}

function report(
  opts: Options,
  results: Array<{ row: Row; r: LoadResult }>,
  sizes: Map<Kind, number>,
  data: { certs: number; revoked: number; distinct: number; revokedInSample: number; reqBytes: number },
  openssl: Server | null,
): string {
  const find = (kind: Kind, method: Method, close: boolean) => results.find((x) => x.row.server.kind === kind && x.row.method === method && (kind === "openssl" || x.row.close === close))?.r;
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
      `Both responders sign with P-256${openssl ? `; openssl ocsp ${openssl.note}, -nmin 60, signs every response` : ""}.`,
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
    goal("≥0.8× ceiling (keep-alive)", 0.8, [
      ["POST", find("ours", "POST", false), find("ceiling", "POST", false)],
      ["GET", find("ours", "GET", false), find("ceiling", "GET", false)],
    ]),
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

main().catch((e: unknown) => {
  if (e instanceof UsageError) {
    console.error(`bench:ocsp: ${e.message}\n${USAGE}`);
    process.exitCode = 2;
  } else {
    console.error(`bench:ocsp: ${(e as Error)?.stack ?? String(e)}`);
    process.exitCode = 1;
  }
  cleanupSync();
});
