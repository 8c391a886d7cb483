// SQL for the token registry: tokens, their transition events, the certificates
// on each token, and the scoped list (serial order, keyset on serial). Decides
// nothing about which moves are allowed (server/ra/token-states.ts) or who may
// see what (the caller passes the scope it computed).
import type { Knex } from "knex";
import type { TokenState, TokenType } from "../ra/token-states";
import type { CertStatus } from "./certificate-store";
import { fromDbTime, toDbTime } from "./db-time";
import { mergedPageKeys, mergesUnits, SUMMARY_COLUMNS, toCertificateSummary, unitPageMerge, whereInUnits, type CertificateSummary, type SummaryRow, type UnitFilter } from "./unit-scope-sql";

export interface TokenInput {
  serial: string;
  type: TokenType;
  unitId: number;
  state: TokenState;
  holderSubscriberId?: number | null | undefined;
  note?: string | null | undefined;
}

export interface TokenRecord {
  id: number;
  serial: string;
  type: TokenType;
  unitId: number;
  holderSubscriberId: number | null;
  state: TokenState;
  note: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface TokenEventRecord {
  id: number;
  tokenId: number;
  fromState: TokenState | null;
  toState: TokenState;
  actor: string;
  reason: string | null;
  requestId: number | null;
  at: Date;
}

export interface TokenListQuery {
  units: UnitFilter;
  state?: TokenState | undefined;
  type?: TokenType | undefined;
  /** A serial prefix (upper-cased like the stored serials). */
  serialPrefix?: string | undefined;
  limit: number;
  /** Opaque cursor from the previous page's `next`. */
  after?: string | undefined;
}

export interface TokenPage {
  rows: TokenRecord[];
  next: string | null;
}

export interface TokenStore {
  /** Inserts a token; "taken" when the serial is already registered. */
  insert(t: TokenInput, now: Date): Promise<number | "taken">;
  findById(id: number): Promise<TokenRecord | null>;
  findBySerial(serial: string): Promise<TokenRecord | null>;
  /**
   * Moves the token from `from` to `to` only if it is still in `from` (one
   * conditional UPDATE: of two concurrent moves exactly one matches). `holder`
   * undefined leaves the holder as it is.
   */
  moveState(id: number, from: TokenState, to: TokenState, holder: number | null | undefined, now: Date): Promise<boolean>;
  addEvent(e: Omit<TokenEventRecord, "id" | "at">, now: Date): Promise<number>;
  /** The token's history, oldest first. */
  events(tokenId: number): Promise<TokenEventRecord[]>;
  /** Every certificate whose key is on the token (all states), newest first. */
  certificatesOn(tokenId: number): Promise<CertificateSummary[]>;
  /** Serials of the certificates on the token in status valid (expired ones included: revoking them is harmless and keeps the CRL honest). */
  validSerialsOn(tokenId: number): Promise<string[]>;
  /** Records that a certificate's key is on this token; false if no such certificate. */
  attachCertificate(serial: string, tokenId: number): Promise<boolean>;
  list(q: TokenListQuery): Promise<TokenPage>;
  /** The tokens a subscriber holds (self-service), in serial order. */
  heldBy(subscriberId: number): Promise<TokenRecord[]>;
}

interface Row {
  id: number;
  serial: string;
  type: TokenType;
  unit_id: number;
  holder_subscriber_id: number | null;
  state: TokenState;
  note: string | null;
  created_at: string;
  updated_at: string;
}

interface EventRow {
  id: number;
  token_id: number;
  from_state: TokenState | null;
  to_state: TokenState;
  actor: string;
  reason: string | null;
  request_id: number | null;
  at: string;
}

const toRecord = (r: Row): TokenRecord => ({
  id: Number(r.id),
  serial: r.serial,
  type: r.type,
  unitId: Number(r.unit_id),
  holderSubscriberId: r.holder_subscriber_id === null ? null : Number(r.holder_subscriber_id),
  state: r.state,
  note: r.note,
  createdAt: fromDbTime(r.created_at),
  updatedAt: fromDbTime(r.updated_at),
});

const toEvent = (r: EventRow): TokenEventRecord => ({
  id: Number(r.id),
  tokenId: Number(r.token_id),
  fromState: r.from_state,
  toState: r.to_state,
  actor: r.actor,
  reason: r.reason,
  requestId: r.request_id === null ? null : Number(r.request_id),
  at: fromDbTime(r.at),
});

const encodeCursor = (serial: string) => Buffer.from(serial, "utf8").toString("base64url");
function decodeCursor(c: string | undefined): string | null {
  if (!c) return null;
  const s = Buffer.from(c, "base64url").toString("utf8");
  return s.length > 0 && s.length <= 64 ? s : null;
}

/** The unique violation of both databases (PostgreSQL 23505, sqlite SQLITE_CONSTRAINT). */
function isUniqueViolation(e: unknown): boolean {
  const x = e as { code?: string; message?: string };
  return x.code === "23505" || (x.code === "SQLITE_CONSTRAINT" && /UNIQUE/i.test(x.message ?? ""));
}

const returnedId = (row: { id: number } | number | undefined) => Number(typeof row === "object" ? row.id : row);

export function createTokenStore(db: Knex | Knex.Transaction): TokenStore {
  return {
    async insert(t, now) {
      const at = toDbTime(now);
      try {
        // A savepoint inside a caller's transaction: on PostgreSQL a failed INSERT would otherwise abort it.
        const [row] = (await db.transaction((trx) =>
          trx("tokens")
            .insert({ serial: t.serial, type: t.type, unit_id: t.unitId, holder_subscriber_id: t.holderSubscriberId ?? null, state: t.state, note: t.note ?? null, created_at: at, updated_at: at })
            .returning("id"),
        )) as Array<{ id: number } | number>;
        return returnedId(row);
      } catch (e) {
        if (isUniqueViolation(e)) return "taken";
        throw e;
      }
    },

    async findById(id) {
      if (!Number.isSafeInteger(id)) return null;
      const row = (await db("tokens").where({ id }).first()) as Row | undefined;
      return row ? toRecord(row) : null;
    },

    async findBySerial(serial) {
      const row = (await db("tokens").where({ serial }).first()) as Row | undefined;
      return row ? toRecord(row) : null;
    },

    async moveState(id, from, to, holder, now) {
      const cols: Record<string, unknown> = { state: to, updated_at: toDbTime(now) };
      if (holder !== undefined) cols.holder_subscriber_id = holder;
      const changed = await db("tokens").where({ id, state: from }).update(cols);
      return Number(changed) === 1;
    },

    async addEvent(e, now) {
      const [row] = (await db("token_events")
        .insert({ token_id: e.tokenId, from_state: e.fromState, to_state: e.toState, actor: e.actor.slice(0, 128), reason: e.reason?.slice(0, 500) ?? null, request_id: e.requestId, at: toDbTime(now) })
        .returning("id")) as Array<{ id: number } | number>;
      return returnedId(row);
    },

    async events(tokenId) {
      const rows = (await db("token_events").where({ token_id: tokenId }).orderBy("id")) as EventRow[];
      return rows.map(toEvent);
    },

    async certificatesOn(tokenId) {
      const rows = (await db("certificates")
        .select(SUMMARY_COLUMNS)
        .where({ token_id: tokenId })
        .orderBy([{ column: "created_at", order: "desc" }, { column: "serial", order: "desc" }])) as SummaryRow[];
      return rows.map(toCertificateSummary);
    },

    async validSerialsOn(tokenId) {
      const rows = (await db("certificates").where({ token_id: tokenId, status: "valid" satisfies CertStatus }).orderBy("serial").select("serial")) as Array<{ serial: string }>;
      return rows.map((r) => r.serial);
    },

    async attachCertificate(serial, tokenId) {
      return Number(await db("certificates").where({ serial }).update({ token_id: tokenId })) === 1;
    },

    async heldBy(subscriberId) {
      const rows = (await db("tokens").where({ holder_subscriber_id: subscriberId }).orderBy("serial")) as Row[];
      return rows.map(toRecord);
    },
    async list(q) {
      if (!q.units.all && q.units.unitIds.length === 0) return { rows: [], next: null };
      const after = decodeCursor(q.after);
      /** Every filter but the units: state, type, serial prefix, the cursor. */
      const filtered = (qb: Knex.QueryBuilder): Knex.QueryBuilder => {
        if (q.state) qb = qb.where("state", q.state);
        if (q.type) qb = qb.where("type", q.type);
        // LIKE, not a range: PostgreSQL may compare varchar in a locale collation that ignores punctuation.
        if (q.serialPrefix) qb = qb.whereRaw("serial like ? escape '!'", [q.serialPrefix.replace(/[!%_]/g, (c) => "!" + c) + "%"]);
        if (after) qb = qb.where("serial", ">", after);
        return qb;
      };
      // A few units: unit by unit from (unit_id, serial), keys only, then the page's rows by key (unitPageMerge, mergedPageKeys),
      // not "unit_id in (…) order by serial", which may sort every token of the scope.
      const rows = (await (mergesUnits(q.units)
        ? db("tokens")
            .select("*")
            .whereIn("serial", await mergedPageKeys(unitPageMerge(db, q.units.unitIds, (unitId) => filtered(db("tokens").select("serial").where("unit_id", unitId)), [{ column: "serial" }], q.limit + 1), "serial"))
            .orderBy("serial")
        : filtered(whereInUnits(db("tokens").select("*"), q.units, { walkOrder: true })).orderBy("serial").limit(q.limit + 1))) as Row[];
      const page = rows.slice(0, q.limit);
      const last = page[page.length - 1];
      return { rows: page.map(toRecord), next: rows.length > q.limit && last ? encodeCursor(last.serial) : null };
    },
  };
}
