// Runs the timed mail: expiry reminders every hour, the officers' digest once a
// day from config.mail.digestHour (Asia/Ho_Chi_Minh, UTC+7, no DST). Only in the
// background process; mail_log keys keep a second process or a restart from
// sending twice. Decides no recipients itself (notifier.ts).
import type { Config } from "../config/schema";
import type { Logger } from "../log";
import { vietnamDay } from "../directory/unit-source";
import { noRequestsDigestSource, type DigestSource } from "./digest";
import type { Notifier } from "./notices";

export interface MailSchedulerDeps {
  notifier: Notifier;
  config: Config;
  clock: () => Date;
  log: Logger;
  /** The request workflow's queue per officer; without it digests list expiring certificates only. */
  digestSource?: DigestSource | undefined;
  /** How often to look at the clock (default 5 minutes). */
  tickMs?: number;
  /** Delay of the first look after start (default 30 s, to keep start-up light). */
  firstTickMs?: number;
}

export interface MailScheduler {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** One look at the clock: runs whatever is due. Exposed for tests. */
  tick(): Promise<void>;
}

const HOUR_MS = 3_600_000;

/** The hour of the day in Vietnam (UTC+7). */
export function vietnamHour(at: Date): number {
  return new Date(at.getTime() + 7 * HOUR_MS).getUTCHours();
}

export function createMailScheduler(deps: MailSchedulerDeps): MailScheduler {
  const { notifier, config, clock, log } = deps;
  const tickMs = deps.tickMs ?? 5 * 60_000;
  const source = deps.digestSource ?? noRequestsDigestSource;
  let lastExpiryRun: number | null = null;
  let lastDigestDay: string | null = null;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let stopped = true;

  // Each job on its own: a failing one neither stops the other nor the schedule.
  async function guarded(job: string, fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (e) {
      log("error", "mail schedule tick failed", { job, error: (e as Error).message });
    }
  }

  async function tick(): Promise<void> {
    const now = clock();
    if (lastExpiryRun === null || now.getTime() - lastExpiryRun >= HOUR_MS) {
      lastExpiryRun = now.getTime();
      await guarded("expiry", async () => {
        const n = await notifier.expiryReminders(now);
        if (n) log("info", "expiry reminders sent", { mails: n });
      });
    }
    const day = vietnamDay(now);
    // Started after the hour (a restart, a missed tick): the day's digest still goes out.
    if (lastDigestDay !== day && vietnamHour(now) >= config.mail.digestHour) {
      lastDigestDay = day;
      await guarded("digest", async () => {
        const n = await notifier.dailyDigest(now, source);
        if (n) log("info", "daily digests sent", { day, mails: n });
      });
    }
  }

  function runTick(): Promise<void> {
    running ??= tick().finally(() => {
      running = null;
    });
    return running;
  }

  function schedule(ms: number): void {
    if (stopped) return;
    timer = setTimeout(() => void runTick().finally(() => schedule(tickMs)), ms);
    timer.unref();
  }

  return {
    async start() {
      stopped = false;
      schedule(deps.firstTickMs ?? 30_000);
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
      await running;
    },
    tick: runTick,
  };
}
