// People and access (data): the search key of every certificate issued before
// the column existed, in keyset-paginated batches so memory stays flat.
// Never edit once merged.
import type { Knex } from "knex";
import { searchKey } from "../../server/store/search-key";

export async function up(knex: Knex): Promise<void> {
  let after = "";
  for (;;) {
    const rows = (await knex("certificates")
      .where("serial", ">", after)
      .whereNull("search_name")
      .orderBy("serial")
      .limit(1000)
      .select("serial", "common_name")) as Array<{ serial: string; common_name: string }>;
    if (rows.length === 0) return;
    for (const r of rows) await knex("certificates").where({ serial: r.serial }).update({ search_name: searchKey(r.common_name) });
    after = rows[rows.length - 1]!.serial;
  }
}

export async function down(): Promise<void> {
  // Nothing to undo: the previous migration's down drops the column.
}
