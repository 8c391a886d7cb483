// SQL for the mail log: claiming a notification by its unique dedupe key before
// sending it, recording the outcome, and reading the log back. Decides nothing
// about who gets mail or when (server/mail/ does).
import type { Knex } from "knex";
import { fromDbTime, toDbTime } from "./db-time";

export type MailKind = "request" | "expiry" | "digest" | "freshness";
export type MailStatus = "sending" | "sent" | "failed" | "skipped";

export interface MailLogEntry {
  id: number;
  kind: MailKind;
  dedupeKey: string | null;
  recipients: string[];
  subject: string;
  status: MailStatus;
  error: string | null;
  attempts: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface MailClaim {
  kind: MailKind;
  /** null: a one-off notice, always claimed. */
  dedupeKey: string | null;
  recipients: string[];
  subject: string;
}

export interface MailLogStore {
  /**
   * Claims a notification: inserts it as "sending", or takes over a "failed" row
   * with the same key (attempts + 1, while attempts < maxAttempts). Returns the
   * row id, or null when another run already sent it, is sending it, or gave up.
   */
  claim(c: MailClaim, now: Date, maxAttempts: number): Promise<number | null>;
  finish(id: number, outcome: { status: "sent" | "skipped" } | { status: "failed"; error: string }, now: Date): Promise<void>;
  /** Which of `keys` already have a row (any status). */
  existingKeys(keys: string[]): Promise<Set<string>>;
  findByKey(key: string): Promise<MailLogEntry | null>;
  /** Newest first. */
  list(q: { kind?: MailKind; limit: number }): Promise<MailLogEntry[]>;
}

interface Row {
  id: number;
  kind: MailKind;
  dedupe_key: string | null;
  recipients: string;
  subject: string;
  status: MailStatus;
  error: string | null;
  attempts: number;
  created_at: string;
  updated_at: string;
}

function toEntry(r: Row): MailLogEntry {
  return {
    id: Number(r.id),
    kind: r.kind,
    dedupeKey: r.dedupe_key,
    recipients: r.recipients ? r.recipients.split(",") : [],
    subject: r.subject,
    status: r.status,
    error: r.error,
    attempts: Number(r.attempts),
    createdAt: fromDbTime(r.created_at),
    updatedAt: fromDbTime(r.updated_at),
  };
}

const CHUNK = 400;

export function createMailLogStore(db: Knex | Knex.Transaction): MailLogStore {
  return {
    async claim(c, now, maxAttempts) {
      const at = toDbTime(now);
      const row = { kind: c.kind, dedupe_key: c.dedupeKey, recipients: c.recipients.join(","), subject: c.subject, status: "sending", error: null, attempts: 1, created_at: at, updated_at: at };
      // ON CONFLICT DO NOTHING (both databases): the unique key decides which process sends.
      const inserted = (await db("mail_log").insert(row).onConflict("dedupe_key").ignore().returning("id")) as Array<{ id: number } | number>;
      const first = inserted[0];
      if (first !== undefined) return Number(typeof first === "object" ? first.id : first);
      if (c.dedupeKey === null) throw new Error("mail_log insert returned no id");
      // A failed earlier attempt may be retried; the status guard makes the take-over atomic.
      const taken = await db("mail_log")
        .where({ dedupe_key: c.dedupeKey, status: "failed" })
        .andWhere("attempts", "<", maxAttempts)
        .update({ status: "sending", recipients: row.recipients, subject: c.subject, updated_at: at, attempts: db.raw("attempts + 1") });
      if (taken !== 1) return null;
      const found = (await db("mail_log").where({ dedupe_key: c.dedupeKey }).first("id")) as { id: number } | undefined;
      return found ? Number(found.id) : null;
    },
    async finish(id, outcome, now) {
      await db("mail_log")
        .where({ id })
        .update({ status: outcome.status, error: outcome.status === "failed" ? outcome.error.slice(0, 2000) : null, updated_at: toDbTime(now) });
    },
    async existingKeys(keys) {
      const out = new Set<string>();
      for (let i = 0; i < keys.length; i += CHUNK) {
        const rows = (await db("mail_log").whereIn("dedupe_key", keys.slice(i, i + CHUNK)).select("dedupe_key")) as Array<{ dedupe_key: string }>;
        for (const r of rows) out.add(r.dedupe_key);
      }
      return out;
    },
    async findByKey(key) {
      const r = (await db("mail_log").where({ dedupe_key: key }).first()) as Row | undefined;
      return r ? toEntry(r) : null;
    },
    async list(q) {
      const qb = db("mail_log").orderBy("id", "desc").limit(q.limit);
      if (q.kind) qb.where({ kind: q.kind });
      return ((await qb) as Row[]).map(toEntry);
    },
  };
}
