// Runs openssl without blocking the event loop: needed whenever openssl talks
// to a server running in this same process (spawnSync would deadlock it).
import { spawn } from "node:child_process";
import type { OpensslOptions, OpensslResult } from "./openssl";

export function opensslAsync(args: string[], opts: OpensslOptions = {}): Promise<OpensslResult> {
  const cwd = opts.cwd ?? process.cwd();
  return new Promise((resolve) => {
    const child = spawn(process.env.OPENSSL_BIN || "openssl", args, { cwd, env: { ...process.env, ...opts.env }, stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 30_000);
    child.stdout.on("data", (d: Buffer) => out.push(d));
    child.stderr.on("data", (d: Buffer) => err.push(d));
    child.on("error", (e) => err.push(Buffer.from(`\n[test harness] could not run openssl: ${e.message}`)));
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const stdoutBuffer = Buffer.concat(out);
      resolve({
        status: code ?? (signal ? 128 + 9 : 1),
        stdout: stdoutBuffer.toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
        stdoutBuffer,
        args: [...args],
        cwd,
      });
    });
    // openssl may exit before reading its stdin (e.g. `-respin` from a file): not an error.
    child.stdin.on("error", () => {});
    child.stdin.end(opts.input ?? "");
  });
}
