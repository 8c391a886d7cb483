// A few seconds' memory of figures that cost a scan of the scope's rows (the
// dashboard's certificates by status and expiring soon: ~100 ms at 200k
// certificates on sqlite, ~0.5 s at 1M), per scope. Reads only; never stores
// anything in the database.
//
// Why a time limit and not invalidation, and why not counters kept in a table:
// with several processes (node:cluster, server/cluster.ts; the CLI) a change
// made by one process is not seen by the others' events, so an invalidated
// cache would be fresh in one worker and stale in the next (numbers jumping
// back and forth between reloads). A pure time limit is the same rule in
// every process: any figure shown is at most `ttlMs` older than the database,
// whichever process changed it. Counters updated in the issuing and revoking
// transactions would be exact, but they add a write to every issuance and to
// each of a mass revocation's rows, and a restore (backup-store) would have to
// keep them in step with the rows; the dashboard does not need that precision.
//
// Concurrent misses for one scope share one computation; a failure is not kept.

export interface ScopeFiguresCache<T> {
  get(key: string, compute: () => Promise<T>): Promise<T>;
}

export function createScopeFiguresCache<T>(opts: { ttlMs: number; maxEntries: number; monotonicMs: () => number }): ScopeFiguresCache<T> {
  const entries = new Map<string, { at: number; value: Promise<T> }>();
  return {
    get(key, compute) {
      const now = opts.monotonicMs();
      const hit = entries.get(key);
      if (hit && now - hit.at < opts.ttlMs) return hit.value;
      entries.delete(key);
      const value = compute();
      entries.set(key, { at: now, value });
      value.catch(() => {
        if (entries.get(key)?.value === value) entries.delete(key);
      });
      // Oldest first (Map keeps insertion order): a bound on memory, not an LRU.
      while (entries.size > opts.maxEntries) entries.delete(entries.keys().next().value!);
      return value;
    },
  };
}
