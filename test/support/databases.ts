// Run a block of tests against every supported database.
//
//   import { forEachDatabase } from "../support/databases";
//
//   forEachDatabase("certificate store", (db) => {
//     let app: App;
//     before(async () => { app = await createApp({ dataDir: db.dataDir, databaseUrl: db.databaseUrl }); });
//     after(async () => { await app.close(); });          // close pools: lets the harness DROP the database
//     it("...", async () => { ... });
//   });
//
// generates   describe("certificate store [sqlite]", ...)
//             describe("certificate store [postgres]", ...)
//
// The context object `db` (DatabaseContext) — its properties are usable from
// the describe's before() hooks on (and in tests and after() hooks); reading
// them at describe time throws, because nothing exists yet then. Only `kind`
// is available at describe time.
//
//   kind         'sqlite' | 'postgres'
//   dataDir      string — a fresh, empty temp dir for this describe (both kinds; the
//                app keeps its sqlite file/keys/etc. there). Removed after the describe.
//   databaseUrl  string | undefined — undefined for sqlite (the app then uses
//                DATA_DIR/chungthu.sqlite); for postgres a fresh, empty database
//                'postgres://postgres@127.0.0.1:<port>/t_<…>' created for this describe
//                on the shared server (so describes never see each other's rows).
//   sqliteFile   string | undefined — DATA_DIR/chungthu.sqlite for sqlite (not created
//                by the harness), undefined for postgres.
//   url()        sqliteFile (an absolute file path) for sqlite, databaseUrl for postgres.
//   env(extra?)  process.env + DATA_DIR + DATABASE_URL (deleted for sqlite, so a
//                DATABASE_URL in the developer's shell can't leak in) + extra:
//                pass as `env` when spawning the server or the CLI.
//   knexConfig() a knex config to look at the database directly from a test.
//
// For in-process code that reads its configuration from the environment,
// process.env.DATA_DIR and process.env.DATABASE_URL are also set (DATABASE_URL
// deleted for sqlite) for the duration of the describe, and restored after.
//
// PostgreSQL: one server per mocha run, started lazily by the first [postgres]
// describe, stopped by the root hook (test/support/root-hooks.ts). The database
// of a describe is dropped after it if nothing is still connected to it
// (otherwise it is left for the server shutdown to discard).
// If the server can't be started: outside CI the [postgres] variants are
// skipped with a loud message; with CI=true they fail.
//
// TEST_DATABASES=sqlite (or postgres, or sqlite,postgres — the default)
// restricts which variants are generated.
import type { Knex } from "knex";
import { join } from "node:path";
import { startPostgres, type PostgresServer } from "./postgres";
import { makeTempDir, removeTempDir } from "./tmp";

export type DatabaseKind = "sqlite" | "postgres";

export interface DatabaseContext {
  readonly kind: DatabaseKind;
  readonly dataDir: string;
  readonly databaseUrl: string | undefined;
  readonly sqliteFile: string | undefined;
  url(): string;
  env(extra?: Record<string, string>): NodeJS.ProcessEnv;
  knexConfig(): Knex.Config;
}

export const ALL_DATABASE_KINDS: readonly DatabaseKind[] = ["sqlite", "postgres"];

/** The database kinds selected by TEST_DATABASES (default: all). */
export function selectedDatabaseKinds(): DatabaseKind[] {
  const raw = process.env.TEST_DATABASES?.trim();
  if (!raw) return [...ALL_DATABASE_KINDS];
  const kinds = raw.split(/[\s,]+/).filter(Boolean);
  for (const k of kinds) {
    if (!ALL_DATABASE_KINDS.includes(k as DatabaseKind)) throw new Error(`TEST_DATABASES: unknown database kind ${JSON.stringify(k)} (expected sqlite and/or postgres)`);
  }
  return ALL_DATABASE_KINDS.filter((k) => kinds.includes(k));
}

export const SQLITE_FILE_NAME = "chungthu.sqlite";

// ---------------------------------------------------------------------------
// The shared PostgreSQL server

const inCI = () => process.env.CI === "true";

let shared: Promise<PostgresServer> | undefined;
let sharedError: Error | undefined;
let skippedSuites = 0;
let undroppedDatabases = 0;

/** The shared server of this mocha run, started on first call. Rejects (every time) if it can't start. */
export function sharedPostgres(): Promise<PostgresServer> {
  shared ??= startPostgres().catch((e: Error) => {
    sharedError = e;
    throw e;
  });
  return shared;
}

/** Stops the shared server if it was started (root afterAll hook). */
export async function stopSharedPostgres(): Promise<void> {
  const s = shared;
  shared = undefined;
  if (!s) return;
  const server = await s.catch(() => undefined);
  if (server) await server.stop();
}

/** Summary for the end of the run (printed by the root hook). */
export function postgresRunReport(): string | undefined {
  if (sharedError && skippedSuites > 0) {
    return loud(`${skippedSuites} [postgres] suite(s) were SKIPPED: PostgreSQL could not be started.\n${sharedError.message}`);
  }
  if (undroppedDatabases > 0 && process.env.CHUNGTHU_DEBUG_DB) {
    return `note: ${undroppedDatabases} test database(s) still had open connections after their describe and were not dropped early`;
  }
  return undefined;
}

