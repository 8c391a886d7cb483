// Starts the real service in-process for a test (port 0, quiet log, fast
// publication timers) on the database a forEachDatabase describe provides.
import { loadConfig } from "../../server/config/load-config";
import type { KeyAlgorithm } from "../../server/ca/signer";
import type { Config } from "../../server/config/schema";
import { startServer, type RunningServer } from "../../server/server";
import type { DatabaseContext } from "./databases";

export const TEST_PUBLIC_URL = "http://pki.chungthu.test";
export const TEST_PASSPHRASE = "test-passphrase-not-secret";

export function testConfig(db: DatabaseContext, overrides: Partial<Config> = {}): Config {
  const env: Record<string, string> = {
    DATA_DIR: db.dataDir,
    PORT: "0",
    HOST: "127.0.0.1",
    PUBLIC_URL: TEST_PUBLIC_URL,
    CA_KEY_PASSPHRASE: TEST_PASSPHRASE,
    DEMO: "0",
  };
  if (db.databaseUrl) env.DATABASE_URL = db.databaseUrl;
  const base = loadConfig({ env, cwd: db.dataDir });
  return {
    ...base,
    crl: { ...base.crl, debounceMs: 100 },
    ocsp: { ...base.ocsp, pollIntervalMs: 100 },
    ...overrides,
  };
}

export interface TestServer extends RunningServer {
  logs: string[];
}

export async function startTestServer(db: DatabaseContext, overrides: Partial<Config> = {}, clock?: () => Date, caAlg?: KeyAlgorithm): Promise<TestServer> {
  const logs: string[] = [];
  const server = await startServer(testConfig(db, overrides), {
    log: (level, msg, fields) => logs.push(JSON.stringify({ level, msg, ...fields })),
    ...(clock ? { clock } : {}),
    ...(caAlg ? { caAlg } : {}),
  });
  return Object.assign(server, { logs });
}

/** Polls `check` until it returns a value or the time runs out. */
export async function eventually<T>(check: () => Promise<T | null | undefined | false>, timeoutMs: number, what: string): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
