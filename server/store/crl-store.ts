// SQL for the register of published CRLs (the DER itself is a file under DATA_DIR)
// and for the revoked entries a full CRL lists.
import type { Knex } from "knex";
import type { PackedCrlEntries } from "../publish/crl-encoder";
import { fromDbTime, toDbTime } from "./db-time";

export interface CrlRecord {
  caId: number;
  crlNumber: number;
  thisUpdate: Date;
  nextUpdate: Date;
  entryCount: number;
  byteLength: number;
  sha256: string;
  fileName: string;
}

interface CrlRow {
  ca_id: number;
  crl_number: number;
  this_update: string;
  next_update: string;
  entry_count: number;
  byte_length: number | string;
  sha256: string;
  file_name: string;
}

function toRecord(r: CrlRow): CrlRecord {
  return {
    caId: r.ca_id,
    crlNumber: Number(r.crl_number),
    thisUpdate: fromDbTime(r.this_update),
    nextUpdate: fromDbTime(r.next_update),
    entryCount: Number(r.entry_count),
    byteLength: Number(r.byte_length),
    sha256: r.sha256,
    fileName: r.file_name,
  };
}

export interface CrlStore {
  insert(crl: CrlRecord, now: Date): Promise<void>;
  find(caId: number, crlNumber: number): Promise<CrlRecord | null>;
  latest(caId: number): Promise<CrlRecord | null>;
  /** File names of CRLs older than the newest `keep` for a CA, to prune from disk. */
  olderThanNewest(caId: number, keep: number): Promise<string[]>;
  /**
   * Every revocation of the CA's certificates not expired before `notExpiredSince`, for a
   * full CRL: pages of packed text (PackedCrlEntries), keyset-paginated on the revocation id.
   */
  revokedEntries(caId: number, notExpiredSince: Date, pageSize?: number): AsyncIterable<PackedCrlEntries>;
  /** How many entries revokedEntries would give: one count in the database, no rows read out. */
  countRevokedEntries(caId: number, notExpiredSince: Date): Promise<number>;
}

export function createCrlStore(db: Knex | Knex.Transaction): CrlStore {
  return {
    async insert(c, now) {
      await db("crls").insert({
        ca_id: c.caId,
        crl_number: c.crlNumber,
        this_update: toDbTime(c.thisUpdate),
        next_update: toDbTime(c.nextUpdate),
        entry_count: c.entryCount,
        byte_length: c.byteLength,
        sha256: c.sha256,
        file_name: c.fileName,
        created_at: toDbTime(now),
      });
    },
    async find(caId, crlNumber) {
      const row = (await db("crls").where({ ca_id: caId, crl_number: crlNumber }).first()) as CrlRow | undefined;
      return row ? toRecord(row) : null;
    },
    async latest(caId) {
      const row = (await db("crls").where({ ca_id: caId }).orderBy("crl_number", "desc").first()) as CrlRow | undefined;
      return row ? toRecord(row) : null;
    },
    async olderThanNewest(caId, keep) {
      const rows = (await db("crls")
        .where({ ca_id: caId })
        .orderBy("crl_number", "desc")
        .offset(keep)
        .limit(1000)
        .select("file_name")) as Array<{ file_name: string }>;
      return rows.map((r) => r.file_name);
    },
    async countRevokedEntries(caId, notExpiredSince) {
      const row = (await db("revocations").where({ ca_id: caId }).andWhere("cert_not_after", ">=", toDbTime(notExpiredSince)).count({ n: "*" }).first()) as { n: number | string } | undefined;
      return Number(row?.n ?? 0);
    },
    revokedEntries(caId, notExpiredSince, pageSize = 50_000) {
      const cutoff = toDbTime(notExpiredSince);
      // One row and one string per page, joined in the database: the drivers' row objects
      // and a Date per entry were most of the time of a full build (scripts/bench/crl-publish.ts).
      // The order of revokedCertificates carries no meaning (RFC 5280 5.1.2.6); the keyset is max(id).
      const agg = db.client.config.client === "pg" ? "string_agg(line, ? order by id)" : "group_concat(line, ?)";
      const sql =
        `select count(*) as n, max(id) as last, ${agg} as packed from (` +
        "select id, serial || ' ' || reason || ' ' || revoked_at || ' ' || coalesce(invalidity_date, '') as line from revocations " +
        "where ca_id = ? and id > ? and cert_not_after >= ? order by id limit ?) as page";
      return {
        async *[Symbol.asyncIterator]() {
          let after = 0;
          for (;;) {
            const result = (await db.raw(sql, ["\n", caId, after, cutoff, pageSize])) as unknown;
            // sqlite: the rows; PostgreSQL: a pg Result with .rows (count(*) as a string).
            const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as Array<{ n: number | string; last: number | string | null; packed: string | null }>;
            const row = rows[0];
            const count = row ? Number(row.n) : 0;
            if (count === 0 || !row?.packed) return;
            yield { packed: row.packed, count };
            if (count < pageSize) return;
            after = Number(row.last);
          }
        },
      };
    },
  };
}
