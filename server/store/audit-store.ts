// SQL for the audit log: the hash-chained, append-only entries and the chain
// head that serialises appends. There is no update or delete here.
//
// Appends are serialised through the one-row audit_head table, which holds the
// last entry's id and hash: an append locks the head (SELECT … FOR UPDATE on
// PostgreSQL; on sqlite a write to it first, which takes the database write
// lock and so guarantees the head read next is the latest committed one), gives
// the entry id = last id + 1 and prev_hash = last hash, inserts it and moves the
// head, all in one transaction (the caller's, when it passes one). So the CLI
// and the server can append at the same time and the chain stays linear.
// Inside a caller's transaction the head stays locked until it commits: append
// the audit entry LAST, after the state change it describes, so no transaction
// waits for a row lock while holding the head.
import type { Knex } from "knex";
import { canonicalJson, CHAIN_VERSION, entryHash, type HashedEntry } from "./audit-hash";
import { toDbTime } from "./db-time";

export interface AuditEntry {
  actor: string;
  /** The actor's role when acting (e.g. "operator", "ra-officer"). */
  role?: string | null;
  /** The administrative unit the actor acted for (units table id). */
  unitId?: number | null;
  action: string;
  objectType?: string | null;
  objectId?: string | null;
  outcome: "ok" | "refused";
  details?: Record<string, unknown> | null;
  /** Summary of the object before and after the change (small: the fields that changed). */
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
  /** The HTTP request (or CLI invocation) that caused the entry. */
  requestId?: string | null;
}

export interface AuditRecord extends AuditEntry {
  id: number;
  at: string;
  role: string | null;
  unitId: number | null;
  objectType: string | null;
  objectId: string | null;
  details: Record<string, unknown> | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  requestId: string | null;
  prevHash: string | null;
  hash: string | null;
}

/** An entry exactly as stored: the text its hash covers (see audit-hash.ts). */
export interface ChainRow extends Omit<HashedEntry, "prevHash"> {
  chainVersion: number | null;
  /** Null only on rows written before the chain existed (the backfill migration fills them). */
  prevHash: string | null;
  hash: string | null;
}

export interface AuditHead {
  lastId: number;
  lastHash: string;
  entryCount: number;
}

export interface AuditStore {
  /** Appends one entry to the chain (in the caller's transaction, or its own). */
  append(entry: AuditEntry, now: Date): Promise<void>;
  /**
   * Appends several entries, in order, as consecutive links of the chain: one
   * head lock, multi-row inserts, one head move (a batch of revocations).
   * Each entry's hash covers the previous one's exactly as append() would.
   */
  appendMany(entries: readonly AuditEntry[], now: Date): Promise<void>;
  forObject(objectType: string, objectId: string): Promise<AuditRecord[]>;
  recent(limit: number): Promise<AuditRecord[]>;
  /** The chain head: last id, its hash, and how many entries the chain has. */
  head(): Promise<AuditHead>;
  /** The stored entries with id ≤ untilId in id order, page by page (flat memory). */
  chain(untilId: number, pageSize?: number): AsyncIterable<ChainRow[]>;
}

interface AuditRow {
  id: number;
  at: string;
  actor: string;
  role: string | null;
  unit_id: number | null;
  action: string;
  object_type: string | null;
  object_id: string | null;
  outcome: string;
  request_id: string | null;
  details: string | null;
  before_summary: string | null;
  after_summary: string | null;
  chain_version: number | null;
  prev_hash: string | null;
  hash: string | null;
}

const json = (s: string | null) => (s ? (JSON.parse(s) as Record<string, unknown>) : null);
const intOrNull = (v: number | string | null) => (v === null || v === undefined ? null : Number(v));

/** The stored row as the application reads it: the chain's text fields, JSON parsed. */
function toRecord(r: AuditRow): AuditRecord {
  const { chainVersion: _version, ...c } = toChainRow(r);
  return { ...c, outcome: c.outcome as AuditRecord["outcome"], details: json(c.details), before: json(c.before), after: json(c.after) };
}

function toChainRow(r: AuditRow): ChainRow {
  return {
    id: Number(r.id),
    chainVersion: intOrNull(r.chain_version),
    prevHash: r.prev_hash,
    hash: r.hash,
    at: r.at,
    actor: r.actor,
    role: r.role,
    unitId: intOrNull(r.unit_id),
    action: r.action,
    objectType: r.object_type,
    objectId: r.object_id,
    outcome: r.outcome,
    requestId: r.request_id,
    details: r.details,
    before: r.before_summary,
    after: r.after_summary,
  };
}

// The column widths (PostgreSQL enforces them; sqlite does not). Refusals carry
// user input, and a refusal must be logged rather than turned into a database
// error, so over-long text is clipped, before hashing, to what the column holds.
const clip = (s: string | null | undefined, max: number) => (s === null || s === undefined ? null : [...s].slice(0, max).join(""));
const summary = (o: Record<string, unknown> | null | undefined) => (o ? canonicalJson(o) : null);

