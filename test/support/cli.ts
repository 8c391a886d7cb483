// Runs the real CLI (`scripts/cli.ts` under tsx) in a child process, the way an
// operator would, with the environment of a forEachDatabase describe.
import { spawn } from "node:child_process";
import { join } from "node:path";

const ROOT = join(__dirname, "..", "..");

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--require", "tsx/cjs", join(ROOT, "scripts", "cli.ts"), ...args], {
      cwd: ROOT,
      env: { ...env, CHUNGTHU_QUIET_DEV_WARNING: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString("utf8")));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
    child.on("close", (code) => resolve({ status: code ?? 1, stdout, stderr }));
  });
}

export function lastLine(s: string): string {
  return s.trimEnd().split("\n").at(-1) ?? "";
}
