// The two checks every directory service makes, with their audit entries:
// the actor may use this kind of page at all (else FORBIDDEN, 403), and the
// object is inside their scope (else NOT_FOUND, 404: ids can't be probed).
import type { AccessAudit } from "../access/access-audit";
import type { CallContext } from "../access/actor";
import type { Permission } from "../access/roles";
import type { Scope, Scoper } from "../access/scope";
import { AppError } from "../errors/app-error";

export interface GuardDeps {
  scoper: Scoper;
  audit: AccessAudit;
  clock: () => Date;
}

export function createGuard(deps: GuardDeps) {
  return {
    /** The actor's scope for `permission` now; FORBIDDEN (audited) if no role grants it. `scoper`: the page's own (scope.ts forOneRequest; by default the call's). */
    async scope(ctx: CallContext, permission: Permission, action: string, scoper: Scoper = ctx.scoper ?? deps.scoper): Promise<Scope> {
      if (!deps.scoper.may(ctx.actor, permission)) {
        await deps.audit.denied({ actor: ctx.actor, requestId: ctx.requestId, action, reason: "forbidden", details: { permission } });
        throw new AppError("FORBIDDEN", "you may not use this page");
      }
      return scoper.scopeFor(ctx.actor, deps.clock(), permission);
    },

    /** NOT_FOUND, audited when the object exists but is outside the actor's scope. */
    async notFound(ctx: CallContext, action: string, objectType: string, objectId: string, existed: boolean): Promise<never> {
      if (existed) await deps.audit.denied({ actor: ctx.actor, requestId: ctx.requestId, action, objectType, objectId, reason: "out_of_scope" });
      throw new AppError("NOT_FOUND", `no ${objectType} ${objectId.slice(0, 64)}`);
    },
  };
}

export type Guard = ReturnType<typeof createGuard>;
