// PKI core schema: CAs, certificates, revocations, published CRLs, audit log.
// Portable knex builder only (runs on sqlite and PostgreSQL). Never edit once merged.
import type { Knex } from "knex";

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable("cas", (t) => {
    t.increments("id").primary();
    t.string("slug", 64).notNullable().unique();
    // root | issuing | ocsp (a delegated OCSP responder certificate, RFC 6960 4.2.2.2)
    t.string("kind", 16).notNullable();
    t.integer("parent_id").nullable().references("id").inTable("cas");
    t.text("subject_dn").notNullable();
    t.binary("cert_der").notNullable();
    t.string("key_ref", 255).notNullable();
    t.string("key_alg", 16).notNullable();
    t.string("ski", 64).notNullable();
    t.string("not_before", 20).notNullable();
    t.string("not_after", 20).notNullable();
    t.string("status", 16).notNullable().defaultTo("active");
    // Last CRL number handed out, and the highest one actually published (RFC 5280 5.2.3).
    t.integer("crl_number").notNullable().defaultTo(0);
    t.integer("published_crl_number").notNullable().defaultTo(0);
    t.string("created_at", 20).notNullable();
    t.index(["kind", "status"]);
  });

  await knex.schema.createTable("certificates", (t) => {
    // Lowercase hex, no leading zeros: sqlite3 would store a BigInt as NULL.
    t.string("serial", 40).primary();
    t.integer("ca_id").notNullable().references("id").inTable("cas");
    t.string("profile", 32).notNullable();
    // pending (to-be-signed stored, not yet signed) | valid | revoked | failed
    t.string("status", 16).notNullable();
    t.text("subject_dn").notNullable();
    t.text("common_name").notNullable();
    t.string("email", 255).nullable();
    t.string("spki_sha256", 64).notNullable();
    t.string("key_alg", 16).notNullable();
    t.binary("tbs_der").notNullable();
    t.binary("cert_der").nullable();
    t.string("not_before", 20).notNullable();
    t.string("not_after", 20).notNullable();
    t.string("created_at", 20).notNullable();
    t.string("issued_at", 20).nullable();
    t.string("revoked_at", 20).nullable();
    t.integer("revocation_reason").nullable();
    t.string("invalidity_date", 20).nullable();
    t.index(["ca_id", "status"]);
    t.index(["spki_sha256"]);
    t.index(["not_after"]);
    t.index(["common_name"]);
  });

  // One row per revocation; its id is the change feed other processes poll so
  // OCSP caches and CRLs follow the database within seconds.
  await knex.schema.createTable("revocations", (t) => {
    t.increments("id").primary();
    t.string("serial", 40).notNullable().unique().references("serial").inTable("certificates");
    t.integer("ca_id").notNullable().references("id").inTable("cas");
    t.integer("reason").notNullable();
    t.string("revoked_at", 20).notNullable();
    t.string("invalidity_date", 20).nullable();
    t.string("cert_not_after", 20).notNullable();
    t.index(["ca_id", "id"]);
  });

  await knex.schema.createTable("crls", (t) => {
    t.increments("id").primary();
    t.integer("ca_id").notNullable().references("id").inTable("cas");
    t.integer("crl_number").notNullable();
    t.string("this_update", 20).notNullable();
    t.string("next_update", 20).notNullable();
    t.integer("entry_count").notNullable();
    t.bigInteger("byte_length").notNullable();
    t.string("sha256", 64).notNullable();
    t.string("file_name", 255).notNullable();
    t.string("created_at", 20).notNullable();
    t.unique(["ca_id", "crl_number"]);
  });

  await knex.schema.createTable("audit_log", (t) => {
    t.increments("id").primary();
    t.string("at", 24).notNullable();
    t.string("actor", 128).notNullable();
    t.string("action", 64).notNullable();
    t.string("object_type", 32).nullable();
    t.string("object_id", 128).nullable();
    // ok | refused
    t.string("outcome", 16).notNullable();
    t.text("details").nullable();
    t.index(["object_type", "object_id"]);
    t.index(["action"]);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ["audit_log", "crls", "revocations", "certificates", "cas"]) {
    await knex.schema.dropTableIfExists(table);
  }
}
