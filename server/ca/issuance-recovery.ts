// Recovery after a crash mid-issuance: a certificate stored as pending was
// never returned to anyone (the signed form is only handed out after the row
// is completed), so an old pending row is marked failed and audited. Young
// pending rows may belong to another process still issuing; they are left alone.
import type { Store } from "../store/store";

export const STALE_PENDING_MS = 10 * 60_000;

export async function recoverInterruptedIssuance(deps: { store: Store; clock: () => Date }, olderThanMs = STALE_PENDING_MS): Promise<string[]> {
  const cutoff = new Date(deps.clock().getTime() - olderThanMs);
  const serials = await deps.store.certificates.stalePending(cutoff);
  for (const serial of serials) {
    await deps.store.transaction(async (tx) => {
      await tx.certificates.markFailed(serial);
      await tx.audit.append(
        { actor: "system:recovery", action: "cert.issue", objectType: "certificate", objectId: serial, outcome: "refused", details: { reason: "issuance interrupted before completion; marked failed" } },
        deps.clock(),
      );
    });
  }
  return serials;
}
