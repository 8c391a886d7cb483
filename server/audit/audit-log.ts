// The audit-log service the CLI and the oversight page call: sign a checkpoint,
// verify the chain, export a checkpoint's evidence. Only wires the jobs in this folder.
import type { AuditSigner } from "../ca/audit-signer";
import type { Store } from "../store/store";
import { createCheckpointer } from "./checkpoint";
import { checkpointEvidence } from "./checkpoint-evidence";
import { verifyAuditChain } from "./verify-chain";

export interface AuditLogDeps {
  store: Store;
  signer: AuditSigner;
  clock: () => Date;
}

export function createAuditLog(deps: AuditLogDeps) {
  const checkpointer = createCheckpointer(deps);
  return {
    checkpoint: checkpointer.checkpoint,
    verify: () => verifyAuditChain({ store: deps.store }),
    evidence: (checkpointId: number) => checkpointEvidence(deps.store, checkpointId),
    checkpointCount: () => deps.store.auditCheckpoints.count(),
  };
}

export type AuditLog = ReturnType<typeof createAuditLog>;
