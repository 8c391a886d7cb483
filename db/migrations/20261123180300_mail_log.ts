// E-mail notifications (issue 5): the mail log — one row per notification, whose
// unique dedupe key ("expiry:<serial>:30", "digest:<userId>:<YYYY-MM-DD>") makes a
// re-run or a second process send nothing twice — and each user's mail language.
// Portable knex builder only (runs on sqlite and PostgreSQL). Never edit once merged.
import type { Knex } from "knex";

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable("mail_log", (t) => {
    t.increments("id").primary();
    // request | expiry | digest
    t.string("kind", 32).notNullable();
    // NULL for one-off notices (a request's step); several NULLs are allowed by both databases.
    t.string("dedupe_key", 160).nullable().unique("mail_log_dedupe_key");
    // Comma-separated addresses the notification went (or was to go) to.
    t.text("recipients").notNullable();
    t.text("subject").notNullable();
    // sending (claimed by a process) | sent | failed (a later run may claim it again) | skipped (nobody to tell)
    t.string("status", 16).notNullable();
    t.text("error").nullable();
    t.integer("attempts").notNullable().defaultTo(1);
    t.string("created_at", 20).notNullable();
    t.string("updated_at", 20).notNullable();
  });
  await knex.schema.alterTable("mail_log", (t) => {
    t.index(["kind", "created_at"], "mail_log_kind_created");
    t.index(["status", "kind"], "mail_log_status_kind");
  });
  await knex.schema.alterTable("users", (t) => {
    // The language of the user's e-mail (vi | en); pages follow the session's choice.
    t.string("lang", 2).notNullable().defaultTo("vi");
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable("users", (t) => {
    t.dropColumn("lang");
  });
  await knex.schema.dropTableIfExists("mail_log");
}
