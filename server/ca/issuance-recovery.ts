// Recovery after a crash mid-issuance: a certificate stored as pending was
// never returned to anyone (the signed form is only handed out after the row
// is completed), so an old pending row is marked failed and audited. Young
// pending rows may belong to another process still issuing; they are left alone.
// The age is injectable (startServer's stalePendingMs): a crash test restarting
// at once passes 0, since nothing else is issuing then.
import type { Store } from "../store/store";

export const STALE_PENDING_MS = 10 * 60_000;

export async function recoverInterruptedIssuance(deps: { store: Store; clock: () => Date }, olderThanMs = STALE_PENDING_MS): Promise<string[]> {
  // created_at is stored in whole seconds: round the cutoff up, so "older than
  // 0 ms" also takes a row written earlier in the current second.
  const cutoff = new Date(Math.ceil((deps.clock().getTime() - olderThanMs) / 1000) * 1000);
  const serials = await deps.store.certificates.stalePending(cutoff);
  for (const serial of serials) {
    await deps.store.transaction(async (tx) => {
      await tx.certificates.markFailed(serial);
      await tx.audit.append(
        { actor: "system:recovery", action: "cert.issue", objectType: "certificate", objectId: serial, outcome: "refused", details: { reason: "issuance interrupted before completion; marked failed" } },
        deps.clock(),
      );
    });
  }
  return serials;
}

export interface RecoverySweepDeps {
  store: Store;
  clock: () => Date;
  log: (level: "warn" | "error", msg: string, fields?: Record<string, unknown>) => void;
  /** The request workflow's own recovery (portal.requestExecutor.resumeStuck). */
  resumeStuck: () => Promise<number[]>;
  intervalMs: number;
  olderThanMs?: number;
}

/**
 * The same recovery while the service runs, once a minute in the background
 * process: a crash followed by a quick restart leaves pending rows too young to
 * touch at start, and their requests would wait in "approved" for the next
 * restart. Requests are resumed only when stale pending rows were found, so an
 * approval in flight right now is not put back under its approver's feet.
 */
export function createRecoverySweep(deps: RecoverySweepDeps) {
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let stopped = false;

  const runOnce = (): Promise<{ failed: string[]; completed: number[] }> => {
    const run = (async () => {
      const failed = await recoverInterruptedIssuance(deps, deps.olderThanMs);
      if (!failed.length) return { failed, completed: [] };
      deps.log("warn", "interrupted issuances marked failed", { serials: failed });
      const completed = await deps.resumeStuck();
      if (completed.length) deps.log("warn", "interrupted request approvals completed", { requests: completed });
      return { failed, completed };
    })();
    running = run.then(
      () => undefined,
      (e: Error) => deps.log("error", "issuance recovery sweep failed", { error: e.message }),
    );
    return run;
  };

  return {
    runOnce,
    start(): void {
      const loop = () => {
        timer = setTimeout(() => {
          void runOnce()
            .catch(() => undefined)
            .finally(() => !stopped && loop());
        }, deps.intervalMs);
        timer.unref();
      };
      if (!stopped) loop();
    },
    async stop(): Promise<void> {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}

export type RecoverySweep = ReturnType<typeof createRecoverySweep>;
