// Recovery after a crash mid-issuance: a certificate stored as pending was
// never returned to anyone (the signed form is only handed out after the row
// is completed), so an old pending row is marked failed and audited. Young
// pending rows may belong to another process still issuing; they are left alone.
// The age is injectable (startServer's stalePendingMs): a crash test restarting
// at once passes 0, since nothing else is issuing then.
import type { Store } from "../store/store";

export const STALE_PENDING_MS = 10 * 60_000;

export async function recoverInterruptedIssuance(deps: { store: Store; clock: () => Date }, olderThanMs = STALE_PENDING_MS): Promise<string[]> {
  // created_at is stored in whole seconds: round the cutoff up, so "older than
  // 0 ms" also takes a row written earlier in the current second.
  const cutoff = new Date(Math.ceil((deps.clock().getTime() - olderThanMs) / 1000) * 1000);
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
