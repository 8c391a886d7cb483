// A bounded LRU of pre-signed OCSP responses, keyed by CA, serial and CertID
// hash algorithm. Map iteration order is insertion order, so the first key is
// the least recently used. A generation counter, moved by every invalidation,
// lets a caller that read a status before an invalidation see that its answer
// may be stale and not cache it.
export interface CachedResponse {
  der: Buffer;
  /** The answer is "revoked": final (RFC 5280 5.3.1, no certificateHold here), no later revocation changes it. */
  revoked?: boolean;
  /** The CertID the response answers; a request must carry the same bytes to reuse it. */
  certIdDer: Buffer;
  thisUpdate: Date;
  nextUpdate: Date;
}

export function createResponseCache(max: number) {
  const entries = new Map<string, CachedResponse>();
  const bySerial = new Map<string, Set<string>>();
  const serialKey = (caId: number, serial: string) => `${caId}:${serial}`;
  let generation = 0;

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
    /** get() without touching the LRU order. */
    peek(caId: number, serial: string, alg: string): CachedResponse | undefined {
      return entries.get(`${serialKey(caId, serial)}:${alg}`);
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
      generation++;
      for (const key of [...(bySerial.get(serialKey(caId, serial)) ?? [])]) drop(key);
    },
    /** Forget the certificate's responses that are not "revoked" yet, returning them by hash algorithm (to sign anew). */
    takeUnrevoked(caId: number, serial: string): Array<{ alg: string; value: CachedResponse }> {
      generation++;
      const sk = serialKey(caId, serial);
      const out: Array<{ alg: string; value: CachedResponse }> = [];
      for (const key of [...(bySerial.get(sk) ?? [])]) {
        const value = entries.get(key)!;
        if (value.revoked) continue;
        out.push({ alg: key.slice(sk.length + 1), value });
        drop(key);
      }
      return out;
    },
    /** Moves on every invalidation: compare before and after a status read. */
    get generation() {
      return generation;
    },
    clear(): void {
      generation++;
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
