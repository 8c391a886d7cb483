// `migrate`: bring the database schema up to date (start-up does this too).
import type { Command } from "commander";
import { loadConfig } from "../../server/config/load-config";
import { openDatabase } from "../../server/store/connection";
import { migrateLatest } from "../../server/store/migrate";

export function registerDbCommands(program: Command): void {
  program
    .command("migrate")
    .description("run database migrations")
    .action(async () => {
      const db = openDatabase(loadConfig());
      try {
        const applied = await migrateLatest(db);
        console.log(applied.length ? `applied: ${applied.join(", ")}` : "schema up to date");
      } finally {
        await db.destroy();
      }
    });
}
