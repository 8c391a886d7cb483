// Administrative units as a temporal model: a stable identity per unit, dated
// versions of its attributes and parent, change batches, and the lineage that
// follows a unit through mergers and splits. Portable knex builder only (runs on
// sqlite and PostgreSQL). Never edit once merged.
//
// Dates are 'YYYY-MM-DD' text (Vietnam calendar days). A version holds on
// [valid_from, valid_to): valid_to is the first day it no longer holds (the
// effective date of the change that closed it), NULL while it is current.
import type { Knex } from "knex";

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable("units", (t) => {
    t.increments("id").primary();
    // Stable identity: never reused, even after the unit is dissolved.
    t.string("code", 40).notNullable().unique();
    t.string("created_at", 20).notNullable();
  });

  await knex.schema.createTable("unit_change_batches", (t) => {
    t.increments("id").primary();
    t.string("title", 200).notNullable();
    t.string("effective_date", 10).notNullable();
    // draft | applied
    t.string("status", 16).notNullable().defaultTo("draft");
    t.string("created_by", 128).notNullable();
    t.string("created_at", 20).notNullable();
    t.string("applied_by", 128).nullable();
    t.string("applied_at", 20).nullable();
    // JSON: the preview that was applied (what each change did), kept for the record.
    t.text("result").nullable();
    t.index(["status", "effective_date"]);
  });

  await knex.schema.createTable("unit_changes", (t) => {
    t.increments("id").primary();
    t.integer("batch_id").notNullable().references("id").inTable("unit_change_batches");
    t.integer("seq").notNullable();
    // create | rename | update | move | merge | split | dissolve
    t.string("kind", 16).notNullable();
    t.text("payload").notNullable();
    t.unique(["batch_id", "seq"]);
  });

  await knex.schema.createTable("unit_versions", (t) => {
    t.increments("id").primary();
    t.integer("unit_id").notNullable().references("id").inTable("units");
    t.string("name", 255).notNullable();
    // province | department | district | commune | central_in_province | other
    t.string("type", 32).notNullable();
    t.integer("parent_unit_id").nullable().references("id").inTable("units");
    t.string("tax_code", 14).nullable();
    t.string("budget_code", 7).nullable();
    t.string("address", 500).nullable();
    t.string("email_domain", 253).nullable();
    t.string("focal_point_name", 128).nullable();
    t.string("focal_point_email", 255).nullable();
    t.string("focal_point_phone", 20).nullable();
    t.string("valid_from", 10).notNullable();
    t.string("valid_to", 10).nullable();
    // The batch that opened this version; NULL for a unit added directly.
    t.integer("batch_id").nullable().references("id").inTable("unit_change_batches");
    t.string("created_at", 20).notNullable();
    // One version per unit per day; "as of" lookups for one unit walk this index.
    t.unique(["unit_id", "valid_from"]);
    // At most one current version per unit, whatever the service does.
    t.unique(["unit_id"], { indexName: "unit_versions_one_current", predicate: knex.whereNull("valid_to") });
    // Children of a unit as of a date (tree, subtree, ancestors' inverse).
    t.index(["parent_unit_id", "valid_from"]);
    t.index(["valid_from"]);
  });

  await knex.schema.createTable("unit_lineage", (t) => {
    t.increments("id").primary();
    t.integer("from_unit_id").notNullable().references("id").inTable("units");
    t.integer("to_unit_id").notNullable().references("id").inTable("units");
    // merged_into | split_into | renamed (renamed: from = to, the name changed that day)
    t.string("kind", 16).notNullable();
    t.string("effective_date", 10).notNullable();
    t.integer("batch_id").notNullable().references("id").inTable("unit_change_batches");
    // Forward (what became of A: certificate re-homing) and backward (what a unit
    // came from: reports rolling up predecessors for past years).
    t.index(["from_unit_id", "effective_date"]);
    t.index(["to_unit_id", "effective_date"]);
    t.index(["batch_id"]);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ["unit_lineage", "unit_versions", "unit_changes", "unit_change_batches", "units"]) {
    await knex.schema.dropTableIfExists(table);
  }
}
