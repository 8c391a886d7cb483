// chungthu command line: `npm run cli -- <command>`. Every refusal is one line
// on stderr with its stable code and a non-zero exit; never a stack trace.
import "reflect-metadata";
import { Command, CommanderError } from "commander";
import { isAppError } from "../server/errors/app-error";
type Register = (program: Command) => void;

// Each command group's module is loaded only when that group runs: together they
// pull in the whole application (exceljs, pdfkit, the portal…), and an operator's
// `cert show` should not pay for `request import`. No group (or --help) loads all.
const GROUPS: ReadonlyArray<{ names: readonly string[]; load: () => Register }> = [
  { names: ["ca"], load: () => require("./commands/ca-commands").registerCaCommands },
  { names: ["cert"], load: () => require("./commands/cert-commands").registerCertCommands },
  { names: ["cert"], load: () => require("./commands/cert-batch-commands").registerCertBatchCommands },
  { names: ["crl"], load: () => require("./commands/crl-commands").registerCrlCommands },
  { names: ["migrate"], load: () => require("./commands/db-commands").registerDbCommands },
  { names: ["unit", "demo"], load: () => require("./commands/unit-commands").registerUnitCommands },
  { names: ["demo"], load: () => require("./commands/scale-commands").registerScaleCommands },
  { names: ["audit"], load: () => require("./commands/audit-commands").registerAuditCommands },
  { names: ["user"], load: () => require("./commands/user-commands").registerUserCommands },
  { names: ["holiday"], load: () => require("./commands/holiday-commands").registerHolidayCommands },
  { names: ["org-change"], load: () => require("./commands/org-change-commands").registerOrgChangeCommands },
  { names: ["api-token"], load: () => require("./commands/api-token-commands").registerApiTokenCommands },
  { names: ["request"], load: () => require("./commands/request-commands").registerRequestCommands },
  { names: ["token"], load: () => require("./commands/token-commands").registerTokenCommands },
  { names: ["backup", "restore"], load: () => require("./commands/backup-commands").registerBackupCommands },
];

/** The program with every command group, or only those named `only` (the group being run). */
export function buildProgram(only?: string): Command {
  const program = new Command("chungthu")
    .description("chungthu TEST certificate authority")
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
    .showHelpAfterError(false);
  const wanted = only !== undefined && GROUPS.some((g) => g.names.includes(only)) ? GROUPS.filter((g) => g.names.includes(only)) : GROUPS;
  for (const g of wanted) g.load()(program);
  return program;
}

async function main(argv: string[]): Promise<number> {
  try {
    const group = argv.slice(2).find((a) => !a.startsWith("-"));
    await buildProgram(group).parseAsync(argv);
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
