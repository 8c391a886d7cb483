// Everything an outside auditor needs to check one checkpoint with their own
// tools: the signed statement bytes, the signature, the signer's certificate and
// the chain to our root. Read-only.
import { AppError } from "../errors/app-error";
import type { Store } from "../store/store";
import { checkpointStatement } from "./checkpoint-statement";

export interface CheckpointEvidence {
  checkpointId: number;
  statement: Buffer;
  /** ECDSA P-256 / SHA-256 signature over `statement`, DER. */
  signature: Buffer;
  signerCertDer: Buffer;
  /** Issuing CA then root certificate. */
  chainDer: Buffer[];
}

export async function checkpointEvidence(store: Pick<Store, "auditCheckpoints" | "auditSigners" | "cas">, checkpointId: number): Promise<CheckpointEvidence> {
  const cp = await store.auditCheckpoints.findById(checkpointId);
  if (!cp) throw new AppError("NOT_FOUND", `no audit checkpoint #${checkpointId}`);
  const signer = await store.auditSigners.findById(cp.signerId);
  if (!signer) throw new AppError("NOT_FOUND", `checkpoint #${checkpointId} names an unknown audit signer ${cp.signerId}`);
  const chainDer: Buffer[] = [];
  let ca = await store.cas.findById(signer.issuerCaId);
  while (ca && chainDer.length < 4) {
    chainDer.push(ca.certDer);
    ca = ca.parentId === null ? null : await store.cas.findById(ca.parentId);
  }
  return { checkpointId, statement: checkpointStatement(cp), signature: cp.signature, signerCertDer: signer.certDer, chainDer };
}
