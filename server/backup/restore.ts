// `restore`: checks an archive against its manifest, then puts the database and
// DATA_DIR's files back into an empty target (or, with force, over an existing
// one). Never starts the CA and never decrypts a key: the files go back sealed.
import { copyFileSync, createReadStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import type { Config } from "../config/schema";
import { AppError } from "../errors/app-error";
import { openBackupConnection, type BackupConnection } from "../store/backup-store";
import { MIGRATIONS_DIR } from "../store/migrate";
import { sha256File } from "./backup";
import { parseManifest, type Manifest } from "./manifest";
import { extractTarGz } from "./tar-gz";

export interface RestoreOptions {
  config: Config;
  input: string;
  force: boolean;
  configFile: string | null;
}

export interface RestoreResult {
  manifest: Manifest;
  files: number;
  /** Migrations newer than the backup, applied after the restore. */
  migrated: string[];
  /** Where the archive's configuration went: written, identical, or kept beside the existing one. */
  config: { action: "written" | "identical" | "kept-existing"; path: string } | null;
}

/** Extracts and checks every part against the manifest (size and SHA-256); nothing is touched before this passes. */
async function unpack(input: string, staging: string): Promise<Manifest> {
  if (!existsSync(input) || !statSync(input).isFile()) throw new AppError("INPUT_INVALID", `${input} is not a file`);
  const names = await extractTarGz(input, staging);
  if (names[0] !== "manifest.json") throw new AppError("BACKUP_INVALID", "the archive does not start with manifest.json");
  const manifest = parseManifest(readFileSync(join(staging, "manifest.json"), "utf8"));
  const listed = new Set(manifest.parts.map((p) => p.path));
  for (const n of names.slice(1)) if (!listed.has(n)) throw new AppError("BACKUP_INVALID", `${n} is in the archive but not in the manifest`);
  for (const p of manifest.parts) {
    const path = join(staging, ...p.path.split("/"));
    if (!names.includes(p.path)) throw new AppError("BACKUP_INVALID", `${p.path} is in the manifest but missing from the archive`);
    if (statSync(path).size !== p.size || (await sha256File(path)) !== p.sha256) throw new AppError("BACKUP_INVALID", `${p.path} does not match its SHA-256 in the manifest`);
  }
  return manifest;
}

function codeMigrations(): string[] {
  return readdirSync(MIGRATIONS_DIR).filter((f) => /^\d{14}_.+\.ts$/.test(f)).sort();
}

/** Lines of a dump file, opened only when iterated (a readline interface made early loses the lines it reads before). */
async function* lines(path: string): AsyncIterable<string> {
  yield* createInterface({ input: createReadStream(path), crlfDelay: Infinity });
}

export async function restoreBackup(opts: RestoreOptions): Promise<RestoreResult> {
  const { config } = opts;
  const staging = mkdtempSync(join(tmpdir(), "chungthu-restore-"));
  // sqlite: nothing is opened before the file is in place (opening would create an empty database).
  let connection: BackupConnection | null = null;
  const database = () => (connection ??= openBackupConnection(config));
  try {
    const manifest = await unpack(resolve(opts.input), staging);
    const dialect = config.databaseUrl ? "postgres" : "sqlite";
    if (manifest.database.dialect !== dialect) {
      throw new AppError("BACKUP_INVALID", `this is a ${manifest.database.dialect} backup; the configuration points at ${dialect} (restore into the same kind of database)`);
    }
    // The schema is rebuilt by our own migrations: the backup's must be the first ones this version knows.
    const known = codeMigrations();
    const theirs = manifest.database.migrations;
    if (theirs.some((m, i) => known[i] !== m)) throw new AppError("BACKUP_INVALID", "the backup was made by a different or newer version of chungthu (its migrations are not a prefix of ours)");

    const sqliteFile = join(config.dataDir, "chungthu.sqlite");
    const isSqlite = (n: string) => /^chungthu\.sqlite(-wal|-shm|-journal)?$/.test(n);
    const all = existsSync(config.dataDir) ? readdirSync(config.dataDir) : [];
    const dataEntries = all.filter((n) => !isSqlite(n));
    const pgStore = dialect === "postgres" ? database() : null;
    const inUse = [
      ...(all.some(isSqlite) ? ["DATA_DIR has a sqlite database"] : []),
      ...(pgStore && ((await pgStore.userTables()).length || (await pgStore.migrations()).length) ? ["the PostgreSQL database has tables"] : []),
      ...(dataEntries.length ? [`DATA_DIR holds ${dataEntries.join(", ")}`] : []),
    ];
    if (inUse.length && !opts.force) {
      throw new AppError("BACKUP_TARGET_NOT_EMPTY", `refusing to overwrite: ${inUse.join("; ")} (restore into an empty DATA_DIR and database, or add --force)`);
    }
    const inputAbs = resolve(opts.input);
    if (inUse.length) {
      if (pgStore) await pgStore.dropAll();
      for (const n of existsSync(config.dataDir) ? readdirSync(config.dataDir) : []) {
        const path = join(config.dataDir, n);
        if (!inputAbs.startsWith(path + "/") && inputAbs !== path) rmSync(path, { recursive: true, force: true });
      }
    }
    mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });

    // The database first: on PostgreSQL one transaction, so a failure leaves nothing half-loaded.
    if (!pgStore) {
      copyFileSync(join(staging, "database", "chungthu.sqlite"), sqliteFile);
    } else {
      // Our migrations up to exactly the backup's, then its rows, then whatever this version adds.
      await pgStore.migrateUpTo(theirs.length);
      const tables = Object.keys(manifest.database.rows ?? {}).sort();
      await pgStore.loadPostgres(tables.map((table) => ({ table, lines: lines(join(staging, "database", `${table}.jsonl`)) })));
    }
    const migrated = await database().migrateLatest();

    let files = 0;
    for (const p of manifest.parts.filter((x) => x.path.startsWith("data/"))) {
      const target = join(config.dataDir, ...p.path.slice("data/".length).split("/"));
      mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
      copyFileSync(join(staging, ...p.path.split("/")), target);
      files++;
    }

    let configResult: RestoreResult["config"] = null;
    if (manifest.configFile && opts.configFile) {
      const saved = readFileSync(join(staging, ...manifest.configFile.split("/")));
      if (!existsSync(opts.configFile)) {
        writeFileSync(opts.configFile, saved, { mode: 0o600 });
        configResult = { action: "written", path: opts.configFile };
      } else if (readFileSync(opts.configFile).equals(saved)) {
        configResult = { action: "identical", path: opts.configFile };
      } else {
        // The configuration in force wins; the backup's copy is left beside it to compare.
        writeFileSync(`${opts.configFile}.restored`, saved, { mode: 0o600 });
        configResult = { action: "kept-existing", path: `${opts.configFile}.restored` };
      }
    }
    return { manifest, files, migrated, config: configResult };
  } finally {
    if (connection) await (connection as BackupConnection).close();
    rmSync(staging, { recursive: true, force: true });
  }
}
