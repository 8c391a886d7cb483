// SQL for the demand register: the certificates (individual, organisation,
// device) and tokens (USB token, SIM-PKI, HSM slot) a unit expects to need, per
// year and quarter (one line per unit, year and quarter); the scoped list and
// the report's per-year aggregate by quarter. Decides nothing about who may see what.
import type { Knex } from "knex";
import { fromDbTime, toDbTime } from "./db-time";
import { emptyFilter, insertedId, int, pageOf, wherePeriods, type RegisterListQuery, type RegisterPage } from "./register-common";
import { whereInUnits } from "./unit-scope-sql";

export const DEMAND_COUNTS = ["individual", "organization", "device", "usbToken", "simPki", "hsmSlot"] as const;
export type DemandCountKey = (typeof DEMAND_COUNTS)[number];
export type DemandCounts = Record<DemandCountKey, number>;

export interface DemandInput extends DemandCounts {
  unitId: number;
  year: number;
  quarter: number;
  notes: string | null;
}

export interface DemandRecord extends DemandInput {
  id: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface DemandTotals {
  /** Quarters 1–4 in order, each present (zeros if nothing was asked). */
  byQuarter: Array<{ quarter: number } & DemandCounts>;
  totals: DemandCounts;
}

export interface DemandStore {
  insert(d: DemandInput, now: Date): Promise<number>;
  update(id: number, d: DemandInput, now: Date): Promise<void>;
  findById(id: number): Promise<DemandRecord | null>;
  /** The line of a unit, year and quarter, if any (the unique key). */
  findLine(unitId: number, year: number, quarter: number): Promise<DemandRecord | null>;
  /** `year` filters on the year of the demand (not a date). */
  list(q: RegisterListQuery): Promise<RegisterPage<DemandRecord>>;
  /** Report figure: what `unitIds` asked for `year`, by quarter and in total. */
  demandFor(unitIds: readonly number[], year: number): Promise<DemandTotals>;
}

const COLUMN: Record<DemandCountKey, string> = { individual: "individual", organization: "organization", device: "device", usbToken: "usb_token", simPki: "sim_pki", hsmSlot: "hsm_slot" };

type Row = { id: number; unit_id: number; year: number; quarter: number; notes: string | null; created_at: string; updated_at: string } & Record<string, unknown>;

const countsOf = (r: Record<string, unknown>): DemandCounts => Object.fromEntries(DEMAND_COUNTS.map((k) => [k, int(r[COLUMN[k]])])) as DemandCounts;
const zero = (): DemandCounts => Object.fromEntries(DEMAND_COUNTS.map((k) => [k, 0])) as DemandCounts;

const toRecord = (r: Row): DemandRecord => ({
  id: Number(r.id),
  unitId: Number(r.unit_id),
  year: Number(r.year),
  quarter: Number(r.quarter),
  ...countsOf(r),
  notes: r.notes,
  createdAt: fromDbTime(r.created_at),
  updatedAt: fromDbTime(r.updated_at),
});

const columns = (d: DemandInput) => ({ unit_id: d.unitId, year: d.year, quarter: d.quarter, notes: d.notes, ...Object.fromEntries(DEMAND_COUNTS.map((k) => [COLUMN[k], d[k]])) });

export function createDemandStore(db: Knex | Knex.Transaction): DemandStore {
  return {
    async insert(d, now) {
      const at = toDbTime(now);
      return insertedId(db("demand").insert({ ...columns(d), created_at: at, updated_at: at }));
    },

    async update(id, d, now) {
      await db("demand").where({ id }).update({ ...columns(d), updated_at: toDbTime(now) });
    },

    async findById(id) {
      if (!Number.isSafeInteger(id)) return null;
      const row = (await db("demand").where({ id }).first()) as Row | undefined;
      return row ? toRecord(row) : null;
    },

    async findLine(unitId, year, quarter) {
      const row = (await db("demand").where({ unit_id: unitId, year, quarter }).first()) as Row | undefined;
      return row ? toRecord(row) : null;
    },

    async list(q) {
      if (emptyFilter(q)) return { rows: [], more: false };
      let qb = whereInUnits(db("demand").select("*"), q.units);
      if (q.only) qb = whereInUnits(qb, { all: false, unitIds: q.only });
      // A demand line stands on 1 January of its year: in a period if that day is.
      qb = wherePeriods(qb, q.periods, (x, p) => x.whereBetween("year", [Number(p.from.slice(0, 4)) + (p.from.slice(5) === "01-01" ? 0 : 1), Number(p.to.slice(0, 4))]), (x, ids) => whereInUnits(x, { all: false, unitIds: ids }));
      if (q.year !== undefined) qb = qb.where("year", q.year);
      const rows = (await qb
        .orderBy([{ column: "year", order: "desc" }, { column: "unit_id" }, { column: "quarter" }])
        .limit(q.limit + 1)
        .offset(q.offset)) as Row[];
      const page = pageOf(rows, q.limit);
      return { rows: page.rows.map(toRecord), more: page.more };
    },

    async demandFor(unitIds, year) {
      const byQuarter = [1, 2, 3, 4].map((quarter) => ({ quarter, ...zero() }));
      const totals = zero();
      if (unitIds.length === 0) return { byQuarter, totals };
      const rows = (await db("demand")
        .whereIn("unit_id", [...unitIds])
        .where("year", year)
        .groupBy("quarter")
        .select("quarter", ...DEMAND_COUNTS.map((k) => db.raw(`sum(${COLUMN[k]}) as ${COLUMN[k]}`)))) as Array<Record<string, unknown>>;
      for (const r of rows) {
        const q = byQuarter[int(r.quarter) - 1];
        if (!q) continue;
        const c = countsOf(r);
        for (const k of DEMAND_COUNTS) {
          q[k] += c[k];
          totals[k] += c[k];
        }
      }
      return { byQuarter, totals };
    },
  };
}
