// A fresh, migrated database with a store on it and N top-level units, for the e2e list-query tests that seed their own rows on top.
import knexFactory, { type Knex } from "knex";
import type { DatabaseContext } from "./databases";
import { migrateLatest } from "../../server/store/migrate";
import { createStore, type Store } from "../../server/store/store";
import { toDbTime } from "../../server/store/db-time";

export interface FlatUnitsDatabase {
  /** The caller destroys it (in `after`). */
  knex: Knex;
  store: Store;
}

/** Migrates `db` and inserts units 1..`units` (code "U<id>", no parent unit), all created at `now`. */
export async function openFlatUnitsDatabase(db: DatabaseContext, { units, now }: { units: number; now: Date }): Promise<FlatUnitsDatabase> {
  const knex = knexFactory(db.knexConfig());
  try {
    await migrateLatest(knex);
    await knex("units").insert(Array.from({ length: units }, (_, i) => ({ id: i + 1, code: `U${i + 1}`, created_at: toDbTime(now) })));
    return { knex, store: createStore(knex) };
  } catch (e) {
    await knex.destroy();
    throw e;
  }
}
