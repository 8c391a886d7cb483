// Runs of an agency merger, split or dissolution's effects on certificates and
// tokens (issue 5): one run per unit batch, and one item per object and action,
// planned when the run starts (exactly what the preview listed) and processed in
// chunks, each chunk in its own transaction. An interrupted run resumes at its
// first pending item; a second run of the same batch finds every item done.
// Portable knex builder only (sqlite and PostgreSQL). Never edit once merged.
import type { Knex } from "knex";

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable("org_change_runs", (t) => {
    t.increments("id").primary();
    // One run per batch, whatever happens: the unique key is the idempotency.
    t.integer("batch_id").notNullable().unique().references("id").inTable("unit_change_batches");
    // rehome | revoke: what merged and split units' certificates get (dissolved units' are always revoked).
    t.string("mode", 16).notNullable();
    // running | finished | interrupted
    t.string("state", 16).notNullable();
    t.integer("total").notNullable();
    t.integer("done").notNullable().defaultTo(0);
    t.integer("failed").notNullable().defaultTo(0);
    // sha256 of the planned items: the preview that was confirmed.
    t.string("digest", 64).notNullable();
    t.string("last_error", 1000).nullable();
    t.string("created_by", 128).notNullable();
    t.string("created_at", 20).notNullable();
    t.string("updated_at", 20).notNullable();
    t.string("finished_at", 20).nullable();
  });
  await knex.schema.createTable("org_change_items", (t) => {
    t.increments("id").primary();
    t.integer("run_id").notNullable().references("id").inTable("org_change_runs");
    // Processing order within the run (subscribers, then certificates, then tokens).
    t.integer("seq").notNullable();
    // cert | token | subscriber
    t.string("object_kind", 16).notNullable();
    // A certificate serial, or a token's / subscriber's id.
    t.string("object_id", 40).notNullable();
    // rehome | rehome_change | revoke_affiliation | revoke_cessation | token_return
    t.string("action", 24).notNullable();
    t.integer("from_unit_id").notNullable().references("id").inTable("units");
    // The successor unit of a re-homing; null for revocations and token returns.
    t.integer("to_unit_id").nullable().references("id").inTable("units");
    // pending | done | failed
    t.string("status", 16).notNullable();
    // What the item produced (a request id, "already revoked", …) or why it failed.
    t.string("outcome", 500).nullable();
    t.string("error", 1000).nullable();
    t.string("done_at", 20).nullable();
    t.unique(["run_id", "object_kind", "object_id", "action"], { indexName: "org_change_items_once" });
    // The next chunk of a run: its pending items in order.
    t.index(["run_id", "status", "seq"], "org_change_items_next");
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists("org_change_items");
  await knex.schema.dropTableIfExists("org_change_runs");
}
