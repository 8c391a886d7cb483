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

/**
 * What a dropped slot holds instead of its answer: the request index may still
 * point at the slot until that key is asked again or ages out, and must not
 * keep the answer's memory alive meanwhile (after a mass revocation, thousands).
 */
const RELEASED: CachedResponse = { der: Buffer.alloc(0), certIdDer: Buffer.alloc(0), thisUpdate: new Date(0), nextUpdate: new Date(0) };

function release(slot: Slot): void {
  slot.live = false;
  slot.value = RELEASED;
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

/** The CertID hash algorithms a request may use (RFC 6960 4.1.1, RFC 5019 2.1.1): a certificate has at most one answer for each. */
export const CERT_ID_ALGORITHMS: readonly string[] = ["sha1", "sha256", "sha384", "sha512"];

/**
 * The answer and its CertID copied into one allocation of their own. The
 * Buffers handed in are small slices of Node's shared 8 KB pool (or of a socket
 * read), and one kept slice keeps its whole block alive: 50,000 cached answers
 * held ~400 MB of blocks for ~60 MB of answers (measured, a full cache at 1M
 * certificates). One allocation rather than two: half the malloc overhead and
 * one ArrayBuffer object per entry instead of two.
 */
function ownCopies(der: Buffer, certIdDer: Buffer): { der: Buffer; certIdDer: Buffer } {
  const out = Buffer.allocUnsafeSlow(der.length + certIdDer.length);
  der.copy(out, 0);
  certIdDer.copy(out, der.length);
  return { der: out.subarray(0, der.length), certIdDer: out.subarray(der.length) };
}

export function createResponseCache(max: number, algorithms: readonly string[] = CERT_ID_ALGORITHMS) {
  const entries = new Map<string, Slot>();
  const byRequest = new Map<string, Slot>();
  let generation = 0;
  let uses = 0;

  function drop(key: string) {
    const slot = entries.get(key);
    if (slot) release(slot);
    entries.delete(key);
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
      const key = responseKey(caId, serial, alg);
      drop(key);
      entries.set(key, { key, value: { ...value, ...ownCopies(value.der, value.certIdDer) }, live: true, touched: ++uses });
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
    /** Forget the certificate's responses that are not "revoked" yet, returning them by hash algorithm (to sign anew). */
    takeUnrevoked(caId: number, serial: string): Array<{ alg: string; value: CachedResponse }> {
      generation++;
      const out: Array<{ alg: string; value: CachedResponse }> = [];
      // One probe per CertID algorithm: cheaper in memory than an index by serial kept for every entry.
      for (const alg of algorithms) {
        const key = responseKey(caId, serial, alg);
        const slot = entries.get(key);
        if (!slot || slot.value.revoked) continue;
        out.push({ alg, value: slot.value });
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
      for (const slot of entries.values()) release(slot);
      entries.clear();
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
