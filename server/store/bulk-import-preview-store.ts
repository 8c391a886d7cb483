// SQL for bulk-import previews (db/migrations/20261207140000_bulk_import_previews.ts):
// kept per user and file hash so that any process serving the same database can
// confirm what another one previewed.
import type { Knex } from "knex";
import { fromDbTime, toDbTime } from "./db-time";

export interface StoredBulkPreview {
  userId: number;
  sha256: string;
  filename: string;
  format: "csv" | "xlsx";
  defaultUnitCode: string | null;
  /** The rows as the parser read them (JSON-safe values only). */
  rows: unknown;
  createdAt: Date;
}

export interface BulkImportPreviewStore {
  /** Stores a preview, replacing the same user's preview of the same file. */
  put(p: StoredBulkPreview): Promise<void>;
  /** The user's preview of the file if made at or after `notBefore`. */
  get(userId: number, sha256: string, notBefore: Date): Promise<StoredBulkPreview | null>;
  remove(userId: number, sha256: string): Promise<void>;
  /** Deletes every preview made before `before`; how many. */
  removeOlderThan(before: Date): Promise<number>;
}

interface Row {
  user_id: number;
  sha256: string;
  filename: string;
  format: string;
  default_unit_code: string | null;
  rows: string;
  created_at: string;
}

export function createBulkImportPreviewStore(db: Knex | Knex.Transaction): BulkImportPreviewStore {
  return {
    async put(p) {
      const row = { user_id: p.userId, sha256: p.sha256, filename: p.filename, format: p.format, default_unit_code: p.defaultUnitCode, rows: JSON.stringify(p.rows), created_at: toDbTime(p.createdAt) };
      await db("bulk_import_previews").insert(row).onConflict(["user_id", "sha256"]).merge(["filename", "format", "default_unit_code", "rows", "created_at"]);
    },
    async get(userId, sha256, notBefore) {
      const r = (await db("bulk_import_previews").where({ user_id: userId, sha256 }).andWhere("created_at", ">=", toDbTime(notBefore)).first()) as Row | undefined;
      if (!r) return null;
      return {
        userId: Number(r.user_id),
        sha256: r.sha256,
        filename: r.filename,
        format: r.format === "xlsx" ? "xlsx" : "csv",
        defaultUnitCode: r.default_unit_code,
        rows: JSON.parse(r.rows) as unknown,
        createdAt: fromDbTime(r.created_at),
      };
    },
    async remove(userId, sha256) {
      await db("bulk_import_previews").where({ user_id: userId, sha256 }).delete();
    },
    async removeOlderThan(before) {
      return db("bulk_import_previews").where("created_at", "<", toDbTime(before)).delete();
    },
  };
}
