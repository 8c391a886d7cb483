// `audit verify`, `audit checkpoint`, `audit export-checkpoint`: the
// tamper-evident audit log from the command line.
import type { Command } from "commander";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pem } from "../../server/ca/pki-files";
import { AppError } from "../../server/errors/app-error";
import type { VerifyResult } from "../../server/audit/verify-chain";
import { cliActor, withCore } from "./with-core";

/** The one line naming where the chain breaks and why. */
export function brokenLine(r: VerifyResult): string {
  const where = r.firstBrokenEntryId !== undefined ? `entry ${r.firstBrokenEntryId}` : `checkpoint #${r.brokenCheckpointId}`;
  return `audit chain broken at ${where}: ${r.problem} (${r.detail})`;
}

export function registerAuditCommands(program: Command): void {
  const audit = program.command("audit").description("the tamper-evident audit log");

  audit.command("verify")
    .description("check every entry's hash and link and every signed checkpoint; exit 1 naming the first broken entry")
    .action(async () => {
      await withCore(async (core) => {
        const r = await core.auditLog.verify();
        if (!r.intact) throw new AppError("AUDIT_CHAIN_BROKEN", brokenLine(r));
        console.log(`audit chain intact: ${r.entries} entries, ${r.checkpointsVerified} checkpoints`);
      });
    });

  audit.command("checkpoint")
    .description("sign a checkpoint of the audit chain now (a running server also does this periodically)")
    .option("--force", "sign even when the chain has not grown since the last checkpoint")
    .action(async (o: { force?: boolean }) => {
      await withCore(async (core) => {
        const { checkpoint: cp, created } = await core.auditLog.checkpoint(cliActor(), { force: !!o.force });
        if (!created) {
          console.log(`no new entries since checkpoint #${cp.id} (entries up to ${cp.lastEntryId})`);
          return;
        }
        const signer = await core.store.auditSigners.findById(cp.signerId);
        console.log(`checkpoint #${cp.id} signed: ${cp.entryCount} entries up to entry ${cp.lastEntryId}, hash ${cp.lastHash}, by ${signer?.slug ?? cp.signerId} at ${cp.signedAt}`);
      });
    });

  audit.command("export-checkpoint")
    .description("write a checkpoint's signed statement, signature and certificates, to check with other tools")
    .option("--id <n>", "checkpoint number (default: the newest)")
    .requiredOption("--out <dir>", "directory to write statement.txt, signature.der, signer.pem, chain.pem into")
    .action(async (o: { id?: string; out: string }) => {
      if (o.id !== undefined && !/^[1-9]\d{0,9}$/.test(o.id)) throw new AppError("INPUT_INVALID", "--id must be a checkpoint number");
      await withCore(async (core) => {
        let id = o.id === undefined ? null : Number(o.id);
        if (id === null) {
          const latest = await core.store.auditCheckpoints.latest();
          if (!latest) throw new AppError("NOT_FOUND", "no audit checkpoint yet: run `npm run cli -- audit checkpoint`");
          id = latest.id;
        }
        const ev = await core.auditLog.evidence(id);
        const dir = resolve(o.out);
        mkdirSync(dir, { recursive: true });
        writeFileSync(join(dir, "statement.txt"), ev.statement);
        writeFileSync(join(dir, "signature.der"), ev.signature);
        writeFileSync(join(dir, "signer.pem"), pem("CERTIFICATE", ev.signerCertDer));
        writeFileSync(join(dir, "chain.pem"), ev.chainDer.map((d) => pem("CERTIFICATE", d)).join(""));
        console.log(`checkpoint #${id} written to ${dir}`);
        console.log(`check: openssl x509 -in signer.pem -pubkey -noout > signer-key.pem && openssl dgst -sha256 -verify signer-key.pem -signature signature.der statement.txt`);
      });
    });
}
