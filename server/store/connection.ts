// Opens the database: sqlite file in DATA_DIR by default, PostgreSQL when
// DATABASE_URL says so. Dialect settings live here and nowhere else.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import knexFactory, { Knex } from "knex";
import pg from "pg";
import { ImmediateSqliteClient } from "./sqlite-client";

// PostgreSQL returns int8 (COUNT(*), bigint columns) as strings by default; our
// counts and byte lengths fit easily in a double.
pg.types.setTypeParser(20, (v: string) => Number(v));

export interface DatabaseSettings {
  dataDir: string;
  databaseUrl?: string | undefined;
  /** PostgreSQL pool and timeouts (config.database); built-in defaults when absent. */
  database?: { poolMin: number; poolMax: number; statementTimeoutMs: number; acquireTimeoutMs: number } | undefined;
}

export type Dialect = "sqlite" | "postgres";

export function dialectOf(knex: Knex): Dialect {
  return knex.client.config.client === "pg" ? "postgres" : "sqlite";
}

export function openDatabase(settings: DatabaseSettings): Knex {
  if (settings.databaseUrl) {
    const db = settings.database ?? { poolMin: 0, poolMax: 10, statementTimeoutMs: 0, acquireTimeoutMs: 30_000 };
    return knexFactory({
      client: "pg",
      // statement_timeout is set by pg on each new connection: a runaway query is
      // cancelled by the server instead of holding a pooled connection forever.
      connection: { connectionString: settings.databaseUrl, application_name: "chungthu", ...(db.statementTimeoutMs > 0 ? { statement_timeout: db.statementTimeoutMs } : {}) },
      pool: { min: db.poolMin, max: Math.max(db.poolMin, db.poolMax) },
      acquireConnectionTimeout: db.acquireTimeoutMs,
    });
  }
  mkdirSync(settings.dataDir, { recursive: true });
  return knexFactory({
    // BEGIN IMMEDIATE: a second process's commit waits (busy_timeout) instead of failing SQLITE_BUSY (sqlite-client.ts).
    client: ImmediateSqliteClient as unknown as string,
    connection: { filename: join(settings.dataDir, "chungthu.sqlite") },
    useNullAsDefault: true,
    pool: {
      min: 1,
      max: 1,
      afterCreate(conn: SqliteConnection, done: (err: Error | null, conn: SqliteConnection) => void) {
        // WAL: the CLI and the server can read while the other writes.
        // foreign_keys: sqlite ignores REFERENCES unless told per connection.
        // busy_timeout: wait for the other process's write lock instead of failing.
        // synchronous=NORMAL: durable at each checkpoint, safe with WAL.
        conn.exec(
          "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL;",
          (err) => done(err, conn),
        );
      },
    },
  });
}

interface SqliteConnection {
  exec(sql: string, cb: (err: Error | null) => void): void;
}
