// SQL for web sessions. Rows are keyed by the SHA-256 of the cookie's token, so
// reading this table opens no session. Expiry is decided by the caller.
import type { Knex } from "knex";
import { fromDbTime, toDbTime } from "./db-time";

export interface SessionRecord {
  id: string;
  userId: number | null;
  csrfToken: string;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
}

export interface NewSession {
  id: string;
  userId: number | null;
  csrfToken: string;
  expiresAt: Date;
  ip: string | null;
  userAgent: string | null;
}

export interface SessionStore {
  insert(s: NewSession, now: Date): Promise<void>;
  find(id: string): Promise<SessionRecord | null>;
  touch(id: string, now: Date): Promise<void>;
  delete(id: string): Promise<void>;
  /** Ends every session of a user, except `keepId` if given; returns how many. */
  deleteForUser(userId: number, keepId?: string): Promise<number>;
  countForUser(userId: number): Promise<number>;
  /** Removes sessions past their absolute end, or idle since before `idleBefore`. */
  deleteExpired(now: Date, idleBefore: Date): Promise<number>;
}

interface SessionRow {
  id: string;
  user_id: number | null;
  csrf_token: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
}

export function createSessionStore(db: Knex | Knex.Transaction): SessionStore {
  return {
    async insert(s, now) {
      await db("sessions").insert({
        id: s.id,
        user_id: s.userId,
        csrf_token: s.csrfToken,
        created_at: toDbTime(now),
        last_seen_at: toDbTime(now),
        expires_at: toDbTime(s.expiresAt),
        ip: s.ip ? s.ip.slice(0, 64) : null,
        user_agent: s.userAgent ? s.userAgent.slice(0, 255) : null,
      });
    },
    async find(id) {
      const r = (await db("sessions").where({ id }).first("id", "user_id", "csrf_token", "created_at", "last_seen_at", "expires_at")) as SessionRow | undefined;
      if (!r) return null;
      return {
        id: r.id,
        userId: r.user_id === null ? null : Number(r.user_id),
        csrfToken: r.csrf_token,
        createdAt: fromDbTime(r.created_at),
        lastSeenAt: fromDbTime(r.last_seen_at),
        expiresAt: fromDbTime(r.expires_at),
      };
    },
    async touch(id, now) {
      await db("sessions").where({ id }).update({ last_seen_at: toDbTime(now) });
    },
    async delete(id) {
      await db("sessions").where({ id }).delete();
    },
    async deleteForUser(userId, keepId) {
      const qb = db("sessions").where({ user_id: userId });
      return Number(await (keepId ? qb.whereNot("id", keepId) : qb).delete());
    },
    async countForUser(userId) {
      const row = (await db("sessions").where({ user_id: userId }).count({ n: "*" }).first()) as { n: number | string };
      return Number(row.n);
    },
    async deleteExpired(now, idleBefore) {
      const n = await db("sessions").where("expires_at", "<=", toDbTime(now)).orWhere("last_seen_at", "<", toDbTime(idleBefore)).delete();
      return Number(n);
    },
  };
}
