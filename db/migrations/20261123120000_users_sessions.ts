// People and access (schema): users with argon2id password hashes and lock-out
// counters, their roles on units, database-backed sessions; and on certificates
// the owning unit and a search key, with the indexes the scoped list pages need
// to stay index-only at a million rows. The data step (search keys for rows that
// already exist) is the next migration.
// Portable knex builder only (runs on sqlite and PostgreSQL). Never edit once merged.
import type { Knex } from "knex";

export async function up(knex: Knex): Promise<void> {
  const postgres = knex.client.config.client === "pg";

  await knex.schema.createTable("users", (t) => {
    t.increments("id").primary();
    t.string("username", 64).notNullable().unique();
    t.string("display_name", 128).notNullable();
    t.string("email", 255).nullable();
    // PHC string: $argon2id$v=19$m=…,t=…,p=…$salt$hash
    t.string("password_hash", 255).notNullable();
    t.string("password_changed_at", 20).notNullable();
    // Consecutive failed sign-ins since the last success or lock-out.
    t.integer("failed_logins").notNullable().defaultTo(0);
    t.string("locked_until", 20).nullable();
    t.string("last_login_at", 20).nullable();
    t.string("disabled_at", 20).nullable();
    t.string("created_at", 20).notNullable();
  });

  await knex.schema.createTable("user_roles", (t) => {
    t.increments("id").primary();
    t.integer("user_id").notNullable().references("id").inTable("users");
    // admin | ca_operator | provincial_officer | agency_focal_point | oversight
    t.string("role", 32).notNullable();
    // NULL for the roles that span the whole CA (admin, ca_operator, oversight).
    t.integer("unit_id").nullable().references("id").inTable("units");
    t.string("granted_by", 128).notNullable();
    t.string("granted_at", 20).notNullable();
    t.index(["user_id"]);
    // Users of a subtree (user list pages scoped to a province or agency).
    t.index(["unit_id", "user_id"]);
  });

  await knex.schema.createTable("sessions", (t) => {
    // SHA-256 (hex) of the cookie's token: a copy of this table opens no session.
    t.string("id", 64).primary();
    // NULL: a signed-out visitor (holds only the sign-in form's CSRF token and language).
    t.integer("user_id").nullable().references("id").inTable("users");
    t.string("csrf_token", 64).notNullable();
    t.string("created_at", 20).notNullable();
    t.string("last_seen_at", 20).notNullable();
    // Absolute end; the idle limit is checked against last_seen_at.
    t.string("expires_at", 20).notNullable();
    t.string("ip", 64).nullable();
    t.string("user_agent", 255).nullable();
    t.index(["user_id"]);
    t.index(["expires_at"]);
  });

  await knex.schema.alterTable("certificates", (t) => {
    // The subscriber's managing agency; NULL for certificates issued without one
    // (only whole-CA roles see those).
    t.integer("unit_id").nullable().references("id").inTable("units");
    // Common name folded for search (lowercase ASCII, no diacritics: server/store/search-key.ts).
    // Byte order ("C" collation on PostgreSQL, sqlite's default) so a prefix is one index range on both.
    t.specificType("search_name", postgres ? 'varchar(128) collate "C"' : "varchar(128)").nullable();
  });
  await knex.schema.alterTable("certificates", (t) => {
    // List pages, newest first, keyset-paginated on (created_at, serial): whole CA, by status, by unit.
    t.index(["created_at", "serial"], "certificates_created_serial");
    t.index(["status", "created_at", "serial"], "certificates_status_created_serial");
    t.index(["unit_id", "created_at", "serial"], "certificates_unit_created_serial");
    // Dashboards: counts by status and what expires soon, whole CA and per unit.
    t.index(["status", "not_after"], "certificates_status_not_after");
    t.index(["unit_id", "status", "not_after"], "certificates_unit_status_not_after");
    // Search: name prefix (in name order) and exact e-mail.
    t.index(["search_name", "serial"], "certificates_search_name_serial");
    t.index(["email"], "certificates_email");
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable("certificates", (t) => {
    for (const name of [
      "certificates_created_serial",
      "certificates_status_created_serial",
      "certificates_unit_created_serial",
      "certificates_status_not_after",
      "certificates_unit_status_not_after",
      "certificates_search_name_serial",
      "certificates_email",
    ]) {
      t.dropIndex([], name);
    }
  });
  await knex.schema.alterTable("certificates", (t) => {
    t.dropForeign(["unit_id"]);
    t.dropColumn("unit_id");
    t.dropColumn("search_name");
  });
  for (const table of ["sessions", "user_roles", "users"]) await knex.schema.dropTableIfExists(table);
}
