// The `openssl ocsp` responder: its CA database and signing key, its process, readiness check and the watchdog for OpenSSL 3.0's wedged workers.
import { mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { createServer as createNetServer, type AddressInfo } from "node:net";
import { join } from "node:path";
import type { CertInfo } from "./setup-ca";
import { run, sleep, spawnChild, stopChild } from "./processes";
import type { Server } from "./targets";

/** openssl index.txt time: UTCTime YYMMDDHHMMSSZ (all our dates are before 2050). */
export function utcTime(d: Date): string {
  return d.toISOString().replace(/[-:T]/g, "").slice(2, 14) + "Z";
}

export async function freePort(): Promise<number> {
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
export async function waitForListen(port: number, timeoutMs: number, alive: () => boolean): Promise<void> {
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

export function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

export function socketInodes(pid: number): Set<string> {
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

export interface OpensslFiles {
  dir: string;
  index: string;
  key: string;
  cert: string;
  log: string;
}

export function writeOpensslFiles(dir: string, certs: CertInfo[]): OpensslFiles {
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
export async function startOpenssl(files: OpensslFiles, issuingPem: string, multi: number): Promise<Server> {
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
