// Editing the holiday calendar: checks a date, its kind, name and the officer's
// justification, writes the change and its audit entry in one transaction, and
// audits every refusal. Used by the pages and the CLI alike; who may edit is
// decided by the caller (server/directory/holiday-directory.ts, the CLI operator).
import { AppError } from "../errors/app-error";
import type { AuditEntry } from "../store/audit-store";
import type { HolidayRecord } from "../store/holiday-store";
import type { Store } from "../store/store";
import { HOLIDAY_KINDS, isVnDate, vnDate, weekdayOf, type HolidayKind } from "./working-days";

/** Years the calendar page shows. */
export const HOLIDAY_VIEW_YEARS = { from: 2000, to: 2100 } as const;
/** Years that may be edited, relative to this year: last year (late corrections) to five years ahead. */
export const HOLIDAY_EDIT_YEARS = { back: 1, ahead: 5 } as const;
export const HOLIDAY_NAME_MAX = 255;
export const JUSTIFICATION_MAX = 500;

/** Who is editing, as the audit log records them. */
export type HolidayEditor = Pick<AuditEntry, "actor" | "role" | "unitId" | "requestId">;

/** Why an edit was refused: details.reason of the HOLIDAY_INVALID error and of the audit entry. */
export type HolidayRefusal = "bad_date" | "bad_kind" | "bad_name" | "bad_justification" | "year_out_of_range" | "duplicate" | "not_found" | "working_day_not_weekend";

export interface HolidayForm {
  date?: unknown;
  kind?: unknown;
  name?: unknown;
  justification?: unknown;
}

export interface HolidayServiceDeps {
  store: Pick<Store, "holidays" | "audit" | "transaction">;
  clock: () => Date;
  /** Called after every change (the SLA calendar cache forgets what it loaded). */
  onChange?: () => void;
}

const text = (v: unknown): string => (typeof v === "string" ? v.normalize("NFC").replace(/\s+/g, " ").trim() : "");