function loud(msg: string): string {
  const bar = "!".repeat(78);
  return `\n${bar}\n${msg.split("\n").map((l) => `!! ${l}`).join("\n")}\n${bar}\n`;
}

// ---------------------------------------------------------------------------
// forEachDatabase

type Body = (ctx: DatabaseContext) => void;
type DescribeFn = (title: string, fn: (this: Mocha.Suite) => void) => Mocha.Suite | void;

interface State {
  dataDir?: string;
  databaseUrl?: string;
}

function makeContext(kind: DatabaseKind, state: State): DatabaseContext {
  const need = (what: string): string => {
    const dataDir = state.dataDir;
    if (!dataDir) throw new Error(`forEachDatabase: ${what} is only available inside before()/it()/after() of the describe (not at describe time)`);
    return dataDir;
  };
  const ctx: DatabaseContext = {
    kind,
    get dataDir() {
      return need("dataDir");
    },
    get databaseUrl() {
      need("databaseUrl");
      return kind === "postgres" ? state.databaseUrl : undefined;
    },
    get sqliteFile() {
      const dir = need("sqliteFile");
      return kind === "sqlite" ? join(dir, SQLITE_FILE_NAME) : undefined;
    },
    url() {
      return kind === "sqlite" ? ctx.sqliteFile! : ctx.databaseUrl!;
    },
    env(extra = {}) {
      const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: ctx.dataDir };
      if (kind === "postgres") env.DATABASE_URL = ctx.databaseUrl;
      else delete env.DATABASE_URL;
      return { ...env, ...extra };
    },
    knexConfig() {
      return kind === "sqlite"
        ? { client: "sqlite3", connection: { filename: ctx.sqliteFile! }, useNullAsDefault: true }
        : { client: "pg", connection: ctx.databaseUrl!, pool: { min: 0, max: 5 } };
    },
  };
  return ctx;
}

function defineVariant(describeFn: DescribeFn, title: string, kind: DatabaseKind, body: Body): void {
  describeFn(`${title} [${kind}]`, function () {
    const state: State = {};
    const ctx = makeContext(kind, state);
    const savedEnv: { DATA_DIR?: string | undefined; DATABASE_URL?: string | undefined } = {};
    let envApplied = false;

    // Registered before the body's hooks, so it runs first.
    before(async function () {
      if (kind === "postgres") {
        this.timeout(Math.max(this.timeout(), 120_000)); // the first one may have to initdb + start the server
        let server: PostgresServer;
        try {
          server = await sharedPostgres();
        } catch (e) {
          if (inCI()) throw new Error(`PostgreSQL could not be started, and CI=true makes that a failure: ${(e as Error).message}`);
          if (skippedSuites++ === 0) {
            console.error(loud(`PostgreSQL could not be started; every [postgres] suite will be SKIPPED (with CI=true this fails instead).\n${(e as Error).message}`));
          }
          this.skip();
        }
        state.databaseUrl = await server.createDatabase();
      }
      state.dataDir = makeTempDir(`chungthu-${kind}-`);
      savedEnv.DATA_DIR = process.env.DATA_DIR;
      savedEnv.DATABASE_URL = process.env.DATABASE_URL;
      envApplied = true;
      process.env.DATA_DIR = state.dataDir;
      if (kind === "postgres") process.env.DATABASE_URL = state.databaseUrl!;
      else delete process.env.DATABASE_URL;
    });

    body(ctx);

    // Registered after the body's hooks, so it runs after them (they close their pools first).
    after(async function () {
      if (envApplied) {
        for (const k of ["DATA_DIR", "DATABASE_URL"] as const) {
          if (savedEnv[k] === undefined) delete process.env[k];
          else process.env[k] = savedEnv[k];
        }
        envApplied = false;
      }
      if (state.databaseUrl) {
        const url = state.databaseUrl;
        state.databaseUrl = undefined;
        const server = await sharedPostgres().catch(() => undefined);
        if (server && !(await server.dropDatabase(url).catch(() => false))) undroppedDatabases++;
      }
      if (state.dataDir) {
        const dir = state.dataDir;
        state.dataDir = undefined;
        removeTempDir(dir);
      }
    });
  });
}

function defineAll(describeFn: DescribeFn, title: string, body: Body): void {
  for (const kind of selectedDatabaseKinds()) defineVariant(describeFn, title, kind, body);
}

/**
 * describe(`${title} [sqlite]`) and describe(`${title} [postgres]`), each with
 * its own fresh database and DATA_DIR; see the top of this file.
 */
export function forEachDatabase(title: string, body: Body): void {
  defineAll(describe, title, body);
}

/** forEachDatabase with describe.only. */
forEachDatabase.only = (title: string, body: Body): void => defineAll(describe.only, title, body);
/** forEachDatabase with describe.skip. */
forEachDatabase.skip = (title: string, body: Body): void => defineAll(describe.skip, title, body);
