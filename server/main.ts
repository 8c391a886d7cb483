// Composition root for `npm start`: configuration → server. Prints where it
// listens; shuts down gracefully on SIGTERM/SIGINT.
import "reflect-metadata";
import { loadConfig, usesDevelopmentPassphrase } from "./config/load-config";
import { isAppError } from "./errors/app-error";
import { createLogger } from "./log";
import { startServer } from "./server";

async function main(): Promise<void> {
  const log = createLogger();
  const config = loadConfig();
  if (usesDevelopmentPassphrase(config)) {
    process.stderr.write(
      "\n  WARNING: CA private keys are encrypted with the built-in DEVELOPMENT passphrase.\n" +
        "  Anyone with this source code can decrypt them. Set CA_KEY_PASSPHRASE before issuing anything real.\n\n",
    );
  }
  const server = await startServer(config, { log });
  const shown = config.publicUrl === "http://localhost:3000" ? server.url : config.publicUrl;
  console.log(`chungthu is listening on ${shown}  (data: ${config.dataDir}, database: ${config.databaseUrl ? "PostgreSQL" : "sqlite"})`);
  const stop = (signal: string) => {
    log("info", "shutting down", { signal });
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGTERM", () => stop("SIGTERM"));
  process.once("SIGINT", () => stop("SIGINT"));
}

main().catch((e: unknown) => {
  const msg = isAppError(e) ? `error [${e.code}]: ${e.message}` : `error: ${(e as Error).message}`;
  process.stderr.write(msg + "\n");
  process.exit(1);
});
