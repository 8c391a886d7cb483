// The dashboard's per-scope figures cache: at most ttlMs old, one computation
// for concurrent misses, failures not kept, a bound on the number of scopes.
import { strict as assert } from "node:assert";
import { createScopeFiguresCache } from "../../../server/directory/scope-figures-cache";

describe("scope figures cache", () => {
  let t = 0;
  const make = (maxEntries = 10) => createScopeFiguresCache<number>({ ttlMs: 1000, maxEntries, monotonicMs: () => t });
  beforeEach(() => {
    t = 0;
  });

  it("answers from memory until ttlMs has passed, then computes again", async () => {
    const cache = make();
    let n = 0;
    const compute = async () => ++n;
    assert.equal(await cache.get("a", compute), 1);
    t = 999;
    assert.equal(await cache.get("a", compute), 1);
    t = 1000;
    assert.equal(await cache.get("a", compute), 2);
    assert.equal(await cache.get("b", compute), 3, "each scope has its own figures");
  });

  it("shares one computation between concurrent misses", async () => {
    const cache = make();
    let n = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const compute = async () => {
      n++;
      await gate;
      return 7;
    };
    const both = Promise.all([cache.get("a", compute), cache.get("a", compute)]);
    release();
    assert.deepEqual(await both, [7, 7]);
    assert.equal(n, 1);
  });

  it("does not keep a failure", async () => {
    const cache = make();
    await assert.rejects(cache.get("a", async () => Promise.reject(new Error("db down"))), /db down/);
    assert.equal(await cache.get("a", async () => 5), 5);
  });

  it("forgets the oldest scope beyond maxEntries", async () => {
    const cache = make(2);
    let n = 0;
    const compute = async () => ++n;
    await cache.get("a", compute);
    await cache.get("b", compute);
    await cache.get("c", compute);
    assert.equal(await cache.get("b", compute), 2);
    assert.equal(await cache.get("a", compute), 4, "a was forgotten");
  });
});
