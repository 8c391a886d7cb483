// SQL for signed audit checkpoints: what was signed (last entry id and hash,
// entry count, time), by which audit signer, and the signature. Insert and read only.
import type { Knex } from "knex";

export interface AuditCheckpoint {
  id: number;
  lastEntryId: number;
  lastHash: string;
  entryCount: number;
  /** Exactly as signed: "YYYY-MM-DDTHH:MM:SSZ". */
  signedAt: string;
  signerId: number;
  signature: Buffer;
  actor: string;
}

export type NewAuditCheckpoint = Omit<AuditCheckpoint, "id">;

export interface AuditCheckpointStore {
  insert(cp: NewAuditCheckpoint): Promise<number>;
  latest(): Promise<AuditCheckpoint | null>;
  findById(id: number): Promise<AuditCheckpoint | null>;
  count(): Promise<number>;
  /** Every checkpoint in order of the entry it covers up to (then id), page by page. */
  inChainOrder(pageSize?: number): AsyncIterable<AuditCheckpoint[]>;
}

interface CheckpointRow {
  id: number;
  last_entry_id: number;
  last_hash: string;
  entry_count: number;
  signed_at: string;
  signer_id: number;
  signature: Buffer;
  actor: string;
}

function toRecord(r: CheckpointRow): AuditCheckpoint {
  return {
    id: Number(r.id),
    lastEntryId: Number(r.last_entry_id),
    lastHash: r.last_hash,
    entryCount: Number(r.entry_count),
    signedAt: r.signed_at,
    signerId: Number(r.signer_id),
    signature: Buffer.from(r.signature),
    actor: r.actor,
  };
}

export function createAuditCheckpointStore(db: Knex | Knex.Transaction): AuditCheckpointStore {
  return {
    async insert(cp) {
      const [row] = (await db("audit_checkpoints")
        .insert({
          last_entry_id: cp.lastEntryId,
          last_hash: cp.lastHash,
          entry_count: cp.entryCount,
          signed_at: cp.signedAt,
          signer_id: cp.signerId,
          signature: cp.signature,
          actor: cp.actor,
        })
        .returning("id")) as Array<{ id: number } | number>;
      return typeof row === "number" ? row : Number(row!.id);
    },
    async latest() {
      const row = (await db("audit_checkpoints").orderBy("last_entry_id", "desc").orderBy("id", "desc").first()) as CheckpointRow | undefined;
      return row ? toRecord(row) : null;
    },
    async findById(id) {
      const row = (await db("audit_checkpoints").where({ id }).first()) as CheckpointRow | undefined;
      return row ? toRecord(row) : null;
    },
    async count() {
      const row = (await db("audit_checkpoints").count({ n: "*" }).first()) as { n: number | string };
      return Number(row.n);
    },
    inChainOrder(pageSize = 1_000) {
      return {
        async *[Symbol.asyncIterator]() {
          let after = { lastEntryId: -1, id: 0 };
          for (;;) {
            const rows = (await db("audit_checkpoints")
              .where("last_entry_id", ">", after.lastEntryId)
              .orWhere((q) => q.where("last_entry_id", after.lastEntryId).andWhere("id", ">", after.id))
              .orderBy("last_entry_id")
              .orderBy("id")
              .limit(pageSize)) as CheckpointRow[];
            if (!rows.length) return;
            const last = rows.at(-1)!;
            after = { lastEntryId: Number(last.last_entry_id), id: Number(last.id) };
            yield rows.map(toRecord);
          }
        },
      };
    },
  };
}
