// A bounded LRU of pre-signed OCSP responses, keyed by CA, serial and CertID
// hash algorithm. Map iteration order is insertion order, so the first key is
// the least recently used. A generation counter, moved by every invalidation,
// lets a caller that read a status before an invalidation see that its answer
// may be stale and not cache it.
//
// Next to it, an index by the request itself (its DER bytes, or a GET's URL
// segment): most relying parties send the same bytes again and again, and a
// request key found here skips parsing, the issuer lookup and the key building
// (scripts/bench/ocsp.ts: ~15 µs of ~70 µs per request). An index entry points
// at the cache's own slot, and a slot dropped from the cache is marked dead, so
// the index can never serve an answer the cache no longer holds.
export interface CachedResponse {
  der: Buffer;
  /** The answer is "revoked": final (RFC 5280 5.3.1, no certificateHold here), no later revocation changes it. */
  revoked?: boolean;
  /** The CertID the response answers; a request must carry the same bytes to reuse it. */
  certIdDer: Buffer;
  thisUpdate: Date;
  nextUpdate: Date;
}

interface Slot {
  key: string;
  value: CachedResponse;
  live: boolean;
  /** The cache's use counter when the slot last moved to the recent end. */
  touched: number;
}

/** The key of a certificate's answer for one CertID hash algorithm (also the responder's re-sign queue). */
export const responseKey = (caId: number, serial: string, alg: string): string => `${caId}:${serial}:${alg}`;

/** Request keys longer than this are not indexed (a single-CertID request is ~80–130 bytes). */
export const MAX_REQUEST_KEY = 512;

export function createResponseCache(max: number) {
  const entries = new Map<string, Slot>();
  const bySerial = new Map<string, Set<string>>();
  const byRequest = new Map<string, Slot>();
  const serialKey = (caId: number, serial: string) => `${caId}:${serial}`;
  let generation = 0;
  let uses = 0;

  function drop(key: string) {
    const slot = entries.get(key);
    if (slot) slot.live = false;
    entries.delete(key);
    const sk = key.slice(0, key.lastIndexOf(":"));
    const set = bySerial.get(sk);
    if (set) {
      set.delete(key);
      if (set.size === 0) bySerial.delete(sk);
    }
  }

  function touch(slot: Slot) {
    entries.delete(slot.key);
    entries.set(slot.key, slot);
    slot.touched = ++uses;
  }

  return {
    get(caId: number, serial: string, alg: string): CachedResponse | undefined {
      const slot = entries.get(responseKey(caId, serial, alg));
      if (!slot) return undefined;
      touch(slot);
      return slot.value;
    },
    /** get() without touching the LRU order. */
    peek(caId: number, serial: string, alg: string): CachedResponse | undefined {
      return entries.get(responseKey(caId, serial, alg))?.value;
    },
    set(caId: number, serial: string, alg: string, value: CachedResponse): void {
      if (max === 0) return;
      const sk = serialKey(caId, serial);
      const key = responseKey(caId, serial, alg);
      const old = entries.get(key);
      if (old) old.live = false;
      entries.delete(key);
      entries.set(key, { key, value, live: true, touched: ++uses });
      let set = bySerial.get(sk);
      if (!set) bySerial.set(sk, (set = new Set()));
      set.add(key);
      while (entries.size > max) drop(entries.keys().next().value as string);
    },
    /**
     * The answer cached for exactly these request bytes, if it is still held.
     * A hit moves the entry to the recent end only once it has aged past half
     * the cache, so a hot answer is never the one evicted, without the
     * delete-and-set of the Map on every request.
     */
    byRequest(requestKey: string): CachedResponse | undefined {
      const slot = byRequest.get(requestKey);
      if (!slot) return undefined;
      if (!slot.live) {
        byRequest.delete(requestKey);
        return undefined;
      }
      if (uses - slot.touched > max >> 1) touch(slot);
      return slot.value;
    },
    /** Lets byRequest() find the answer cached under (caId, serial, alg) by these request bytes from now on. */
    rememberRequest(requestKey: string, caId: number, serial: string, alg: string): void {
      if (requestKey.length > MAX_REQUEST_KEY) return;
      const slot = entries.get(responseKey(caId, serial, alg));
      if (!slot) return;
      byRequest.delete(requestKey);
      byRequest.set(requestKey, slot);
      // Several encodings of one request may point at one answer; the index stays within the cache's bound.
      while (byRequest.size > max) byRequest.delete(byRequest.keys().next().value as string);
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
        const value = entries.get(key)!.value;
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
      for (const slot of entries.values()) slot.live = false;
      entries.clear();
      bySerial.clear();
      byRequest.clear();
    },
    get size() {
      return entries.size;
    },
    /** Read-only figures for the operators' dashboard: O(n) over the entries, call it per page view, not per request. */
    stats(): { size: number; max: number; oldestThisUpdate: Date | null } {
      let oldest: number | null = null;
      for (const { value } of entries.values()) if (oldest === null || value.thisUpdate.getTime() < oldest) oldest = value.thisUpdate.getTime();
      return { size: entries.size, max, oldestThisUpdate: oldest === null ? null : new Date(oldest) };
    },
  };
}

export type ResponseCache = ReturnType<typeof createResponseCache>;
