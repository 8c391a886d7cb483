// API tokens (issue 5): a unit's key to the JSON API (/api/v1) for the
// province's document-management system. Only the SHA-256 of the secret is
// kept (the secret is shown once), with a short prefix to tell tokens apart,
// the unit it acts for, who made it, an optional expiry, the last use and the
// revocation. Portable knex builder only (sqlite and PostgreSQL). Never edit once merged.
import type { Knex } from "knex";

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable("api_tokens", (t) => {
    t.increments("id").primary();
    // The unit the token files and reads for (its subtree, as a focal point's would).
    t.integer("unit_id").notNullable().references("id").inTable("units");
    // What the token is for ("Hệ thống QLVB Sở Tài chính"), NFC.
    t.string("name", 100).notNullable();
    // The secret's first characters ("ct_Ab12Cd34"), to recognise a token in lists and logs.
    t.string("prefix", 16).notNullable();
    // hex SHA-256 of the whole secret: the look-up key; the secret itself is never stored.
    t.string("secret_hash", 64).notNullable();
    t.integer("created_by_user_id").nullable().references("id").inTable("users");
    // The audit log's actor name of whoever made it ("web:…", "cli:…").
    t.string("created_by", 128).notNullable();
    t.string("created_at", 20).notNullable();
    t.string("expires_at", 20).nullable();
    t.string("last_used_at", 20).nullable();
    t.string("revoked_at", 20).nullable();
    t.string("revoked_by", 128).nullable();
  });
  await knex.schema.alterTable("api_tokens", (t) => {
    t.unique(["secret_hash"], { indexName: "api_tokens_secret_hash" });
    // The management page: a scope's tokens, newest first.
    t.index(["unit_id", "id"], "api_tokens_unit_id");
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists("api_tokens");
}
