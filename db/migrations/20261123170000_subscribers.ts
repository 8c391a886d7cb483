// The subscriber registry (issue 4, extended by issue 5): who holds the
// certificates — an official, an organisation (the agency's seal) or a device,
// service or software — under a managing agency (unit_id) that decides who sees
// them; and on certificates the subscriber that holds each one (a subscriber
// holds several certificates over time). Indexes for the scoped keyset list in
// name order (search_name, id), by kind, and the exact e-mail / national id look-ups.
// Portable knex builder only (runs on sqlite and PostgreSQL). Never edit once merged.
import type { Knex } from "knex";

export async function up(knex: Knex): Promise<void> {
  const postgres = knex.client.config.client === "pg";
  await knex.schema.createTable("subscribers", (t) => {
    t.increments("id").primary();
    // individual | organization | device (the certificate profiles)
    t.string("kind", 16).notNullable();
    // The managing agency that files requests for the subscriber.
    t.integer("unit_id").notNullable().references("id").inTable("units");
    // Full name (individual) or name (organisation, device), NFC.
    t.string("name", 255).notNullable();
    // Name folded for search (server/store/search-key.ts), byte order on both databases.
    t.specificType("search_name", postgres ? 'varchar(128) collate "C"' : "varchar(128)").notNullable();
    // Individuals: the 12-digit citizen identity number (CCCD).
    t.string("national_id", 12).nullable();
    t.string("position", 255).nullable();
    t.string("email", 255).nullable();
    t.string("phone", 20).nullable();
    // Devices: what the device, service or software does, and who answers for it.
    t.string("purpose", 500).nullable();
    t.string("responsible_person", 255).nullable();
    t.string("created_at", 20).notNullable();
    t.string("updated_at", 20).notNullable();
  });
  await knex.schema.alterTable("subscribers", (t) => {
    // Whole CA and wide scopes walk the name order; agencies their units' ranges.
    t.index(["search_name", "id"], "subscribers_search_name_id");
    t.index(["unit_id", "search_name", "id"], "subscribers_unit_search_name_id");
    t.index(["kind", "search_name", "id"], "subscribers_kind_search_name_id");
    t.index(["email"], "subscribers_email");
    t.index(["national_id"], "subscribers_national_id");
  });
  await knex.schema.alterTable("certificates", (t) => {
    t.integer("subscriber_id").nullable().references("id").inTable("subscribers");
  });
  await knex.schema.alterTable("certificates", (t) => {
    // A subscriber's certificates, newest first.
    t.index(["subscriber_id", "created_at"], "certificates_subscriber_created");
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable("certificates", (t) => {
    t.dropIndex([], "certificates_subscriber_created");
  });
  await knex.schema.alterTable("certificates", (t) => {
    t.dropForeign(["subscriber_id"]);
    t.dropColumn("subscriber_id");
  });
  await knex.schema.dropTableIfExists("subscribers");
}
