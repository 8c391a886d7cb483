// Every migration in db/migrations, up, all the way down, and up again, on a
// fresh sqlite file and a fresh PostgreSQL database: each `down` undoes its `up`
// (no table, column or index left behind that the next `up` would trip on), and
// the schema after the second `up` is the schema after the first. And the
// connection settings of config.database reach the database.
import { strict as assert } from "node:assert";
import { readdirSync } from "node:fs";
import knexFactory, { type Knex } from "knex";
import { forEachDatabase } from "../support/databases";
import { MIGRATIONS_DIR, migrateLatest } from "../../server/store/migrate";
import { openDatabase } from "../../server/store/connection";

const MIGRATION_FILES = readdirSync(MIGRATIONS_DIR).filter((f) => /^\d{14}_.+\.ts$/.test(f));

/** Tables, their columns and their indexes, in a comparable form (knex's bookkeeping tables left out). */
async function schemaOf(knex: Knex, kind: "sqlite" | "postgres"): Promise<string[]> {
  const out: string[] = [];
  if (kind === "sqlite") {
    const objects = (await knex.raw("select type, name, tbl_name from sqlite_master where name not like 'sqlite_%' and name not like 'knex_%' and tbl_name not like 'knex_%' order by type, name")) as Array<{ type: string; name: string; tbl_name: string }>;
    for (const o of objects) {
      if (o.type !== "table") {
        out.push(`${o.type} ${o.tbl_name}.${o.name}`);
        continue;
      }
      const cols = (await knex.raw(`pragma table_info("${o.name}")`)) as Array<{ name: string; type: string; notnull: number }>;
      out.push(`table ${o.name}(${cols.map((c) => `${c.name} ${c.type.toLowerCase()}${c.notnull ? " not null" : ""}`).join(", ")})`);
    }
    return out;
  }
  const cols = (await knex.raw(
    "select table_name, column_name, data_type, is_nullable from information_schema.columns where table_schema = 'public' and table_name not like 'knex_%' order by table_name, ordinal_position",
  )) as { rows: Array<{ table_name: string; column_name: string; data_type: string; is_nullable: string }> };
  for (const c of cols.rows) out.push(`column ${c.table_name}.${c.column_name} ${c.data_type}${c.is_nullable === "NO" ? " not null" : ""}`);
  const idx = (await knex.raw("select tablename, indexname from pg_indexes where schemaname = 'public' and tablename not like 'knex_%' order by tablename, indexname")) as { rows: Array<{ tablename: string; indexname: string }> };
  for (const i of idx.rows) out.push(`index ${i.tablename}.${i.indexname}`);
  return out;
}

forEachDatabase("migrations roundtrip", (db) => {
  let knex: Knex;

  before(() => {
    knex = knexFactory(db.knexConfig());
  });

  after(async () => {
    await knex?.destroy();
  });

  it(`runs all ${MIGRATION_FILES.length} migrations up, down and up again to the same schema`, async function () {
    this.timeout(120_000);
    const applied = await migrateLatest(knex);
    assert.deepEqual(applied.map((f) => f.replace(/^.*[\\/]/, "")), MIGRATION_FILES, "every file applied, in order");
    const first = await schemaOf(knex, db.kind);
    assert.ok(first.some((l) => l.includes("publication_events")), "the newest tables are there");

    // Down one at a time, newest first: a failing `down` is named.
    for (let left = MIGRATION_FILES.length; left > 0; left--) {
      const [, rolled] = (await knex.migrate.down({ directory: MIGRATIONS_DIR, loadExtensions: [".ts"] }).catch((e: Error) => {
        throw new Error(`down of ${MIGRATION_FILES[left - 1]} failed: ${e.message}`);
      })) as [number, string[]];
      assert.equal(rolled.length, 1, `one migration rolled back (${MIGRATION_FILES[left - 1]})`);
    }
    assert.deepEqual(await schemaOf(knex, db.kind), [], "nothing is left after every down");

    const again = await migrateLatest(knex);
    assert.equal(again.length, MIGRATION_FILES.length);
    assert.deepEqual(await schemaOf(knex, db.kind), first, "the same schema the second time");
  });

  it("opens connections as config.database says: PostgreSQL pool, statement_timeout and name; sqlite one WAL connection", async function () {
    this.timeout(30_000);
    const conn = openDatabase({ dataDir: db.dataDir, databaseUrl: db.databaseUrl, database: { poolMin: 0, poolMax: 3, statementTimeoutMs: 300, acquireTimeoutMs: 5_000 } });
    try {
      if (db.kind === "sqlite") {
        const mode = (await conn.raw("pragma journal_mode")) as Array<{ journal_mode: string }>;
        assert.equal(mode[0]!.journal_mode, "wal");
        assert.equal(conn.client.pool.max, 1, "one writer: sqlite keeps a single connection whatever the pool settings");
        return;
      }
      assert.equal(conn.client.pool.max, 3);
      const shown = (await conn.raw("select current_setting('statement_timeout') as t, current_setting('application_name') as a")) as { rows: Array<{ t: string; a: string }> };
      assert.deepEqual(shown.rows[0], { t: "300ms", a: "chungthu" });
      // The server cancels a statement running past the timeout; the connection stays usable.
      await assert.rejects(conn.raw("select pg_sleep(2)"), /statement timeout/);
      assert.equal(((await conn.raw("select 1 as one")) as { rows: Array<{ one: number }> }).rows[0]!.one, 1);
    } finally {
      await conn.destroy();
    }
  });
});
