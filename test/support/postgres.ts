// A throwaway PostgreSQL server for tests.
//
//   startPostgres(opts?) -> Promise<PostgresServer>
//
// Finds the server binaries, initdb's a fresh cluster in a temp dir, starts
// `postgres` on a free TCP port on 127.0.0.1 (unix socket inside the temp dir,
// fsync off and other durability settings traded for speed), waits until it
// answers `select 1`, creates a database and returns its postgres:// URL.
// `stop()` does a fast shutdown and removes the temp dir.
//
// Running as root: initdb/postgres refuse to run as root, so the temp dir is
// chowned to the `postgres` system user and the tools are spawned with that
// uid/gid (node's spawn({ uid, gid }), which is what `runuser -u postgres --`
// does, minus PAM and minus the extra process between us and the postmaster,
// so the pid we hold is the postmaster's own and signals reach it directly).
//
// If the test process dies without calling stop() (crash, SIGKILL, Ctrl-C,
// process.exit), a small detached watchdog shell notices its stdin pipe close,
// shuts the server down and removes the temp dir. On a normal process exit we
// also send SIGQUIT (immediate shutdown) synchronously from an 'exit' handler.
//
// Binaries are looked up in: opts.binDir, $PG_BINDIR, /usr/lib/postgresql/<newest>/bin,
// `pg_config --bindir`, then $PATH. If none has both initdb and postgres,
// startPostgres rejects with PostgresUnavailableError (message says what to install).
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { chownSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, realpathSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { Client } from "pg";

export interface PostgresServer {
  /** postgres://postgres@127.0.0.1:<port>/<database> of the database created at start. */
  readonly url: string;
  /** URL of the maintenance database `postgres` (for CREATE/DROP DATABASE). */
  readonly adminUrl: string;
  readonly host: "127.0.0.1";
  readonly port: number;
  /** Name of the database created at start. */
  readonly database: string;
  /** Temp dir holding data/, sock/ and postgres.log; removed by stop(). */
  readonly dir: string;
  /** Server version string, e.g. "15.18". */
  readonly version: string;
  /** Postmaster pid. */
  readonly pid: number;
  /** CREATE DATABASE (a fresh, empty one; default name is unique) and return its URL. */
  createDatabase(name?: string): Promise<string>;
  /**
   * DROP DATABASE IF EXISTS. Without force, returns false (instead of throwing)
   * if the database still has connections; with force, terminates them.
   */
  dropDatabase(nameOrUrl: string, opts?: { force?: boolean }): Promise<boolean>;
  /** Last `bytes` bytes of the server log (for error messages). */
  logTail(bytes?: number): string;
  /** Fast shutdown, then remove the temp dir. Idempotent. */
  stop(): Promise<void>;
}

export interface StartPostgresOptions {
  /** Directory holding initdb and postgres. Default: search (see top of file). */
  binDir?: string;
  /** Name of the database created at start. Default "chungthu_test". */
  database?: string;
  /** Extra `-c name=value` server settings (override the defaults below). */
  settings?: Record<string, string>;
  /** How long to wait for the server to accept connections. Default 30 s. */
  startTimeoutMs?: number;
}

/** PostgreSQL is not installed (or not usable) on this machine. */
export class PostgresUnavailableError extends Error {
  override name = "PostgresUnavailableError";
}

const INSTALL_HINT =
  "Install the PostgreSQL server binaries (Debian/Ubuntu: `apt-get install --no-install-recommends postgresql`, " +
  "or just run `bash scripts/ensure-system-deps.sh` as root), or point PG_BINDIR at a directory containing initdb and postgres.";

const DEFAULT_SETTINGS: Record<string, string> = {
  fsync: "off",
  synchronous_commit: "off",
  full_page_writes: "off",
  wal_level: "minimal",
  max_wal_senders: "0",
  max_wal_size: "1GB",
  checkpoint_timeout: "30min",
  autovacuum: "off",
  jit: "off",
  max_connections: "300",
  shared_buffers: "64MB",
  // DSM segments as files in the data dir: containers often have a tiny /dev/shm.
  dynamic_shared_memory_type: "mmap",
  max_parallel_workers_per_gather: "0",
  logging_collector: "off",
  log_min_messages: "warning",
  log_min_error_statement: "panic",
  log_checkpoints: "off",
  log_connections: "off",
  log_disconnections: "off",
  ssl: "off",
};

function isServerBinDir(dir: string): boolean {
  return existsSync(join(dir, "initdb")) && existsSync(join(dir, "postgres"));
}

function versionKey(name: string): number {
  const m = /^(\d+)(?:\.(\d+))?/.exec(name);
  return m ? Number(m[1]) * 1000 + Number(m[2] ?? 0) : -1;
}

/** Where initdb/postgres live. Throws PostgresUnavailableError if not found. */
export function findPostgresBinDir(explicit?: string): string {
  const tried: string[] = [];
  const explicitDir = explicit ?? process.env.PG_BINDIR;
  if (explicitDir) {
    if (isServerBinDir(explicitDir)) return explicitDir;
    throw new PostgresUnavailableError(`PostgreSQL server binaries not found: ${explicitDir} has no initdb/postgres. ${INSTALL_HINT}`);
  }
  const debianRoot = "/usr/lib/postgresql";
  if (existsSync(debianRoot)) {
    const versions = readdirSync(debianRoot).sort((a, b) => versionKey(b) - versionKey(a));
    for (const v of versions) {
      const dir = join(debianRoot, v, "bin");
      tried.push(dir);
      if (isServerBinDir(dir)) return dir;
    }
  } else {
    tried.push(`${debianRoot}/*/bin`);
  }
  try {
    const dir = execFileSync("pg_config", ["--bindir"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], timeout: 10_000 }).trim();
    tried.push(`${dir} (pg_config --bindir)`);
    if (dir && isServerBinDir(dir)) return dir;
  } catch {
    tried.push("pg_config (not found)");
  }
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir && isServerBinDir(dir)) return dir;
  }
  tried.push("$PATH");
  throw new PostgresUnavailableError(`PostgreSQL server binaries (initdb, postgres) not found; looked in ${tried.join(", ")}. ${INSTALL_HINT}`);
}

