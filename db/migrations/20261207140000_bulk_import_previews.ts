// Bulk-import previews (server/ra/bulk-import.ts) live in the database, not in
// one process's memory: with WORKERS > 1 (node:cluster) or several servers on
// one database, the confirmation may reach another process than the preview
// did, and a restart in between no longer loses the upload. One row per user
// and file (its SHA-256): the rows as read from the file (JSON), so what is
// confirmed is exactly what was previewed. Rows older than the preview TTL are
// deleted as new previews come in. Never edit once merged.
import type { Knex } from "knex";

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable("bulk_import_previews", (t) => {
    t.integer("user_id").notNullable().references("id").inTable("users");
    t.string("sha256", 64).notNullable();
    t.string("filename", 200).notNullable();
    t.string("format", 8).notNullable();
    t.string("default_unit_code", 64).nullable();
    // The file's rows (BulkRow[], server/ra/bulk-parse.ts) as JSON.
    t.text("rows").notNullable();
    t.string("created_at", 20).notNullable();
    t.primary(["user_id", "sha256"]);
    t.index(["created_at"], "bulk_import_previews_created_at");
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable("bulk_import_previews");
}
