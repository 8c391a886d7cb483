// Follows the revocations table so this process learns of revocations made by
// any other process (the CLI, another web worker) within one poll interval.
// Ids can commit out of order on PostgreSQL, so a gap is held open for a while
// before the watermark moves past it.
import type { CertificateStore, RevocationEvent } from "../store/certificate-store";

export interface RevocationFeedDeps {
  certificates: Pick<CertificateStore, "revocationsAfter" | "maxRevocationId">;
  intervalMs: number;
  onEvents: (events: RevocationEvent[]) => void;
  log: (level: "warn" | "error", msg: string, fields?: Record<string, unknown>) => void;
  clock?: () => number;
}

/** How long a hole in the id sequence may be waited for (an in-flight transaction) before it is taken as a rollback. */
const GAP_PATIENCE_MS = 10_000;
const BATCH = 5_000;

export function createRevocationFeed(deps: RevocationFeedDeps) {
  const now = deps.clock ?? Date.now;
  let watermark = 0;
  const seenAbove = new Set<number>();
  let gapSince: number | null = null;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let lastPollAt: number | null = null;

  async function poll(): Promise<void> {
    const events = await deps.certificates.revocationsAfter(watermark, BATCH);
    const fresh = events.filter((e) => !seenAbove.has(e.id));
    let expected = watermark + 1;
    let contiguousTo = watermark;
    let gap = false;
    for (const e of events) {
      if (!gap && e.id === expected) {
        contiguousTo = e.id;
        expected++;
      } else {
        gap = true;
      }
      seenAbove.add(e.id);
    }
    if (gap) {
      gapSince ??= now();
      if (now() - gapSince > GAP_PATIENCE_MS) {
        contiguousTo = events[events.length - 1]!.id;
        gapSince = null;
      }
    } else {
      gapSince = null;
    }
    watermark = contiguousTo;
    for (const id of [...seenAbove]) if (id <= watermark) seenAbove.delete(id);
    if (fresh.length) deps.onEvents(fresh);
    lastPollAt = now();
  }

  const tick = () => {
    running = poll()
      .catch((e: Error) => deps.log("warn", "revocation feed poll failed", { error: e.message }))
      .finally(() => {
        running = null;
        if (timer) timer = setTimeout(tick, deps.intervalMs);
      });
  };

  return {
    /** Starts after the current end of the feed: what happened before start is already in the database. */
    async start(): Promise<void> {
      watermark = await deps.certificates.maxRevocationId();
      timer = setTimeout(tick, deps.intervalMs);
    },
    async stop(): Promise<void> {
      if (timer) clearTimeout(timer);
      timer = null;
      await running;
    },
    poll,
    /** Where the feed stands (the freshness dashboard): ids up to `watermark` and those in `seenAbove` were delivered. */
    position: (): { watermark: number; seenAbove: number[]; lastPollAt: Date | null } => ({ watermark, seenAbove: [...seenAbove], lastPollAt: lastPollAt === null ? null : new Date(lastPollAt) }),
  };
}
