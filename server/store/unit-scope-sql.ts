// Shared by the scoped list queries: the "which units" filter and the
// certificate summary row those lists show. SQL helpers only.
import type { Knex } from "knex";
import type { CertStatus } from "./certificate-store";
import { fromDbTime, optionalDbTime } from "./db-time";

/** Which units' rows: every row (also those with no unit), or those of these units. */
export type UnitFilter = { all: true } | { all: false; unitIds: number[] };

// Keeps IN lists well under the bound-parameter limits of both databases.
const MAX_UNITS = 10_000;

/**
 * Restricts a query to the units of a scope. `walkOrder`: a wide scope (a
 * province, hundreds of units) is found faster by walking the list's own order
 * index and filtering on unit than by sorting every row of those units
 * (measured 340 ms → a few ms at 1M); "unit_id + 0" keeps the planner off the
 * unit index. A narrow scope (an agency) is faster the other way round; a
 * newest-first page of a narrow scope is best read by unitPageMerge below.
 */
export function whereInUnits(qb: Knex.QueryBuilder, units: UnitFilter, opts: { column?: string; walkOrder?: boolean } = {}): Knex.QueryBuilder {
  if (units.all) return qb;
  const column = opts.column ?? "unit_id";
  if (units.unitIds.length > MAX_UNITS) throw new Error(`unit filter too large (${units.unitIds.length} units)`);
  if (opts.walkOrder && units.unitIds.length > WIDE_SCOPE) {
    return qb.whereRaw(`${column} + 0 in (${units.unitIds.map(() => "?").join(", ")})`, units.unitIds);
  }
  return qb.whereIn(column, units.unitIds);
}

/**
 * One ordered page of a scope of at most WIDE_SCOPE units, read unit by unit:
 * each unit's first `limit` rows come in order from its (unit_id, order…)
 * index, and only those (units × limit rows at most) are merged and sorted.
 * Its cost does not grow with the number of rows, unlike "unit_id in (…)
 * order by … limit", which the planner may answer by sorting every row of the
 * scope (sqlite 3.52 did: 640 ms for a 12-unit province at 200k certificates),
 * and unlike the walk of the order index, which reads limit ÷ (the scope's
 * share of the rows) entries and is slow for a scope holding few of them. So
 * no estimate of the rows is needed to pick a plan: up to WIDE_SCOPE units
 * the merge, beyond it the walk (a scope that wide holds a large share).
 * `member` builds one unit's query (filters, cursor; no order or limit).
 * `offset` (a list paged by offset, the requests): each unit gives its first
 * offset + limit rows, and the merge skips `offset` of them; a deep page costs
 * units × (offset + limit) index entries, as an offset page costs anyway.
 */
export function unitPageMerge(
  db: Knex | Knex.Transaction,
  unitIds: readonly number[],
  member: (unitId: number) => Knex.QueryBuilder,
  order: Array<{ column: string; order?: "asc" | "desc" }>,
  limit: number,
  offset = 0,
): Knex.QueryBuilder {
  if (unitIds.length === 0 || unitIds.length > WIDE_SCOPE) throw new Error(`unitPageMerge takes 1 to ${WIDE_SCOPE} units (${unitIds.length})`);
  // "select * from (… limit n) as uK": sqlite allows no ORDER BY/LIMIT on a bare compound member.
  const parts = unitIds.map((id, i) => db.select("*").from(member(id).orderBy(order).limit(limit + offset).as(`u${i}`)));
  const [first, ...rest] = parts;
  const merged = rest.length ? first!.unionAll(rest, false) : first!;
  const page = db.select("*").from(merged.as("m")).orderBy(order).limit(limit);
  return offset > 0 ? page.offset(offset) : page;
}

/**
 * The page's keys from unitPageMerge (`select`, a column they share with the
 * table's primary or unique key), then its rows in full by those keys, in a
 * second statement: "where key in (the merge)" in one statement let PostgreSQL
 * join the 51 keys to a full scan of a table of a few thousand rows.
 */
export async function mergedPageKeys(query: Knex.QueryBuilder, key: string): Promise<Array<string | number>> {
  const rows = (await query) as Array<Record<string, string | number>>;
  return rows.map((r) => r[key]!);
}

/** Whether a list of this scope is read unit by unit (unitPageMerge): a few units, not every row. */
export function mergesUnits(units: UnitFilter): units is { all: false; unitIds: number[] } {
  return !units.all && units.unitIds.length > 0 && units.unitIds.length <= WIDE_SCOPE;
}

export const WIDE_SCOPE = 64;

export interface CertificateSummary {
  serial: string;
  profile: string;
  status: CertStatus;
  commonName: string;
  email: string | null;
  unitId: number | null;
  notBefore: Date;
  notAfter: Date;
  createdAt: Date;
  revokedAt: Date | null;
  revocationReason: number | null;
}

export const SUMMARY_COLUMNS = ["serial", "profile", "status", "common_name", "email", "unit_id", "not_before", "not_after", "created_at", "revoked_at", "revocation_reason"];

export interface SummaryRow {
  serial: string;
  profile: string;
  status: CertStatus;
  common_name: string;
  email: string | null;
  unit_id: number | null;
  not_before: string;
  not_after: string;
  created_at: string;
  revoked_at: string | null;
  revocation_reason: number | null;
}

export function toCertificateSummary(r: SummaryRow): CertificateSummary {
  return {
    serial: r.serial,
    profile: r.profile,
    status: r.status,
    commonName: r.common_name,
    email: r.email,
    unitId: r.unit_id === null ? null : Number(r.unit_id),
    notBefore: fromDbTime(r.not_before),
    notAfter: fromDbTime(r.not_after),
    createdAt: fromDbTime(r.created_at),
    revokedAt: optionalDbTime(r.revoked_at),
    revocationReason: r.revocation_reason === null ? null : Number(r.revocation_reason),
  };
}
