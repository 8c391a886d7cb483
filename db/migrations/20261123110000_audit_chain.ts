// Tamper-evident audit log (schema): who/role/unit/request and before/after
// summaries on each entry, the hash chain (prev_hash, hash), the one-row chain
// head that serialises appends, audit signers and signed checkpoints.
// The data step (chaining rows that already exist) is the next migration.
// Portable knex builder only (runs on sqlite and PostgreSQL). Never edit once merged.
import type { Knex } from "knex";

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable("audit_log", (t) => {
    t.string("role", 64).nullable();
    // The administrative unit the actor acted for; no foreign key (units may be reorganised, the log may not).
    t.integer("unit_id").nullable();
    t.string("request_id", 64).nullable();
    t.text("before_summary").nullable();
    t.text("after_summary").nullable();
    // Canonical form the hash uses (server/store/audit-hash.ts); 1 = chungthu-audit/1.
    t.integer("chain_version").nullable();
    // Lowercase hex SHA-256; nullable only because rows may predate the chain (the backfill fills them).
    t.string("prev_hash", 64).nullable();
    t.string("hash", 64).nullable();
  });

  // Exactly one row (id = 1): the last entry's id and hash. Every append locks it,
  // so appends from any number of processes form one linear chain.
  await knex.schema.createTable("audit_head", (t) => {
    t.integer("id").primary();
    t.integer("last_id").notNullable();
    t.string("last_hash", 64).notNullable();
    t.integer("entry_count").notNullable();
  });

  // Certificates the issuing CA issued for signing checkpoints (keys are files under DATA_DIR/ca/keys).
  await knex.schema.createTable("audit_signers", (t) => {
    t.increments("id").primary();
    t.string("slug", 64).notNullable().unique();
    t.integer("issuer_ca_id").notNullable().references("id").inTable("cas");
    t.string("serial", 40).notNullable().references("serial").inTable("certificates");
    t.binary("cert_der").notNullable();
    t.string("key_ref", 255).notNullable();
    t.string("key_alg", 16).notNullable();
    t.string("not_before", 20).notNullable();
    t.string("not_after", 20).notNullable();
    // active | retired
    t.string("status", 16).notNullable().defaultTo("active");
    t.string("created_at", 20).notNullable();
  });

  // A signed statement "the chain had entry_count entries ending at last_entry_id
  // with hash last_hash at signed_at" (bytes: server/audit/checkpoint-statement.ts).
  await knex.schema.createTable("audit_checkpoints", (t) => {
    t.increments("id").primary();
    t.integer("last_entry_id").notNullable();
    t.string("last_hash", 64).notNullable();
    t.integer("entry_count").notNullable();
    t.string("signed_at", 20).notNullable();
    t.integer("signer_id").notNullable().references("id").inTable("audit_signers");
    t.binary("signature").notNullable();
    t.string("actor", 128).notNullable();
    t.index(["last_entry_id", "id"]);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ["audit_checkpoints", "audit_signers", "audit_head"]) await knex.schema.dropTableIfExists(table);
  await knex.schema.alterTable("audit_log", (t) => {
    t.dropColumns("role", "unit_id", "request_id", "before_summary", "after_summary", "chain_version", "prev_hash", "hash");
  });
}
