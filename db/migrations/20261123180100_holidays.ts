// The holiday calendar (issue 5): the Vietnam dates that differ from the normal
// week — public holidays and days off in lieu (kind `holiday`), and Saturdays or
// Sundays the government turned into working days ("ngày làm bù", kind
// `working_day`). Working-day SLA deadlines (Decree 68/2024) are counted on it
// (server/ra/working-days.ts). One row per date; the primary key is the date.
// Portable knex builder only (runs on sqlite and PostgreSQL). Never edit once merged.
import type { Knex } from "knex";

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable("holidays", (t) => {
    // Vietnam calendar date (Asia/Ho_Chi_Minh), YYYY-MM-DD: sorts and ranges as text.
    t.string("date", 10).primary();
    // holiday | working_day
    t.string("kind", 16).notNullable();
    // What the day is, in Vietnamese (NFC), e.g. "Tết Nguyên đán", "Làm bù cho thứ Hai 29/4".
    t.string("name", 255).notNullable();
    // Who entered it: "system:seed", "web:<username>", "cli:<user>".
    t.string("created_by", 128).notNullable();
    t.string("created_at", 20).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists("holidays");
}
