// SQL for API tokens: insert, look-up by the secret's hash, the scoped list,
// last-use stamping and revocation (conditional, so a token is revoked once).
// Decides nothing about who may do what (server/access/api-tokens.ts does);
// never sees a secret, only its hash.
import type { Knex } from "knex";
import { fromDbTime, optionalDbTime, toDbTime } from "./db-time";
import { whereInUnits, type UnitFilter } from "./unit-scope-sql";

export interface ApiTokenInsert {
  unitId: number;
  name: string;
  prefix: string;
  secretHash: string;
  createdByUserId: number | null;
  createdBy: string;
  expiresAt: Date | null;
}

export interface ApiTokenRecord {
  id: number;
  unitId: number;
  name: string;
  prefix: string;
  createdByUserId: number | null;
  createdBy: string;
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  revokedBy: string | null;
}

export interface ApiTokenStore {
  insert(t: ApiTokenInsert, now: Date): Promise<number>;
  findById(id: number): Promise<ApiTokenRecord | null>;
  /** The token whose secret hashes to `secretHash` (hex SHA-256), revoked or not. */
  findByHash(secretHash: string): Promise<ApiTokenRecord | null>;
  /** Tokens of these units, newest first (revoked ones too: the page shows them greyed). */
  list(units: UnitFilter, limit: number): Promise<ApiTokenRecord[]>;
  /** Records a use; written at most once per `minGapSeconds` per token, so busy clients don't write on every call. */
  touch(id: number, now: Date, minGapSeconds: number): Promise<void>;
  /** Revokes a live token; false if it was already revoked (or does not exist). */
  revoke(id: number, by: string, now: Date): Promise<boolean>;
}

interface Row {
  id: number;
  unit_id: number;
  name: string;
  prefix: string;
  secret_hash: string;
  created_by_user_id: number | null;
  created_by: string;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
  revoked_by: string | null;
}

// The hash never leaves this file.
const COLUMNS = ["id", "unit_id", "name", "prefix", "created_by_user_id", "created_by", "created_at", "expires_at", "last_used_at", "revoked_at", "revoked_by"];

function toRecord(r: Omit<Row, "secret_hash">): ApiTokenRecord {
  return {
    id: Number(r.id),
    unitId: Number(r.unit_id),
    name: r.name,
    prefix: r.prefix,
    createdByUserId: r.created_by_user_id === null ? null : Number(r.created_by_user_id),
    createdBy: r.created_by,
    createdAt: fromDbTime(r.created_at),
    expiresAt: optionalDbTime(r.expires_at),
    lastUsedAt: optionalDbTime(r.last_used_at),
    revokedAt: optionalDbTime(r.revoked_at),
    revokedBy: r.revoked_by,
  };
}

export function createApiTokenStore(db: Knex | Knex.Transaction): ApiTokenStore {
  return {
    async insert(t, now) {
      const [row] = (await db("api_tokens")
        .insert({
          unit_id: t.unitId,
          name: t.name,
          prefix: t.prefix,
          secret_hash: t.secretHash,
          created_by_user_id: t.createdByUserId,
          created_by: t.createdBy,
          created_at: toDbTime(now),
          expires_at: t.expiresAt ? toDbTime(t.expiresAt) : null,
        })
        .returning("id")) as Array<{ id: number } | number>;
      return Number(typeof row === "object" ? row.id : row);
    },

    async findById(id) {
      if (!Number.isSafeInteger(id)) return null;
      const row = (await db("api_tokens").select(COLUMNS).where({ id }).first()) as Row | undefined;
      return row ? toRecord(row) : null;
    },

    async findByHash(secretHash) {
      const row = (await db("api_tokens").select(COLUMNS).where({ secret_hash: secretHash }).first()) as Row | undefined;
      return row ? toRecord(row) : null;
    },

    async list(units, limit) {
      if (!units.all && units.unitIds.length === 0) return [];
      const rows = (await whereInUnits(db("api_tokens").select(COLUMNS), units).orderBy("id", "desc").limit(limit)) as Row[];
      return rows.map(toRecord);
    },

    async touch(id, now, minGapSeconds) {
      const before = toDbTime(new Date(now.getTime() - minGapSeconds * 1000));
      await db("api_tokens")
        .where({ id })
        .andWhere((w) => w.whereNull("last_used_at").orWhere("last_used_at", "<=", before))
        .update({ last_used_at: toDbTime(now) });
    },

    async revoke(id, by, now) {
      const n = await db("api_tokens").where({ id }).whereNull("revoked_at").update({ revoked_at: toDbTime(now), revoked_by: by.slice(0, 128) });
      return n > 0;
    },
  };
}
