// Opens the database: sqlite file in DATA_DIR by default, PostgreSQL when
// DATABASE_URL says so. Dialect settings live here and nowhere else.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import knexFactory, { Knex } from "knex";
import pg from "pg";

// PostgreSQL returns int8 (COUNT(*), bigint columns) as strings by default; our
// counts and byte lengths fit easily in a double.
pg.types.setTypeParser(20, (v: string) => Number(v));

export interface DatabaseSettings {
  dataDir: string;
  databaseUrl?: string | undefined;
}

export type Dialect = "sqlite" | "postgres";

export function dialectOf(knex: Knex): Dialect {
  return knex.client.config.client === "pg" ? "postgres" : "sqlite";
}

export function openDatabase(settings: DatabaseSettings): Knex {
  if (settings.databaseUrl) {
    return knexFactory({
      client: "pg",
      connection: settings.databaseUrl,
      pool: { min: 0, max: 10 },
    });
  }
  mkdirSync(settings.dataDir, { recursive: true });
  return knexFactory({
    client: "sqlite3",
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
