// Reads for the oversight audit page: entries newest first with filters, keyset
// paging on id (no OFFSET: a page costs the same at entry 10 or 10 million), and
// one entry by id. Indexes: db/migrations/20261123160000_audit_log_query_indexes.ts.
import type { Knex } from "knex";
import type { AuditRecord } from "./audit-store";

export interface AuditQuery {
  /** Entries whose action starts with this text (e.g. "cert." or "auth.login"). */
  actionPrefix?: string;
  actor?: string;
  outcome?: "ok" | "refused";
  objectType?: string;
  objectId?: string;
  /** Stored times (db-time form), inclusive lower and exclusive upper bound. */
  fromAt?: string;
  toAt?: string;
  /** Keyset: only entries with a smaller id. */
  beforeId?: number;
  limit: number;
}

export interface AuditQueryStore {
  /** Up to `limit` entries, newest first, and whether more follow. */
  list(q: AuditQuery): Promise<{ rows: AuditRecord[]; more: boolean }>;
  byId(id: number): Promise<AuditRecord | null>;
}

const json = (s: string | null) => {
  if (!s) return null;
  try {
    return JSON.parse(s) as Record<string, unknown>;
  } catch {
    // a tampered row may hold anything: show it as it is
    return { _raw: s };
  }
};

function toRecord(r: Record<string, unknown>): AuditRecord {
  return {
    id: Number(r.id),
    at: String(r.at),
    actor: String(r.actor),
    role: (r.role as string | null) ?? null,
    unitId: r.unit_id === null || r.unit_id === undefined ? null : Number(r.unit_id),
    action: String(r.action),
    objectType: (r.object_type as string | null) ?? null,
    objectId: (r.object_id as string | null) ?? null,
    outcome: r.outcome as AuditRecord["outcome"],
    details: json(r.details as string | null),
    before: json(r.before_summary as string | null),
    after: json(r.after_summary as string | null),
    requestId: (r.request_id as string | null) ?? null,
    prevHash: (r.prev_hash as string | null) ?? null,
    hash: (r.hash as string | null) ?? null,
  };
}

/** LIKE 'prefix%' with the prefix's own wildcards escaped. */
const likePrefix = (s: string) => s.replace(/[\\%_]/g, (c) => "\\" + c) + "%";

export function createAuditQueryStore(db: Knex | Knex.Transaction): AuditQueryStore {
  return {
    async list(q) {
      const query = db("audit_log").orderBy("id", "desc").limit(q.limit + 1);
      if (q.beforeId !== undefined) query.where("id", "<", q.beforeId);
      if (q.actionPrefix) query.whereRaw("action like ? escape '\\'", [likePrefix(q.actionPrefix)]);
      if (q.actor) query.where("actor", q.actor);
      if (q.outcome) query.where("outcome", q.outcome);
      if (q.objectType) query.where("object_type", q.objectType);
      if (q.objectId) query.where("object_id", q.objectId);
      if (q.fromAt) query.where("at", ">=", q.fromAt);
      if (q.toAt) query.where("at", "<", q.toAt);
      const rows = (await query) as Array<Record<string, unknown>>;
      return { rows: rows.slice(0, q.limit).map(toRecord), more: rows.length > q.limit };
    },
    async byId(id) {
      const row = (await db("audit_log").where({ id }).first()) as Record<string, unknown> | undefined;
      return row ? toRecord(row) : null;
    },
  };
}
