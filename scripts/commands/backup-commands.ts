// `backup --out <file>` and `restore --in <file> [--force]`: the whole service in
// one archive and back (server/backup/). Neither opens the CA nor decrypts a key.
import type { Command } from "commander";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { loadConfig } from "../../server/config/load-config";
import { createBackup } from "../../server/backup/backup";
import { restoreBackup } from "../../server/backup/restore";

/** The configuration file loadConfig reads (server/config/load-config.ts), whether or not it exists. */
function configFilePath(): string {
  return resolve(process.cwd(), process.env.CONFIG_FILE ?? "chungthu.config.json");
}

function appVersion(): string {
  return (JSON.parse(readFileSync(join(__dirname, "..", "..", "package.json"), "utf8")) as { version: string }).version;
}

export function registerBackupCommands(program: Command): void {
  program
    .command("backup")
    .description("write the database (a consistent snapshot, safe while the server runs), DATA_DIR's files and the config file into one .tar.gz with a SHA-256 manifest")
    .requiredOption("--out <file>", "archive to create (must not exist)")
    .action(async (o: { out: string }) => {
      const config = loadConfig();
      const started = Date.now();
      const { out, manifest } = await createBackup({ config, out: o.out, configFile: configFilePath(), clock: () => new Date(), appVersion: appVersion() });
      const bytes = manifest.parts.reduce((n, p) => n + p.size, 0);
      console.log(`backup written: ${out}`);
      console.log(`database: ${manifest.database.dialect}, ${manifest.database.migrations.length} migrations${manifest.database.rows ? `, ${Object.values(manifest.database.rows).reduce((a, b) => a + b, 0)} rows in ${Object.keys(manifest.database.rows).length} tables` : ""}`);
      console.log(`parts: ${manifest.parts.length} (${bytes} bytes before compression), ${Date.now() - started} ms`);
      for (const k of manifest.keys.filter((x) => !x.inArchive)) console.log(`note: the key of ${k.slug} is not in the archive (${k.keyRef.split(";")[0]}…): back up the token with the HSM's own procedure`);
    });

  program
    .command("restore")
    .description("put a backup back into an empty DATA_DIR and database (verifies every part against the manifest first)")
    .requiredOption("--in <file>", "archive written by `backup`")
    .option("--force", "overwrite a DATA_DIR and database that are not empty")
    .action(async (o: { in: string; force?: boolean }) => {
      const config = loadConfig();
      const r = await restoreBackup({ config, input: o.in, force: !!o.force, configFile: configFilePath() });
      console.log(`restored backup of ${r.manifest.createdAt} (${r.manifest.database.dialect}, ${r.manifest.database.migrations.length} migrations) into ${config.dataDir}: ${r.files} files`);
      if (r.migrated.length) console.log(`migrated: ${r.migrated.join(", ")}`);
      if (r.config) console.log(`config: ${r.config.action} ${r.config.path}`);
      for (const k of r.manifest.keys.filter((x) => !x.inArchive)) console.log(`note: the key of ${k.slug} stays in its token (${k.keyRef.split(";")[0]}…): configure ca.keystore for it`);
    });
}
