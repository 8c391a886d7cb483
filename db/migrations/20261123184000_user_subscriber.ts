// A user account may be the account of a subscriber (a certificate holder), so
// that where self-service is enabled (config requests.selfServiceLostReport) the
// holder can report their own token lost (Decree 68/2024: the subscriber must
// report a lost token at once). Portable knex builder. Never edit once merged.
import type { Knex } from "knex";

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable("users", (t) => {
    t.integer("subscriber_id").nullable().references("id").inTable("subscribers");
  });
  await knex.schema.alterTable("users", (t) => {
    t.index(["subscriber_id"], "users_subscriber");
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable("users", (t) => {
    t.dropIndex([], "users_subscriber");
  });
  await knex.schema.alterTable("users", (t) => {
    t.dropForeign(["subscriber_id"]);
    t.dropColumn("subscriber_id");
  });
}
