// A bounded LRU of pre-signed OCSP responses, keyed by CA, serial and CertID
// hash algorithm. Map iteration order is insertion order, so the first key is
// the least recently used.
export interface CachedResponse {
  der: Buffer;
  /** The CertID the response answers; a request must carry the same bytes to reuse it. */
  certIdDer: Buffer;
  thisUpdate: Date;
  nextUpdate: Date;
}

export function createResponseCache(max: number) {
  const entries = new Map<string, CachedResponse>();
  const bySerial = new Map<string, Set<string>>();
  const serialKey = (caId: number, serial: string) => `${caId}:${serial}`;

  function drop(key: string) {
    entries.delete(key);
    const sk = key.slice(0, key.lastIndexOf(":"));
    const set = bySerial.get(sk);
    if (set) {
      set.delete(key);
      if (set.size === 0) bySerial.delete(sk);
    }
  }

  return {
    get(caId: number, serial: string, alg: string): CachedResponse | undefined {
      const key = `${serialKey(caId, serial)}:${alg}`;
      const hit = entries.get(key);
      if (hit) {
        entries.delete(key);
        entries.set(key, hit);
      }
      return hit;
    },
    set(caId: number, serial: string, alg: string, value: CachedResponse): void {
      if (max === 0) return;
      const sk = serialKey(caId, serial);
      const key = `${sk}:${alg}`;
      entries.delete(key);
      entries.set(key, value);
      let set = bySerial.get(sk);
      if (!set) bySerial.set(sk, (set = new Set()));
      set.add(key);
      while (entries.size > max) drop(entries.keys().next().value as string);
    },
    /** Forget every response for a certificate (its status changed). */
    invalidate(caId: number, serial: string): void {
      for (const key of [...(bySerial.get(serialKey(caId, serial)) ?? [])]) drop(key);
    },
    clear(): void {
      entries.clear();
      bySerial.clear();
    },
    get size() {
      return entries.size;
    },
    /** Read-only figures for the operators' dashboard: O(n) over the entries, call it per page view, not per request. */
    stats(): { size: number; max: number; oldestThisUpdate: Date | null } {
      let oldest: number | null = null;
      for (const e of entries.values()) if (oldest === null || e.thisUpdate.getTime() < oldest) oldest = e.thisUpdate.getTime();
      return { size: entries.size, max, oldestThisUpdate: oldest === null ? null : new Date(oldest) };
    },
  };
}

export type ResponseCache = ReturnType<typeof createResponseCache>;