/** uid/gid to run the server as: the `postgres` user when we are root, else ourselves (undefined). */
function serverUser(): { uid: number; gid: number } | undefined {
  if (typeof process.getuid !== "function" || process.getuid() !== 0) return undefined;
  try {
    const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim());
    if (Number.isInteger(uid) && Number.isInteger(gid) && uid !== 0) return { uid, gid };
  } catch {
    // fall through
  }
  throw new PostgresUnavailableError(
    "running as root, but there is no unprivileged `postgres` user to run initdb/postgres as (PostgreSQL refuses to run as root). " +
      "Install the postgresql package (it creates the user) or `useradd --system --home-dir /var/lib/postgresql postgres`.",
  );
}

/**
 * os.tmpdir(), unless the postgres user couldn't traverse it (a private TMPDIR
 * while we run as root) or it is so long that the unix socket path
 * (<dir>/chungthu-pg-XXXXXX/sock/.s.PGSQL.NNNNN) would exceed the ~107-byte limit:
 * then /tmp.
 */
function baseTempDir(dropsPrivileges: boolean): string {
  let base: string;
  try {
    base = realpathSync(tmpdir());
  } catch {
    return "/tmp";
  }
  if (base.length > 60) return "/tmp";
  if (dropsPrivileges) {
    for (let d = base; ; d = dirname(d)) {
      try {
        if ((statSync(d).mode & 0o001) === 0) return "/tmp";
      } catch {
        return "/tmp";
      }
      if (d === dirname(d)) break;
    }
  }
  return base;
}

function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("PG")) env[k] = v;
  env.LC_ALL = "C";
  env.LANG = "C";
  return env;
}

function readTail(file: string, bytes: number): string {
  try {
    const buf = readFileSync(file);
    return buf.subarray(Math.max(0, buf.length - bytes)).toString("utf8");
  } catch {
    return "";
  }
}

function run(bin: string, args: string[], opts: { user: { uid: number; gid: number } | undefined; cwd: string; logFile: string }): Promise<number> {
  return new Promise((resolve, reject) => {
    const fd = openSync(opts.logFile, "a");
    let child: ChildProcess;
    try {
      child = spawn(bin, args, { cwd: opts.cwd, env: cleanEnv(), stdio: ["ignore", fd, fd], ...(opts.user ?? {}) });
    } finally {
      closeSync(fd);
    }
    child.on("error", reject);
    child.on("exit", (code, signal) => resolve(code ?? 128 + (signal === "SIGKILL" ? 9 : 15)));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
/** Like sleep, but doesn't keep the process alive (for timeouts raced against other events). */
const unrefSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

async function query(url: string, sql: string, connectTimeoutMs = 5000): Promise<void> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: connectTimeoutMs });
  client.on("error", () => {}); // server going away while we hold an idle client must not crash the process
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end().catch(() => {});
  }
}

