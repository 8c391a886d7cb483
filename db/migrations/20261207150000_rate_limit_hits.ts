// Hit counters of the sign-in rate limit (server/web/shared-rate-limit.ts) and
// of the API's refused tokens (server/api/api-auth.ts), in the database so that
// every process serving it (WORKERS > 1, several servers) counts the same
// attempts: with per-process memory, N workers allowed N times the configured
// attempts per address. One row per limited key (a limiter's prefix and an address);
// a fixed window that restarts at reset_ms (epoch milliseconds). Expired rows
// are deleted as new hits come in. Never edit once merged.
import type { Knex } from "knex";

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable("rate_limit_hits", (t) => {
    t.string("key", 200).primary();
    t.integer("hits").notNullable();
    t.bigInteger("reset_ms").notNullable();
    t.index(["reset_ms"], "rate_limit_hits_reset_ms");
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable("rate_limit_hits");
}
