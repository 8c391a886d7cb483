// `backup`: one archive holding the database snapshot, DATA_DIR's files (sealed
// CA key files as they are, certificates, CRLs) and the configuration file, with a
// manifest of SHA-256 per part. Safe while the server runs; never decrypts a key.
import { createHash } from "node:crypto";
import { copyFileSync, createReadStream, createWriteStream, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { once } from "node:events";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import type { Config } from "../config/schema";
import { AppError } from "../errors/app-error";
import { openBackupConnection } from "../store/backup-store";
import { writeTarGz } from "./tar-gz";
import { BACKUP_FORMAT, type Manifest } from "./manifest";

export interface BackupOptions {
  config: Config;
  out: string;
  /** The configuration file in force (CONFIG_FILE or ./chungthu.config.json), when there is one. */
  configFile: string | null;
  clock: () => Date;
  appVersion: string;
}

/** DATA_DIR entries never copied as files: the live sqlite database (snapshotted instead) and half-written temporaries. */
function skipped(rel: string): boolean {
  return /^chungthu\.sqlite(-wal|-shm|-journal)?$/.test(rel) || /\.tmp-\d+$/.test(rel);
}

export async function sha256File(path: string): Promise<string> {
  const h = createHash("sha256");
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest("hex");
}

export async function createBackup(opts: BackupOptions): Promise<{ out: string; manifest: Manifest }> {
  const { config } = opts;
  const out = resolve(opts.out);
  if (existsSync(out)) throw new AppError("INPUT_INVALID", `${out} already exists: choose a new file name`);
  mkdirSync(dirname(out), { recursive: true });
  const staging = mkdtempSync(join(dirname(out), ".chungthu-backup-"));
  const copied = new Set<string>();

  const copyTree = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (path === out || path === staging) continue;
      const rel = relative(config.dataDir, path).split(sep).join("/");
      const st = lstatSync(path);
      if (st.isDirectory()) copyTree(path);
      else if (st.isFile() && !skipped(rel) && !copied.has(rel)) {
        const target = join(staging, "data", ...rel.split("/"));
        mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
        copyFileSync(path, target);
        copied.add(rel);
      }
    }
  };

  const store = openBackupConnection(config);
  try {
    // Files first, database second: every CRL number in the copied files is then
    // at most the snapshot's counter, so a restored CA never reissues a published number (RFC 5280 5.2.3).
    copyTree(config.dataDir);
    mkdirSync(join(staging, "database"), { mode: 0o700 });
    let migrations: string[];
    let rows: Record<string, number> | null = null;
    if (store.dialect === "sqlite") {
      await store.snapshotSqlite(join(staging, "database", "chungthu.sqlite"));
      migrations = await store.migrations();
    } else {
      const dumped = await store.dumpPostgres((table) => {
        const w = createWriteStream(join(staging, "database", `${table}.jsonl`), { mode: 0o600 });
        return {
          async write(line) {
            if (!w.write(line + "\n")) await once(w, "drain");
          },
          async end() {
            w.end();
            await once(w, "finish");
          },
        };
      });
      migrations = dumped.migrations;
      rows = dumped.rows;
    }
    // A key made between the file copy and the snapshot (responder renewal) is
    // referenced by the snapshot: key files are written once, before their row, so copy the newcomers now.
    copyTree(join(config.dataDir, "ca", "keys"));
    const cas = await store.cas.listActive();
    if (opts.configFile && existsSync(opts.configFile)) {
      mkdirSync(join(staging, "config"), { mode: 0o700 });
      copyFileSync(opts.configFile, join(staging, "config", basename(opts.configFile)));
    }

    const parts: Manifest["parts"] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir).sort()) {
        const path = join(dir, name);
        if (lstatSync(path).isDirectory()) walk(path);
        else parts.push({ path: relative(staging, path).split(sep).join("/"), size: lstatSync(path).size, sha256: "" });
      }
    };
    for (const top of ["database", "data", "config"]) if (existsSync(join(staging, top))) walk(join(staging, top));
    for (const p of parts) p.sha256 = await sha256File(join(staging, p.path));

    const manifest: Manifest = {
      format: BACKUP_FORMAT,
      createdAt: opts.clock().toISOString(),
      app: { name: "chungthu", version: opts.appVersion },
      source: { dataDir: config.dataDir, publicUrl: config.publicUrl },
      database: { dialect: store.dialect, migrations, rows },
      // Token keys cannot leave the token (CKA_EXTRACTABLE false): the archive names them, the HSM's own backup carries them.
      keys: cas.map((c) => ({ slug: c.slug, kind: c.kind, keyRef: c.keyRef, inArchive: c.keyRef.startsWith("file:") && copied.has(`ca/keys/${c.keyRef.slice(5)}`) })),
      configFile: opts.configFile && existsSync(opts.configFile) ? `config/${basename(opts.configFile)}` : null,
      parts,
    };
    writeFileSync(join(staging, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n", { mode: 0o600 });
    const tmp = `${out}.tmp-${process.pid}`;
    await writeTarGz(tmp, [{ name: "manifest.json", path: join(staging, "manifest.json") }, ...parts.map((p) => ({ name: p.path, path: join(staging, p.path) }))]);
    renameSync(tmp, out);
    return { out, manifest };
  } finally {
    await store.close();
    rmSync(staging, { recursive: true, force: true });
  }
}
