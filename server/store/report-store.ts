// SQL for the reports (issue 6): every figure is one aggregate query grouped by
// the unit an object had on the report's as-of day (unit_moves reversed), never
// a loop over rows in JavaScript. Decides nothing about who may see what (the
// report service passes the units) nor how units roll up (the tree is small and
// rolled up by the caller from these grouped rows).
import type { Knex } from "knex";

/** Which rows: a period [from, to) of DB times, the as-of Vietnam day for units, the units (null: all). */
export interface ReportWindow {
  /** Inclusive start, DB time text ("2024-12-31T17:00:00Z" = 1/1/2025 00:00 in Vietnam). */
  from: string;
  /** Exclusive end, DB time text. */
  to: string;
  /** 'YYYY-MM-DD': objects are counted under the unit they had at the end of this day. */
  asOfDay: string;
  /** Effective units to keep; null keeps every row (also those with no unit). */
  unitIds: number[] | null;
}

export interface CertFigureRow { unitId: number | null; profile: string; issued: number; active: number; revoked: number; expired: number }
export interface MonthRow { month: number; n: number }
export interface ReasonRow { unitId: number | null; reason: number; n: number }
export interface TokenStateRow { unitId: number | null; type: string; state: string; n: number }
export interface ProcessingRow { unitId: number; type: string; submittedAt: string; completedAt: string; dueDate: string | null }
export interface ExpiringRow { unitId: number | null; within30: number; within60: number; within90: number }
export interface OverdueRequestRow { id: number; unitId: number; type: string; state: string; summary: string; submittedAt: string | null; dueDate: string }
export interface HoldingRow { subscriberId: number | null; name: string | null; kind: string | null; serial: string; profile: string; commonName: string; notAfter: string; tokenSerial: string | null; tokenType: string | null }
export interface DataMarks { auditHighId: number; certificateCount: number; requestHighId: number }
export interface LineageEdge { fromUnitId: number; toUnitId: number; kind: string; effectiveDate: string }
export interface UnitMoveRow { objectKind: string; objectId: string; fromUnitId: number; toUnitId: number; effectiveDate: string }

// Subscribers' certificates only: the CA's own OCSP/TLS certificates are not the agencies'.
const SUBSCRIBER_PROFILES = ["individual", "organization", "device"];
const MAX_IN = 10_000;

const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
const unitOf = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** One aggregate column: its alias, SQL expression and bindings. */
type Agg = [alias: string, sql: string, bindings?: readonly unknown[]];

