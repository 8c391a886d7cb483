// The background verifier behind the oversight page: one run at a time, a
// request during a run queues exactly one more, a new checkpoint triggers a run,
// failures are cached as errors, and the status never waits for a run.
import { strict as assert } from "node:assert";
import { createAuditMonitor } from "../../../server/audit/audit-monitor";
import type { VerifyResult } from "../../../server/audit/verify-chain";
import type { AuditCheckpoint } from "../../../server/store/audit-checkpoint-store";

const INTACT: VerifyResult = { intact: true, entries: 3, checkpointsVerified: 1, lastEntryId: 3 };

function harness(opts: { intervalMs?: number; checkpointPollMs?: number } = {}) {
  let calls = 0;
  let release: Array<() => void> = [];
  let fail = false;
  let checkpointId = 1;
  const monitor = createAuditMonitor({
    verify: async () => {
      calls++;
      await new Promise<void>((r) => release.push(r));
      if (fail) throw new Error("database went away");
      return INTACT;
    },
    store: { auditCheckpoints: { latest: async () => ({ id: checkpointId }) as AuditCheckpoint } as never },
    clock: () => new Date(),
    log: () => {},
    intervalMs: opts.intervalMs ?? 3_600_000,
    checkpointPollMs: opts.checkpointPollMs ?? 3_600_000,
  });
  const releaseAll = () => {
    const r = release;
    release = [];
    for (const f of r) f();
  };
  return {
    monitor,
    calls: () => calls,
    releaseAll,
    setFail: (v: boolean) => (fail = v),
    newCheckpoint: () => checkpointId++,
  };
}

const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));

describe("audit monitor", () => {
  it("runs once at start, single-flight, and queues one run for requests made during a run", async () => {
    const h = harness();
    h.monitor.start();
    await tick();
    assert.equal(h.calls(), 1);
    assert.ok(h.monitor.status().runningSince instanceof Date);
    assert.equal(h.monitor.status().last, null, "the status answers at once, before any result");
    void h.monitor.verifyNow();
    void h.monitor.verifyNow();
    void h.monitor.verifyNow();
    await tick();
    assert.equal(h.calls(), 1, "no second run while one is under way");
    h.releaseAll();
    await tick();
    assert.equal(h.calls(), 2, "exactly one queued run follows");
    h.releaseAll();
    await tick();
    assert.equal(h.calls(), 2);
    assert.deepEqual(h.monitor.status().last?.result, INTACT);
    assert.equal(h.monitor.status().runningSince, null);
    await h.monitor.stop();
  });

  it("caches a failed run as an error and verifies again after a new checkpoint", async () => {
    const h = harness({ checkpointPollMs: 10 });
    h.setFail(true);
    h.monitor.start();
    await tick(20);
    h.releaseAll();
    await tick();
    assert.equal(h.monitor.status().last?.result, null);
    assert.equal(h.monitor.status().last?.error, "database went away");
    h.setFail(false);
    const before = h.calls();
    h.newCheckpoint();
    await tick(60);
    assert.equal(h.calls(), before + 1, "a new checkpoint starts a run");
    h.releaseAll();
    await tick();
    assert.equal(h.monitor.status().last?.result?.intact, true);
    await h.monitor.stop();
  });

  it("verifies again when the interval has passed", async () => {
    const h = harness({ intervalMs: 30, checkpointPollMs: 10 });
    h.monitor.start();
    await tick();
    h.releaseAll();
    await tick(80);
    assert.ok(h.calls() >= 2);
    h.releaseAll();
    await h.monitor.stop();
  });
});
