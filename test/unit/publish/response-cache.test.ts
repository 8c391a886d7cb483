import { strict as assert } from "node:assert";
import { createResponseCache } from "../../../server/publish/response-cache";

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
  it("invalidates every hash variant of a certificate at once", () => {
    const c = createResponseCache(10);
    c.set(1, "a", "sha1", entry(1));
    c.set(1, "a", "sha256", entry(2));
    c.set(2, "a", "sha1", entry(3));
    c.invalidate(1, "a");
    assert.equal(c.get(1, "a", "sha1"), undefined);
    assert.equal(c.get(1, "a", "sha256"), undefined);
    assert.ok(c.get(2, "a", "sha1"), "another CA's certificate with the same serial is untouched");
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
    c.invalidate(1, "b");
    assert.notEqual(c.generation, g);
    const h = c.generation;
    c.takeUnrevoked(1, "a");
    assert.notEqual(c.generation, h);
  });
  it("keeps nothing when its bound is zero", () => {
    const c = createResponseCache(0);
    c.set(1, "a", "sha1", entry(1));
    assert.equal(c.size, 0);
  });
});
