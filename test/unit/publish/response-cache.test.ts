import { strict as assert } from "node:assert";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { createResponseCache, MAX_REQUEST_KEY } from "../../../server/publish/response-cache";

describe("OCSP response cache", () => {
  const entry = (n: number) => ({ der: Buffer.from([n]), certIdDer: Buffer.from([n]), thisUpdate: new Date(0), nextUpdate: new Date(1) });
  it("evicts the least recently used beyond its bound", () => {
    const c = createResponseCache(2);
    c.set(1, "a", "sha1", entry(1));
    c.set(1, "b", "sha1", entry(2));
    assert.ok(c.get(1, "a", "sha1"));
    c.set(1, "c", "sha1", entry(3));
    assert.equal(c.size, 2);
    assert.ok(c.get(1, "a", "sha1"));
    assert.equal(c.get(1, "b", "sha1"), undefined);
  });
  it("a revocation takes every hash variant of a certificate at once", () => {
    const c = createResponseCache(10);
    c.set(1, "a", "sha1", entry(1));
    c.set(1, "a", "sha256", entry(2));
    c.set(1, "a", "sha512", entry(3));
    c.set(2, "a", "sha1", entry(4));
    assert.deepEqual(c.takeUnrevoked(1, "a").map((t) => t.alg).sort(), ["sha1", "sha256", "sha512"]);
    assert.equal(c.get(1, "a", "sha1"), undefined);
    assert.equal(c.get(1, "a", "sha256"), undefined);
    assert.equal(c.get(1, "a", "sha512"), undefined);
    assert.ok(c.get(2, "a", "sha1"), "another CA's certificate with the same serial is untouched");
  });
  it("keeps copies of its own, not slices of the caller's (pooled) buffers", () => {
    const c = createResponseCache(10);
    const pool = Buffer.alloc(8192, 7);
    c.set(1, "a", "sha1", { der: pool.subarray(10, 20), certIdDer: pool.subarray(30, 35), thisUpdate: new Date(0), nextUpdate: new Date(1) });
    const kept = c.peek(1, "a", "sha1")!;
    assert.equal(kept.der.buffer.byteLength, 15, "the answer and its CertID hold 15 bytes of memory, not the 8 KB block");
    assert.equal(kept.certIdDer.buffer, kept.der.buffer, "in one allocation");
    assert.deepEqual([kept.der.length, kept.certIdDer.length], [10, 5]);
    pool.fill(0);
    assert.deepEqual([...kept.der], Array(10).fill(7), "and later writes to the caller's block do not reach it");
  });
  it("hands back the answers a revocation makes stale, keeping those already revoked", () => {
    const c = createResponseCache(10);
    c.set(1, "a", "sha1", entry(1));
    c.set(1, "a", "sha256", { ...entry(2), revoked: true });
    const stale = c.takeUnrevoked(1, "a");
    assert.deepEqual(stale.map((s) => [s.alg, s.value.der[0]]), [["sha1", 1]]);
    assert.equal(c.get(1, "a", "sha1"), undefined, "dropped at once");
    assert.ok(c.peek(1, "a", "sha256")?.revoked, "a revoked answer stays: revocation is final");
    assert.deepEqual(c.takeUnrevoked(1, "a"), []);
  });
  it("moves its generation on every invalidation, so a status read it overtook is not cached", () => {
    const c = createResponseCache(10);
    const g = c.generation;
    c.set(1, "a", "sha1", entry(1));
    assert.equal(c.generation, g, "setting is not invalidating");
    c.takeUnrevoked(1, "b");
    assert.notEqual(c.generation, g, "even when nothing was cached for it");
    const h = c.generation;
    c.takeUnrevoked(1, "a");
    assert.notEqual(c.generation, h);
  });
  it("keeps nothing when its bound is zero", () => {
    const c = createResponseCache(0);
    c.set(1, "a", "sha1", entry(1));
    assert.equal(c.size, 0);
  });
  describe("index by request bytes", () => {
    it("finds the answer cached under the key it was remembered for, and nothing for other bytes", () => {
      const c = createResponseCache(10);
      c.set(1, "a", "sha1", entry(1));
      c.rememberRequest("Preq-a", 1, "a", "sha1");
      c.rememberRequest("GcmVx", 1, "a", "sha1");
      assert.equal(c.byRequest("Preq-a")?.der[0], 1);
      assert.equal(c.byRequest("GcmVx")?.der[0], 1, "two encodings of one request, one answer");
      assert.equal(c.byRequest("Preq-b"), undefined);
      c.rememberRequest("Pnothing", 1, "b", "sha1");
      assert.equal(c.byRequest("Pnothing"), undefined, "nothing cached under that key: nothing remembered");
    });
    it("never serves an answer the cache dropped: revocation, replacement, eviction, clear", () => {
      const c = createResponseCache(2);
      c.set(1, "a", "sha1", entry(1));
      c.rememberRequest("ra", 1, "a", "sha1");
      c.takeUnrevoked(1, "a");
      assert.equal(c.byRequest("ra"), undefined, "a revocation's drop reaches the index");
      c.set(1, "a", "sha1", { ...entry(2), revoked: true });
      assert.equal(c.byRequest("ra"), undefined, "the new answer is found by request only once remembered");
      c.rememberRequest("ra", 1, "a", "sha1");
      assert.equal(c.byRequest("ra")?.der[0], 2);
      c.set(1, "a", "sha1", { ...entry(3), revoked: true });
      assert.equal(c.byRequest("ra"), undefined, "a replaced answer is not served");
      c.rememberRequest("ra", 1, "a", "sha1");
      c.set(1, "b", "sha1", entry(4));
      c.set(1, "c", "sha1", entry(5));
      assert.equal(c.byRequest("ra"), undefined, "evicted from the LRU, gone from the index");
      c.rememberRequest("rc", 1, "c", "sha1");
      c.clear();
      assert.equal(c.byRequest("rc"), undefined, "clear empties both");
    });
    it("lets a dropped answer's memory go even while the index still names its slot", async () => {
      // A full collection on demand (the flag set at run time; the function from a fresh context).
      setFlagsFromString("--expose-gc");
      const gc = runInNewContext("gc") as () => void;
      const c = createResponseCache(10);
      c.set(1, "a", "sha1", entry(1));
      c.rememberRequest("ra", 1, "a", "sha1");
      const ref = ((): WeakRef<ArrayBufferLike> => new WeakRef(c.peek(1, "a", "sha1")!.der.buffer))();
      c.takeUnrevoked(1, "a");
      // WeakRef targets stay alive until the current job ends.
      await new Promise((r) => setImmediate(r));
      gc();
      assert.equal(ref.deref(), undefined, "the revoked certificate's old answer was collected");
      assert.equal(c.byRequest("ra"), undefined);
    });
    it("keeps an answer hit through the index from being the one evicted", () => {
      const c = createResponseCache(4);
      c.set(1, "hot", "sha1", entry(1));
      c.rememberRequest("hot", 1, "hot", "sha1");
      for (let i = 0; i < 20; i++) {
        c.set(1, `cold${i}`, "sha1", entry(i));
        assert.ok(c.byRequest("hot"), `hit ${i}: still held`);
      }
      assert.equal(c.size, 4);
    });
    it("stays within the cache's bound and does not index over-long keys", () => {
      const c = createResponseCache(3);
      c.set(1, "a", "sha1", entry(1));
      for (let i = 0; i < 10; i++) c.rememberRequest(`k${i}`, 1, "a", "sha1");
      assert.equal(c.byRequest("k0"), undefined, "the oldest keys make room");
      assert.ok(c.byRequest("k9"));
      c.rememberRequest("x".repeat(MAX_REQUEST_KEY + 1), 1, "a", "sha1");
      assert.equal(c.byRequest("x".repeat(MAX_REQUEST_KEY + 1)), undefined);
    });
  });
});
