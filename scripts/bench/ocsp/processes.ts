// Child processes of the bench (each in its own process group), shell commands, and cleanup of children and the temp dir on every exit path.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync, rmSync } from "node:fs";
import { resolve } from "node:path";
import { log } from "./log";

export const REPO = resolve(__dirname, "..", "..", "..");

export function which(cmd: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;
}

/** Runs a command synchronously; throws with both outputs unless it exits 0 (or `allowFail`). */
export function run(cmd: string, args: string[], opts: { cwd?: string; allowFail?: boolean } = {}): { status: number; out: string } {
  const r = spawnSync(cmd, args, { cwd: opts.cwd, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  const out = `${r.stdout ?? ""}${r.stderr ?? ""}`;
  const status = r.status ?? 128;
  if (r.error) throw new Error(`cannot run ${cmd}: ${r.error.message}`);
  if (status !== 0 && !opts.allowFail) throw new Error(`${cmd} ${args.join(" ")} exited ${status}:\n${out}`);
  return { status, out };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

// ---------------------------------------------------------------- child processes and cleanup

export interface Child {
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

/** The temp dir cleanupSync removes (unless `keep`). */
export function setTempDir(dir: string, keep: boolean): void {
  tempDir = dir;
  keepTemp = keep;
}

/** Stops tracking a child that has exited by itself (a finished load generator). */
export function forgetChild(child: Child): void {
  children.delete(child);
}

export async function stopAllChildren(): Promise<void> {
  for (const c of [...children]) await stopChild(c);
}

export function spawnChild(
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
export function firstJsonLine<T>(child: Child, timeoutMs: number): Promise<T> {
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

export function signalGroup(child: Child, sig: NodeJS.Signals): void {
  for (const target of [-child.pgid, child.pgid]) {
    try {
      process.kill(target, sig);
    } catch {
      // already gone (or the group does not exist yet)
    }
  }
}

export function groupAlive(child: Child): boolean {
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
export async function stopChild(child: Child, graceMs = 5_000): Promise<void> {
  child.proc.stdin?.end();
  signalGroup(child, "SIGTERM");
  const end = Date.now() + graceMs;
  while (groupAlive(child) && Date.now() < end) await sleep(50);
  if (groupAlive(child)) signalGroup(child, "SIGKILL");
  children.delete(child);
}

/** Synchronous, for exit paths: every child group gets SIGTERM, then SIGKILL; the temp dir goes. */
export function cleanupSync(): void {
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

/** Ctrl-C, SIGTERM, SIGHUP and every exit run cleanupSync. */
export function installCleanupHandlers(): void {
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
}
