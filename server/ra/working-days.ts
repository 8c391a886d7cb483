// Working-day arithmetic on a holiday calendar: which Vietnam dates are working
// days, the due date n working days after a dossier is received, and whole
// working days elapsed. Pure and synchronous: the rows come in, no database here.
//
// Counting rule (Decree 68/2024/NĐ-CP: "… ngày làm việc kể từ ngày nhận được hồ
// sơ"; Civil Code 2015 Art. 147(1): when a period is counted in days, the day of
// the event is not counted, the period starts the next day; Art. 148: a period
// never ends on a day off — automatic here, since only working days are counted):
//   1. the day of receipt is the Vietnam calendar date (UTC+7) of the instant;
//   2. a dossier received on a non-working day (weekend, public holiday) is
//      treated as received on the next working day (assumed, as one-stop-shop
//      practice does; the hour of receipt on a working day is not considered);
//   3. day 1 is the first working day after the day of receipt; the due date is
//      working day n, and the request is on time if done on or before that date.
// A Saturday or Sunday is a day off unless the calendar marks it `working_day`
// (a compensating working day announced by the government, "ngày làm bù"); any
// date the calendar marks `holiday` is a day off (Labour Code 2019 Art. 112).

export type HolidayKind = "holiday" | "working_day";
export const HOLIDAY_KINDS: readonly HolidayKind[] = ["holiday", "working_day"];

/** One calendar entry: a Vietnam date `YYYY-MM-DD`. */
export interface CalendarDay {
  date: string;
  kind: HolidayKind;
}

const DAY_MS = 86_400_000;
const VN_OFFSET_MS = 7 * 3_600_000; // Asia/Ho_Chi_Minh: UTC+7, no daylight saving
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A real calendar date written YYYY-MM-DD (years 1900–2199). */
export function isVnDate(s: unknown): s is string {
  if (typeof s !== "string") return false;
  const m = DATE_RE.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (y < 1900 || y > 2199 || mo < 1 || mo > 12 || d < 1) return false;
  return d <= new Date(Date.UTC(y, mo, 0)).getUTCDate();
}

/** Days since 1970-01-01 of a YYYY-MM-DD date (throws on anything else). */
export function dayNumber(date: string): number {
  if (!isVnDate(date)) throw new RangeError(`not a date: ${String(date).slice(0, 32)}`);
  return Date.UTC(+date.slice(0, 4), +date.slice(5, 7) - 1, +date.slice(8, 10)) / DAY_MS;
}

/** The YYYY-MM-DD date of a day number. */
export function dateOfDayNumber(n: number): string {
  return new Date(n * DAY_MS).toISOString().slice(0, 10);
}

/** The Vietnam calendar date (UTC+7) of an instant, YYYY-MM-DD. */
export function vnDate(instant: Date): string {
  return new Date(instant.getTime() + VN_OFFSET_MS).toISOString().slice(0, 10);
}

function vnDayNumber(instant: Date): number {
  return Math.floor((instant.getTime() + VN_OFFSET_MS) / DAY_MS);
}

/** The date `n` calendar days after `date` (n may be negative). */
export function addCalendarDays(date: string, n: number): string {
  return dateOfDayNumber(dayNumber(date) + n);
}

/** 0 = Sunday … 6 = Saturday. */
export function weekdayOf(date: string): number {
  return weekdayOfNumber(dayNumber(date));
}

function weekdayOfNumber(n: number): number {
  return (((n + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday
}

function isWeekendNumber(n: number): boolean {
  const w = weekdayOfNumber(n);
  return w === 0 || w === 6;
}

/** Monday–Friday in [0, n) days counted from day number `start`. */
function weekdaysIn(start: number, n: number): number {
  if (n <= 0) return 0;
  const full = Math.floor(n / 7);
  let count = full * 5;
  for (let d = start + full * 7; d < start + n; d++) if (!isWeekendNumber(d)) count++;
  return count;
}

/** Sorted numbers in [lo, hi]. */
function countInRange(sorted: readonly number[], lo: number, hi: number): number {
  const lower = (x: number) => {
    let a = 0;
    let b = sorted.length;
    while (a < b) {
      const m = (a + b) >> 1;
      if (sorted[m]! < x) a = m + 1;
      else b = m;
    }
    return a;
  };
  return hi < lo ? 0 : lower(hi + 1) - lower(lo);
}

export interface WorkingCalendar {
  /** Whether a Vietnam date (YYYY-MM-DD) is a working day. */
  isWorkingDay(date: string): boolean;
  /** The first working day on or after `date`. */
  workingDayOnOrAfter(date: string): string;
  /** The due date (Vietnam date) `n` working days after a dossier received at `fromInstant` (rule above). */
  addWorkingDays(fromInstant: Date, n: number): string;
  /** Whole working days elapsed from receipt at `a` to `b` (0 if `b` is not later): a request done on its due date took exactly n. */
  workingDaysBetween(a: Date, b: Date): number;
  /** Working days in [from, to], both Vietnam dates. */
  workingDaysInRange(from: string, to: string): number;
}

/** A calendar from the holiday rows; later rows for the same date win. */
export function createWorkingCalendar(days: readonly CalendarDay[]): WorkingCalendar {
  const kindOf = new Map<number, HolidayKind>();
  for (const d of days) kindOf.set(dayNumber(d.date), d.kind);
  // For range counts: weekday holidays remove a day, weekend working days add one.
  const weekdayOff: number[] = [];
  const weekendOn: number[] = [];
  for (const [n, kind] of kindOf) {
    if (kind === "holiday" && !isWeekendNumber(n)) weekdayOff.push(n);
    if (kind === "working_day" && isWeekendNumber(n)) weekendOn.push(n);
  }
  weekdayOff.sort((a, b) => a - b);
  weekendOn.sort((a, b) => a - b);

  const working = (n: number): boolean => {
    const kind = kindOf.get(n);
    if (kind === "holiday") return false;
    if (kind === "working_day") return true;
    return !isWeekendNumber(n);
  };
  // No Vietnamese break is anywhere near this long; a bound keeps a corrupt calendar from looping forever.
  const MAX_GAP = 366;
  const onOrAfter = (n: number): number => {
    for (let d = n; d < n + MAX_GAP; d++) if (working(d)) return d;
    throw new RangeError(`no working day within a year after ${dateOfDayNumber(n)}`);
  };
  const countRange = (lo: number, hi: number): number =>
    hi < lo ? 0 : weekdaysIn(lo, hi - lo + 1) - countInRange(weekdayOff, lo, hi) + countInRange(weekendOn, lo, hi);

  return {
    isWorkingDay: (date) => working(dayNumber(date)),
    workingDayOnOrAfter: (date) => dateOfDayNumber(onOrAfter(dayNumber(date))),
    addWorkingDays(fromInstant, n) {
      if (!Number.isInteger(n) || n < 0) throw new RangeError(`working days must be a whole number ≥ 0, got ${n}`);
      let d = onOrAfter(vnDayNumber(fromInstant));
      for (let left = n; left > 0; left--) d = onOrAfter(d + 1);
      return dateOfDayNumber(d);
    },
    workingDaysBetween(a, b) {
      const received = onOrAfter(vnDayNumber(a));
      return Math.max(0, countRange(received + 1, vnDayNumber(b)));
    },
    workingDaysInRange: (from, to) => countRange(dayNumber(from), dayNumber(to)),
  };
}
