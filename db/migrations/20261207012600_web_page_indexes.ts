// Two indexes for the people-facing pages at 1M certificates / 100k requests (issue 7):
//
// - certificates (unit_id, status, created_at, serial): the certificate list of an
//   agency or a small province filtered by status (revoked, pending, failed,
//   active), newest first, is read unit by unit (unitPageMerge in
//   server/store/unit-scope-sql.ts); each unit's page is one range of this index
//   walked backwards, instead of every row of the unit read in date order and
//   filtered (830 ms for the revoked ones of a 12-unit province at 200k
//   certificates on sqlite, now 4 ms).
// - requests (state, unit_id, due_date): the dashboard's counts of open dossiers
//   by state, overdue and due today in a scope come from this index alone (one
//   range per state and unit), instead of a row look-up for each open dossier
//   to learn its unit (40–70 ms at 20k requests on sqlite, now 2–4 ms).
//
// Portable knex builder only (runs on sqlite and PostgreSQL). Never edit once merged.
import type { Knex } from "knex";

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable("certificates", (t) => {
    t.index(["unit_id", "status", "created_at", "serial"], "certificates_unit_status_created_serial");
  });
  await knex.schema.alterTable("requests", (t) => {
    t.index(["state", "unit_id", "due_date"], "requests_state_unit_due");
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable("requests", (t) => {
    t.dropIndex(["state", "unit_id", "due_date"], "requests_state_unit_due");
  });
  await knex.schema.alterTable("certificates", (t) => {
    t.dropIndex(["unit_id", "status", "created_at", "serial"], "certificates_unit_status_created_serial");
  });
}
