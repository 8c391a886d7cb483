// SQL for reading certificates page by page: the scoped list with filters and
// search, counts by status and what expires soon. Read-only; decides nothing
// about who may see what (the caller passes the scope it computed).
//
// Every query is an index range (see 20261123120000_users_sessions.ts): lists
// are keyset-paginated on (created_at, serial) newest first, or (search_name,
// serial) when searching by name, so page 1000 costs what page 1 costs. A
// newest-first page of a few units is merged from each unit's own page
// (unitPageMerge; indexes of 20261207012600 and 20261207015000); a wider scope
// walks the date order. countByStatus reads every row of the scope: the
// dashboard keeps its result for a few seconds (directory/scope-figures-cache.ts).
import type { Knex } from "knex";
import { toDbTime } from "./db-time";
import { SUMMARY_COLUMNS, toCertificateSummary, unitPageMerge, whereInUnits, WIDE_SCOPE, type CertificateSummary, type SummaryRow, type UnitFilter } from "./unit-scope-sql";
import { prefixUpperBound, searchKey } from "./search-key";
import type { CertStatus } from "./certificate-store";

export type { CertificateSummary, UnitFilter } from "./unit-scope-sql";

/** Plain-language status: valid splits into active and expired at `now`. */
export type DisplayStatus = "active" | "expired" | "revoked" | "pending" | "failed";

export interface CertificateListQuery {
  units: UnitFilter;
  status?: DisplayStatus | undefined;
  profile?: string | undefined;
  /** A name prefix, an exact serial (hex) or an exact e-mail address. */
  text?: string | undefined;
  now: Date;
  limit: number;
  /** Opaque cursor from the previous page's `next`. */
  after?: string | undefined;
}


export interface CertificatePage {
  rows: CertificateSummary[];
  /** Cursor of the next page, null on the last one. */
  next: string | null;
}

export type StatusCounts = Record<DisplayStatus, number>;

export interface CertificateQueryStore {
  list(q: CertificateListQuery): Promise<CertificatePage>;
  countByStatus(units: UnitFilter, now: Date): Promise<StatusCounts>;
  /** Valid certificates whose notAfter falls in [now, until): the count and the first `limit` by notAfter. */
  expiring(units: UnitFilter, now: Date, until: Date, limit: number): Promise<{ count: number; rows: CertificateSummary[] }>;
}

type Row = SummaryRow & { search_name?: string | null };




type SearchMode = { kind: "none" } | { kind: "name"; key: string } | { kind: "serial"; serial: string; key: string } | { kind: "email"; email: string };

function searchMode(text: string | undefined): SearchMode {
  const t = (text ?? "").trim();
  if (!t) return { kind: "none" };
  if (t.includes("@")) return { kind: "email", email: t.toLowerCase() };
  const key = searchKey(t);
  const hex = t.replace(/[\s:]/g, "").toLowerCase();
  // A long hex string is most likely a serial; it may still be a name prefix ("dac…"), so both match.
  if (/^[0-9a-f]{8,40}$/.test(hex)) return { kind: "serial", serial: hex.replace(/^0+(?=.)/, ""), key };
  return key ? { kind: "name", key } : { kind: "none" };
}

function encodeCursor(a: string, b: string): string {
  return Buffer.from(JSON.stringify([a, b]), "utf8").toString("base64url");
}

function decodeCursor(c: string | undefined): [string, string] | null {
  if (!c) return null;
  try {
    const v = JSON.parse(Buffer.from(c, "base64url").toString("utf8")) as unknown;
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === "string" && typeof v[1] === "string" && v[0].length <= 200 && v[1].length <= 64) return [v[0], v[1]];
  } catch {
    // an unreadable cursor is treated as none: the first page
  }
  return null;
}

