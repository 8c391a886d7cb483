// SQL for the audit log: append and read. Append-only: there is no update or delete here.
import type { Knex } from "knex";
import { toDbTime } from "./db-time";

export interface AuditEntry {
  actor: string;
  action: string;
  objectType?: string | null;
  objectId?: string | null;
  outcome: "ok" | "refused";
  details?: Record<string, unknown> | null;
}

export interface AuditRecord extends AuditEntry {
  id: number;
  at: string;
}

export interface AuditStore {
  append(entry: AuditEntry, now: Date): Promise<void>;
  forObject(objectType: string, objectId: string): Promise<AuditRecord[]>;
  recent(limit: number): Promise<AuditRecord[]>;
}

interface AuditRow {
  id: number;
  at: string;
  actor: string;
  action: string;
  object_type: string | null;
  object_id: string | null;
  outcome: "ok" | "refused";
  details: string | null;
}

function toRecord(r: AuditRow): AuditRecord {
  return {
    id: r.id,
    at: r.at,
    actor: r.actor,
    action: r.action,
    objectType: r.object_type,
    objectId: r.object_id,
    outcome: r.outcome,
    details: r.details ? (JSON.parse(r.details) as Record<string, unknown>) : null,
  };
}

export function createAuditStore(db: Knex | Knex.Transaction): AuditStore {
  return {
    async append(e, now) {
      await db("audit_log").insert({
        at: toDbTime(now),
        actor: e.actor,
        action: e.action,
        object_type: e.objectType ?? null,
        object_id: e.objectId ?? null,
        outcome: e.outcome,
        details: e.details ? JSON.stringify(e.details) : null,
      });
    },
    async forObject(objectType, objectId) {
      const rows = (await db("audit_log").where({ object_type: objectType, object_id: objectId }).orderBy("id")) as AuditRow[];
      return rows.map(toRecord);
    },
    async recent(limit) {
      const rows = (await db("audit_log").orderBy("id", "desc").limit(limit)) as AuditRow[];
      return rows.map(toRecord);
    },
  };
}
