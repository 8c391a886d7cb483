// The holiday calendar page: one year's days off and compensating working days
// for everyone signed in, and adding, changing or removing a day for those
// holding holidays.manage (a refusal is audited). Builds view models; the
// editing rules and their audit entries are server/ra/holiday-service.ts's.
import type { AccessAudit } from "../access/access-audit";
import { auditActor, auditRole, type CallContext } from "../access/actor";
import type { Scoper } from "../access/scope";
import { AppError } from "../errors/app-error";
import type { HolidayEditor, HolidayForm, HolidayService } from "../ra/holiday-service";
import { createWorkingCalendar, vnDate, weekdayOf, type HolidayKind } from "../ra/working-days";

export interface HolidayRow {
  date: string;
  /** dd/mm/yyyy, the official form. */
  dmy: string;
  /** 0 = Sunday … 6 = Saturday. */
  weekday: number;
  weekend: boolean;
  kind: HolidayKind;
  name: string;
  createdBy: string;
}

export interface HolidayYearView {
  year: number;
  rows: HolidayRow[];
  holidays: number;
  workingSaturdays: number;
  /** Working days in the year on this calendar. */
  workingDays: number;
  canManage: boolean;
  /** Whether this year may be edited (and by the caller). */
  editable: boolean;
  editableFrom: number;
  editableTo: number;
}

export interface HolidayDirectoryDeps {
  service: HolidayService;
  scoper: Scoper;
  audit: AccessAudit;
  clock: () => Date;
}

const dmy = (date: string) => `${date.slice(8, 10)}/${date.slice(5, 7)}/${date.slice(0, 4)}`;

export function createHolidayDirectory(deps: HolidayDirectoryDeps) {
  const { service, scoper } = deps;

  /** The caller as the audit log names them; FORBIDDEN (audited) without holidays.manage. */
  async function editor(ctx: CallContext, action: string, objectId: string | null): Promise<HolidayEditor> {
    if (!scoper.may(ctx.actor, "holidays.manage")) {
      await deps.audit.denied({ actor: ctx.actor, requestId: ctx.requestId, action, objectType: "holiday", objectId, reason: "forbidden", details: { permission: "holidays.manage" } });
      throw new AppError("FORBIDDEN", "you may not edit the holiday calendar");
    }
    return { actor: auditActor(ctx.actor), ...auditRole(ctx.actor), requestId: ctx.requestId };
  }

  const idOf = (v: unknown) => (typeof v === "string" ? v.slice(0, 32) : null);

  return {
    /** This year in Vietnam. */
    currentYear: () => Number(vnDate(deps.clock()).slice(0, 4)),

    async year(ctx: CallContext, year: number): Promise<HolidayYearView> {
      const records = await service.year(year);
      const calendar = createWorkingCalendar(records);
      const canManage = scoper.may(ctx.actor, "holidays.manage");
      const years = service.editableYears();
      const rows = records.map((r) => {
        const weekday = weekdayOf(r.date);
        return { date: r.date, dmy: dmy(r.date), weekday, weekend: weekday === 0 || weekday === 6, kind: r.kind, name: r.name, createdBy: r.createdBy };
      });
      return {
        year,
        rows,
        holidays: rows.filter((r) => r.kind === "holiday").length,
        workingSaturdays: rows.filter((r) => r.kind === "working_day").length,
        workingDays: calendar.workingDaysInRange(`${year}-01-01`, `${year}-12-31`),
        canManage,
        editable: canManage && year >= years.from && year <= years.to,
        editableFrom: years.from,
        editableTo: years.to,
      };
    },

    async add(ctx: CallContext, form: HolidayForm) {
      return service.add(await editor(ctx, "holidays.add", idOf(form.date)), form);
    },

    async edit(ctx: CallContext, date: string, form: HolidayForm) {
      return service.edit(await editor(ctx, "holidays.edit", idOf(date)), date, form);
    },

    async remove(ctx: CallContext, date: string, justification: unknown) {
      return service.remove(await editor(ctx, "holidays.remove", idOf(date)), date, justification);
    },
  };
}

export type HolidayDirectory = ReturnType<typeof createHolidayDirectory>;
