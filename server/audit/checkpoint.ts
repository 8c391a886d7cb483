// Signs a checkpoint of the audit chain: appends an "audit.checkpoint" entry,
// then signs (last entry id, its hash, entry count, time) with the audit signer
// and stores the signature, all in one transaction, so the checkpoint covers its
// own entry and an unsigned checkpoint never exists. Does not verify anything.
import type { AuditSigner } from "../ca/audit-signer";
import { AppError } from "../errors/app-error";
import type { AuditCheckpoint } from "../store/audit-checkpoint-store";
import { toDbTime } from "../store/db-time";
import type { Store } from "../store/store";
import { checkpointStatement } from "./checkpoint-statement";

export interface CheckpointDeps {
  store: Store;
  signer: AuditSigner;
  clock: () => Date;
}

export interface CheckpointOutcome {
  checkpoint: AuditCheckpoint;
  /** False when the chain had not grown since the newest checkpoint (nothing signed). */
  created: boolean;
}

export function createCheckpointer(deps: CheckpointDeps) {
  const { store, signer, clock } = deps;
  return {
    async checkpoint(actor: string, opts: { force?: boolean } = {}): Promise<CheckpointOutcome> {
      await signer.ensure(actor);
      // Load the key before the transaction: on sqlite the store has one connection,
      // and the transaction holds it.
      const key = await signer.current();
      if (!key) throw new AppError("CA_NOT_INITIALISED", "no audit signer: run `npm run cli -- ca init` first");
      if (!opts.force) {
        const [latest, head] = [await store.auditCheckpoints.latest(), await store.audit.head()];
        if (latest && latest.lastEntryId === head.lastId) return { checkpoint: latest, created: false };
      }
      const checkpoint = await store.transaction(async (tx) => {
        const now = clock();
        // The append comes first: it takes the chain head's lock (and on sqlite the
        // write lock), so the head read next is ours and nobody can append past it.
        await tx.audit.append({ actor, action: "audit.checkpoint", objectType: "audit_chain", outcome: "ok", details: { signer: key.slug } }, now);
        const head = await tx.audit.head();
        const claim = { lastEntryId: head.lastId, lastHash: head.lastHash, entryCount: head.entryCount, signedAt: toDbTime(now) };
        const signature = key.sign(checkpointStatement(claim));
        const cp = { ...claim, signerId: key.signerId, signature, actor };
        return { id: await tx.auditCheckpoints.insert(cp), ...cp };
      });
      return { checkpoint, created: true };
    },
  };
}

export type Checkpointer = ReturnType<typeof createCheckpointer>;
