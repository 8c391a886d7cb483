// A chungthu server in this process on a bench DATA_DIR (P-256 CA created on
// first start), and a second knex handle on its database for bulk loading.
import "reflect-metadata";
import { loadConfig } from "../../../server/config/load-config";
import { createLogger } from "../../../server/log";
import { startServer, type RunningServer } from "../../../server/server";
import { openDatabase } from "../../../server/store/connection";
import { configEnv } from "../ocsp/setup-ca";

export function benchConfig(dataDir: string, extra: Record<string, string> = {}) {
  return loadConfig({ env: { ...configEnv(dataDir), ...extra }, cwd: dataDir });
}

export function startInProcess(dataDir: string, extra: Record<string, string> = {}): Promise<RunningServer> {
  return startServer(benchConfig(dataDir, extra), { log: createLogger({ minLevel: "warn" }), caAlg: "p256" });
}

export function openBenchDb(dataDir: string) {
  return openDatabase(benchConfig(dataDir));
}

/** One agency (unit) to hang bench certificates on. */
export async function benchUnit(store: RunningServer["core"]["store"], code: string, name: string, now: Date): Promise<number> {
  const unitId = await store.units.insertUnit(code, now);
  await store.units.insertVersion({ unitId, name, type: "department" as never, parentUnitId: null, taxCode: null, budgetCode: null, address: null, emailDomain: null, focalPointName: null, focalPointEmail: null, focalPointPhone: null, validFrom: "2020-01-01", batchId: null }, now);
  return unitId;
}
