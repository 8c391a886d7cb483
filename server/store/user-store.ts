// SQL for people: users, their roles on units, and the sign-in counters. Stores
// what the access service decided (hashes, lock-outs); decides nothing itself.
import type { Knex } from "knex";
import { fromDbTime, optionalDbTime, toDbTime } from "./db-time";

export interface UserRecord {
  id: number;
  username: string;
  displayName: string;
  email: string | null;
  passwordHash: string;
  passwordChangedAt: Date;
  failedLogins: number;
  lockedUntil: Date | null;
  lastLoginAt: Date | null;
  disabledAt: Date | null;
  createdAt: Date;
}

export interface RoleGrantRecord {
  id: number;
  userId: number;
  role: string;
  unitId: number | null;
  grantedBy: string;
  grantedAt: Date;
}

export interface NewUser {
  username: string;
  displayName: string;
  email: string | null;
  passwordHash: string;
}

/** Which users a list may show: everyone, or those holding a role on one of these units. */
export type UserUnitFilter = { all: true } | { all: false; unitIds: number[] };

export interface UserListQuery {
  units: UserUnitFilter;
  /** Case-insensitive substring of username, display name or e-mail. */
  text?: string | undefined;
  limit: number;
  offset: number;
}

export interface UserStore {
  insert(u: NewUser, now: Date): Promise<number>;
  findById(id: number): Promise<UserRecord | null>;
  findByUsername(username: string): Promise<UserRecord | null>;
  /** One page in username order, and whether there is another. */
  list(q: UserListQuery): Promise<{ rows: UserRecord[]; more: boolean }>;
  count(): Promise<number>;
  rolesOf(userIds: number[]): Promise<RoleGrantRecord[]>;
  grantRole(userId: number, role: string, unitId: number | null, grantedBy: string, now: Date): Promise<void>;
  /** Removes the grant; false if the user did not hold it. */
  revokeRole(userId: number, role: string, unitId: number | null): Promise<boolean>;
  setPassword(userId: number, passwordHash: string, now: Date): Promise<void>;
  /** failed_logins + 1, and the lock when `lockUntil` is given (the counter then starts again); returns the new count. */
  recordFailedLogin(userId: number, lockUntil: Date | null): Promise<number>;
  recordLogin(userId: number, now: Date): Promise<void>;
  /** The subscriber (certificate holder) this account belongs to, if any (self-service). */
  subscriberOf(userId: number): Promise<number | null>;
  setSubscriber(userId: number, subscriberId: number | null): Promise<void>;
}

interface UserRow {
  id: number;
  username: string;
  display_name: string;
  email: string | null;
  password_hash: string;
  password_changed_at: string;
  failed_logins: number;
  locked_until: string | null;
  last_login_at: string | null;
  disabled_at: string | null;
  created_at: string;
}

function toUser(r: UserRow): UserRecord {
  return {
    id: Number(r.id),
    username: r.username,
    displayName: r.display_name,
    email: r.email,
    passwordHash: r.password_hash,
    passwordChangedAt: fromDbTime(r.password_changed_at),
    failedLogins: Number(r.failed_logins),
    lockedUntil: optionalDbTime(r.locked_until),
    lastLoginAt: optionalDbTime(r.last_login_at),
    disabledAt: optionalDbTime(r.disabled_at),
    createdAt: fromDbTime(r.created_at),
  };
}

const CHUNK = 500;

