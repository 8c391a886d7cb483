// The oversight audit page (newest first, keyset on id) filtered by outcome,
// actor, object type or time: each filter has an index ending in id, so a page
// is an index range walked backwards, at any size of the log. (Action prefixes
// use the existing index on action; object type + id the one on both.)
// Portable knex builder only (runs on sqlite and PostgreSQL). Never edit once merged.
import type { Knex } from "knex";

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable("audit_log", (t) => {
    t.index(["outcome", "id"], "audit_log_outcome_id_index");
    t.index(["actor", "id"], "audit_log_actor_id_index");
    t.index(["object_type", "id"], "audit_log_object_type_id_index");
    t.index(["at", "id"], "audit_log_at_id_index");
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable("audit_log", (t) => {
    t.dropIndex(["outcome", "id"], "audit_log_outcome_id_index");
    t.dropIndex(["actor", "id"], "audit_log_actor_id_index");
    t.dropIndex(["object_type", "id"], "audit_log_object_type_id_index");
    t.dropIndex(["at", "id"], "audit_log_at_id_index");
  });
}
