// Working-day deadlines per request type (Decree 68/2024: "… ngày làm việc kể từ
// ngày nhận được hồ sơ"; the number of days per type is configuration `sla`),
// and a request's deadline status. Reads the holiday calendar through the store,
// keeps it in memory; decides nothing about requests themselves.
import type { Config } from "../config/schema";
import type { Store } from "../store/store";
import { SLA_KEY_OF, type RequestType } from "./request-types";
import { createWorkingCalendar, vnDate, type WorkingCalendar } from "./working-days";

export type SlaStatus = "overdue" | "due_today" | "on_time" | "done";
export const SLA_STATUSES: readonly SlaStatus[] = ["overdue", "due_today", "on_time", "done"];

/** How long a loaded calendar is trusted: another process (the CLI, another worker) may have edited it. */
export const CALENDAR_MAX_AGE_MS = 60_000;

export interface SlaDeps {
  store: Pick<Store, "holidays">;
  config: Pick<Config, "sla">;
  clock: () => Date;
  /** Defaults to CALENDAR_MAX_AGE_MS. */
  maxAgeMs?: number;
}

export interface Sla {
  /** The due date (Vietnam date YYYY-MM-DD) of a request of `type` whose complete dossier was received at `receivedAt`. */
  /**
   * `via`: the transaction the caller is in. sqlite has one connection, so a
   * calendar load on the pool from inside a transaction would wait forever.
   */
  dueDate(type: RequestType, receivedAt: Date, via?: Pick<Store, "holidays">): Promise<string>;
  /** done if finished; else by today's Vietnam date: after the due date overdue, on it due_today, before it on_time. */
  status(dueDate: string, now: Date, doneAt?: Date | null): SlaStatus;
  /** Whole working days from receipt at `a` to `b` (processing-time statistics). */
  workingDaysBetween(a: Date, b: Date): Promise<number>;
  /** The calendar as loaded now (reloaded if stale). */
  calendar(): Promise<WorkingCalendar>;
  /** Forget the loaded calendar: call after editing it in this process. */
  invalidate(): void;
}

export function createSla(deps: SlaDeps): Sla {
  const maxAge = deps.maxAgeMs ?? CALENDAR_MAX_AGE_MS;
  let cached: { calendar: WorkingCalendar; loadedAt: number } | null = null;
  let loading: Promise<WorkingCalendar> | null = null;
  // Bumped by invalidate(): a load that started before an edit is not kept.
  let generation = 0;

  async function load(via: Pick<Store, "holidays"> = deps.store): Promise<WorkingCalendar> {
    const gen = generation;
    const rows = await via.holidays.all();
    const calendar = createWorkingCalendar(rows);
    if (gen === generation) cached = { calendar, loadedAt: deps.clock().getTime() };
    return calendar;
  }

  async function calendar(): Promise<WorkingCalendar> {
    const now = deps.clock().getTime();
    // A clock that went backwards (tests, NTP) also counts as stale.
    if (cached && now - cached.loadedAt < maxAge && now >= cached.loadedAt) return cached.calendar;
    // One load at a time however many requests ask at once.
    loading ??= load().finally(() => {
      loading = null;
    });
    return loading;
  }

  return {
    async dueDate(type, receivedAt, via) {
      const days = deps.config.sla[SLA_KEY_OF[type]];
      const fresh = cached && deps.clock().getTime() - cached.loadedAt < maxAge && deps.clock().getTime() >= cached.loadedAt;
      // Inside a transaction: read the calendar through it rather than queue behind it on the pool.
      const cal = via && !fresh ? await load(via) : await calendar();
      return cal.addWorkingDays(receivedAt, days);
    },

    status(dueDate, now, doneAt) {
      if (doneAt) return "done";
      const today = vnDate(now);
      if (today > dueDate) return "overdue";
      return today === dueDate ? "due_today" : "on_time";
    },

    async workingDaysBetween(a, b) {
      return (await calendar()).workingDaysBetween(a, b);
    },

    calendar,

    invalidate() {
      generation++;
      cached = null;
      loading = null;
    },
  };
}
