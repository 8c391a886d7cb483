// Operations (issue 7): the history of CRL publications and responder renewals
// (each success and each failure, so the freshness dashboard can count failures
// in a row and show the last error), and the freshness alerts' state per metric
// (which crossing of a threshold was announced, so each gets one alert mail and
// one recovery mail, whatever process or restart looks next).
// Portable knex builder only (sqlite and PostgreSQL). Never edit once merged.
import type { Knex } from "knex";

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable("publication_events", (t) => {
    t.increments("id").primary();
    // crl (a CA's CRL built and published) | responder (OCSP responder certificate renewal)
    t.string("kind", 16).notNullable();
    // The CA whose CRL it was; NULL for a responder renewal (done for every issuing CA at once).
    t.integer("ca_id").nullable().references("id").inTable("cas");
    // ok | failed
    t.string("outcome", 8).notNullable();
    t.integer("crl_number").nullable();
    // The failure's message, cut to 500 characters (never key material: publish/ logs no keys).
    t.text("error").nullable();
    t.string("at", 20).notNullable();
  });
  await knex.schema.alterTable("publication_events", (t) => {
    // "Failures since the last success" per kind and CA reads backwards from the newest id.
    t.index(["kind", "ca_id", "id"], "publication_events_kind_ca");
  });
  await knex.schema.createTable("freshness_alerts", (t) => {
    // A metric's stable key ("crl.age:issuing", "requests.overdue").
    t.string("metric", 120).primary();
    // true from the check that found it red (alert mail) until the one that finds it green (recovery mail).
    t.boolean("alerting").notNullable().defaultTo(false);
    // Counts crossings: the mail_log keys are freshness:<metric>:<episode>:alert|recovery.
    t.integer("episode").notNullable().defaultTo(0);
    t.string("changed_at", 20).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists("freshness_alerts");
  await knex.schema.dropTableIfExists("publication_events");
}
