// SQL for the incident register: problems raised (a lost or compromised key,
// an outage, misuse) with the unit, what happened, how it was handled and when
// it was closed; the scoped list (newest first, optionally by state) and the
// report's per-year aggregate. Decides nothing about who may see what.
import type { Knex } from "knex";
import { fromDbTime, toDbTime } from "./db-time";
import { emptyFilter, filtered, insertedId, int, pageOf, yearBounds, type RegisterListQuery, type RegisterPage } from "./register-common";

export const INCIDENT_KINDS = ["lost_key", "compromised_key", "outage", "misuse", "other"] as const;
export type IncidentKind = (typeof INCIDENT_KINDS)[number];
export const INCIDENT_STATES = ["open", "closed"] as const;
export type IncidentState = (typeof INCIDENT_STATES)[number];

export interface IncidentInput {
  unitId: number;
  kind: IncidentKind;
  occurredOn: string;
  description: string;
  handling: string | null;
  state: IncidentState;
  /** Set exactly when closed. */
  closedOn: string | null;
}

export interface IncidentRecord extends IncidentInput {
  id: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface IncidentTotals {
  /** Incidents that occurred in the year. */
  total: number;
  /** Of those, per kind (every kind present, 0 if none). */
  byKind: Record<IncidentKind, number>;
  /** Of those, still open at the end of the year (not closed, or closed only later). */
  open: number;
  /** Of those, closed by 31 December of the year. */
  closed: number;
}

export interface IncidentStore {
  insert(i: IncidentInput, now: Date): Promise<number>;
  update(id: number, i: IncidentInput, now: Date): Promise<void>;
  findById(id: number): Promise<IncidentRecord | null>;
  list(q: RegisterListQuery & { state?: IncidentState | undefined }): Promise<RegisterPage<IncidentRecord>>;
  /** Report figure: incidents of `unitIds` that occurred in `year`, by kind, open/closed as of 31 December. */
  incidentsIn(unitIds: readonly number[], year: number): Promise<IncidentTotals>;
}

interface Row {
  id: number;
  unit_id: number;
  kind: IncidentKind;
  occurred_on: string;
  description: string;
  handling: string | null;
  state: IncidentState;
  closed_on: string | null;
  created_at: string;
  updated_at: string;
}

const toRecord = (r: Row): IncidentRecord => ({
  id: Number(r.id),
  unitId: Number(r.unit_id),
  kind: r.kind,
  occurredOn: r.occurred_on,
  description: r.description,
  handling: r.handling,
  state: r.state,
  closedOn: r.closed_on,
  createdAt: fromDbTime(r.created_at),
  updatedAt: fromDbTime(r.updated_at),
});

const columns = (i: IncidentInput) => ({ unit_id: i.unitId, kind: i.kind, occurred_on: i.occurredOn, description: i.description, handling: i.handling, state: i.state, closed_on: i.closedOn });

export function createIncidentStore(db: Knex | Knex.Transaction): IncidentStore {
  return {
    async insert(i, now) {
      const at = toDbTime(now);
      return insertedId(db("incidents").insert({ ...columns(i), created_at: at, updated_at: at }));
    },

    async update(id, i, now) {
      await db("incidents").where({ id }).update({ ...columns(i), updated_at: toDbTime(now) });
    },

    async findById(id) {
      if (!Number.isSafeInteger(id)) return null;
      const row = (await db("incidents").where({ id }).first()) as Row | undefined;
      return row ? toRecord(row) : null;
    },

    async list(q) {
      if (emptyFilter(q)) return { rows: [], more: false };
      let qb = filtered(db("incidents").select("*"), q, "occurred_on");
      if (q.state) qb = qb.where("state", q.state);
      const rows = (await qb.orderBy([{ column: "occurred_on", order: "desc" }, { column: "id", order: "desc" }]).limit(q.limit + 1).offset(q.offset)) as Row[];
      const page = pageOf(rows, q.limit);
      return { rows: page.rows.map(toRecord), more: page.more };
    },

    async incidentsIn(unitIds, year) {
      const byKind = Object.fromEntries(INCIDENT_KINDS.map((k) => [k, 0])) as Record<IncidentKind, number>;
      const out: IncidentTotals = { total: 0, byKind, open: 0, closed: 0 };
      if (unitIds.length === 0) return out;
      const [from, to] = yearBounds(year);
      // Closed "as of 31 December": a report for a past year reads the same after later closures.
      const rows = (await db("incidents")
        .whereIn("unit_id", [...unitIds])
        .whereBetween("occurred_on", [from, to])
        .groupBy("kind")
        .select("kind", db.raw("count(*) as n"), db.raw("sum(case when closed_on is not null and closed_on <= ? then 1 else 0 end) as c", [to]))) as Array<{ kind: string; n: unknown; c: unknown }>;
      for (const r of rows) {
        const n = int(r.n);
        const c = int(r.c);
        if ((INCIDENT_KINDS as readonly string[]).includes(r.kind)) byKind[r.kind as IncidentKind] += n;
        out.total += n;
        out.closed += c;
        out.open += n - c;
      }
      return out;
    },
  };
}
