// Child process for scripts/bench/ocsp.ts: starts the whole service (startServer)
// on an existing DATA_DIR and prints one JSON line {"url", "pid"} on stdout when
// it listens, so the load generator can run in another process.
//
//   node --import tsx scripts/bench/support/ocsp-server-child.ts
//
// Configuration comes only from these environment variables (nothing else from
// the environment, no chungthu.config.json from the working directory):
//   DATA_DIR, CA_KEY_PASSPHRASE, PUBLIC_URL   required
//   HOST (default 127.0.0.1), PORT (default 0), WORKERS (default 1: node:cluster above)
//
// It stops (closing the server cleanly, so `--cpu-prof` profiles get written) on
// SIGTERM or SIGINT, and when its stdin closes, i.e. when the parent went away.
import "reflect-metadata";
import { loadConfig } from "../../../server/config/load-config";
import { createLogger } from "../../../server/log";
import { isPrimary, runPrimary, runWorker } from "../../../server/cluster";
import { startServer, type RunningServer } from "../../../server/server";

async function main(): Promise<void> {
  const env = process.env;
  for (const name of ["DATA_DIR", "CA_KEY_PASSPHRASE", "PUBLIC_URL"]) {
    if (!env[name]) throw new Error(`ocsp-server-child: ${name} must be set`);
  }
  const dataDir = env.DATA_DIR!;
  const config = loadConfig({
    env: {
      DATA_DIR: dataDir,
      PORT: env.PORT ?? "0",
      HOST: env.HOST ?? "127.0.0.1",
      PUBLIC_URL: env.PUBLIC_URL,
      DEMO: "0",
      CA_KEY_PASSPHRASE: env.CA_KEY_PASSPHRASE,
      WORKERS: env.WORKERS ?? "1",
    },
    cwd: dataDir,
  });
  const log = createLogger({ minLevel: "warn" });
  // WORKERS > 1: node:cluster, as `npm start` does (server/cluster.ts).
  if (config.workers > 1 && !isPrimary()) return runWorker(config, log);
  let server: Pick<RunningServer, "close"> | null = null;
  let stopping = false;
  const stop = (code: number) => {
    if (stopping) return;
    stopping = true;
    const done = () => process.exit(code);
    // Never hang on shutdown: the parent is waiting for us.
    setTimeout(done, 5_000).unref();
    (server ? server.close() : Promise.resolve()).then(done, done);
  };
  process.on("SIGTERM", () => stop(0));
  process.on("SIGINT", () => stop(0));
  process.stdin.on("end", () => stop(0));
  process.stdin.on("error", () => stop(0));
  process.stdin.resume();

  let url: string;
  if (config.workers > 1) {
    const primary = await runPrimary(config, log);
    server = { close: primary.stop };
    url = primary.url;
  } else {
    const single = await startServer(config, { log });
    server = single;
    url = single.url;
  }
  if (stopping) return;
  process.stdout.write(JSON.stringify({ url, pid: process.pid }) + "\n");
}

main().catch((e: unknown) => {
  process.stderr.write(`ocsp-server-child: ${(e as Error)?.stack ?? String(e)}\n`);
  process.exit(1);
});
