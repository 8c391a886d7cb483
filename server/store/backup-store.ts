// The SQL of backup and restore: a consistent snapshot of the whole database
// while the server runs (sqlite VACUUM INTO; PostgreSQL one REPEATABLE READ
// transaction, every table as JSON rows) and loading it back. Knows nothing
// about archives or files other than the sqlite snapshot it is told to write.
import type { Knex } from "knex";
import { dialectOf, openDatabase, type DatabaseSettings, type Dialect } from "./connection";
import { migrateLatest, MIGRATIONS_DIR } from "./migrate";
import { createCaStore, type CaStore } from "./ca-store";

/** knex's own bookkeeping: the schema is rebuilt by the migrations, never copied. */
const KNEX_TABLES = new Set(["knex_migrations", "knex_migrations_lock"]);
const PAGE = 2000;
// Rows per INSERT … jsonb_populate_recordset: one parameter, so no 400-row or 65k-parameter limit applies.
const LOAD_BATCH = 500;

export interface TableSink {
  write(line: string): Promise<void>;
  end(): Promise<void>;
}

export interface BackupStore {
  readonly dialect: Dialect;
  /** Applied migrations, in order. */
  migrations(): Promise<string[]>;
  /** Tables and rows, with no regard for knex's bookkeeping: empty means a fresh database. */
  userTables(): Promise<string[]>;
  /** sqlite: a consistent copy of the live database in one statement (a read transaction; writers go on in WAL). */
  snapshotSqlite(path: string): Promise<void>;
  /** PostgreSQL: every table, one JSON object per row, all read in one REPEATABLE READ snapshot. */
  dumpPostgres(open: (table: string) => TableSink): Promise<{ migrations: string[]; rows: Record<string, number> }>;
  /** PostgreSQL: replaces every row of the (migrated, same-version) schema with the dump's, then moves the id sequences past them. */
  loadPostgres(tables: ReadonlyArray<{ table: string; lines: AsyncIterable<string> }>): Promise<Record<string, number>>;
  /** Drops every table of the current schema (restore --force on PostgreSQL). */
  dropAll(): Promise<void>;
}

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

