// Signs an audit checkpoint at start and then every interval in a running
// server (skipped when the chain has not grown). Owns only the timer.
import type { Logger } from "../log";
import type { CheckpointOutcome } from "./checkpoint";

export interface CheckpointTimerDeps {
  checkpoint: (actor: string) => Promise<CheckpointOutcome>;
  intervalMs: number;
  log: Logger;
}

const ACTOR = "system:audit";

export function createCheckpointTimer(deps: CheckpointTimerDeps) {
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let stopped = false;

  const tick = (): Promise<void> =>
    (running = (async () => {
      try {
        const r = await deps.checkpoint(ACTOR);
        if (r.created) deps.log("info", "audit checkpoint signed", { id: r.checkpoint.id, lastEntryId: r.checkpoint.lastEntryId });
      } catch (e) {
        deps.log("error", "audit checkpoint failed", { error: (e as Error).message });
      } finally {
        running = null;
      }
    })());

  return {
    async start(): Promise<void> {
      await tick();
      const loop = () => {
        timer = setTimeout(() => void tick().finally(() => !stopped && loop()), deps.intervalMs);
        timer.unref();
      };
      if (!stopped) loop();
    },
    async stop(): Promise<void> {
      stopped = true;
      if (timer) clearTimeout(timer);
      if (running) await running;
    },
  };
}

export type CheckpointTimer = ReturnType<typeof createCheckpointTimer>;
