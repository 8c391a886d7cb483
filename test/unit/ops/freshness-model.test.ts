// The freshness levels: red past the threshold, amber once amberFraction of the
// way there, for "at most" and "at least" metrics, with zero thresholds and
// levels forced by facts (a missing CRL) rather than numbers.
import { strict as assert } from "node:assert";
import { judge, metric, worst } from "../../../server/ops/freshness-model";

describe("freshness model", () => {
  it("an 'at most' metric: green, amber from 75% of the threshold, red past it", () => {
    assert.equal(judge(1, 2, "max", 0.75), "green");
    assert.equal(judge(1.5, 2, "max", 0.75), "green");
    assert.equal(judge(1.6, 2, "max", 0.75), "amber");
    assert.equal(judge(2, 2, "max", 0.75), "amber");
    assert.equal(judge(2.01, 2, "max", 0.75), "red");
  });

  it("an 'at least' metric: red below the threshold, amber below threshold / fraction", () => {
    assert.equal(judge(23, 12, "min", 0.75), "green");
    assert.equal(judge(15, 12, "min", 0.75), "amber");
    assert.equal(judge(12, 12, "min", 0.75), "amber");
    assert.equal(judge(11.9, 12, "min", 0.75), "red");
    assert.equal(judge(-1, 0, "min", 0.75), "red");
  });

  it("a zero threshold has no amber band: any overdue request is red", () => {
    assert.equal(judge(0, 0, "max", 0.75), "green");
    assert.equal(judge(1, 0, "max", 0.75), "red");
  });

  it("facts decide over numbers; nothing to measure takes the given level", () => {
    const forced = metric({ kind: "crl.age", subject: "issuing", value: 0.1, unit: "hours", threshold: 2, direction: "max", forced: { level: "red", note: "pastNextUpdate" } }, 0.75);
    assert.deepEqual([forced.key, forced.level, forced.note], ["crl.age:issuing", "red", "pastNextUpdate"]);
    const empty = metric({ kind: "ocsp.cacheAge", value: null, unit: "hours", threshold: 12, direction: "max", empty: { level: "green", note: "cacheEmpty" } }, 0.75);
    assert.deepEqual([empty.key, empty.level, empty.value], ["ocsp.cacheAge", "green", null]);
    assert.equal(metric({ kind: "crl.age", value: 1.23456, unit: "hours", threshold: 2, direction: "max" }, 0.75).value, 1.23);
    assert.equal(worst(["green", "amber", "green"]), "amber");
    assert.equal(worst([]), "green");
  });
});
