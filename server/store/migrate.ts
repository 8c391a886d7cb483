// Runs the dated migrations in db/migrations on either database.
import { join } from "node:path";
import type { Knex } from "knex";

export const MIGRATIONS_DIR = join(__dirname, "..", "..", "db", "migrations");

export async function migrateLatest(knex: Knex): Promise<string[]> {
  const [, applied] = (await knex.migrate.latest({
    directory: MIGRATIONS_DIR,
    loadExtensions: [".ts"],
  })) as [number, string[]];
  return applied;
}
