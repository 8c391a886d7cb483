// Indexes for the lists read unit by unit (unitPageMerge, server/store/unit-scope-sql.ts):
// a scope of a few units takes each unit's first page from an index in the
// list's order and merges them, instead of "unit_id in (…) order by … limit",
// which sqlite answered by sorting every row of the scope (the /requests page:
// 17.5 ms at 100k requests).
// - requests (unit_id, id): newest first.
// - requests (unit_id, coalesce(due_date, '9999-12-31'), id): by deadline, the
//   page's default; an expression index, the same SQL on both databases, and
//   request-store.ts orders by that very expression (DUE_KEY).
// - tokens (unit_id, serial): the token list is in serial order.
// Subscribers already have (unit_id, search_name, id).
// Never edit once merged.
import type { Knex } from "knex";

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable("requests", (t) => {
    t.index(["unit_id", "id"], "requests_unit_id");
  });
  await knex.raw("create index requests_unit_due_key_id on requests (unit_id, (coalesce(due_date, '9999-12-31')), id)");
  await knex.schema.alterTable("tokens", (t) => {
    t.index(["unit_id", "serial"], "tokens_unit_serial");
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable("tokens", (t) => {
    t.dropIndex(["unit_id", "serial"], "tokens_unit_serial");
  });
  await knex.raw("drop index requests_unit_due_key_id");
  await knex.schema.alterTable("requests", (t) => {
    t.dropIndex(["unit_id", "id"], "requests_unit_id");
  });
}
