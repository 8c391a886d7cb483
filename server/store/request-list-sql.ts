// SQL for the scoped request lists and the dashboard's dossier counts, with the
// deadline filters. Part of RequestStore (request-store.ts).
import type { Knex } from "knex";
import { OPEN_STATES as OPEN, type RequestState } from "../ra/request-states";
import type { RequestCounts, RequestRecord, RequestStore, Row } from "./request-store";
import { mergedPageKeys, mergesUnits, unitPageMerge, whereInUnits } from "./unit-scope-sql";

/** The deadline order, no deadline last: the very expression of the index requests_unit_due_key_id. */
const DUE_KEY = "coalesce(due_date, '9999-12-31')";

export function createRequestListSql(db: Knex | Knex.Transaction, select: () => Knex.QueryBuilder, toRecord: (r: Row) => RequestRecord): Pick<RequestStore, "list" | "counts"> {
  return {
    async list(q) {
      if (!q.units.all && q.units.unitIds.length === 0) return { rows: [], more: false };
      /** Every filter but the units: state, type, deadline, search. */
      const filtered = (qb: Knex.QueryBuilder): Knex.QueryBuilder => {
        if (q.states?.length) qb.whereIn("state", [...q.states]);
        if (q.types?.length) qb.whereIn("type", [...q.types]);
        if (q.due === "overdue") qb.whereIn("state", [...OPEN]).andWhere("due_date", "<", q.today);
        if (q.due === "due_today") qb.whereIn("state", [...OPEN]).andWhere("due_date", "=", q.today);
        if (q.text) {
          const ref = /^(?:YC-?)?0*(\d{1,9})$/i.exec(q.text);
          if (ref) qb.andWhere((w) => w.where("id", Number(ref[1])).orWhere("summary", "like", `${q.text}%`));
          else qb.andWhere("summary", "like", `${q.text.replace(/[%_\\]/g, "")}%`);
        }
        return qb;
      };
      // A few units (an agency, a small province), no search: unit by unit from (unit_id, id) or
      // (unit_id, DUE_KEY, id), keys only, then the page's rows by key (unitPageMerge, mergedPageKeys); "unit_id in (…) order by"
      // sorted every request of the scope on sqlite (17.5 ms at 100k requests).
      // Not for the live dossiers only (a state filter of open ones, a deadline filter): they are few, and
      // (unit_id, state, due_date) reads just them, where a unit's walk in list order would pass all the others.
      const liveOnly = q.due !== undefined || (q.states?.length ? q.states.every((s) => s === "draft" || OPEN.includes(s)) : false);
      if (mergesUnits(q.units) && !q.text && !liveOnly) {
        const byDue = q.sort === "due";
        const order = byDue ? [{ column: "due_key" }, { column: "id" }] : [{ column: "id", order: "desc" as const }];
        const keys = unitPageMerge(db, q.units.unitIds, (unitId) => filtered(db("requests").select(byDue ? [db.raw(`${DUE_KEY} as due_key`), "id"] : ["id"]).where("unit_id", unitId)), order, q.limit + 1, q.offset);
        const qb = select().whereIn("id", await mergedPageKeys(keys, "id"));
        const rows = (await (byDue ? qb.orderByRaw(`${DUE_KEY} asc, id asc`) : qb.orderBy("id", "desc"))) as Row[];
        return { rows: rows.slice(0, q.limit).map(toRecord), more: rows.length > q.limit };
      }
      const qb = filtered(whereInUnits(select(), q.units));
      if (q.sort === "due") qb.orderByRaw(`${DUE_KEY} asc, id asc`);
      else qb.orderBy("id", "desc");
      const rows = (await qb.limit(q.limit + 1).offset(q.offset)) as Row[];
      return { rows: rows.slice(0, q.limit).map(toRecord), more: rows.length > q.limit };
    },
    async counts(units, today, states = ["draft", ...OPEN]) {
      // One pass over the live dossiers, from the (state, unit_id, due_date) index alone: the count by
      // state and the deadline sums per state together (two statements read them twice).
      const rows = (await whereInUnits(db("requests"), units)
        .whereIn("state", [...states])
        .groupBy("state")
        .select("state", db.raw("count(*) as n, sum(case when due_date < ? then 1 else 0 end) as overdue, sum(case when due_date = ? then 1 else 0 end) as due_today", [today, today]))) as Array<{
        state: RequestState;
        n: number | string;
        overdue: number | string | null;
        due_today: number | string | null;
      }>;
      const out: RequestCounts = { byState: {}, overdue: 0, dueToday: 0, deadlines: {} };
      for (const r of rows) {
        out.byState[r.state] = Number(r.n);
        // A draft's deadline does not run yet (OPEN states only).
        if (!OPEN.includes(r.state)) continue;
        const d = { overdue: Number(r.overdue ?? 0), dueToday: Number(r.due_today ?? 0) };
        out.deadlines[r.state] = d;
        out.overdue += d.overdue;
        out.dueToday += d.dueToday;
      }
      return out;
    },
  };
}
