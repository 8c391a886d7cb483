// Shared by the report registers' stores: the list query (scope, year, unit
// subtree, offset page), the calendar-year bounds on 'YYYY-MM-DD' columns,
// reading counts that PostgreSQL returns as text, and the id of an insert.
// SQL helpers only; decides nothing about who may see what.
import type { Knex } from "knex";
import { whereInUnits, type UnitFilter } from "./unit-scope-sql";

/** The units in scope while the tree stood unchanged, from one day to another (inclusive); null: every unit. */
export interface ScopePeriod {
  from: string;
  to: string;
  unitIds: number[] | null;
}

export interface RegisterListQuery {
  /** The caller's scope (computed by the service). */
  units: UnitFilter;
  /** Also: a row is in scope only if its unit was in scope on its date (register-scope.ts). */
  periods?: ScopePeriod[] | undefined;
  /** Only rows dated in this calendar year. */
  year?: number | undefined;
  /** Only rows of these units (a chosen unit and its subtree, already inside the scope). */
  only?: number[] | undefined;
  limit: number;
  offset: number;
}

export interface RegisterPage<T> {
  rows: T[];
  more: boolean;
}

/** First and last day of a calendar year, as stored. */
export function yearBounds(year: number): [string, string] {
  const y = String(year).padStart(4, "0");
  return [`${y}-01-01`, `${y}-12-31`];
}

export function int(v: unknown): number {
  const n = Number(v ?? 0);
  return Number.isFinite(n) ? n : 0;
}

export async function insertedId(q: Knex.QueryBuilder): Promise<number> {
  const [row] = (await q.returning("id")) as Array<{ id: number } | number>;
  return Number(typeof row === "object" ? row.id : row);
}

/** Nothing to show: a scope or unit choice with no units. */
export function emptyFilter(q: RegisterListQuery): boolean {
  return (!q.units.all && q.units.unitIds.length === 0) || (q.only !== undefined && q.only.length === 0) || (q.periods !== undefined && livePeriods(q.periods).length === 0);
}

/** Periods that can hold a row (some unit in scope). */
export function livePeriods(periods: readonly ScopePeriod[]): ScopePeriod[] {
  return periods.filter((p) => p.unitIds === null || p.unitIds.length > 0);
}

/** Rows dated in a period whose unit was then in scope: `match(x, unitIds)` adds the unit condition for one period. */
export function wherePeriods(qb: Knex.QueryBuilder, periods: readonly ScopePeriod[] | undefined, between: (x: Knex.QueryBuilder, p: ScopePeriod) => Knex.QueryBuilder, match: (x: Knex.QueryBuilder, unitIds: number[]) => Knex.QueryBuilder): Knex.QueryBuilder {
  if (!periods) return qb;
  const live = livePeriods(periods);
  return qb.where((w) => {
    for (const p of live) w.orWhere((x) => (p.unitIds === null ? between(x, p) : match(between(x, p), p.unitIds)));
  });
}

/** The common filters of a register list on `table` (scope, unit choice, year on `dateColumn`). */
export function filtered(qb: Knex.QueryBuilder, q: RegisterListQuery, dateColumn: string, unitColumn = "unit_id"): Knex.QueryBuilder {
  let out = whereInUnits(qb, q.units, { column: unitColumn });
  if (q.only) out = whereInUnits(out, { all: false, unitIds: q.only }, { column: unitColumn });
  out = wherePeriods(out, q.periods, (x, p) => x.whereBetween(dateColumn, [p.from, p.to]), (x, ids) => whereInUnits(x, { all: false, unitIds: ids }, { column: unitColumn }));
  if (q.year !== undefined) {
    const [from, to] = yearBounds(q.year);
    out = out.whereBetween(dateColumn, [from, to]);
  }
  return out;
}

/** A page of `limit` rows plus whether another follows (one extra row is read). */
export function pageOf<T>(rows: T[], limit: number): RegisterPage<T> {
  return { rows: rows.slice(0, limit), more: rows.length > limit };
}