export function createBackupStore(db: Knex): BackupStore {
  const dialect = dialectOf(db);

  async function tables(q: Knex | Knex.Transaction): Promise<string[]> {
    const rows =
      dialect === "postgres"
        ? ((await q.raw("SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")).rows as Array<{ name: string }>)
        : ((await q.raw("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")) as Array<{ name: string }>);
    return rows.map((r) => r.name);
  }

  async function migrations(q: Knex | Knex.Transaction): Promise<string[]> {
    if (!(await tables(q)).includes("knex_migrations")) return [];
    return (await q("knex_migrations").select("name").orderBy("id")).map((r: { name: string }) => r.name);
  }

  return {
    dialect,
    migrations: () => migrations(db),
    async userTables() {
      return (await tables(db)).filter((t) => !KNEX_TABLES.has(t));
    },

    async snapshotSqlite(path) {
      await db.raw("VACUUM INTO ?", [path]);
    },

    async dumpPostgres(open) {
      return db.transaction(async (trx) => {
        // One snapshot for every table (PostgreSQL 13.2.2): rows committed later are simply not in the backup.
        await trx.raw("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
        const rows: Record<string, number> = {};
        for (const table of await tables(trx)) {
          if (KNEX_TABLES.has(table)) continue;
          const sink = open(table);
          let after = "(0,0)";
          let n = 0;
          for (;;) {
            // Keyset paging on the physical row address: stable inside the snapshot, no OFFSET rescans.
            const page = (await trx.raw(`SELECT ctid::text AS c, to_jsonb(t)::text AS r FROM ${ident(table)} t WHERE ctid > ?::tid ORDER BY ctid LIMIT ${PAGE}`, [after]))
              .rows as Array<{ c: string; r: string }>;
            for (const row of page) await sink.write(row.r);
            n += page.length;
            if (page.length < PAGE) break;
            after = page.at(-1)!.c;
          }
          await sink.end();
          rows[table] = n;
        }
        return { migrations: await migrations(trx), rows };
      });
    },

    async loadPostgres(input) {
      return db.transaction(async (trx) => {
        const present = (await tables(trx)).filter((t) => !KNEX_TABLES.has(t));
        // Rows arrive table by table in name order, not in foreign-key order: check the
        // references once, at the end of the transaction (SET CONSTRAINTS, PostgreSQL docs).
        const fks = (
          await trx.raw(
            "SELECT conrelid::regclass::text AS t, conname AS c FROM pg_constraint WHERE contype = 'f' AND NOT condeferrable AND connamespace = current_schema()::regnamespace",
          )
        ).rows as Array<{ t: string; c: string }>;
        for (const fk of fks) await trx.raw(`ALTER TABLE ${fk.t} ALTER CONSTRAINT ${ident(fk.c)} DEFERRABLE INITIALLY DEFERRED`);
        await trx.raw("SET CONSTRAINTS ALL DEFERRED");
        // Rows the migrations seeded (holidays, backfills) give way to the backup's.
        if (present.length) await trx.raw(`TRUNCATE ${present.map(ident).join(", ")} RESTART IDENTITY`);
        const counts: Record<string, number> = {};
        for (const { table, lines } of input) {
          if (!present.includes(table)) throw new Error(`the backup has a table ${table} the schema does not`);
          let batch: string[] = [];
          let n = 0;
          const flush = async () => {
            if (!batch.length) return;
            await trx.raw(`INSERT INTO ${ident(table)} SELECT * FROM jsonb_populate_recordset(NULL::${ident(table)}, ?::jsonb)`, [`[${batch.join(",")}]`]);
            n += batch.length;
            batch = [];
          };
          for await (const line of lines) {
            batch.push(line);
            if (batch.length >= LOAD_BATCH) await flush();
          }
          await flush();
          counts[table] = n;
        }
        // Serial ids continue after the restored rows (a reused id would collide with the next insert).
        const serials = (
          await trx.raw(
            "SELECT table_name AS t, column_name AS c, pg_get_serial_sequence(quote_ident(table_name), column_name) AS s FROM information_schema.columns WHERE table_schema = current_schema() AND column_default LIKE 'nextval(%'",
          )
        ).rows as Array<{ t: string; c: string; s: string | null }>;
        for (const s of serials) {
          if (!s.s || KNEX_TABLES.has(s.t)) continue;
          await trx.raw(`SELECT setval(?, COALESCE((SELECT MAX(${ident(s.c)}) FROM ${ident(s.t)}), 0) + 1, false)`, [s.s]);
        }
        await trx.raw("SET CONSTRAINTS ALL IMMEDIATE");
        for (const fk of fks) await trx.raw(`ALTER TABLE ${fk.t} ALTER CONSTRAINT ${ident(fk.c)} NOT DEFERRABLE`);
        return counts;
      });
    },

    async dropAll() {
      const all = await tables(db);
      if (all.length) await db.raw(`DROP TABLE IF EXISTS ${all.map(ident).join(", ")} CASCADE`);
    },
  };
}

/** A backup store on a connection of its own (the CLI's backup and restore run without the server). */
export interface BackupConnection extends BackupStore {
  /** Applies our migrations one at a time until `count` are applied: restore rebuilds exactly the backup's schema first. */
  migrateUpTo(count: number): Promise<void>;
  /** Applies the migrations newer than the restored data; their names. */
  migrateLatest(): Promise<string[]>;
  /** The CAs whose key files the archive must carry. */
  cas: CaStore;
  close(): Promise<void>;
}

export function openBackupConnection(settings: DatabaseSettings): BackupConnection {
  const db = openDatabase(settings);
  const store = createBackupStore(db);
  return {
    ...store,
    async migrateUpTo(count) {
      while ((await store.migrations()).length < count) await db.migrate.up({ directory: MIGRATIONS_DIR, loadExtensions: [".ts"] });
    },
    migrateLatest: () => migrateLatest(db),
    cas: createCaStore(db),
    close: () => db.destroy(),
  };
}
