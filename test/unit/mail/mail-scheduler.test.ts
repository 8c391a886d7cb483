// The mail schedule on a fixed clock: expiry reminders at most once an hour,
// the digest once per Vietnam day from digestHour (Asia/Ho_Chi_Minh, UTC+7),
// caught up after a late start; a failing job stops neither the other nor the next run.
import { strict as assert } from "node:assert";
import { defaults } from "../../../server/config/defaults";
import type { Config } from "../../../server/config/schema";
import { createMailScheduler, vietnamHour } from "../../../server/mail/mail-scheduler";
import type { Notifier } from "../../../server/mail/notices";

// 2026-11-23 00:00 in Vietnam is 2026-11-22 17:00 UTC.
const vn = (day: number, hour: number, minute = 0) => new Date(Date.UTC(2026, 10, day, hour - 7, minute));

describe("mail scheduler", () => {
  const config = { ...defaults, mail: { ...defaults.mail, digestHour: 7 } } as unknown as Config;

  function setup(failExpiry = false) {
    let now = vn(23, 5);
    const calls: string[] = [];
    const notifier: Notifier = {
      request: async () => {},
      expiryReminders: async (at) => {
        calls.push(`expiry ${at.toISOString()}`);
        if (failExpiry) throw new Error("database gone");
        return 0;
      },
      dailyDigest: async (at) => {
        calls.push(`digest ${at.toISOString()}`);
        return 0;
      },
    };
    const logs: string[] = [];
    const s = createMailScheduler({ notifier, config, clock: () => now, log: (_l, msg) => logs.push(msg) });
    return { s, calls, logs, at: (d: Date) => (now = d) };
  }

  it("knows the hour in Vietnam", () => {
    assert.equal(vietnamHour(vn(23, 7, 30)), 7);
    assert.equal(vietnamHour(new Date("2026-11-23T00:00:00Z")), 7);
  });

  it("runs expiry reminders hourly and the digest once a day from 07:00 Vietnam time", async () => {
    const { s, calls, at } = setup();
    await s.tick(); // 05:00: reminders, no digest yet
    at(vn(23, 5, 30));
    await s.tick(); // nothing: less than an hour
    at(vn(23, 6, 59));
    await s.tick(); // reminders again, still no digest
    at(vn(23, 7, 0));
    await s.tick(); // digest
    at(vn(23, 7, 55));
    await s.tick(); // nothing
    at(vn(23, 23, 0));
    await s.tick(); // reminders only: the day's digest went out
    at(vn(24, 6, 0));
    await s.tick(); // new day, before 07:00: reminders only
    at(vn(24, 9, 0));
    await s.tick(); // late start of the day: reminders and the digest
    assert.deepEqual(calls, [
      `expiry ${vn(23, 5).toISOString()}`,
      `expiry ${vn(23, 6, 59).toISOString()}`,
      `digest ${vn(23, 7).toISOString()}`,
      `expiry ${vn(23, 23).toISOString()}`,
      `expiry ${vn(24, 6).toISOString()}`,
      `expiry ${vn(24, 9).toISOString()}`,
      `digest ${vn(24, 9).toISOString()}`,
    ]);
  });

  it("logs a failed run and keeps going", async () => {
    const { s, calls, logs, at } = setup(true);
    at(vn(23, 8));
    await s.tick();
    assert.deepEqual(logs, ["mail schedule tick failed"]);
    assert.deepEqual(calls, [`expiry ${vn(23, 8).toISOString()}`, `digest ${vn(23, 8).toISOString()}`], "the digest still goes out");
    at(vn(23, 9, 1));
    await s.tick();
    assert.equal(calls.filter((c) => c.startsWith("expiry")).length, 2);
  });

  it("start and stop leave no timer running", async () => {
    const { s, calls } = setup();
    await s.start();
    await s.stop();
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(calls, []);
  });
});