export function createReportStore(db: Knex | Knex.Transaction) {
  /**
   * Objects of `kind` moved after `asOfDay`, with the unit they had on that day:
   * the from-unit of their first move effective after it. Moves are few (transfers
   * and mergers), so this stays a small table.
   */
  function movedAfter(kind: string, asOfDay: string) {
    return db("unit_moves as m")
      .where("m.object_kind", kind)
      .where("m.effective_date", ">", asOfDay)
      .whereRaw(
        "m.id = (select m2.id from unit_moves m2 where m2.object_kind = m.object_kind and m2.object_id = m.object_id and m2.effective_date > ? order by m2.effective_date, m2.id limit 1)",
        [asOfDay],
      )
      .select("m.object_id", "m.from_unit_id");
  }

  function inUnits(qb: Knex.QueryBuilder, expr: string, unitIds: number[] | null): Knex.QueryBuilder {
    if (unitIds === null) return qb;
    if (unitIds.length === 0) return qb.whereRaw("1 = 0");
    if (unitIds.length > MAX_IN) throw new Error(`unit filter too large (${unitIds.length} units)`);
    return qb.whereRaw(`${expr} in (${unitIds.map(() => "?").join(", ")})`, unitIds);
  }

  type Group = string | [sql: string, bindings: readonly unknown[]];
  const groupSql = (groups: Group[]) => groups.map((g, i) => (typeof g === "string" ? db.raw(`${g} as g${i}`) : db.raw(`${g[0]} as g${i}`, g[1] as Knex.RawBinding[])));
  const aggSql = (aggs: Agg[]) => aggs.map(([a, sql, b]) => db.raw(`${sql} as ${a}`, (b ?? []) as Knex.RawBinding[]));
  // Positional GROUP BY: PostgreSQL matches expressions with bound parameters only by position.
  const positions = (n: number) => Array.from({ length: n }, (_, i) => i + 1).join(", ");

  /**
   * Aggregates grouped by the unit each object had on each window's as-of day:
   * one query counts every object under its unit today (a scan of a covering
   * index, no join; `aggs[k]` are window k's columns, all in that one scan),
   * then per window the few objects moved since its as-of day are counted by
   * (unit today, unit then) and their counts moved from the one group to the
   * other. Joining every row to the moves would cost a lookup per row on 1M rows.
   */
  async function byUnitThenMany(
    ws: ReportWindow[],
    base: () => Knex.QueryBuilder,
    join: (moved: Knex.QueryBuilder, w: ReportWindow) => Knex.QueryBuilder,
    unitCol: string,
    groups: Group[],
    aggs: Agg[][],
  ): Promise<Array<Array<Record<string, unknown>>>> {
    const unitIds = ws[0]!.unitIds;
    const all = aggs.flatMap((list, k) => list.map(([a, sql, b]): Agg => [`${a}_${k}`, sql, b]));
    const main = (await inUnits(base(), unitCol, unitIds).select(db.raw(`${unitCol} as unit_now`), ...groupSql(groups), ...aggSql(all)).groupByRaw(positions(groups.length + 1))) as Array<Record<string, unknown>>;
    const keep = (u: number | null) => unitIds === null || (u !== null && unitIds.includes(u));
    const results: Array<Array<Record<string, unknown>>> = [];
    for (let k = 0; k < ws.length; k++) {
      const w = ws[k]!;
      const moved = (await join(base(), w).select(db.raw(`${unitCol} as unit_now`), "mv.from_unit_id as unit_then", ...groupSql(groups), ...aggSql(aggs[k]!)).groupByRaw(positions(groups.length + 2))) as Array<Record<string, unknown>>;
      const out = new Map<string, Record<string, unknown>>();
      const add = (unit: number | null, r: Record<string, unknown>, sign: number, suffix: string) => {
        const key = JSON.stringify([unit, ...groups.map((_, i) => r[`g${i}`])]);
        let o = out.get(key);
        if (!o) {
          o = { unitId: unit, ...Object.fromEntries(groups.map((_, i) => [`g${i}`, r[`g${i}`]])), ...Object.fromEntries(aggs[k]!.map(([a]) => [a, 0])) };
          out.set(key, o);
        }
        for (const [a] of aggs[k]!) o[a] = num(o[a]) + sign * num(r[`${a}${suffix}`]);
      };
      for (const r of main) add(unitOf(r.unit_now), r, 1, `_${k}`);
      for (const r of moved) {
        const now = unitOf(r.unit_now);
        const then = unitOf(r.unit_then);
        if (keep(now)) add(now, r, -1, "");
        if (keep(then)) add(then, r, 1, "");
      }
      results.push([...out.values()].filter((o) => aggs[k]!.some(([a]) => num(o[a]) !== 0)));
    }
    return results;
  }

  const byUnitThen = async (w: ReportWindow, base: () => Knex.QueryBuilder, join: (moved: Knex.QueryBuilder) => Knex.QueryBuilder, unitCol: string, groups: Group[], aggs: Agg[]) =>
    (await byUnitThenMany([w], base, join, unitCol, groups, [aggs]))[0]!;

  /** Subscribers' issued certificates (`c`), and the join of those moved after the as-of day (`mv`). */
  const certBase = () => db("certificates as c").whereIn("c.profile", SUBSCRIBER_PROFILES).whereNotNull("c.issued_at");
  const certMoved = (w: ReportWindow) => (qb: Knex.QueryBuilder) => qb.join(movedAfter("cert", w.asOfDay).as("mv"), "mv.object_id", "c.serial");

  /** A month-of-year CASE over Vietnam month boundaries (`bounds`: the 11 starts of months 2–12, DB time). */
  function monthCase(column: string, bounds: string[]): { sql: string; bindings: string[] } {
    return { sql: `case ${bounds.map((_, i) => `when ${column} < ? then ${i + 1}`).join(" ")} else 12 end`, bindings: bounds };
  }

  async function byMonth(w: ReportWindow, column: string, monthStarts: string[]): Promise<MonthRow[]> {
    const m = monthCase(column, monthStarts);
    if (w.unitIds === null) {
      // Every unit: moves between units do not change the month totals.
      const rows = (await certBase().where(column, ">=", w.from).where(column, "<", w.to).select(db.raw(`${m.sql} as month`, m.bindings), db.raw("count(*) as n")).groupByRaw("1")) as Array<{ month: unknown; n: unknown }>;
      return rows.map((r) => ({ month: num(r.month), n: num(r.n) }));
    }
    const rows = await byUnitThen(w, () => certBase().where(column, ">=", w.from).where(column, "<", w.to), certMoved(w), "c.unit_id", [[m.sql, m.bindings]], [["n", "count(*)"]]);
    // Month totals over the kept units (the unit split above only decides which rows are kept).
    const months = new Map<number, number>();
    for (const r of rows) months.set(num(r.g0), (months.get(num(r.g0)) ?? 0) + num(r.n));
    return [...months].map(([month, n]) => ({ month, n }));
  }

  return {
    /**
     * Issued, active at the end, revoked and expired in [from, to), per unit and
     * profile. States come from the timestamps, not today's status column, so a
     * certificate revoked later still counts as active at a past year end.
     */
    async certificateFigures(w: ReportWindow): Promise<CertFigureRow[]> {
      return (await this.certificateFiguresOf([w]))[0]!;
    },

    /** The same for several windows with the same units (a year and the year before) in one scan. */
    async certificateFiguresOf(ws: ReportWindow[]): Promise<CertFigureRow[][]> {
      const aggs = ws.map(({ from, to }): Agg[] => [
        ["issued", "sum(case when c.issued_at >= ? and c.issued_at < ? then 1 else 0 end)", [from, to]],
        ["active", "sum(case when c.issued_at < ? and c.not_after >= ? and (c.revoked_at is null or c.revoked_at >= ?) then 1 else 0 end)", [to, to, to]],
        ["revoked", "sum(case when c.revoked_at >= ? and c.revoked_at < ? then 1 else 0 end)", [from, to]],
        // RFC 5280 4.1.2.5: expired = reached notAfter in the period without being revoked before it.
        ["expired", "sum(case when c.not_after >= ? and c.not_after < ? and c.issued_at < ? and (c.revoked_at is null or c.revoked_at >= c.not_after) then 1 else 0 end)", [from, to, to]],
      ]);
      const from = ws.reduce((a, w) => (w.from < a ? w.from : a), ws[0]!.from);
      const to = ws.reduce((a, w) => (w.to > a ? w.to : a), ws[0]!.to);
      const rows = await byUnitThenMany(ws, () => certBase().where("c.issued_at", "<", to).where("c.not_after", ">=", from), (qb, w) => certMoved(w)(qb), "c.unit_id", ["c.profile"], aggs);
      return rows.map((list) => list.map((r) => ({ unitId: unitOf(r.unitId), profile: String(r.g0), issued: num(r.issued), active: num(r.active), revoked: num(r.revoked), expired: num(r.expired) })));
    },

    /** Certificates issued per month of the period (`monthStarts`: starts of months 2–12). */
    issuedByMonth: (w: ReportWindow, monthStarts: string[]) => byMonth(w, "c.issued_at", monthStarts),
    revokedByMonth: (w: ReportWindow, monthStarts: string[]) => byMonth(w, "c.revoked_at", monthStarts),

    /** Revocations in [from, to) per unit and RFC 5280 reason code (5.3.1). */
    async revocationsByReason(w: ReportWindow): Promise<ReasonRow[]> {
      const rows = await byUnitThen(w, () => certBase().where("c.revoked_at", ">=", w.from).where("c.revoked_at", "<", w.to), certMoved(w), "c.unit_id", ["coalesce(c.revocation_reason, 0)"], [["n", "count(*)"]]);
      return rows.map((r) => ({ unitId: unitOf(r.unitId), reason: num(r.g0), n: num(r.n) }));
    },

    /** Tokens by type and by their state at `to` (the last token_events row before it), per unit on the as-of day. */
    async tokenStates(w: ReportWindow): Promise<TokenStateRow[]> {
      // Each token's last event before the end, in one pass over the (token_id, at) index, then its state.
      const last = () => db("token_events").where("at", "<", w.to).groupBy("token_id").select("token_id", db.raw("max(id) as last_id"));
      const base = () => db(last().as("l")).join("tokens as t", "t.id", "l.token_id").join("token_events as e", "e.id", "l.last_id");
      const moved = (qb: Knex.QueryBuilder) => qb.join(movedAfter("token", w.asOfDay).as("mv"), function () {
        this.on("mv.object_id", "=", db.raw("cast(t.id as varchar(40))"));
      });
      const rows = await byUnitThen(w, base, moved, "t.unit_id", ["t.type", "e.to_state"], [["n", "count(*)"]]);
      return rows.map((r) => ({ unitId: unitOf(r.unitId), type: String(r.g0), state: String(r.g1), n: num(r.n) }));
    },

    /** The (submitted, completed, due) triples of requests completed in [from, to): working days are counted by the caller on the holiday calendar. */
    async processingTimes(w: ReportWindow): Promise<ProcessingRow[]> {
      const qb = db("requests as r").where("r.state", "completed").whereNotNull("r.submitted_at").where("r.completed_at", ">=", w.from).where("r.completed_at", "<", w.to);
      const rows = (await inUnits(qb, "r.unit_id", w.unitIds).orderBy("r.id").select("r.unit_id", "r.type", "r.submitted_at", "r.completed_at", "r.due_date")) as Array<{ unit_id: unknown; type: string; submitted_at: string; completed_at: string; due_date: string | null }>;
      return rows.map((r) => ({ unitId: num(r.unit_id), type: r.type, submittedAt: r.submitted_at, completedAt: r.completed_at, dueDate: r.due_date }));
    },

    /** Valid certificates expiring within 30/60/90 days of `now` (cumulative), per unit today. */
    async expiring(now: string, in30: string, in60: string, in90: string, unitIds: number[] | null): Promise<ExpiringRow[]> {
      const qb = db("certificates as c").where("c.status", "valid").whereIn("c.profile", SUBSCRIBER_PROFILES).where("c.not_after", ">=", now).where("c.not_after", "<", in90);
      const rows = (await inUnits(qb, "c.unit_id", unitIds).groupBy("c.unit_id").select(
        "c.unit_id",
        db.raw("sum(case when c.not_after < ? then 1 else 0 end) as d30", [in30]),
        db.raw("sum(case when c.not_after < ? then 1 else 0 end) as d60", [in60]),
        db.raw("count(*) as d90"),
      )) as Array<{ unit_id: unknown; d30: unknown; d60: unknown; d90: unknown }>;
      return rows.map((r) => ({ unitId: unitOf(r.unit_id), within30: num(r.d30), within60: num(r.d60), within90: num(r.d90) }));
    },

    /** Open requests whose working-day deadline is before `today` (oldest deadline first). */
    async overdueRequests(today: string, unitIds: number[] | null, limit: number): Promise<OverdueRequestRow[]> {
      const qb = db("requests as r").whereIn("r.state", ["submitted", "forwarded", "approved", "returned"]).whereNotNull("r.due_date").where("r.due_date", "<", today);
      const rows = (await inUnits(qb, "r.unit_id", unitIds).orderBy([{ column: "r.due_date" }, { column: "r.id" }]).limit(limit)
        .select("r.id", "r.unit_id", "r.type", "r.state", "r.summary", "r.submitted_at", "r.due_date")) as Array<{ id: unknown; unit_id: unknown; type: string; state: string; summary: string; submitted_at: string | null; due_date: string }>;
      return rows.map((r) => ({ id: num(r.id), unitId: num(r.unit_id), type: r.type, state: r.state, summary: r.summary, submittedAt: r.submitted_at, dueDate: r.due_date }));
    },

    /** Who holds what in these units now: valid certificates with their subscriber and token. */
    async holdings(now: string, unitIds: number[], limit: number): Promise<HoldingRow[]> {
      const qb = db("certificates as c")
        .leftJoin("subscribers as s", "s.id", "c.subscriber_id")
        .leftJoin("tokens as t", "t.id", "c.token_id")
        .where("c.status", "valid").where("c.not_after", ">=", now).whereIn("c.profile", SUBSCRIBER_PROFILES);
      const rows = (await inUnits(qb, "c.unit_id", unitIds).orderBy([{ column: "s.search_name" }, { column: "c.serial" }]).limit(limit)
        .select("s.id as subscriber_id", "s.name", "s.kind", "c.serial", "c.profile", "c.common_name", "c.not_after", "t.serial as token_serial", "t.type as token_type")) as Array<Record<string, unknown>>;
      return rows.map((r) => ({
        subscriberId: unitOf(r.subscriber_id), name: (r.name as string | null) ?? null, kind: (r.kind as string | null) ?? null, serial: String(r.serial), profile: String(r.profile),
        commonName: String(r.common_name), notAfter: String(r.not_after), tokenSerial: (r.token_serial as string | null) ?? null, tokenType: (r.token_type as string | null) ?? null,
      }));
    },

    /** Every lineage edge (mergers, splits, renames): few hundred rows at most. */
    async lineage(): Promise<LineageEdge[]> {
      const rows = (await db("unit_lineage").orderBy([{ column: "effective_date" }, { column: "id" }]).select("from_unit_id", "to_unit_id", "kind", "effective_date")) as Array<{ from_unit_id: unknown; to_unit_id: unknown; kind: string; effective_date: string }>;
      return rows.map((r) => ({ fromUnitId: num(r.from_unit_id), toUnitId: num(r.to_unit_id), kind: r.kind, effectiveDate: r.effective_date }));
    },

    /** Every unit version's parent and start (a dissolved unit's history rolls up to its last parent). */
    async unitParents(): Promise<Array<{ unitId: number; parentUnitId: number | null; validFrom: string }>> {
      const rows = (await db("unit_versions").orderBy([{ column: "unit_id" }, { column: "valid_from" }]).select("unit_id", "parent_unit_id", "valid_from")) as Array<{ unit_id: unknown; parent_unit_id: unknown; valid_from: string }>;
      return rows.map((r) => ({ unitId: num(r.unit_id), parentUnitId: unitOf(r.parent_unit_id), validFrom: r.valid_from }));
    },

    /** The state of the data a report was computed from. */
    async dataMarks(): Promise<DataMarks> {
      const [a, c, r] = await Promise.all([
        db("audit_log").max("id as m").first(),
        db("certificates").count("* as n").first(),
        db("requests").max("id as m").first(),
      ]);
      return { auditHighId: num((a as { m?: unknown })?.m), certificateCount: num((c as { n?: unknown })?.n), requestHighId: num((r as { m?: unknown })?.m) };
    },

    /** Every recorded unit move (few: transfers and mergers), for tests and the history page. */
    async unitMoves(kind: string, objectId: string): Promise<UnitMoveRow[]> {
      const rows = (await db("unit_moves").where({ object_kind: kind, object_id: objectId }).orderBy([{ column: "effective_date" }, { column: "id" }])) as Array<{ object_kind: string; object_id: string; from_unit_id: unknown; to_unit_id: unknown; effective_date: string }>;
      return rows.map((r) => ({ objectKind: r.object_kind, objectId: r.object_id, fromUnitId: num(r.from_unit_id), toUnitId: num(r.to_unit_id), effectiveDate: r.effective_date }));
    },
  };
}

export type ReportStore = ReturnType<typeof createReportStore>;