export function createCertificateQueryStore(db: Knex | Knex.Transaction): CertificateQueryStore {
  const scoped = (qb: Knex.QueryBuilder, units: UnitFilter) => whereInUnits(qb, units);
  const scopedForList = (qb: Knex.QueryBuilder, units: UnitFilter, ordered: boolean) => whereInUnits(qb, units, { walkOrder: ordered });

  function withStatus(qb: Knex.QueryBuilder, status: DisplayStatus | undefined, now: string): Knex.QueryBuilder {
    switch (status) {
      case undefined:
        return qb;
      case "active":
        // Most rows are active: "not_after || ''" keeps the planner from reading them by a not_after
        // range and sorting them all; the page walks a (…, created_at, serial) index and filters instead.
        return qb.where("status", "valid").andWhereRaw("not_after || '' > ?", [now]);
      case "expired":
        return qb.where("status", "valid").andWhere("not_after", "<=", now);
      default:
        return qb.where("status", status);
    }
  }

  return {
    async list(q) {
      if (!q.units.all && q.units.unitIds.length === 0) return { rows: [], next: null };
      const now = toDbTime(q.now);
      const mode = searchMode(q.text);
      const after = decodeCursor(q.after);
      // Name search walks (search_name, serial) in name order; everything else newest first.
      const byName = mode.kind === "name" || mode.kind === "serial";
      const order: Array<{ column: string; order?: "asc" | "desc" }> = byName
        ? [{ column: "search_name" }, { column: "serial" }]
        : [{ column: "created_at", order: "desc" }, { column: "serial", order: "desc" }];
      const namePrefix = (w: Knex.QueryBuilder, key: string) => w.where("search_name", ">=", key).andWhere("search_name", "<", prefixUpperBound(key));
      /** Every filter but the units: status, profile, search, the cursor. */
      const filtered = (qb: Knex.QueryBuilder): Knex.QueryBuilder => {
        qb = withStatus(qb, q.status, now);
        if (q.profile) qb = qb.where("profile", q.profile);
        if (mode.kind === "email") qb = qb.where("email", mode.email);
        if (mode.kind === "name") qb = namePrefix(qb, mode.key);
        if (mode.kind === "serial") {
          const { serial, key } = mode;
          qb = qb.where((w) => {
            w.where("serial", serial);
            if (key) w.orWhere((x) => namePrefix(x, key));
          });
        }
        if (after && byName) qb = qb.andWhere((w) => w.where("search_name", ">", after[0]).orWhere((x) => x.where("search_name", after[0]).andWhere("serial", ">", after[1])));
        if (after && !byName) qb = qb.andWhere((w) => w.where("created_at", "<", after[0]).orWhere((x) => x.where("created_at", after[0]).andWhere("serial", "<", after[1])));
        return qb;
      };
      const columns = [...SUMMARY_COLUMNS, "search_name"];
      // Newest first in a scope of a few units (an agency, a small province): unit by unit (unitPageMerge).
      // Each unit gives only its keys (created_at, serial: from the index alone when no filter needs the row),
      // and only the page's rows are read in full.
      const merge = mode.kind === "none" && !q.units.all && q.units.unitIds.length <= WIDE_SCOPE;
      const rows = (await (merge && !q.units.all
        ? db("certificates")
            .select(columns)
            .whereIn("serial", db.select("serial").from(unitPageMerge(db, q.units.unitIds, (unitId) => filtered(db("certificates").select("created_at", "serial").where("unit_id", unitId)), order, q.limit + 1).as("k")))
            .orderBy(order)
        : filtered(scopedForList(db("certificates").select(columns), q.units, mode.kind === "none")).orderBy(order).limit(q.limit + 1))) as Row[];
      const page = rows.slice(0, q.limit);
      const last = page[page.length - 1];
      const next = rows.length > q.limit && last ? (byName ? encodeCursor(last.search_name ?? "", last.serial) : encodeCursor(last.created_at, last.serial)) : null;
      return { rows: page.map(toCertificateSummary), next };
    },

    async countByStatus(units, at) {
      const out: StatusCounts = { active: 0, expired: 0, revoked: 0, pending: 0, failed: 0 };
      if (!units.all && units.unitIds.length === 0) return out;
      const now = toDbTime(at);
      const rows = (await scoped(db("certificates"), units)
        .select("status")
        .count({ n: "*" })
        .sum({ ended: db.raw("case when not_after <= ? then 1 else 0 end", [now]) })
        .groupBy("status")) as Array<{ status: CertStatus; n: number | string; ended: number | string | null }>;
      for (const r of rows) {
        const n = Number(r.n);
        if (r.status === "valid") {
          out.expired += Number(r.ended ?? 0);
          out.active += n - Number(r.ended ?? 0);
        } else {
          out[r.status] += n;
        }
      }
      return out;
    },

    async expiring(units, at, until, limit) {
      if (!units.all && units.unitIds.length === 0) return { count: 0, rows: [] };
      const base = () => scoped(db("certificates"), units).where("status", "valid").andWhere("not_after", ">", toDbTime(at)).andWhere("not_after", "<", toDbTime(until));
      const c = (await base().count({ n: "*" }).first()) as { n: number | string };
      const rows = (await base().select(SUMMARY_COLUMNS).orderBy([{ column: "not_after" }, { column: "serial" }]).limit(limit)) as Row[];
      return { count: Number(c.n), rows: rows.map(toCertificateSummary) };
    },
  };
}
