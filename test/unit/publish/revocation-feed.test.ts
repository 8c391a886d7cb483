import { strict as assert } from "node:assert";
import { createRevocationFeed } from "../../../server/publish/revocation-feed";
import type { RevocationEvent } from "../../../server/store/certificate-store";

describe("revocation feed", () => {
  const ev = (id: number): RevocationEvent => ({ id, serial: `s${id}`, caId: 1, reason: 1, revokedAt: new Date(0) });
  function feedOver(rows: RevocationEvent[], now: { t: number }) {
    const seen: number[] = [];
    const feed = createRevocationFeed({
      certificates: {
        revocationsAfter: async (after, limit) => rows.filter((r) => r.id > after).sort((a, b) => a.id - b.id).slice(0, limit),
        maxRevocationId: async () => 0,
      },
      intervalMs: 10_000,
      onEvents: (e) => seen.push(...e.map((x) => x.id)),
      log: () => {},
      clock: () => now.t,
    });
    return { feed, seen };
  }

  it("delivers each revocation once", async () => {
    const rows = [ev(1), ev(2)];
    const { feed, seen } = feedOver(rows, { t: 0 });
    await feed.poll();
    rows.push(ev(3));
    await feed.poll();
    await feed.poll();
    assert.deepEqual(seen, [1, 2, 3]);
  });

  it("waits for a hole in the id sequence (a transaction still committing), then delivers the late row", async () => {
    const now = { t: 0 };
    const rows = [ev(1), ev(3)];
    const { feed, seen } = feedOver(rows, now);
    await feed.poll();
    assert.deepEqual(seen, [1, 3]);
    rows.push(ev(2)); // id 2 commits after id 3 (possible on PostgreSQL)
    now.t = 1_000;
    await feed.poll();
    assert.deepEqual(seen, [1, 3, 2]);
    await feed.poll();
    assert.deepEqual(seen, [1, 3, 2], "nothing delivered twice");
  });

  it("gives up on a hole left by a rolled-back transaction after a while", async () => {
    const now = { t: 0 };
    const rows = [ev(1), ev(3)];
    const { feed, seen } = feedOver(rows, now);
    await feed.poll();
    now.t = 60_000;
    await feed.poll();
    rows.push(ev(4));
    await feed.poll();
    assert.deepEqual(seen, [1, 3, 4]);
  });
});
