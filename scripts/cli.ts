// chungthu command line: `npm run cli -- <command>`. Every refusal is one line
// on stderr with its stable code and a non-zero exit; never a stack trace.
import "reflect-metadata";
import { Command, CommanderError } from "commander";
import { isAppError } from "../server/errors/app-error";
import { registerApiTokenCommands } from "./commands/api-token-commands";
import { registerAuditCommands } from "./commands/audit-commands";
import { registerBackupCommands } from "./commands/backup-commands";
import { registerCaCommands } from "./commands/ca-commands";
import { registerCertCommands } from "./commands/cert-commands";
import { registerCrlCommands } from "./commands/crl-commands";
import { registerDbCommands } from "./commands/db-commands";
import { registerHolidayCommands } from "./commands/holiday-commands";
import { registerOrgChangeCommands } from "./commands/org-change-commands";
import { registerRequestCommands } from "./commands/request-commands";
import { registerScaleCommands } from "./commands/scale-commands";
import { registerTokenCommands } from "./commands/token-commands";
import { registerUnitCommands } from "./commands/unit-commands";
import { registerUserCommands } from "./commands/user-commands";

export function buildProgram(): Command {
  const program = new Command("chungthu")
    .description("chungthu TEST certificate authority")
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
    .showHelpAfterError(false);
  registerCaCommands(program);
  registerCertCommands(program);
  registerCrlCommands(program);
  registerDbCommands(program);
  registerUnitCommands(program);
  registerScaleCommands(program);
  registerAuditCommands(program);
  registerUserCommands(program);
  registerHolidayCommands(program);
  registerOrgChangeCommands(program);
  registerApiTokenCommands(program);
  registerRequestCommands(program);
  registerTokenCommands(program);
  registerBackupCommands(program);
  return program;
}

async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (isAppError(e)) {
      process.stderr.write(`error [${e.code}]: ${e.message}\n`);
      return 1;
    }
    const message = e instanceof Error ? e.message : String(e);
    process.stderr.write(`error [INTERNAL]: ${message.split("\n")[0]}\n`);
    if (process.env.DEBUG) process.stderr.write(`${(e as Error).stack ?? ""}\n`);
    return 3;
  }
}

main(process.argv).then((code) => {
  process.exitCode = code;
});
