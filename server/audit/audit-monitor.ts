// Keeps the oversight page's answer to "is the audit chain intact?" without
// making anyone wait for it: verifies in the background (at start, every
// `intervalMs`, soon after a new checkpoint is signed, and when asked), one run
// at a time (a request during a run is served by that run or the one after it),
// and caches the last result with when it started and finished.
// Verification costs ~30 s per million entries; the page only reads the cache.
import type { Logger } from "../log";
import type { Store } from "../store/store";
import type { VerifyResult } from "./verify-chain";

export interface AuditStatus {
  /** The newest finished run (null before the first one ends). */
  last: { result: VerifyResult | null; error: string | null; startedAt: Date; finishedAt: Date } | null;
  /** A run is under way (started then). */
  runningSince: Date | null;
}

export interface AuditMonitorDeps {
  verify: () => Promise<VerifyResult>;
  store: Pick<Store, "auditCheckpoints">;
  clock: () => Date;
  log: Logger;
  /** Full verification period (default 10 minutes). */
  intervalMs?: number;
  /** How often to look for a new checkpoint (a cheap query; default 30 s). */
  checkpointPollMs?: number;
}

export function createAuditMonitor(deps: AuditMonitorDeps) {
  const intervalMs = deps.intervalMs ?? 10 * 60_000;
  const pollMs = deps.checkpointPollMs ?? 30_000;
  let last: AuditStatus["last"] = null;
  let running: Promise<void> | null = null;
  let runningSince: Date | null = null;
  let again = false;
  let stopped = false;
  let started = false;
  let lastRunAt = 0;
  let seenCheckpoint: number | null = null;
  let timer: NodeJS.Timeout | null = null;

  async function runOnce(): Promise<void> {
    const startedAt = deps.clock();
    runningSince = startedAt;
    lastRunAt = Date.now();
    try {
      const result = await deps.verify();
      last = { result, error: null, startedAt, finishedAt: deps.clock() };
      if (!result.intact) deps.log("error", "audit chain broken", { entry: result.firstBrokenEntryId, checkpoint: result.brokenCheckpointId, problem: result.problem });
    } catch (e) {
      if (!stopped) {
        last = { result: null, error: (e as Error).message, startedAt, finishedAt: deps.clock() };
        deps.log("error", "audit verification failed", { error: (e as Error).message });
      }
    } finally {
      runningSince = null;
    }
  }

  /** Starts a run unless one is under way; a run asked for during one follows it (single flight, at most one queued). */
  function trigger(): Promise<void> {
    if (stopped) return Promise.resolve();
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          again = false;
          await runOnce();
        } while (again && !stopped);
      } finally {
        running = null;
      }
    })();
    return running;
  }

  async function tick(): Promise<void> {
    try {
      const cp = await deps.store.auditCheckpoints.latest();
      const id = cp?.id ?? 0;
      const newCheckpoint = seenCheckpoint !== null && id !== seenCheckpoint;
      seenCheckpoint = id;
      if (newCheckpoint || Date.now() - lastRunAt >= intervalMs) void trigger();
    } catch (e) {
      if (!stopped) deps.log("error", "audit monitor poll failed", { error: (e as Error).message });
    }
  }

  function loop(): void {
    if (stopped) return;
    timer = setTimeout(() => void tick().finally(loop), Math.min(pollMs, intervalMs));
    timer.unref();
  }

  return {
    /** Starts the first run (not awaited) and the timer. */
    start(): void {
      if (started) return;
      started = true;
      void deps.store.auditCheckpoints
        .latest()
        .then((cp) => (seenCheckpoint = cp?.id ?? 0))
        .catch(() => (seenCheckpoint = 0));
      void trigger();
      loop();
    },
    /** "Verify now": starts a run (or queues one after the current run); resolves when it is done. */
    verifyNow: trigger,
    status(): AuditStatus {
      return { last, runningSince };
    },
    async stop(): Promise<void> {
      stopped = true;
      if (timer) clearTimeout(timer);
      if (running) await running;
    },
  };
}

export type AuditMonitor = ReturnType<typeof createAuditMonitor>;
