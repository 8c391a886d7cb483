// The registers the yearly coordination report needs (issue 6; Decision
// 25/2020/QĐ-UBND of Vĩnh Phúc asks each agency for trainings held, inspections
// of subscribers' use, problems raised and next year's certificate needs):
// trainings and the units trained in each (people per unit), inspections,
// incidents, and demand per unit, year and quarter. Every row hangs on a unit,
// which decides who sees it. Dates are Vietnam calendar days 'YYYY-MM-DD'
// (text sorts and compares as dates on both databases); indexes serve the
// scoped lists (unit, date) and the report's per-year aggregates.
// Portable knex builder only (runs on sqlite and PostgreSQL). Never edit once merged.
import type { Knex } from "knex";

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable("trainings", (t) => {
    t.increments("id").primary();
    // The unit that records the training (its organiser, or the agency that sent people to it).
    t.integer("unit_id").notNullable().references("id").inTable("units");
    t.string("held_on", 10).notNullable();
    t.string("topic", 500).notNullable();
    // Who ran it (the provincial department, the Cipher Committee, a vendor), as written.
    t.string("organiser", 255).notNullable();
    t.string("notes", 2000).nullable();
    t.string("created_at", 20).notNullable();
    t.string("updated_at", 20).notNullable();
  });
  await knex.schema.createTable("training_units", (t) => {
    t.integer("training_id").notNullable().references("id").inTable("trainings").onDelete("CASCADE");
    t.integer("unit_id").notNullable().references("id").inTable("units");
    t.integer("people").notNullable();
    t.primary(["training_id", "unit_id"]);
  });
  await knex.schema.createTable("inspections", (t) => {
    t.increments("id").primary();
    // The unit inspected.
    t.integer("unit_id").notNullable().references("id").inTable("units");
    t.string("inspected_on", 10).notNullable();
    t.string("inspector", 255).notNullable();
    t.boolean("has_findings").notNullable();
    t.string("findings", 4000).notNullable();
    t.string("follow_up", 4000).nullable();
    t.string("created_at", 20).notNullable();
    t.string("updated_at", 20).notNullable();
  });
  await knex.schema.createTable("incidents", (t) => {
    t.increments("id").primary();
    t.integer("unit_id").notNullable().references("id").inTable("units");
    // lost_key | compromised_key | outage | misuse | other
    t.string("kind", 24).notNullable();
    t.string("occurred_on", 10).notNullable();
    t.string("description", 4000).notNullable();
    t.string("handling", 4000).nullable();
    // open | closed; closed_on is set exactly when closed.
    t.string("state", 8).notNullable();
    t.string("closed_on", 10).nullable();
    t.string("created_at", 20).notNullable();
    t.string("updated_at", 20).notNullable();
  });
  await knex.schema.createTable("demand", (t) => {
    t.increments("id").primary();
    t.integer("unit_id").notNullable().references("id").inTable("units");
    // The year the certificates and tokens are needed in, and its quarter 1–4.
    t.integer("year").notNullable();
    t.integer("quarter").notNullable();
    t.integer("individual").notNullable();
    t.integer("organization").notNullable();
    t.integer("device").notNullable();
    t.integer("usb_token").notNullable();
    t.integer("sim_pki").notNullable();
    t.integer("hsm_slot").notNullable();
    t.string("notes", 2000).nullable();
    t.string("created_at", 20).notNullable();
    t.string("updated_at", 20).notNullable();
    // One line per unit and quarter: a second one would be counted twice in the report.
    t.unique(["unit_id", "year", "quarter"], { indexName: "demand_unit_year_quarter" });
  });
  await knex.schema.alterTable("trainings", (t) => {
    t.index(["held_on", "id"], "trainings_held_on_id");
    t.index(["unit_id", "held_on"], "trainings_unit_held_on");
  });
  await knex.schema.alterTable("training_units", (t) => {
    t.index(["unit_id", "training_id"], "training_units_unit_training");
  });
  await knex.schema.alterTable("inspections", (t) => {
    t.index(["inspected_on", "id"], "inspections_inspected_on_id");
    t.index(["unit_id", "inspected_on"], "inspections_unit_inspected_on");
  });
  await knex.schema.alterTable("incidents", (t) => {
    t.index(["occurred_on", "id"], "incidents_occurred_on_id");
    t.index(["unit_id", "occurred_on"], "incidents_unit_occurred_on");
  });
  await knex.schema.alterTable("demand", (t) => {
    t.index(["year", "quarter"], "demand_year_quarter");
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists("demand");
  await knex.schema.dropTableIfExists("incidents");
  await knex.schema.dropTableIfExists("inspections");
  await knex.schema.dropTableIfExists("training_units");
  await knex.schema.dropTableIfExists("trainings");
}
