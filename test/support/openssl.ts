// Running the openssl CLI from tests (interop checks against a real, independent
// implementation).
//
//   openssl(args, { input?, cwd?, env?, timeoutMs? }) -> OpensslResult   (never throws)
//   opensslOk(args, opts?)   -> OpensslResult, throws AssertionError unless status === 0
//   assertOpenssl(result, expectedStatus = 0, message?)  -> same assertion on a result
//   formatOpensslResult(r)   -> "openssl <args> (cwd …) exited N\n--- stdout ---\n…\n--- stderr ---\n…"
//   writeTemp(dir, name, data) -> absolute path of the written file
//
// Assertion messages always contain the command, the exit status and BOTH
// outputs, because openssl reports most verification errors on stdout and
// usage/parse errors on stderr.
import { AssertionError } from "node:assert";
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";

export interface OpensslOptions {
  /** Bytes fed to openssl's stdin (e.g. a DER request for `openssl ocsp -reqin /dev/stdin`). */
  input?: Buffer | string;
  /** Working directory (relative paths in args resolve against it). */
  cwd?: string;
  /** Extra environment variables, merged over process.env. */
  env?: Record<string, string>;
  /** Kill openssl after this long (default 60 s); status is then 124. */
  timeoutMs?: number;
}

export interface OpensslResult {
  /** Exit status. 127 if openssl could not be run; 124 on timeout; 128+n if killed by signal n. */
  status: number;
  /** stdout decoded as UTF-8 (use stdoutBuffer for binary output such as `-outform DER` to stdout). */
  stdout: string;
  stderr: string;
  /** Raw stdout bytes. */
  stdoutBuffer: Buffer;
  /** The arguments openssl was run with (for messages). */
  args: readonly string[];
  cwd: string;
}

const SIGNALS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGABRT: 6, SIGKILL: 9, SIGSEGV: 11, SIGPIPE: 13, SIGTERM: 15 };

/** Runs `openssl ...args` synchronously. Never throws on a non-zero exit. */
export function openssl(args: string[], opts: OpensslOptions = {}): OpensslResult {
  const cwd = opts.cwd ?? process.cwd();
  const r = spawnSync(process.env.OPENSSL_BIN || "openssl", args, {
    cwd,
    input: opts.input,
    env: { ...process.env, ...opts.env },
    timeout: opts.timeoutMs ?? 60_000,
    maxBuffer: 256 * 1024 * 1024,
    stdio: ["pipe", "pipe", "pipe"],
  });
  const stdoutBuffer = r.stdout ?? Buffer.alloc(0);
  let stderr = r.stderr ? r.stderr.toString("utf8") : "";
  let status: number;
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    if (code === "ETIMEDOUT") {
      status = 124;
      stderr += `\n[test harness] openssl timed out after ${opts.timeoutMs ?? 60_000} ms`;
    } else {
      status = 127;
      stderr += `\n[test harness] could not run openssl: ${r.error.message}` + (code === "ENOENT" ? " (is the openssl package installed? run `bash scripts/ensure-system-deps.sh`)" : "");
    }
  } else if (r.status !== null) {
    status = r.status;
  } else {
    status = 128 + (SIGNALS[r.signal ?? ""] ?? 0);
    stderr += `\n[test harness] openssl killed by ${r.signal}`;
  }
  return { status, stdout: stdoutBuffer.toString("utf8"), stderr, stdoutBuffer, args: [...args], cwd };
}

function quote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Human-readable description of a run, with both outputs. */
export function formatOpensslResult(r: OpensslResult): string {
  return (
    `openssl ${r.args.map(quote).join(" ")}  (cwd ${r.cwd}) exited ${r.status}\n` +
    `--- stdout ---\n${r.stdout.trimEnd()}\n--- stderr ---\n${r.stderr.trimEnd()}\n--------------`
  );
}

/** Throws an AssertionError (with command, status, stdout and stderr) unless r.status === expectedStatus. */
export function assertOpenssl(r: OpensslResult, expectedStatus = 0, message?: string): OpensslResult {
  if (r.status !== expectedStatus) {
    throw new AssertionError({
      message: `${message ? message + ": " : ""}expected exit status ${expectedStatus}\n${formatOpensslResult(r)}`,
      actual: r.status,
      expected: expectedStatus,
      operator: "strictEqual",
    });
  }
  return r;
}

/** openssl(...) that must succeed (status 0). */
export function opensslOk(args: string[], opts?: OpensslOptions, message?: string): OpensslResult {
  return assertOpenssl(openssl(args, opts), 0, message);
}

/** Writes data to dir/name (creating parent dirs inside dir) and returns the absolute path. */
export function writeTemp(dir: string, name: string, data: Buffer | string): string {
  if (isAbsolute(name) || name.split(/[\\/]/).includes("..")) throw new Error(`writeTemp: name must be relative and stay inside dir: ${name}`);
  const path = resolve(join(dir, name));
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, data);
  return path;
}
