// The token registry (issue 5): the devices that hold subscribers' keys — USB
// PKI tokens, SIM-PKI cards, HSM slots — under a managing agency (unit_id), with
// the holder they were handed to, their state in the allow-listed machine of
// server/ra/token-states.ts, every transition as an event row, and on
// certificates the token each one's key lives on (a lost token revokes them all).
// Portable knex builder only (runs on sqlite and PostgreSQL). Never edit once merged.
import type { Knex } from "knex";

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable("tokens", (t) => {
    t.increments("id").primary();
    // The manufacturer's serial printed on the token (or the SIM's ICCID, the HSM slot label).
    t.string("serial", 64).notNullable().unique();
    // usb_token | sim_pki | hsm_slot
    t.string("type", 16).notNullable();
    // The managing agency that hands the token out and collects it back (Decree 68/2024, Mẫu 07/08).
    t.integer("unit_id").notNullable().references("id").inTable("units");
    t.integer("holder_subscriber_id").nullable().references("id").inTable("subscribers");
    // in_stock | issued | in_use | locked | recovered | lost | damaged | returned
    t.string("state", 16).notNullable();
    t.string("note", 500).nullable();
    t.string("created_at", 20).notNullable();
    t.string("updated_at", 20).notNullable();
  });
  await knex.schema.alterTable("tokens", (t) => {
    // An agency's tokens by state (its scoped list, its stock count).
    t.index(["unit_id", "state"], "tokens_unit_state");
    // The tokens a subscriber holds.
    t.index(["holder_subscriber_id"], "tokens_holder");
    // Whole-CA counts by state (reports: device mix, incidents).
    t.index(["state"], "tokens_state");
  });
  await knex.schema.createTable("token_events", (t) => {
    t.increments("id").primary();
    t.integer("token_id").notNullable().references("id").inTable("tokens");
    // Null for the registration (no state before).
    t.string("from_state", 16).nullable();
    t.string("to_state", 16).notNullable();
    t.string("actor", 128).notNullable();
    t.string("reason", 500).nullable();
    // The request (Mẫu 06–09) that caused the transition. No foreign key: the
    // requests table comes in a later migration.
    t.integer("request_id").nullable();
    t.string("at", 20).notNullable();
  });
  await knex.schema.alterTable("token_events", (t) => {
    // A token's history in order.
    t.index(["token_id", "id"], "token_events_token_id");
  });
  await knex.schema.alterTable("certificates", (t) => {
    t.integer("token_id").nullable().references("id").inTable("tokens");
  });
  await knex.schema.alterTable("certificates", (t) => {
    // The certificates on a token (revoked together when it is lost).
    t.index(["token_id"], "certificates_token");
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable("certificates", (t) => {
    t.dropIndex([], "certificates_token");
  });
  await knex.schema.alterTable("certificates", (t) => {
    t.dropForeign(["token_id"]);
    t.dropColumn("token_id");
  });
  await knex.schema.dropTableIfExists("token_events");
  await knex.schema.dropTableIfExists("tokens");
}
