// Tests of the test harness itself: reporter, PostgreSQL launcher, forEachDatabase,
// temp dirs and the openssl wrapper.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import knex from "knex";
import { Client } from "pg";
import { forEachDatabase, sharedPostgres, SQLITE_FILE_NAME, type DatabaseContext } from "../support/databases";
import { assertOpenssl, openssl, opensslOk, writeTemp } from "../support/openssl";
import { findPostgresBinDir, PostgresUnavailableError, startPostgres, type PostgresServer } from "../support/postgres";
import { makeTempDir, removeTempDir, tempRoot, useTempDir, withTempDir } from "../support/tmp";

const ROOT = join(__dirname, "..", "..");
const FIXTURES = join(__dirname, "fixtures");
const SUMMARY_RE = /^\d+ passed, \d+ failed(, \d+ skipped)?$/;

interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function runNode(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

function show(r: ChildResult): string {
  return `exit ${r.code} ${r.signal ?? ""}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;
}

/** Skip (outside CI) or fail (CI=true) when this machine has no PostgreSQL. */
function requirePostgres(ctx: Mocha.Context): void {
  try {
    findPostgresBinDir();
  } catch (e) {
    if (process.env.CI === "true") throw e;
    console.error(`skipping: ${(e as Error).message}`);
    ctx.skip();
  }
}

async function pgQuery<T extends Record<string, unknown>>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

async function refusesConnections(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.end();
    return false;
  } catch {
    return true;
  }
}

function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  // A zombie is dead too (its parent is gone and init may be slow to reap it).
  try {
    return readFileSync(`/proc/${pid}/stat`, "utf8").split(" ")[2] === "Z";
  } catch {
    return true;
  }
}

async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("harness: summary-line reporter", function () {
  this.timeout(60_000);
  const mocha = require.resolve("mocha/bin/mocha.js");
  const reporter = join(ROOT, "test/support/reporter.cjs");
  const runFixture = (name: string) =>
    runNode([mocha, "--no-config", "--no-package", "--require", "tsx/cjs", "--reporter", reporter, join(FIXTURES, name)], {
      ...process.env,
      CI: "",
      NO_COLOR: "1",
    });

  let mixed: ChildResult, passing: ChildResult, hookFailure: ChildResult;
  before(async () => {
    [mixed, passing, hookFailure] = await Promise.all([
      runFixture("mixed.spec-fixture.ts"),
      runFixture("passing.spec-fixture.ts"),
      runFixture("hook-failure.spec-fixture.ts"),
    ]);
  });

  const lastLine = (r: ChildResult) => r.stdout.replace(/\n+$/, "").split("\n").pop();

  it("ends with `N passed, N failed, N skipped` when there are pending tests, and mocha fails", () => {
    assert.equal(lastLine(mixed), "2 passed, 1 failed, 1 skipped", show(mixed));
    assert.ok(mixed.stdout.endsWith("2 passed, 1 failed, 1 skipped\n"), `summary must be the very last line\n${show(mixed)}`);
    assert.notEqual(mixed.code, 0, show(mixed));
  });

  it("omits the skipped part when nothing is pending, and mocha succeeds", () => {
    assert.equal(lastLine(passing), "3 passed, 0 failed", show(passing));
    assert.equal(passing.code, 0, show(passing));
  });

  it("still prints the normal spec output (suite titles, failure details)", () => {
    assert.match(mixed.stdout, /fixture: mixed/, show(mixed));
    assert.match(mixed.stdout, /1 failing/, show(mixed));
    assert.match(mixed.stdout, /expected/, show(mixed));
  });

  it("counts a failing hook as a failure", () => {
    assert.equal(lastLine(hookFailure), "1 passed, 1 failed", show(hookFailure));
    assert.notEqual(hookFailure.code, 0, show(hookFailure));
  });

  it("prints exactly one summary line, matching the pattern CI greps for", () => {
    for (const r of [mixed, passing, hookFailure]) {
      const lines = r.stdout.split("\n").filter((l) => SUMMARY_RE.test(l));
      assert.equal(lines.length, 1, show(r));
    }
  });
});

describe("harness: startPostgres()", function () {
  this.timeout(120_000);
  let pg: PostgresServer | undefined;

  before(async function () {
    requirePostgres(this);
    pg = await startPostgres({ database: "harness_standalone" });
  });
  after(async () => {
    await pg?.stop();
  });

  it("returns a postgres:// URL on 127.0.0.1 that answers `select 1` through pg", async () => {
    const url = new URL(pg!.url);
    assert.equal(url.protocol, "postgres:");
    assert.equal(url.hostname, "127.0.0.1");
    assert.equal(Number(url.port), pg!.port);
    assert.equal(url.pathname, "/harness_standalone");
    const rows = await pgQuery<{ one: number; db: string }>(pg!.url, "select 1 as one, current_database() as db");
    assert.deepEqual(rows, [{ one: 1, db: "harness_standalone" }]);
    assert.match(pg!.version, /^\d+/);
  });

  it("runs with the test-speed settings, and as the postgres user when we are root", async () => {
    const rows = await pgQuery<{ fsync: string; sc: string }>(pg!.url, "select current_setting('fsync') as fsync, current_setting('synchronous_commit') as sc");
    assert.deepEqual(rows, [{ fsync: "off", sc: "off" }]);
    if (process.getuid?.() === 0) {
      assert.notEqual(statSync(join(pg!.dir, "data")).uid, 0, "data dir must not be owned by root");
    }
  });

  it("createDatabase() makes separate databases", async () => {
    const a = await pg!.createDatabase();
    const b = await pg!.createDatabase();
    assert.notEqual(a, b);
    await pgQuery(a, "create table only_in_a (x int)");
    // count(*)::int: int8 parsing depends on global pg type parsers other modules may set.
    const inB = await pgQuery<{ n: number }>(b, "select count(*)::int as n from information_schema.tables where table_name = 'only_in_a'");
    assert.equal(inB[0]!.n, 0);
    const inA = await pgQuery<{ n: number }>(a, "select count(*)::int as n from information_schema.tables where table_name = 'only_in_a'");
    assert.equal(inA[0]!.n, 1);
    assert.equal(await pg!.dropDatabase(a), true);
    assert.equal(await pg!.dropDatabase(b), true);
    const left = await pgQuery(pg!.adminUrl, "select 1 from pg_database where datname = any($1)", [[new URL(a).pathname.slice(1), new URL(b).pathname.slice(1)]]);
    assert.equal(left.length, 0);
  });

  it("stop() shuts the server down, removes its directory, and is idempotent", async () => {
    const server = pg!;
    assert.ok(existsSync(server.dir));
    await server.stop();
    await server.stop();
    pg = undefined;
    assert.equal(existsSync(server.dir), false, `${server.dir} still exists`);
    assert.ok(await refusesConnections(server.adminUrl), "server still accepts connections after stop()");
    assert.ok(processGone(server.pid), `postmaster ${server.pid} still running`);
  });

  it("cleans up (server and directory) when the process that started it is SIGKILLed", async () => {
    const child = spawn(process.execPath, ["--require", "tsx/cjs", join(FIXTURES, "pg-crash-child.fixture.ts")], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const info = await new Promise<{ pid: number; dir: string; url: string }>((resolve, reject) => {
      child.stdout.on("data", (d: Buffer) => {
        out += d.toString();
        if (out.includes("\n")) resolve(JSON.parse(out.split("\n")[0]!));
      });
      child.on("exit", (code) => reject(new Error(`child exited ${code} before starting postgres:\n${out}\n${err}`)));
    });
    const exited = new Promise((r) => child.once("exit", r));
    assert.equal(await refusesConnections(info.url), false, "child's server should be up");
    child.kill("SIGKILL");
    await exited;
    await waitFor(`postmaster ${info.pid} to go away`, () => processGone(info.pid), 30_000);
    await waitFor(`${info.dir} to be removed`, () => !existsSync(info.dir), 10_000);
    assert.ok(await refusesConnections(info.url));
  });
});

describe("harness: startPostgres() without PostgreSQL", () => {
  it("fails with a clear PostgresUnavailableError when the binaries are missing", async () => {
    await assert.rejects(startPostgres({ binDir: "/nonexistent/pg/bin" }), (e: Error) => {
      assert.ok(e instanceof PostgresUnavailableError, String(e));
      assert.match(e.message, /initdb/);
      assert.match(e.message, /apt-get install/);
      return true;
    });
  });
});

describe("harness: forEachDatabase", () => {
  const seen: Record<string, { url: string; dataDir: string }> = {};
  const describeTimeErrors: Record<string, unknown> = {};
  const envBefore = { DATA_DIR: process.env.DATA_DIR, DATABASE_URL: process.env.DATABASE_URL };

  const markerTableExists = async (db: DatabaseContext): Promise<boolean> => {
    const k = knex(db.knexConfig());
    try {
      return await k.schema.hasTable("harness_marker");
    } finally {
      await k.destroy();
    }
  };

  forEachDatabase("harness: first describe", (db) => {
    try {
      void db.dataDir;
    } catch (e) {
      describeTimeErrors[db.kind] = e;
    }

    it("context properties throw at describe time (nothing exists yet), kind does not", () => {
      assert.match(String(describeTimeErrors[db.kind]), /only available inside before/);
      assert.ok(db.kind === "sqlite" || db.kind === "postgres");
    });

    it("gets a fresh, empty DATA_DIR under the temp root, also exported as process.env.DATA_DIR", () => {
      assert.ok(db.dataDir.startsWith(tempRoot()), db.dataDir);
      assert.ok(statSync(db.dataDir).isDirectory());
      assert.deepEqual(readdirSync(db.dataDir), []);
      assert.equal(process.env.DATA_DIR, db.dataDir);
      assert.equal(db.env().DATA_DIR, db.dataDir);
    });

    it("exposes the database the app should use (databaseUrl / DATABASE_URL)", () => {
      if (db.kind === "sqlite") {
        assert.equal(db.databaseUrl, undefined);
        assert.equal(process.env.DATABASE_URL, undefined);
        assert.equal("DATABASE_URL" in db.env(), false);
        assert.equal(db.sqliteFile, join(db.dataDir, SQLITE_FILE_NAME));
        assert.equal(db.url(), db.sqliteFile);
      } else {
        assert.match(db.databaseUrl!, /^postgres:\/\/postgres@127\.0\.0\.1:\d+\/t_\w+$/);
        assert.equal(process.env.DATABASE_URL, db.databaseUrl);
        assert.equal(db.env().DATABASE_URL, db.databaseUrl);
        assert.equal(db.sqliteFile, undefined);
        assert.equal(db.url(), db.databaseUrl);
      }
      assert.equal(db.env({ EXTRA: "1" }).EXTRA, "1");
    });

    it("starts empty; writes a marker row", async () => {
      assert.equal(await markerTableExists(db), false);
      const k = knex(db.knexConfig());
      try {
        await k.schema.createTable("harness_marker", (t) => t.string("who"));
        await k("harness_marker").insert({ who: `first ${db.kind}` });
        assert.deepEqual(await k("harness_marker").select("who"), [{ who: `first ${db.kind}` }]);
      } finally {
        await k.destroy();
      }
      seen[db.kind] = { url: db.url(), dataDir: db.dataDir };
    });

    if (db.kind === "sqlite") {
      it("the sqlite database is a real file at DATA_DIR/chungthu.sqlite", () => {
        const st = statSync(db.sqliteFile!);
        assert.ok(st.isFile());
        assert.ok(st.size > 0);
        assert.equal(readFileSync(db.sqliteFile!).subarray(0, 16).toString("latin1"), "SQLite format 3\0");
      });
    } else {
      it("the postgres database is a real database on the shared server", async () => {
        const server = await sharedPostgres();
        const name = new URL(db.databaseUrl!).pathname.slice(1);
        const rows = await pgQuery(server.adminUrl, "select datname from pg_database where datname = $1", [name]);
        assert.equal(rows.length, 1);
        assert.equal(new URL(db.databaseUrl!).port, String(server.port));
      });
    }
  });

  forEachDatabase("harness: second describe", (db) => {
    it("gets a different database and DATA_DIR than the first describe", function () {
      if (!seen[db.kind]) this.skip(); // first describe didn't run (e.g. --grep)
      assert.notEqual(db.url(), seen[db.kind]!.url);
      assert.notEqual(db.dataDir, seen[db.kind]!.dataDir);
    });

    it("does not see the first describe's table or rows", async () => {
      assert.equal(await markerTableExists(db), false);
    });

    it("the first describe's DATA_DIR was removed (and its postgres database dropped)", async function () {
      if (!seen[db.kind]) this.skip();
      assert.equal(existsSync(seen[db.kind]!.dataDir), false);
      if (db.kind === "postgres") {
        const server = await sharedPostgres();
        const name = new URL(seen.postgres!.url).pathname.slice(1);
        assert.equal((await pgQuery(server.adminUrl, "select 1 from pg_database where datname = $1", [name])).length, 0);
      }
    });
  });

  describe("after the forEachDatabase describes", () => {
    it("restored DATA_DIR and DATABASE_URL", () => {
      assert.equal(process.env.DATA_DIR, envBefore.DATA_DIR);
      assert.equal(process.env.DATABASE_URL, envBefore.DATABASE_URL);
    });
  });
});

describe("harness: temp dirs", () => {
  const dir = useTempDir("chungthu-harness-");

  it("useTempDir gives a real directory under os.tmpdir()", () => {
    assert.ok(dir().startsWith(tempRoot() + "/"));
    assert.ok(statSync(dir()).isDirectory());
  });

  it("withTempDir removes the directory afterwards, even when the body throws", async () => {
    let inside = "";
    await assert.rejects(
      withTempDir((d) => {
        inside = d;
        writeTemp(d, "sub/x.txt", "x");
        throw new Error("boom");
      }),
      /boom/,
    );
    assert.ok(inside);
    assert.equal(existsSync(inside), false);
  });

  it("removeTempDir refuses paths it did not create", () => {
    assert.throws(() => removeTempDir("/etc"), /not created by makeTempDir/);
    const d = makeTempDir();
    removeTempDir(d);
    assert.equal(existsSync(d), false);
  });
});

describe("harness: openssl()", () => {
  const dir = useTempDir();

  it("runs openssl and captures stdout", () => {
    const r = opensslOk(["version"]);
    assert.match(r.stdout, /^OpenSSL \d/);
  });

  it("feeds input on stdin and returns binary stdout too", () => {
    const r = opensslOk(["base64", "-d"], { input: "aGVsbG8=\n" });
    assert.equal(r.stdout, "hello");
    assert.deepEqual(r.stdoutBuffer, Buffer.from("hello"));
  });

  it("never throws on failure; assertion messages carry the command, status and both outputs", () => {
    const path = writeTemp(dir(), "not-a-cert.pem", "garbage\n");
    assert.equal(readFileSync(path, "utf8"), "garbage\n");
    const r = openssl(["x509", "-in", "not-a-cert.pem", "-noout"], { cwd: dir() });
    assert.notEqual(r.status, 0);
    assert.throws(
      () => assertOpenssl(r),
      (e: Error) => {
        assert.match(e.message, /openssl x509 -in not-a-cert\.pem -noout/);
        assert.match(e.message, new RegExp(`exited ${r.status}`));
        assert.match(e.message, /--- stdout ---/);
        assert.match(e.message, /--- stderr ---\n.*\S/s);
        return true;
      },
    );
  });

  it("reports a missing binary as status 127 instead of throwing", () => {
    const saved = process.env.OPENSSL_BIN;
    process.env.OPENSSL_BIN = "/nonexistent/openssl";
    try {
      const r = openssl(["version"]);
      assert.equal(r.status, 127);
      assert.match(r.stderr, /could not run openssl/);
    } finally {
      if (saved === undefined) delete process.env.OPENSSL_BIN;
      else process.env.OPENSSL_BIN = saved;
    }
  });

  it("writeTemp refuses names that escape the directory", () => {
    assert.throws(() => writeTemp(dir(), "../escape", "x"), /stay inside dir/);
  });
});