const isTransaction = (db: Knex | Knex.Transaction): db is Knex.Transaction => "isTransaction" in db && db.isTransaction === true;

export function createAuditStore(db: Knex | Knex.Transaction): AuditStore {
  const postgres = db.client.config.client === "pg";

  async function lockHead(trx: Knex.Transaction): Promise<AuditHead> {
    if (postgres) {
      const row = (await trx("audit_head").where({ id: 1 }).forUpdate().first()) as HeadRow | undefined;
      return headOf(row);
    }
    // sqlite: the UPDATE takes the write lock (waiting on busy_timeout for another
    // process); a write transaction always reads the latest committed data, which
    // RETURNING gives in the same statement (sqlite ≥ 3.35).
    const rows = (await trx("audit_head").where({ id: 1 }).update({ last_id: trx.raw("last_id") }).returning(["last_id", "last_hash", "entry_count"])) as HeadRow[];
    return headOf(rows[0]);
  }

  type Fields = Omit<HashedEntry, "id" | "prevHash">;
  const fieldsOf = (e: AuditEntry, at: string): Fields => ({
    at,
    actor: clip(e.actor, 128)!,
    role: clip(e.role, 64),
    unitId: e.unitId ?? null,
    action: clip(e.action, 64)!,
    objectType: clip(e.objectType, 32),
    objectId: clip(e.objectId, 128),
    outcome: e.outcome,
    requestId: clip(e.requestId, 64),
    details: summary(e.details),
    before: summary(e.before),
    after: summary(e.after),
  });
  const rowOf = (id: number, f: Fields, prevHash: string, hash: string) => ({
    id,
    at: f.at,
    actor: f.actor,
    role: f.role,
    unit_id: f.unitId,
    action: f.action,
    object_type: f.objectType,
    object_id: f.objectId,
    outcome: f.outcome,
    request_id: f.requestId,
    details: f.details,
    before_summary: f.before,
    after_summary: f.after,
    chain_version: CHAIN_VERSION,
    prev_hash: prevHash,
    hash,
  });

  /** Links `entries` after the head, inserts them and moves the head, on `trx`. */
  async function link(trx: Knex.Transaction, entries: readonly AuditEntry[], now: Date): Promise<void> {
    const at = toDbTime(now);
    const fields = entries.map((e) => fieldsOf(e, at));
    const head = await lockHead(trx);
    const rows = [];
    let prev = head.lastHash;
    let id = head.lastId;
    for (const f of fields) {
      id++;
      const hash = entryHash({ id, prevHash: prev, ...f });
      rows.push(rowOf(id, f, prev, hash));
      prev = hash;
    }
    // 16 columns a row: 200 rows stay under sqlite's bound-value and compound-select limits.
    for (let i = 0; i < rows.length; i += 200) await trx("audit_log").insert(rows.slice(i, i + 200));
    const moved = await trx("audit_head")
      .where({ id: 1, last_id: head.lastId })
      .update({ last_id: id, last_hash: prev, entry_count: head.entryCount + rows.length });
    if (Number(moved) !== 1) throw new Error("audit chain head moved during an append");
  }

  async function appendMany(entries: readonly AuditEntry[], now: Date): Promise<void> {
    if (entries.length === 0) return;
    if (isTransaction(db)) await link(db, entries, now);
    else await db.transaction((trx) => link(trx, entries, now));
  }

  return {
    append: (e, now) => appendMany([e], now),
    appendMany,
    async forObject(objectType, objectId) {
      const rows = (await db("audit_log").where({ object_type: objectType, object_id: objectId }).orderBy("id")) as AuditRow[];
      return rows.map(toRecord);
    },
    async recent(limit) {
      const rows = (await db("audit_log").orderBy("id", "desc").limit(limit)) as AuditRow[];
      return rows.map(toRecord);
    },
    async head() {
      return headOf((await db("audit_head").where({ id: 1 }).first()) as HeadRow | undefined);
    },
    chain(untilId, pageSize = 2_000) {
      return {
        async *[Symbol.asyncIterator]() {
          let after = 0;
          for (;;) {
            const rows = (await db("audit_log").where("id", ">", after).andWhere("id", "<=", untilId).orderBy("id").limit(pageSize)) as AuditRow[];
            if (!rows.length) return;
            after = Number(rows.at(-1)!.id);
            yield rows.map(toChainRow);
          }
        },
      };
    },
  };
}

interface HeadRow {
  last_id: number;
  last_hash: string;
  entry_count: number;
}

function headOf(row: HeadRow | undefined): AuditHead {
  // The migration creates the row; without it the chain cannot be extended.
  if (!row) throw new Error("audit_head row is missing: run the migrations");
  return { lastId: Number(row.last_id), lastHash: row.last_hash, entryCount: Number(row.entry_count) };
}
