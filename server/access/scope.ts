// Scoping: which units an actor may see or act on for a permission, on a date.
// Whole-CA roles see everything (also certificates with no unit); unit roles see
// the subtree of their units as it stood that day. Every service that reads or
// changes unit-owned data asks here first; hiding links is never the control.
import type { Actor } from "./actor";
import { grants, Permission, UNIT_ROLES } from "./roles";

/** The part of the units service scoping needs (units helper: unit service `subtreeIds`). */
export interface ScopeSource {
  /** `unitId` and every unit below it on `at` (empty if it did not exist then). */
  subtreeIds(unitId: number, at: Date): Promise<number[]>;
}

export type Scope = { all: true } | { all: false; unitIds: number[] };

export const NO_SCOPE: Scope = { all: false, unitIds: [] };

export function createScoper(source: ScopeSource): Scoper {
  /** The units `actor` may see for `permission` on `at`. */
  async function scopeFor(actor: Actor, at: Date, permission: Permission = "units.view"): Promise<Scope> {
    const ids = new Set<number>();
    for (const g of actor.roles) {
      if (!grants(g.role, permission)) continue;
      if (!UNIT_ROLES.includes(g.role)) return { all: true };
      if (g.unitId === null) continue; // a unit role without a unit grants nothing
      for (const id of await source.subtreeIds(g.unitId, at)) ids.add(id);
    }
    return { all: false, unitIds: [...ids].sort((a, b) => a - b) };
  }

  /** Whether any of the actor's roles grants `permission` at all (some scope, maybe empty). */
  function may(actor: Actor, permission: Permission): boolean {
    return actor.roles.some((g) => grants(g.role, permission));
  }

  /**
   * A scoper for one request (a page that asks several services): each unit's
   * subtree is read once and kept for the scoper's life, so a page that needs
   * the scope of four permissions of one role (the dashboard) reads the tree
   * once, not four or five times. Not to be kept beyond the request: the tree
   * changes (org-change) and the day moves on.
   */
  function forOneRequest(): Scoper {
    const subtrees = new Map<number, Promise<number[]>>();
    return createScoper({
      subtreeIds(unitId, at) {
        let ids = subtrees.get(unitId);
        if (!ids) {
          ids = source.subtreeIds(unitId, at);
          subtrees.set(unitId, ids);
          // A failed read is not kept: the next ask reads again.
          ids.catch(() => subtrees.delete(unitId));
        }
        return ids;
      },
    });
  }

  return { scopeFor, may, forOneRequest };
}

export interface Scoper {
  scopeFor(actor: Actor, at: Date, permission?: Permission): Promise<Scope>;
  may(actor: Actor, permission: Permission): boolean;
  forOneRequest(): Scoper;
}

export function inScope(scope: Scope, unitId: number | null): boolean {
  if (scope.all) return true;
  return unitId !== null && scope.unitIds.includes(unitId);
}

/** Intersection of a scope with one unit's subtree (the unit itself must be in scope). */
export function narrow(scope: Scope, subtree: number[]): Scope {
  if (scope.all) return { all: false, unitIds: subtree };
  const allowed = new Set(scope.unitIds);
  return { all: false, unitIds: subtree.filter((id) => allowed.has(id)) };
}
