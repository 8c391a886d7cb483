// SQL for fixed-window hit counters shared by every process on the database
// (db/migrations/20261207150000_rate_limit_hits.ts). The increment is one
// statement (insert … on conflict … returning, sqlite ≥ 3.35 and PostgreSQL),
// so concurrent hits from several processes are all counted. Counters whose
// window has ended are deleted every SWEEP_EVERY hits of this process, whichever
// limiter (sign-in, API refused tokens) made them.
import type { Knex } from "knex";

const SWEEP_EVERY = 64;
let hitsSinceSweep = 0;

export interface RateLimitStore {
  /** Counts a hit on `key` at `nowMs`; a window that ended before starts again and ends at nowMs + windowMs. Now and then deletes ended counters. */
  hit(key: string, nowMs: number, windowMs: number): Promise<{ hits: number; resetMs: number }>;
  /** The hits counted on `key` in its current window (0 if none, or the window ended by `nowMs`). */
  peek(key: string, nowMs: number): Promise<number>;
  /** Takes one hit back (a request the limiter was told not to count). */
  unhit(key: string): Promise<void>;
  reset(key: string): Promise<void>;
  /** Deletes the counters whose window ended before `nowMs`; how many. */
  removeExpired(nowMs: number): Promise<number>;
}

export function createRateLimitStore(db: Knex | Knex.Transaction): RateLimitStore {
  const removeExpired = (nowMs: number): Promise<number> => db("rate_limit_hits").where("reset_ms", "<=", nowMs).delete();
  return {
    async hit(key, nowMs, windowMs) {
      if (++hitsSinceSweep >= SWEEP_EVERY) {
        hitsSinceSweep = 0;
        await removeExpired(nowMs);
      }
      // In an UPDATE every column on the right-hand side is the row's old value (SQL and sqlite alike).
      const result = await db.raw(
        `insert into rate_limit_hits (key, hits, reset_ms) values (?, 1, ?)
         on conflict (key) do update set
           hits = case when rate_limit_hits.reset_ms <= ? then 1 else rate_limit_hits.hits + 1 end,
           reset_ms = case when rate_limit_hits.reset_ms <= ? then excluded.reset_ms else rate_limit_hits.reset_ms end
         returning hits, reset_ms`,
        [key, nowMs + windowMs, nowMs, nowMs],
      );
      // sqlite3 answers the rows themselves, pg a result with .rows.
      const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as Array<{ hits: number | string; reset_ms: number | string }>;
      const row = rows[0];
      if (!row) throw new Error("rate limit counter: no row returned");
      return { hits: Number(row.hits), resetMs: Number(row.reset_ms) };
    },
    async peek(key, nowMs) {
      const r = (await db("rate_limit_hits").select("hits").where({ key }).andWhere("reset_ms", ">", nowMs).first()) as { hits: number | string } | undefined;
      return r ? Number(r.hits) : 0;
    },
    async unhit(key) {
      await db("rate_limit_hits").where({ key }).andWhere("hits", ">", 0).decrement("hits", 1);
    },
    async reset(key) {
      await db("rate_limit_hits").where({ key }).delete();
    },
    removeExpired,
  };
}
