// Working-day arithmetic on the seeded Vietnamese calendar: deadlines across Tết
// 2025 and 2026, weekends, 30/4–1/5 and 2/9; compensating working Saturdays; a
// dossier received on a Saturday; the Vietnam date of an instant (UTC+7); and
// the fast range count against a day-by-day count.
import { strict as assert } from "node:assert";
import { SEEDED_HOLIDAYS } from "../../../db/migrations/20261123180200_holidays_seed";
import { addCalendarDays, createWorkingCalendar, isVnDate, vnDate, weekdayOf, type CalendarDay } from "../../../server/ra/working-days";

const SEED: CalendarDay[] = SEEDED_HOLIDAYS.map(([date, kind]) => ({ date, kind }));
/** An instant at hh:mm on a Vietnam date. */
const vn = (date: string, time = "09:00") => new Date(`${date}T${time}:00+07:00`);

describe("working days", () => {
  const cal = createWorkingCalendar(SEED);

  it("knows weekends, holidays and compensating working Saturdays", () => {
    assert.equal(cal.isWorkingDay("2026-11-23"), true); // Monday
    assert.equal(cal.isWorkingDay("2026-11-22"), false); // Sunday
    assert.equal(cal.isWorkingDay("2026-02-16"), false); // Tết Bính Ngọ
    assert.equal(cal.isWorkingDay("2026-02-23"), true);
    assert.equal(cal.isWorkingDay("2025-04-26"), true); // Saturday worked for Friday 2/5/2025
    assert.equal(cal.isWorkingDay("2025-05-02"), false);
    assert.equal(cal.isWorkingDay("2024-05-04"), true); // Saturday worked for Monday 29/4/2024
    assert.equal(cal.workingDayOnOrAfter("2026-02-14"), "2026-02-23");
    assert.equal(cal.workingDayOnOrAfter("2026-11-23"), "2026-11-23");
  });

  it("counts from the next working day after receipt, ordinary weeks and weekends", () => {
    assert.equal(cal.addWorkingDays(vn("2026-11-23"), 3), "2026-11-26"); // Mon → Thu
    assert.equal(cal.addWorkingDays(vn("2026-11-26"), 3), "2026-12-01"); // Thu → Tue, over the weekend
    assert.equal(cal.addWorkingDays(vn("2026-11-27"), 1), "2026-11-30"); // Fri → Mon
    assert.equal(cal.addWorkingDays(vn("2026-11-23"), 5), "2026-11-30");
    assert.equal(cal.addWorkingDays(vn("2026-11-23"), 0), "2026-11-23");
  });

  it("treats a dossier received on a Saturday or Sunday as received on Monday", () => {
    assert.equal(cal.addWorkingDays(vn("2026-11-21", "10:00"), 3), "2026-11-26"); // Sat → as Mon → Thu
    assert.equal(cal.addWorkingDays(vn("2026-11-22", "23:59"), 3), "2026-11-26");
    assert.equal(cal.addWorkingDays(vn("2026-11-23"), 3), "2026-11-26");
    assert.equal(cal.addWorkingDays(vn("2026-11-21"), 1), "2026-11-24");
  });

  it("skips Tết 2025 (27–31/1) and Tết 2026 (16–20/2)", () => {
    assert.equal(cal.addWorkingDays(vn("2025-01-24"), 3), "2025-02-05"); // Fri before Tết → Mon 3/2, Tue 4/2, Wed 5/2
    assert.equal(cal.addWorkingDays(vn("2025-01-22"), 3), "2025-02-03"); // Wed → Thu 23, Fri 24, Mon 3/2
    assert.equal(cal.addWorkingDays(vn("2025-01-29"), 1), "2025-02-04"); // received on mùng 1 → as Mon 3/2 → Tue 4/2
    assert.equal(cal.addWorkingDays(vn("2026-02-13"), 3), "2026-02-25"); // Fri before Tết → Mon 23, Tue 24, Wed 25
    assert.equal(cal.addWorkingDays(vn("2026-02-12"), 1), "2026-02-13"); // token recovery, the day before the break
    assert.equal(cal.addWorkingDays(vn("2026-02-12"), 5), "2026-02-26"); // token return: Fri 13, Mon 23 … Thu 26
    assert.equal(cal.addWorkingDays(vn("2024-02-07"), 3), "2024-02-19"); // Tết 2024: 8–14/2 off → Thu 15, Fri 16, Mon 19
  });

  it("skips 30/4–1/5 and counts the compensating working Saturday", () => {
    // 2025: Sat 26/4 worked, Wed 30/4 – Fri 2/5 off.
    assert.equal(cal.addWorkingDays(vn("2025-04-25"), 3), "2025-04-29"); // Fri → Sat 26, Mon 28, Tue 29
    assert.equal(cal.addWorkingDays(vn("2025-04-29"), 3), "2025-05-07"); // Tue → Mon 5, Tue 6, Wed 7
    assert.equal(cal.addWorkingDays(vn("2025-04-26", "08:00"), 1), "2025-04-28"); // received on the working Saturday itself
    // 2024: Mon 29/4 – Wed 1/5 off, Sat 4/5 worked.
    assert.equal(cal.addWorkingDays(vn("2024-04-26"), 3), "2024-05-04"); // Fri → Thu 2, Fri 3, Sat 4
    // 2026: Giỗ Tổ on Sunday 26/4 given back on Monday 27/4; 30/4 Thu, 1/5 Fri.
    assert.equal(cal.addWorkingDays(vn("2026-04-24"), 3), "2026-05-04"); // Fri → Tue 28, Wed 29, Mon 4/5
  });

  it("skips Quốc khánh 2/9 and its adjacent day", () => {
    assert.equal(cal.addWorkingDays(vn("2025-08-29"), 3), "2025-09-05"); // Mon 1/9, Tue 2/9 off
    assert.equal(cal.addWorkingDays(vn("2024-08-30"), 1), "2024-09-04"); // Mon 2/9, Tue 3/9 off
    assert.equal(cal.addWorkingDays(vn("2026-09-01"), 3), "2026-09-08"); // Wed 2/9, Thu 3/9 off → Fri 4, Mon 7, Tue 8
  });

  it("takes the day of receipt in Vietnam time (UTC+7), not UTC", () => {
    assert.equal(vnDate(new Date("2026-11-23T16:59:59Z")), "2026-11-23");
    assert.equal(vnDate(new Date("2026-11-23T17:00:00Z")), "2026-11-24");
    assert.equal(cal.addWorkingDays(new Date("2026-11-23T16:59:59Z"), 1), "2026-11-24");
    assert.equal(cal.addWorkingDays(new Date("2026-11-23T17:00:00Z"), 1), "2026-11-25");
    // Friday 23:30 in Hà Nội is still Friday there, though Friday 16:30 UTC.
    assert.equal(cal.addWorkingDays(new Date("2026-11-27T16:30:00Z"), 1), "2026-11-30");
  });

  it("counts whole working days elapsed: done on the due date took exactly n", () => {
    const received = vn("2025-01-24", "15:00");
    assert.equal(cal.workingDaysBetween(received, vn("2025-01-24", "16:00")), 0);
    assert.equal(cal.workingDaysBetween(received, vn("2025-02-03")), 1);
    assert.equal(cal.workingDaysBetween(received, vn("2025-02-05")), 3);
    assert.equal(cal.workingDaysBetween(received, vn("2025-02-06")), 4);
    assert.equal(cal.workingDaysBetween(vn("2025-02-05"), received), 0);
    // Received on a Saturday: Monday is the day of receipt.
    assert.equal(cal.workingDaysBetween(vn("2026-11-21"), vn("2026-11-23")), 0);
    assert.equal(cal.workingDaysBetween(vn("2026-11-21"), vn("2026-11-26")), 3);
    for (const [from, n] of [["2025-01-24", 3], ["2026-02-13", 3], ["2025-04-25", 3], ["2026-11-21", 5], ["2024-04-26", 3]] as const) {
      assert.equal(cal.workingDaysBetween(vn(from), vn(cal.addWorkingDays(vn(from), n))), n, from);
    }
  });

  it("counts the working days of a year: 2025 has 261 weekdays − 12 days off + 1 working Saturday", () => {
    assert.equal(cal.workingDaysInRange("2025-01-01", "2025-12-31"), 250);
  });

  it("agrees with a day-by-day count on every range it is asked", () => {
    const naive = (from: string, to: string) => {
      let n = 0;
      for (let d = from; d <= to; d = addCalendarDays(d, 1)) if (cal.isWorkingDay(d)) n++;
      return n;
    };
    let seed = 42;
    const rand = (k: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % k;
    };
    for (let i = 0; i < 300; i++) {
      const from = addCalendarDays("2023-12-01", rand(1600));
      const to = addCalendarDays(from, rand(120) - 5);
      assert.equal(cal.workingDaysInRange(from, to), to < from ? 0 : naive(from, to), `${from}..${to}`);
    }
  });

  it("lets a later row for the same date win, and a holiday on a Sunday changes nothing", () => {
    const c = createWorkingCalendar([{ date: "2026-11-24", kind: "holiday" }, { date: "2026-11-22", kind: "holiday" }]);
    assert.equal(c.addWorkingDays(vn("2026-11-23"), 1), "2026-11-25");
    assert.equal(c.workingDaysInRange("2026-11-22", "2026-11-28"), 4);
    const d = createWorkingCalendar([{ date: "2026-11-28", kind: "working_day" }]);
    assert.equal(d.addWorkingDays(vn("2026-11-27"), 1), "2026-11-28");
    assert.equal(d.workingDaysInRange("2026-11-22", "2026-11-28"), 6);
  });

  it("validates dates and counts", () => {
    assert.equal(isVnDate("2026-02-29"), false);
    assert.equal(isVnDate("2028-02-29"), true);
    assert.equal(isVnDate("2026-2-1"), false);
    assert.equal(weekdayOf("2026-11-23"), 1);
    assert.throws(() => cal.isWorkingDay("2026-13-01"), RangeError);
    assert.throws(() => cal.addWorkingDays(vn("2026-11-23"), -1), RangeError);
    assert.throws(() => cal.addWorkingDays(vn("2026-11-23"), 1.5), RangeError);
  });

  it("is fast: 100,000 deadlines and year counts in well under a second", () => {
    const start = Date.now();
    for (let i = 0; i < 100_000; i++) cal.addWorkingDays(new Date(Date.UTC(2024, 0, 1) + (i % 1400) * 86_400_000), 3);
    for (let i = 0; i < 10_000; i++) cal.workingDaysBetween(vn("2024-01-01"), vn("2027-12-31"));
    assert.ok(Date.now() - start < 1500, `${Date.now() - start} ms`);
  });
});
