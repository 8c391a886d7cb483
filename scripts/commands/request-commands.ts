// `request import`: files new-certificate requests (Mẫu 01/02/03) from a CSV or
// XLSX file as a named user, with the same checks and the same all-or-nothing
// creation as the web import (server/ra/bulk-import.ts). The user's roles and
// scope apply exactly as if they had signed in; every step is audited.
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import type { Command } from "commander";
import { actorOfUser, type Actor, type CallContext } from "../../server/access/actor";
import type { Core } from "../../server/core";
import { AppError } from "../../server/errors/app-error";
import { referenceOf } from "../../server/ra/request-ports";
import { cliPortal } from "./cli-portal";
import { withCore } from "./with-core";

/** The named user as an Actor (their roles, as a sign-in would resolve them). */
async function actorOf(core: Core, username: string): Promise<Actor> {
  const user = await core.store.users.findByUsername(username);
  if (!user || user.disabledAt) throw new AppError("USER_NOT_FOUND", `no active user ${username}`);
  return actorOfUser(core.store.users, user);
}


export function registerRequestCommands(program: Command): void {
  const request = program.command("request").description("requests (dossiers) of Decree 68/2024");

  request.command("import")
    .description("create new-certificate requests (Mẫu 01/02/03) from a CSV or XLSX file made from the template: every row is checked; all are created as drafts, or none")
    .requiredOption("--file <path>", "the .xlsx or .csv file")
    .requiredOption("--as <username>", "the focal point or provincial officer filing them (their scope applies)")
    .option("--unit <CODE>", "unit code for rows whose unit column is empty")
    .option("--dry-run", "only check and list the errors")
    .action(async (o: { file: string; as: string; unit?: string; dryRun?: boolean }) => {
      let content: Buffer;
      try {
        content = readFileSync(o.file);
      } catch {
        throw new AppError("INPUT_INVALID", `cannot read ${o.file}`);
      }
      await withCore(async (core) => {
        const ctx: CallContext = { actor: await actorOf(core, o.as), requestId: `cli-${randomUUID()}` };
        const { preview, created } = await cliPortal(core).bulkImport.importFile(ctx, { content, filename: basename(o.file) }, { defaultUnitCode: o.unit ?? null, dryRun: o.dryRun ?? false });
        for (const e of preview.errors) console.error(`dòng ${e.row}${e.column ? ` [${e.column}]` : ""}: ${e.message}`);
        if (!preview.ok) throw new AppError("IMPORT_INVALID", `${preview.errors.length} error(s) in ${preview.rows.filter((r) => r.errors.length).length} of ${preview.rows.length} rows; nothing was created`);
        if (o.dryRun) {
          console.log(`${preview.rows.length} rows OK; nothing created (--dry-run)`);
          return;
        }
        for (const r of created) console.log(`${referenceOf(r.id)}\t${r.type}\t${r.summary}`);
        console.log(`created ${created.length} draft request(s) from ${basename(o.file)}`);
      });
    });
}
