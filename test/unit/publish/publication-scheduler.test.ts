// The CRL rebuild after revocations: a burst (a merger batch announcing
// thousands of revocations) is one build; a stream that goes on is still
// built within a bounded wait after its first revocation (freshness, issue 7).
import { strict as assert } from "node:assert";
import type { Config } from "../../../server/config/schema";
import type { CrlPublisher } from "../../../server/publish/crl-publisher";
import { createPublicationScheduler } from "../../../server/publish/publication-scheduler";
import type { Store } from "../../../server/store/store";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function schedulerWith(debounceMs: number) {
  const builds: number[] = [];
  let n = 0;
  const publisher = {
    async publish(caId: number) {
      builds.push(Date.now());
      await sleep(5);
      return { caId, crlNumber: ++n, entryCount: 0 };
    },
  } as unknown as CrlPublisher;
  const scheduler = createPublicationScheduler({
    config: { crl: { debounceMs, scheduleMinutes: 60, validityHours: 24 } } as Config,
    store: {} as Store,
    publisher,
    ensureResponder: async () => false,
    onResponderRenewed: () => undefined,
    clock: () => new Date(),
    log: () => undefined,
  });
  return { scheduler, builds };
}

describe("publication scheduler: CRL rebuilds after revocations", () => {
  it("builds once for a burst of revocations, after the burst", async () => {
    const { scheduler, builds } = schedulerWith(50);
    for (let i = 0; i < 10_000; i++) scheduler.revoked(1);
    await sleep(20);
    for (let i = 0; i < 500; i++) scheduler.revoked(1);
    const last = Date.now();
    await sleep(400);
    assert.equal(builds.length, 1);
    assert.ok(builds[0]! >= last + 45, "after the last revocation of the burst");
    await scheduler.stop();
  });

  it("does not let a steady stream of revocations hold the CRL back", async () => {
    const { scheduler, builds } = schedulerWith(100);
    const first = Date.now();
    let last = first;
    // Every 20 ms for 1.2 s: a debounce alone would build only after the stream ends.
    while (Date.now() - first < 1_200) {
      scheduler.revoked(1);
      last = Date.now();
      await sleep(20);
    }
    assert.ok(builds.length >= 1 && builds[0]! < last, `first build ${builds[0] === undefined ? "none" : builds[0] - first} ms after the first revocation, stream ended at ${last - first} ms`);
    await sleep(300);
    assert.ok(builds.at(-1)! >= last, "and once more after the stream");
    await scheduler.stop();
  });
});
