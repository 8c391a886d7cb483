// Composition root for `npm start`: configuration → server (one process, or
// WORKERS processes sharing the port). Prints where it listens; shuts down
// gracefully on SIGTERM/SIGINT.
import "reflect-metadata";
import { isPrimary, runPrimary, runWorker } from "./cluster";
import { loadConfig, usesDevelopmentPassphrase } from "./config/load-config";
import type { Config } from "./config/schema";
import { isAppError } from "./errors/app-error";
import { createLogger } from "./log";
import { startServer } from "./server";
import { closeGracefully, exitOnSignals } from "./shutdown";

function announce(config: Config, url: string): void {
  const shown = config.publicUrl === "http://localhost:3000" ? url : config.publicUrl;
  const processes = config.workers > 1 ? `, ${config.workers} processes` : "";
  console.log(`chungthu is listening on ${shown}  (data: ${config.dataDir}, database: ${config.databaseUrl ? "PostgreSQL" : "sqlite"}${processes})`);
}

async function main(): Promise<void> {
  const log = createLogger();
  const config = loadConfig();
  if (config.workers > 1 && !isPrimary()) return runWorker(config, log);
  if (usesDevelopmentPassphrase(config)) {
    process.stderr.write(
      "\n  WARNING: CA private keys are encrypted with the built-in DEVELOPMENT passphrase.\n" +
        "  Anyone with this source code can decrypt them. Set CA_KEY_PASSPHRASE before issuing anything real.\n\n",
    );
  }
  if (config.workers > 1) {
    const primary = await runPrimary(config, log);
    announce(config, primary.url);
    exitOnSignals(log, primary.stop);
    return;
  }
  const server = await startServer(config, { log });
  announce(config, server.url);
  // SIGTERM: stop accepting, finish in-flight requests (at most shutdownGraceMs), stop the jobs, close the database, exit 0.
  exitOnSignals(log, () => closeGracefully(server, { graceMs: config.shutdownGraceMs, log }));
}

main().catch((e: unknown) => {
  const msg = isAppError(e) ? `error [${e.code}]: ${e.message}` : `error: ${(e as Error).message}`;
  process.stderr.write(msg + "\n");
  process.exit(1);
});