export function createHolidayService(deps: HolidayServiceDeps) {
  const { store, clock } = deps;

  function editableYears(): { from: number; to: number } {
    const year = Number(vnDate(clock()).slice(0, 4));
    return { from: year - HOLIDAY_EDIT_YEARS.back, to: year + HOLIDAY_EDIT_YEARS.ahead };
  }

  async function refuse(who: HolidayEditor, action: string, objectId: string | null, reason: HolidayRefusal, details: Record<string, unknown>, message: string): Promise<never> {
    await store.audit.append({ ...who, action, objectType: "holiday", objectId, outcome: "refused", details: { reason, ...details } }, clock());
    const years = editableYears();
    throw new AppError("HOLIDAY_INVALID", message, { reason, from: years.from, to: years.to });
  }

  /** The checks every edit shares; returns the date. */
  async function checkDate(who: HolidayEditor, action: string, raw: unknown, details: Record<string, unknown>): Promise<string> {
    const date = text(raw);
    if (!isVnDate(date)) return refuse(who, action, null, "bad_date", { ...details, date: String(raw ?? "").slice(0, 32) }, "the date must be a real date written YYYY-MM-DD");
    const years = editableYears();
    const year = Number(date.slice(0, 4));
    if (year < years.from || year > years.to) return refuse(who, action, date, "year_out_of_range", details, `only years ${years.from}–${years.to} may be edited`);
    return date;
  }

  function checkJustification(raw: unknown): string | null {
    const j = text(raw);
    return j.length >= 3 && j.length <= JUSTIFICATION_MAX ? j : null;
  }

  /** kind and name of an add or edit (kind defaults to a day off). */
  async function checkDay(who: HolidayEditor, action: string, date: string, form: HolidayForm): Promise<{ kind: HolidayKind; name: string; justification: string }> {
    const kind = text(form.kind) || "holiday";
    const name = text(form.name);
    const justification = checkJustification(form.justification);
    const base = { kind: kind.slice(0, 16), name: name.slice(0, HOLIDAY_NAME_MAX) };
    if (!(HOLIDAY_KINDS as readonly string[]).includes(kind)) return refuse(who, action, date, "bad_kind", base, "kind must be holiday or working_day");
    if (name.length < 2 || name.length > HOLIDAY_NAME_MAX) return refuse(who, action, date, "bad_name", base, `the name must be 2–${HOLIDAY_NAME_MAX} characters`);
    if (!justification) return refuse(who, action, date, "bad_justification", base, `give the reason for the change (3–${JUSTIFICATION_MAX} characters)`);
    const weekday = weekdayOf(date);
    // A compensating working day ("ngày làm bù") is by definition a Saturday or Sunday.
    if (kind === "working_day" && weekday !== 0 && weekday !== 6) return refuse(who, action, date, "working_day_not_weekend", base, "a compensating working day must be a Saturday or Sunday");
    return { kind: kind as HolidayKind, name, justification };
  }

  function changed(): void {
    deps.onChange?.();
  }

  return {
    editableYears,

    /** The year's rows in date order; years outside HOLIDAY_VIEW_YEARS are refused. */
    async year(year: number): Promise<HolidayRecord[]> {
      if (!Number.isInteger(year) || year < HOLIDAY_VIEW_YEARS.from || year > HOLIDAY_VIEW_YEARS.to) {
        throw new AppError("HOLIDAY_INVALID", `the calendar covers ${HOLIDAY_VIEW_YEARS.from}–${HOLIDAY_VIEW_YEARS.to}`, { reason: "year_out_of_range", from: HOLIDAY_VIEW_YEARS.from, to: HOLIDAY_VIEW_YEARS.to });
      }
      return store.holidays.between(`${year}-01-01`, `${year}-12-31`);
    },

    async add(who: HolidayEditor, form: HolidayForm): Promise<HolidayRecord> {
      const action = "holidays.add";
      const date = await checkDate(who, action, form.date, {});
      const day = await checkDay(who, action, date, form);
      const now = clock();
      const added = await store.transaction(async (tx) => {
        if (!(await tx.holidays.insert({ date, kind: day.kind, name: day.name }, who.actor, now))) return false;
        await tx.audit.append({ ...who, action, objectType: "holiday", objectId: date, outcome: "ok", details: { kind: day.kind, name: day.name, justification: day.justification } }, now);
        return true;
      });
      if (!added) return refuse(who, action, date, "duplicate", { kind: day.kind, name: day.name }, `${date} is already in the calendar`);
      changed();
      return (await store.holidays.find(date))!;
    },

    async edit(who: HolidayEditor, rawDate: unknown, form: HolidayForm): Promise<HolidayRecord> {
      const action = "holidays.edit";
      const date = await checkDate(who, action, rawDate, {});
      const day = await checkDay(who, action, date, form);
      const now = clock();
      const before = await store.transaction(async (tx) => {
        const old = await tx.holidays.find(date);
        if (!old || !(await tx.holidays.update(date, { kind: day.kind, name: day.name }))) return null;
        await tx.audit.append({ ...who, action, objectType: "holiday", objectId: date, outcome: "ok", details: { kind: day.kind, name: day.name, before: { kind: old.kind, name: old.name }, justification: day.justification } }, now);
        return old;
      });
      if (!before) return refuse(who, action, date, "not_found", {}, `${date} is not in the calendar`);
      changed();
      return (await store.holidays.find(date))!;
    },

    async remove(who: HolidayEditor, rawDate: unknown, rawJustification: unknown): Promise<HolidayRecord> {
      const action = "holidays.remove";
      const date = await checkDate(who, action, rawDate, {});
      const justification = checkJustification(rawJustification);
      if (!justification) return refuse(who, action, date, "bad_justification", {}, `give the reason for the change (3–${JUSTIFICATION_MAX} characters)`);
      const now = clock();
      const removed = await store.transaction(async (tx) => {
        const old = await tx.holidays.find(date);
        if (!old || !(await tx.holidays.remove(date))) return null;
        await tx.audit.append({ ...who, action, objectType: "holiday", objectId: date, outcome: "ok", details: { before: { kind: old.kind, name: old.name }, justification } }, now);
        return old;
      });
      if (!removed) return refuse(who, action, date, "not_found", {}, `${date} is not in the calendar`);
      changed();
      return removed;
    },
  };
}

export type HolidayService = ReturnType<typeof createHolidayService>;
