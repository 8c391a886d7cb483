// Writes refusals of access to the audit log: a permission the actor lacks, an
// object outside their scope (reported to them as not found), a form without a
// valid CSRF token. One place, so every denial reads the same in the log.
import type { Store } from "../store/store";
import { Actor, auditActor, auditRole } from "./actor";

export interface AccessAudit {
  denied(entry: { actor: Actor | null; requestId: string | null; action: string; objectType?: string | null; objectId?: string | null; reason: string; details?: Record<string, unknown> }): Promise<void>;
}

export function createAccessAudit(deps: { store: Pick<Store, "audit">; clock: () => Date }): AccessAudit {
  return {
    async denied(e) {
      await deps.store.audit.append(
        {
          actor: auditActor(e.actor),
          ...auditRole(e.actor),
          action: e.action,
          objectType: e.objectType ?? null,
          objectId: e.objectId ?? null,
          outcome: "refused",
          requestId: e.requestId,
          details: { reason: e.reason, ...(e.details ?? {}) },
        },
        deps.clock(),
      );
    },
  };
}
