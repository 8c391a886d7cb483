// SQL for the holiday calendar: the rows of a date range, one date, and adding,
// changing and removing a date. Decides nothing about which dates are valid or
// who may edit (server/ra/holiday-service.ts does).
import type { Knex } from "knex";
import type { HolidayKind } from "../ra/working-days";
import { fromDbTime, toDbTime } from "./db-time";

export interface HolidayRecord {
  /** Vietnam date YYYY-MM-DD. */
  date: string;
  kind: HolidayKind;
  name: string;
  createdBy: string;
  createdAt: Date;
}

export interface HolidayInput {
  date: string;
  kind: HolidayKind;
  name: string;
}

export interface HolidayStore {
  /** Every row, in date order (a few dozen a year: the SLA calendar loads them all). */
  all(): Promise<HolidayRecord[]>;
  /** Rows with from ≤ date ≤ to, in date order. */
  between(from: string, to: string): Promise<HolidayRecord[]>;
  find(date: string): Promise<HolidayRecord | null>;
  /** false if the date is already in the calendar (nothing changed). */
  insert(h: HolidayInput, createdBy: string, now: Date): Promise<boolean>;
  /** false if the date is not in the calendar. */
  update(date: string, change: { kind: HolidayKind; name: string }): Promise<boolean>;
  /** false if the date was not in the calendar. */
  remove(date: string): Promise<boolean>;
}

interface Row {
  date: string;
  kind: HolidayKind;
  name: string;
  created_by: string;
  created_at: string;
}

function toRecord(r: Row): HolidayRecord {
  return { date: r.date, kind: r.kind, name: r.name, createdBy: r.created_by, createdAt: fromDbTime(r.created_at) };
}

export function createHolidayStore(db: Knex | Knex.Transaction): HolidayStore {
  return {
    async all() {
      return ((await db("holidays").select("*").orderBy("date")) as Row[]).map(toRecord);
    },

    async between(from, to) {
      return ((await db("holidays").select("*").where("date", ">=", from).andWhere("date", "<=", to).orderBy("date")) as Row[]).map(toRecord);
    },

    async find(date) {
      const row = (await db("holidays").where({ date }).first()) as Row | undefined;
      return row ? toRecord(row) : null;
    },

    async insert(h, createdBy, now) {
      // ON CONFLICT DO NOTHING on both databases: two officers adding the same date at once get one row.
      const rows = (await db("holidays")
        .insert({ date: h.date, kind: h.kind, name: h.name.normalize("NFC"), created_by: createdBy, created_at: toDbTime(now) })
        .onConflict("date")
        .ignore()
        .returning("date")) as unknown[];
      return rows.length === 1;
    },

    async update(date, change) {
      const n = await db("holidays").where({ date }).update({ kind: change.kind, name: change.name.normalize("NFC") });
      return Number(n) === 1;
    },

    async remove(date) {
      return Number(await db("holidays").where({ date }).delete()) === 1;
    },
  };
}
