// `user add | list | grant-role | revoke-role | reset-password`: people and their
// roles. A generated password is printed once; nothing else ever shows it.
import type { Command } from "commander";
import { randomBytes } from "node:crypto";
import { createArgon2Hasher } from "../../server/access/passwords";
import { createUserAdminService, UserAdminService } from "../../server/access/user-admin-service";
import { ROLES } from "../../server/access/roles";
import type { Core } from "../../server/core";
import { unitSourceFromStore } from "../../server/directory/unit-source";
import { AppError } from "../../server/errors/app-error";
import { cliActor, withCore } from "./with-core";

function admin(core: Core): UserAdminService {
  return createUserAdminService({ store: core.store, units: unitSourceFromStore(core.store.units), passwords: createArgon2Hasher(), clock: core.clock, random: (n) => randomBytes(n) });
}

/** The password from the named environment variable (never from the command line, where `ps` shows it). */
function passwordFrom(varName: string | undefined): string | undefined {
  if (varName === undefined) return undefined;
  const v = process.env[varName];
  if (v === undefined || v === "") throw new AppError("INPUT_INVALID", `environment variable ${varName} is not set`);
  return v;
}

export function registerUserCommands(program: Command): void {
  const user = program.command("user").description("people who sign in, and their roles");
  const roles = ROLES.join(" | ");

  user.command("add")
    .description("add a user with one role; prints the generated password once unless --password-env is given")
    .requiredOption("--username <name>", "3-64 characters: a-z 0-9 . _ -")
    .requiredOption("--role <role>", `${roles} | none (a certificate holder's own account, see link-subscriber)`)
    .option("--unit <CODE>", "the unit the role is held on (provincial_officer, agency_focal_point)")
    .option("--display-name <name>", "full name as shown in the app")
    .option("--email <addr>", "official e-mail")
    .option("--password-env <VAR>", "take the password from this environment variable")
    .action(async (o: { username: string; role: string; unit?: string; displayName?: string; email?: string; passwordEnv?: string }) => {
      const password = passwordFrom(o.passwordEnv);
      await withCore(async (core) => {
        const r = await admin(core).add({ username: o.username, role: o.role, unitCode: o.unit, displayName: o.displayName, email: o.email, password }, cliActor());
        console.log(`added user ${r.username} (id ${r.id}) as ${o.role}${o.unit ? ` on ${o.unit}` : ""}`);
        if (r.generatedPassword) console.log(`password (shown once, ask them to change it): ${r.generatedPassword}`);
      });
    });

  user.command("list")
    .description("every user with their roles")
    .action(async () => {
      await withCore(async (core) => {
        for (const { user: u, roles: held } of await admin(core).list()) {
          const lock = u.lockedUntil && u.lockedUntil > core.clock() ? `  locked until ${u.lockedUntil.toISOString()}` : "";
          const grants = held.map((g) => (g.unitCode ? `${g.role}@${g.unitCode}` : g.role)).join(", ") || "(no role)";
          console.log(`${u.username}\t${u.displayName}\t${grants}${lock}`);
        }
      });
    });

  user.command("link-subscriber")
    .description("make the account a certificate holder's own (self-service: they may report their token lost when requests.selfServiceLostReport is on)")
    .requiredOption("--username <name>", "the user")
    .option("--subscriber <id>", "the subscriber id (see /subscribers)")
    .option("--none", "unlink")
    .action(async (o: { username: string; subscriber?: string; none?: boolean }) => {
      const id = o.none ? null : Number(o.subscriber);
      if (id !== null && (!Number.isInteger(id) || id <= 0)) throw new AppError("INPUT_INVALID", "--subscriber must be a subscriber id (or use --none)");
      await withCore(async (core) => {
        await admin(core).linkSubscriber({ username: o.username, subscriberId: id }, cliActor());
        console.log(id === null ? `${o.username} is no longer linked to a subscriber` : `${o.username} is linked to subscriber ${id}`);
      });
    });

  user.command("grant-role")
    .description("give a user another role")
    .requiredOption("--username <name>", "the user")
    .requiredOption("--role <role>", roles)
    .option("--unit <CODE>", "the unit (unit roles only)")
    .action(async (o: { username: string; role: string; unit?: string }) => {
      await withCore(async (core) => {
        await admin(core).grantRole({ username: o.username, role: o.role, unitCode: o.unit }, cliActor());
        console.log(`granted ${o.role}${o.unit ? ` on ${o.unit}` : ""} to ${o.username}`);
      });
    });

  user.command("revoke-role")
    .description("take a role away (their sessions end)")
    .requiredOption("--username <name>", "the user")
    .requiredOption("--role <role>", roles)
    .option("--unit <CODE>", "the unit (unit roles only)")
    .action(async (o: { username: string; role: string; unit?: string }) => {
      await withCore(async (core) => {
        await admin(core).revokeRole({ username: o.username, role: o.role, unitCode: o.unit }, cliActor());
        console.log(`revoked ${o.role}${o.unit ? ` on ${o.unit}` : ""} from ${o.username}`);
      });
    });

  user.command("reset-password")
    .description("set a new password (generated and printed once unless --password-env is given); ends the user's sessions and lock-out")
    .requiredOption("--username <name>", "the user")
    .option("--password-env <VAR>", "take the password from this environment variable")
    .action(async (o: { username: string; passwordEnv?: string }) => {
      const password = passwordFrom(o.passwordEnv);
      await withCore(async (core) => {
        const r = await admin(core).resetPassword({ username: o.username, password }, cliActor());
        console.log(`password of ${r.username} reset; ${r.sessionsEnded} session(s) ended`);
        if (r.generatedPassword) console.log(`password (shown once, ask them to change it): ${r.generatedPassword}`);
      });
    });
}
