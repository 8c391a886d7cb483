// SQL for the inspection register: inspections of subscribers' use of their
// certificates (date, unit inspected, who inspected, findings, follow-up), the
// scoped list (newest first) and the report's per-year aggregate. Decides
// nothing about who may see what (the caller passes the scope).
import type { Knex } from "knex";
import { fromDbTime, toDbTime } from "./db-time";
import { emptyFilter, filtered, insertedId, int, pageOf, yearBounds, type RegisterListQuery, type RegisterPage } from "./register-common";

export interface InspectionInput {
  unitId: number;
  inspectedOn: string;
  inspector: string;
  hasFindings: boolean;
  findings: string;
  followUp: string | null;
}

export interface InspectionRecord extends InspectionInput {
  id: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface InspectionTotals {
  count: number;
  /** Inspections that found something to correct. */
  withFindings: number;
}

export interface InspectionStore {
  insert(i: InspectionInput, now: Date): Promise<number>;
  update(id: number, i: InspectionInput, now: Date): Promise<void>;
  findById(id: number): Promise<InspectionRecord | null>;
  list(q: RegisterListQuery): Promise<RegisterPage<InspectionRecord>>;
  /** Report figure: inspections of `unitIds` in `year`, and how many had findings. */
  inspectionsIn(unitIds: readonly number[], year: number): Promise<InspectionTotals>;
}

interface Row {
  id: number;
  unit_id: number;
  inspected_on: string;
  inspector: string;
  has_findings: boolean | number;
  findings: string;
  follow_up: string | null;
  created_at: string;
  updated_at: string;
}

const toRecord = (r: Row): InspectionRecord => ({
  id: Number(r.id),
  unitId: Number(r.unit_id),
  inspectedOn: r.inspected_on,
  inspector: r.inspector,
  // sqlite keeps booleans as 0/1
  hasFindings: Boolean(Number(r.has_findings)),
  findings: r.findings,
  followUp: r.follow_up,
  createdAt: fromDbTime(r.created_at),
  updatedAt: fromDbTime(r.updated_at),
});

const columns = (i: InspectionInput) => ({ unit_id: i.unitId, inspected_on: i.inspectedOn, inspector: i.inspector, has_findings: i.hasFindings, findings: i.findings, follow_up: i.followUp });

export function createInspectionStore(db: Knex | Knex.Transaction): InspectionStore {
  return {
    async insert(i, now) {
      const at = toDbTime(now);
      return insertedId(db("inspections").insert({ ...columns(i), created_at: at, updated_at: at }));
    },

    async update(id, i, now) {
      await db("inspections").where({ id }).update({ ...columns(i), updated_at: toDbTime(now) });
    },

    async findById(id) {
      if (!Number.isSafeInteger(id)) return null;
      const row = (await db("inspections").where({ id }).first()) as Row | undefined;
      return row ? toRecord(row) : null;
    },

    async list(q) {
      if (emptyFilter(q)) return { rows: [], more: false };
      const rows = (await filtered(db("inspections").select("*"), q, "inspected_on")
        .orderBy([{ column: "inspected_on", order: "desc" }, { column: "id", order: "desc" }])
        .limit(q.limit + 1)
        .offset(q.offset)) as Row[];
      const page = pageOf(rows, q.limit);
      return { rows: page.rows.map(toRecord), more: page.more };
    },

    async inspectionsIn(unitIds, year) {
      if (unitIds.length === 0) return { count: 0, withFindings: 0 };
      const row = (await db("inspections")
        .whereIn("unit_id", [...unitIds])
        .whereBetween("inspected_on", yearBounds(year))
        .first(db.raw("count(*) as n"), db.raw("sum(case when has_findings then 1 else 0 end) as f"))) as { n: unknown; f: unknown } | undefined;
      return { count: int(row?.n), withFindings: int(row?.f) };
    },
  };
}
