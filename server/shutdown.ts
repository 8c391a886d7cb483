// Graceful shutdown of one serving process on SIGTERM/SIGINT: stop accepting,
// let in-flight requests finish within a grace period, then cut what is left,
// stop the background jobs and close the database (RunningServer.close()).
// It decides when to exit; it never touches the database itself.
import type { Server } from "node:http";
import type { Logger } from "./log";

export interface Closable {
  http: Server;
  /** Stops taking requests, waits for in-flight ones, stops background work, closes the database. */
  close(): Promise<void>;
}

/**
 * close() waits for every open request; a client that never finishes its
 * request would hold the process forever (and an orchestrator would then
 * SIGKILL it mid-write). After `graceMs` the remaining connections are cut, so
 * close() goes on to stop the jobs and close the database cleanly.
 */
export async function closeGracefully(server: Closable, opts: { graceMs: number; log: Logger }): Promise<void> {
  const timer = setTimeout(() => {
    opts.log("warn", "shutdown grace period over: closing the connections still open", { graceMs: opts.graceMs });
    server.http.closeAllConnections();
  }, opts.graceMs);
  timer.unref();
  try {
    await server.close();
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs `stop` once on the first SIGTERM or SIGINT, then exits 0 (1 if stopping
 * failed). A second signal while stopping is logged and ignored: the database
 * is being closed and must not be cut off halfway (SIGKILL still works).
 */
export function exitOnSignals(log: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      log("warn", "already shutting down", { signal });
      return;
    }
    stopping = true;
    log("info", "shutting down", { signal });
    stop().then(
      () => {
        log("info", "stopped");
        process.exit(0);
      },
      (e: unknown) => {
        log("error", "shutdown failed", { error: (e as Error).message });
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
}