// The watchdog: runs detached (so Ctrl-C to our process group doesn't kill it
// first), blocks reading its stdin, which is a pipe only we hold. EOF (our
// process is gone, however it died) => shut the server down and remove the
// dir. "disarm" (written by stop()) => exit quietly.
const WATCHDOG = `
IFS= read -r cmd || cmd=""
[ "$cmd" = disarm ] && exit 0
kill -INT "$1" 2>/dev/null
i=0
while kill -0 "$1" 2>/dev/null; do
  [ "$(cut -d' ' -f3 /proc/$1/stat 2>/dev/null)" = Z ] && break
  i=$((i+1))
  [ $i -eq 100 ] && kill -QUIT "$1" 2>/dev/null
  [ $i -ge 200 ] && { kill -KILL "$1" 2>/dev/null; break; }
  sleep 0.1
done
rm -rf "$2"
`;

const NAME_RE = /^[a-z_][a-z0-9_]{0,62}$/;
let dbCounter = 0;

function databaseNameOf(nameOrUrl: string): string {
  if (nameOrUrl.includes("://")) return decodeURIComponent(new URL(nameOrUrl).pathname.replace(/^\//, ""));
  return nameOrUrl;
}

/** Starts a throwaway PostgreSQL server; see the top of this file. */
export async function startPostgres(opts: StartPostgresOptions = {}): Promise<PostgresServer> {
  const binDir = findPostgresBinDir(opts.binDir);
  const user = serverUser();
  const database = opts.database ?? "chungthu_test";
  if (!NAME_RE.test(database)) throw new Error(`invalid database name ${JSON.stringify(database)}`);
  const startTimeoutMs = opts.startTimeoutMs ?? 30_000;

  let version = "unknown";
  try {
    const out = execFileSync(join(binDir, "postgres"), ["--version"], { encoding: "utf8", env: cleanEnv(), ...(user ?? {}) });
    version = /(\d+(?:\.\d+)*)/.exec(out)?.[1] ?? out.trim();
  } catch {
    // reported below if the server really can't run
  }

  const dir = mkdtempSync(join(baseTempDir(user !== undefined), "chungthu-pg-"));
  const dataDir = join(dir, "data");
  const sockDir = join(dir, "sock");
  const logFile = join(dir, "postgres.log");
  const fail = (msg: string): never => {
    const tail = readTail(logFile, 4000);
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`${msg} (PostgreSQL ${version}, ${binDir}${user ? ", as user postgres" : ""})${tail ? `\n--- postgres.log (tail) ---\n${tail}` : ""}`);
  };

  try {
    mkdirSync(sockDir, { mode: 0o700 });
    closeSync(openSync(logFile, "a"));
    if (user) {
      for (const p of [dir, sockDir, logFile]) chownSync(p, user.uid, user.gid);
    }
  } catch (e) {
    fail(`could not prepare ${dir}: ${(e as Error).message}`);
  }

  const initStatus = await run(join(binDir, "initdb"), ["-D", dataDir, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "-N"], {
    user,
    cwd: dir,
    logFile,
  }).catch((e: Error) => fail(`could not run initdb: ${e.message}`));
  if (initStatus !== 0) fail(`initdb exited with status ${initStatus}`);

  const settings = { ...DEFAULT_SETTINGS, ...opts.settings };
  let child: ChildProcess | undefined;
  let port = 0;
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    const args = ["-D", dataDir, "-h", "127.0.0.1", "-p", String(port), "-k", sockDir];
    for (const [k, v] of Object.entries(settings)) args.push("-c", `${k}=${v}`);
    const fd = openSync(logFile, "a");
    try {
      child = spawn(join(binDir, "postgres"), args, { cwd: dir, env: cleanEnv(), stdio: ["ignore", fd, fd], ...(user ?? {}) });
    } finally {
      closeSync(fd);
    }
    const c = child;
    let exited: string | undefined;
    let spawnError: Error | undefined;
    c.on("error", (e) => (spawnError = e));
    c.on("exit", (code, signal) => (exited = signal ? `signal ${signal}` : `status ${code}`));

    const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
    const deadline = Date.now() + startTimeoutMs;
    let lastErr = "";
    let up = false;
    while (Date.now() < deadline) {
      if (spawnError) fail(`could not run postgres: ${spawnError.message}`);
      if (exited !== undefined) break;
      try {
        await query(adminUrl, "select 1", 2000);
        up = true;
        break;
      } catch (e) {
        lastErr = (e as Error).message;
        await sleep(50);
      }
    }
    if (up) break;
    if (exited !== undefined) {
      const log = readTail(logFile, 4000);
      if (attempt < 5 && /could not bind|Address already in use|could not create any TCP\/IP sockets/i.test(log)) continue; // lost a port race
      fail(`postgres exited with ${exited} during startup`);
    }
    c.kill("SIGKILL");
    fail(`postgres did not accept connections on 127.0.0.1:${port} within ${startTimeoutMs} ms (last error: ${lastErr})`);
  }

  const server = child!;
  const pid = server.pid!;
  const exitPromise = new Promise<void>((r) => {
    if (server.exitCode !== null || server.signalCode !== null) r();
    else server.once("exit", () => r());
  });

  const watchdog = spawn("/bin/sh", ["-c", WATCHDOG, "chungthu-pg-watchdog", String(pid), dir], {
    detached: true,
    stdio: ["pipe", "ignore", "ignore"],
  });
  watchdog.on("error", () => {}); // no /bin/sh: we lose the crash safety net, not the server
  watchdog.stdin?.on("error", () => {});
  watchdog.unref();
  (watchdog.stdin as unknown as { unref?: () => void } | null)?.unref?.();

  let stopped: Promise<void> | undefined;
  const onExit = () => {
    // Synchronous last resort on a normal process exit without stop(): immediate
    // shutdown; the watchdog (which sees our pipe close) waits for it and rm -rf's the dir.
    if (!stopped) {
      try {
        process.kill(pid, "SIGQUIT");
      } catch {
        // already gone
      }
    }
  };
  process.on("exit", onExit);

  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const urlFor = (name: string) => `postgres://postgres@127.0.0.1:${port}/${name}`;

  const createDatabase = async (name?: string): Promise<string> => {
    const db = name ?? `t_${process.pid}_${++dbCounter}_${Math.random().toString(36).slice(2, 8)}`;
    if (!NAME_RE.test(db)) throw new Error(`invalid database name ${JSON.stringify(db)}`);
    await query(adminUrl, `CREATE DATABASE "${db}"`);
    return urlFor(db);
  };

  const dropDatabase = async (nameOrUrl: string, o: { force?: boolean } = {}): Promise<boolean> => {
    const db = databaseNameOf(nameOrUrl);
    if (!NAME_RE.test(db)) throw new Error(`invalid database name ${JSON.stringify(db)}`);
    try {
      await query(adminUrl, `DROP DATABASE IF EXISTS "${db}"${o.force ? " WITH (FORCE)" : ""}`);
      return true;
    } catch (e) {
      if ((e as { code?: string }).code === "55006") return false; // object_in_use: still has sessions
      throw e;
    }
  };

  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      process.off("exit", onExit);
      const escalate = async (signal: NodeJS.Signals, waitMs: number): Promise<boolean> => {
        try {
          process.kill(pid, signal);
        } catch {
          return true; // already gone
        }
        return Promise.race([exitPromise.then(() => true), unrefSleep(waitMs).then(() => false)]);
      };
      if (server.exitCode === null && server.signalCode === null) {
        // SIGINT = fast shutdown (disconnect clients, checkpoint, exit); then immediate; then kill.
        (await escalate("SIGINT", 15_000)) || (await escalate("SIGQUIT", 5_000)) || (await escalate("SIGKILL", 5_000));
      }
      if (watchdog.stdin && !watchdog.stdin.destroyed) {
        watchdog.stdin.end("disarm\n");
      }
      rmSync(dir, { recursive: true, force: true });
    })();
    return stopped;
  };

  try {
    await createDatabase(database);
  } catch (e) {
    await stop();
    throw new Error(`PostgreSQL started but CREATE DATABASE ${database} failed: ${(e as Error).message}`);
  }

  return {
    url: urlFor(database),
    adminUrl,
    host: "127.0.0.1",
    port,
    database,
    dir,
    version,
    pid,
    createDatabase,
    dropDatabase,
    logTail: (bytes = 4000) => readTail(logFile, bytes),
    stop,
  };
}
