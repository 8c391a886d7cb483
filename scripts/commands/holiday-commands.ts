// `holiday list|add|remove`: the holiday calendar the working-day deadlines are
// counted on, from the command line (the operator on the server is trusted like
// an admin; every change and refusal is audited as cli:<user>).
import type { Command } from "commander";
import { AppError } from "../../server/errors/app-error";
import { createHolidayService, HOLIDAY_VIEW_YEARS } from "../../server/ra/holiday-service";
import { createWorkingCalendar, vnDate, weekdayOf } from "../../server/ra/working-days";
import { cliActor, withCore } from "./with-core";

const WEEKDAY = ["CN", "T2", "T3", "T4", "T5", "T6", "T7"];

function yearFlag(v: string | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  if (!/^\d{4}$/.test(v) || Number(v) < HOLIDAY_VIEW_YEARS.from || Number(v) > HOLIDAY_VIEW_YEARS.to) {
    throw new AppError("INPUT_INVALID", `--year must be a year from ${HOLIDAY_VIEW_YEARS.from} to ${HOLIDAY_VIEW_YEARS.to}`);
  }
  return Number(v);
}

export function registerHolidayCommands(program: Command): void {
  const holiday = program.command("holiday").description("the holiday calendar (weekends, Vietnamese public holidays, compensating working days)");

  holiday.command("list")
    .description("the days off and compensating working days of a year, and its number of working days")
    .option("--year <year>", "YYYY (default: this year)")
    .action(async (o: { year?: string }) => {
      await withCore(async (core) => {
        const service = createHolidayService({ store: core.store, clock: core.clock });
        const year = yearFlag(o.year, Number(vnDate(core.clock()).slice(0, 4)));
        const rows = await service.year(year);
        for (const r of rows) console.log(`${r.date} ${WEEKDAY[weekdayOf(r.date)]} ${r.kind.padEnd(11)} ${r.name}`);
        const working = createWorkingCalendar(rows).workingDaysInRange(`${year}-01-01`, `${year}-12-31`);
        console.log(`${year}: ${rows.length} entries, ${working} working days`);
      });
    });

  holiday.command("add")
    .description("add a day off, or (--kind working_day) a Saturday/Sunday worked by government notice")
    .requiredOption("--date <date>", "YYYY-MM-DD (Vietnam date)")
    .requiredOption("--name <name>", "what the day is, in Vietnamese")
    .option("--kind <kind>", "holiday | working_day", "holiday")
    .option("--reason <reason>", "why (recorded in the audit log)", "added from the command line")
    .action(async (o: { date: string; name: string; kind: string; reason: string }) => {
      await withCore(async (core) => {
        const service = createHolidayService({ store: core.store, clock: core.clock });
        const r = await service.add({ actor: cliActor() }, { date: o.date, kind: o.kind, name: o.name, justification: o.reason });
        console.log(`added ${r.date} ${r.kind} ${r.name}`);
      });
    });

  holiday.command("remove")
    .description("remove a date from the calendar (it becomes an ordinary weekday or weekend again)")
    .requiredOption("--date <date>", "YYYY-MM-DD")
    .option("--reason <reason>", "why (recorded in the audit log)", "removed from the command line")
    .action(async (o: { date: string; reason: string }) => {
      await withCore(async (core) => {
        const service = createHolidayService({ store: core.store, clock: core.clock });
        const r = await service.remove({ actor: cliActor() }, o.date, o.reason);
        console.log(`removed ${r.date} ${r.kind} ${r.name}`);
      });
    });
}
