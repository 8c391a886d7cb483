// Helpers of the crash and cross-process tests: prepares the database (CA,
// units, users) with an in-process server, spawns crash-child.ts as a real
// separate process, and reads the database directly to compare it with what
// the children reported.
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import knexFactory, { type Knex } from "knex";
import { startServer } from "../../server/server";
import { seedAccessFixture } from "../support/access-fixture";
import { startTestServer, testConfig, TEST_PASSPHRASE, TEST_PUBLIC_URL, type TestServer } from "../support/app";
import type { DatabaseContext } from "../support/databases";
import type { CrashFixture } from "../support/crash-protocol";

const ROOT = join(__dirname, "..", "..");
const CHILD = join(__dirname, "crash-child.fixture.ts");

/** The CA hierarchy, the units and the users the children act as. */
export async function prepareDatabase(db: DatabaseContext): Promise<CrashFixture> {
  const server = await startTestServer(db);
  try {
    const fx = await seedAccessFixture(server, db.dataDir);
    return { units: { PROV: fx.units.PROV, DEPT_A: fx.units.DEPT_A }, users: { operator: fx.users.operator, provincial: fx.users.provincial, focal_a: fx.users.focal_a } };
  } finally {
    await server.close();
  }
}

export function spawnChild(db: DatabaseContext, fx: CrashFixture, extra: Record<string, string>): ChildProcess & { output: () => string } {
  const env = db.env({ CA_KEY_PASSPHRASE: TEST_PASSPHRASE, PUBLIC_URL: TEST_PUBLIC_URL, PORT: "0", HOST: "127.0.0.1", DEMO: "0", CHUNGTHU_QUIET_DEV_WARNING: "1", CRASH_FIXTURE: JSON.stringify(fx), ...extra });
  const child = spawn(process.execPath, ["--require", "tsx/cjs", CHILD], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe", "ipc"] });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  return Object.assign(child, { output: () => out });
}

/** Resolves once the child says it is ready (a "ready" line, or an IPC "ready"); rejects if it exits first. */
export function ready(child: ChildProcess & { output: () => string }, timeoutMs = 30_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`child not ready after ${timeoutMs} ms:\n${child.output()}`)), timeoutMs);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    child.on("message", (m) => m === "ready" && done());
    child.stdout!.on("data", () => /^ready$/m.test(child.output()) && done());
    child.once("exit", (code, signal) => reject(new Error(`child exited (${code ?? signal}) before it was ready:\n${child.output()}`)));
  });
}

export function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((r) => child.once("exit", (code, signal) => r({ code, signal })));
}

/** Restarts the service in-process as after a crash; pending rows count as interrupted at once (no 10-minute wait). */
export async function restart(db: DatabaseContext): Promise<TestServer> {
  const logs: string[] = [];
  const server = await startServer(testConfig(db), { log: (level, msg, fields) => logs.push(JSON.stringify({ level, msg, ...fields })), stalePendingMs: 0 });
  return Object.assign(server, { logs });
}

/** A direct look at the database (the test's own eyes, not the store under test). */
export function lookAt(db: DatabaseContext): Knex {
  return knexFactory(db.knexConfig());
}

/** Serial numbers compared as openssl prints them: upper-case hex, no leading zeros. */
export const normSerial = (s: string) => s.replace(/^0x/i, "").replace(/^0+(?=.)/, "").toUpperCase();
