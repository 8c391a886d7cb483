// Runs the service as several processes sharing one port (node:cluster): one
// OCSP/web process per core. Worker 1 starts first and does the one-time and
// background work (migrations, CA set-up, demo data, CRL publication,
// responder renewal, audit checkpoints); the others start once it listens,
// serve requests, and follow the revocation feed, so a revocation made in any
// process reaches every OCSP cache within one poll interval.
import cluster, { type Worker } from "node:cluster";
import type { Config } from "./config/schema";
import type { Logger } from "./log";
import { startServer } from "./server";
import { closeGracefully } from "./shutdown";

interface ReadyMessage {
  type: "chungthu:ready";
  url: string;
}

const isReady = (m: unknown): m is ReadyMessage => typeof m === "object" && m !== null && (m as ReadyMessage).type === "chungthu:ready";

/** In the primary: fork the workers, restart any that dies, resolve with the URL once all listen. */
export function runPrimary(config: Config, log: Logger): Promise<{ url: string; stop(): Promise<void> }> {
  // The kernel hands new connections to the workers directly: node's default
  // round-robin passes every connection through the primary, which cost
  // ~150 µs per OCSP request made on a new connection (scripts/bench/ocsp.ts).
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  let stopping = false;
  const roles = new Map<number, boolean>(); // worker id → background
  const fork = (background: boolean): Worker => {
    const w = cluster.fork({ CHUNGTHU_BACKGROUND: background ? "1" : "0" });
    roles.set(w.id, background);
    return w;
  };
  cluster.on("exit", (w, code, signal) => {
    const background = roles.get(w.id) ?? false;
    roles.delete(w.id);
    if (stopping) return;
    log("error", "worker died; starting another", { worker: w.id, code, signal, background });
    fork(background);
  });
  return new Promise((resolve, reject) => {
    const first = fork(true);
    first.once("exit", (code) => {
      if (!stopping && roles.size === 0) reject(new Error(`the first worker exited (${code}) before listening`));
    });
    first.on("message", (m: unknown) => {
      if (!isReady(m)) return;
      const rest = Array.from({ length: config.workers - 1 }, () => fork(false));
      let waiting = rest.length;
      const done = () =>
        resolve({
          url: m.url,
          stop: async () => {
            stopping = true;
            // Each worker finishes its in-flight requests and closes its pool (runWorker); a worker that could not is an error exit.
            const codes = await Promise.all(
              Object.values(cluster.workers ?? {}).map(
                (w) =>
                  new Promise<number>((r) => {
                    if (!w || w.isDead()) return r(0);
                    w.once("exit", (code: number | null) => r(code ?? 1));
                    w.process.kill("SIGTERM");
                  }),
              ),
            );
            if (codes.some((c) => c !== 0)) throw new Error(`a worker did not stop cleanly (exit codes ${codes.join(", ")})`);
          },
        });
      if (waiting === 0) done();
      for (const w of rest) w.on("message", (x: unknown) => isReady(x) && --waiting === 0 && done());
    });
  });
}

/** In a worker: start the service, tell the primary, stop gracefully on the primary's SIGTERM. */
export async function runWorker(config: Config, log: Logger): Promise<void> {
  const background = process.env.CHUNGTHU_BACKGROUND === "1";
  const server = await startServer(config, { log, background });
  process.send?.({ type: "chungthu:ready", url: server.url } satisfies ReadyMessage);
  // Ctrl-C reaches the whole process group: a worker leaves the stopping to the
  // primary (which sends SIGTERM) instead of dying mid-request by default.
  process.on("SIGINT", () => undefined);
  process.once("SIGTERM", () => {
    closeGracefully(server, { graceMs: config.shutdownGraceMs, log }).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}

export const isPrimary = () => cluster.isPrimary;