export function createUserStore(db: Knex | Knex.Transaction): UserStore {
  return {
    async insert(u, now) {
      const [row] = (await db("users")
        .insert({
          username: u.username,
          display_name: u.displayName,
          email: u.email,
          password_hash: u.passwordHash,
          password_changed_at: toDbTime(now),
          failed_logins: 0,
          created_at: toDbTime(now),
        })
        .returning("id")) as Array<{ id: number } | number>;
      return typeof row === "number" ? row : Number(row!.id);
    },
    async findById(id) {
      const row = (await db("users").where({ id }).first()) as UserRow | undefined;
      return row ? toUser(row) : null;
    },
    async findByUsername(username) {
      const row = (await db("users").where({ username }).first()) as UserRow | undefined;
      return row ? toUser(row) : null;
    },
    async list(q) {
      if (!q.units.all && q.units.unitIds.length === 0) return { rows: [], more: false };
      let qb = db("users as u").select("u.*");
      if (!q.units.all) {
        const ids = q.units.unitIds;
        qb = qb.whereExists((e) => e.select(db.raw("1")).from("user_roles as r").whereRaw("r.user_id = u.id").whereIn("r.unit_id", ids));
      }
      const text = (q.text ?? "").trim().toLowerCase();
      if (text) {
        const like = `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
        qb = qb.where((w) =>
          w
            .whereRaw("lower(u.username) like ? escape '\\'", [like])
            .orWhereRaw("lower(u.display_name) like ? escape '\\'", [like])
            .orWhereRaw("lower(coalesce(u.email, '')) like ? escape '\\'", [like]),
        );
      }
      const rows = (await qb.orderBy("u.username").limit(q.limit + 1).offset(q.offset)) as UserRow[];
      return { rows: rows.slice(0, q.limit).map(toUser), more: rows.length > q.limit };
    },
    async count() {
      const row = (await db("users").count({ n: "*" }).first()) as { n: number | string };
      return Number(row.n);
    },
    async rolesOf(userIds) {
      const out: RoleGrantRecord[] = [];
      const ids = [...new Set(userIds)];
      for (let i = 0; i < ids.length; i += CHUNK) {
        const rows = (await db("user_roles").whereIn("user_id", ids.slice(i, i + CHUNK)).orderBy("id")) as Array<{
          id: number;
          user_id: number;
          role: string;
          unit_id: number | null;
          granted_by: string;
          granted_at: string;
        }>;
        for (const r of rows) {
          out.push({ id: Number(r.id), userId: Number(r.user_id), role: r.role, unitId: r.unit_id === null ? null : Number(r.unit_id), grantedBy: r.granted_by, grantedAt: fromDbTime(r.granted_at) });
        }
      }
      return out;
    },
    async grantRole(userId, role, unitId, grantedBy, now) {
      await db("user_roles").insert({ user_id: userId, role, unit_id: unitId, granted_by: grantedBy, granted_at: toDbTime(now) });
    },
    async revokeRole(userId, role, unitId) {
      const qb = db("user_roles").where({ user_id: userId, role });
      const n = await (unitId === null ? qb.whereNull("unit_id") : qb.where("unit_id", unitId)).delete();
      return Number(n) > 0;
    },
    async setPassword(userId, passwordHash, now) {
      await db("users").where({ id: userId }).update({ password_hash: passwordHash, password_changed_at: toDbTime(now), failed_logins: 0, locked_until: null });
    },
    async recordFailedLogin(userId, lockUntil) {
      if (lockUntil) {
        await db("users").where({ id: userId }).update({ failed_logins: 0, locked_until: toDbTime(lockUntil) });
        return 0;
      }
      await db("users").where({ id: userId }).increment("failed_logins", 1);
      const row = (await db("users").where({ id: userId }).first("failed_logins")) as { failed_logins: number };
      return Number(row.failed_logins);
    },
    async recordLogin(userId, now) {
      await db("users").where({ id: userId }).update({ failed_logins: 0, locked_until: null, last_login_at: toDbTime(now) });
    },
    async subscriberOf(userId) {
      const row = (await db("users").where({ id: userId }).first("subscriber_id")) as { subscriber_id: number | null } | undefined;
      return row?.subscriber_id === null || row?.subscriber_id === undefined ? null : Number(row.subscriber_id);
    },
    async setSubscriber(userId, subscriberId) {
      await db("users").where({ id: userId }).update({ subscriber_id: subscriberId });
    },
  };
}
