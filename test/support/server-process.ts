// Runs `server/main.ts` (what `npm start` runs) as a child process for the
// shutdown and key-leak tests, keeping everything it prints.
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";

const ROOT = join(__dirname, "..", "..");

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  /** stdout and stderr so far, interleaved. */
  output(): string;
  /** Resolves with the exit code (or signal) once the process has ended. */
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts main.ts and resolves once it says where it listens (rejects if it exits first). */
export function startServerProcess(env: NodeJS.ProcessEnv, timeoutMs = 45_000): Promise<ServerProcess> {
  const child = spawn(process.execPath, ["--require", "tsx/cjs", join(ROOT, "server", "main.ts")], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.once("exit", (code, signal) => r({ code, signal })));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start within ${timeoutMs} ms:\n${out}`)), timeoutMs);
    child.stdout!.on("data", () => {
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      resolve({ child, url: m[1]!, output: () => out, exit });
    });
    void exit.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code ?? signal}) before listening:\n${out}`));
    });
  });
}

/** Resolves once `pattern` appears in the output. */
export async function waitForOutput(p: ServerProcess, pattern: RegExp, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!pattern.test(p.output())) {
    if (Date.now() - start > timeoutMs) throw new Error(`no ${pattern} in the output after ${timeoutMs} ms:\n${p.output()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
