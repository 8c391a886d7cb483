// `api-token create | list | revoke`: a unit's keys to the JSON API (/api/v1),
// from the command line (the operator on the server is trusted like an admin;
// every change is audited as cli:<user>). The secret is printed once, by create.
import type { Command } from "commander";
import { randomBytes } from "node:crypto";
import { createAccessAudit } from "../../server/access/access-audit";
import { createApiTokens, MAX_EXPIRY_DAYS, type ApiTokens } from "../../server/access/api-tokens";
import { createScoper } from "../../server/access/scope";
import type { Core } from "../../server/core";
import { unitSourceFromStore } from "../../server/directory/unit-source";
import { AppError } from "../../server/errors/app-error";
import { cliActor, withCore } from "./with-core";

function service(core: Core): ApiTokens {
  const units = unitSourceFromStore(core.store.units);
  return createApiTokens({ store: core.store, scoper: createScoper(units), accessAudit: createAccessAudit({ store: core.store, clock: core.clock }), units, clock: core.clock, random: (n) => randomBytes(n) });
}

async function unitIdOf(core: Core, code: string): Promise<number> {
  const unit = await core.store.units.findByCode(code.trim().toUpperCase());
  if (!unit) throw new AppError("UNIT_NOT_FOUND", `no unit with code ${code}`);
  return unit.id;
}

const iso = (d: Date | null) => (d ? d.toISOString().slice(0, 19) + "Z" : "-");

export function registerApiTokenCommands(program: Command): void {
  const cmd = program.command("api-token").description("API tokens for /api/v1 (a document-management system acting for one unit)");

  cmd.command("create")
    .description("create a token for a unit; the secret is printed once (last line) and never stored")
    .requiredOption("--unit <CODE>", "the unit the token acts for (with its sub-units)")
    .requiredOption("--name <name>", "which system uses it, e.g. \"QLVB Sở Tài chính\"")
    .option("--days <n>", `expires after n days (1-${MAX_EXPIRY_DAYS}); default: never`)
    .action(async (o: { unit: string; name: string; days?: string }) => {
      let expiresAt: Date | null = null;
      await withCore(async (core) => {
        if (o.days !== undefined) {
          if (!/^\d{1,4}$/.test(o.days) || Number(o.days) < 1 || Number(o.days) > MAX_EXPIRY_DAYS) throw new AppError("INPUT_INVALID", `--days must be 1-${MAX_EXPIRY_DAYS}`);
          expiresAt = new Date(core.clock().getTime() + Number(o.days) * 86_400_000);
        }
        const made = await service(core).issueAs(cliActor(), { unitId: await unitIdOf(core, o.unit), name: o.name, expiresAt });
        console.log(`created API token ${made.token.id} (${made.token.prefix}…) for ${made.token.unit?.code ?? o.unit}, expires ${iso(made.token.expiresAt)}`);
        console.log("the secret is shown once; store it in the calling system now:");
        console.log(made.secret);
      });
    });

  cmd.command("list")
    .description("tokens (never their secrets): id, prefix, unit, state, name, expiry, last use")
    .option("--unit <CODE>", "only this unit's")
    .action(async (o: { unit?: string }) => {
      await withCore(async (core) => {
        const rows = await service(core).listAll(o.unit === undefined ? undefined : await unitIdOf(core, o.unit));
        for (const t of rows) console.log(`${t.id}\t${t.prefix}…\t${t.unit?.code ?? t.unitId}\t${t.state}\t${t.name}\texpires ${iso(t.expiresAt)}\tlast used ${iso(t.lastUsedAt)}`);
        if (rows.length === 0) console.log("no API tokens");
      });
    });

  cmd.command("revoke")
    .description("revoke a token: every call with it is refused from now on")
    .requiredOption("--id <n>", "the token's id (see api-token list)")
    .action(async (o: { id: string }) => {
      if (!/^\d{1,9}$/.test(o.id)) throw new AppError("INPUT_INVALID", "--id must be a number");
      await withCore(async (core) => {
        const t = await service(core).revokeAs(cliActor(), Number(o.id));
        console.log(`revoked API token ${t.id} (${t.prefix}…) of ${t.unit?.code ?? t.unitId}`);
      });
    });
}
