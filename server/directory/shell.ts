// What the layout shows a signed-in person on every page: their roles (with
// unit names), the unit tree of their scope as of today, which sections they may open.
import type { CallContext } from "../access/actor";
import type { Scoper } from "../access/scope";
import type { TreeNode, UnitDirectory } from "./unit-directory";
import type { UnitSource } from "./unit-source";

export interface ShellView {
  today: Date;
  tree: TreeNode[];
  roles: Array<{ role: string; unitName: string | null }>;
  canSeeUsers: boolean;
  canSeeAudit: boolean;
  canSeeSubscribers: boolean;
  /** The operations (freshness) dashboard, issue 7. */
  canSeeOperations: boolean;
  /** Holds at least one role: an account without one (a certificate holder's own) sees only its account and tokens. */
  hasRoles: boolean;
}

export function createShell(deps: { units: UnitSource; unitDirectory: UnitDirectory; scoper: Scoper; clock: () => Date }) {
  return {
    async forCaller(ctx: CallContext): Promise<ShellView> {
      const today = deps.clock();
      const ids = ctx.actor.roles.map((r) => r.unitId).filter((x): x is number => x !== null);
      const names = new Map((ids.length ? await deps.units.unitsAsOf(today, ids) : []).map((u) => [u.id, u.name]));
      return {
        today,
        tree: deps.scoper.may(ctx.actor, "units.view") ? await deps.unitDirectory.tree(ctx) : [],
        roles: ctx.actor.roles.map((r) => ({ role: r.role, unitName: r.unitId === null ? null : (names.get(r.unitId) ?? null) })),
        canSeeUsers: deps.scoper.may(ctx.actor, "users.view"),
        canSeeAudit: deps.scoper.may(ctx.actor, "audit.view"),
        canSeeSubscribers: deps.scoper.may(ctx.actor, "subscribers.view"),
        canSeeOperations: deps.scoper.may(ctx.actor, "operations.view"),
        hasRoles: ctx.actor.roles.length > 0,
      };
    },
  };
}

export type Shell = ReturnType<typeof createShell>;
