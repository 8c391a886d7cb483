// Reading users for people: the scoped list with search, one user's page. A
// user is in an actor's scope when they hold a role on a unit in it; the roles
// shown are only those on units in scope (and whole-CA roles, for whole-CA actors).
import type { CallContext } from "../access/actor";
import { inScope, Scope } from "../access/scope";
import { AppError } from "../errors/app-error";
import type { Store } from "../store/store";
import type { RoleGrantRecord, UserRecord } from "../store/user-store";
import type { Guard } from "./guard";
import type { UnitSource, UnitSummary } from "./unit-source";

const PAGE_SIZE = 50;

export interface UserView {
  id: number;
  username: string;
  displayName: string;
  email: string | null;
  lastLoginAt: Date | null;
  lockedUntil: Date | null;
  createdAt: Date;
  roles: Array<{ role: string; unit: UnitSummary | null; unitId: number | null }>;
}

export function createUserDirectory(deps: { store: Store; units: UnitSource; guard: Guard; clock: () => Date }) {
  const { store, guard, clock } = deps;

  async function views(users: UserRecord[], scope: Scope): Promise<UserView[]> {
    const grants = await store.users.rolesOf(users.map((u) => u.id));
    const shown = (g: RoleGrantRecord) => (g.unitId === null ? scope.all : inScope(scope, g.unitId));
    const unitIds = [...new Set(grants.filter(shown).map((g) => g.unitId).filter((x): x is number => x !== null))];
    const units = new Map((unitIds.length ? await deps.units.unitsAsOf(clock(), unitIds) : []).map((u) => [u.id, u]));
    return users.map((u) => ({
      id: u.id,
      username: u.username,
      displayName: u.displayName,
      email: u.email,
      lastLoginAt: u.lastLoginAt,
      lockedUntil: u.lockedUntil && u.lockedUntil > clock() ? u.lockedUntil : null,
      createdAt: u.createdAt,
      roles: grants.filter((g) => g.userId === u.id && shown(g)).map((g) => ({ role: g.role, unitId: g.unitId, unit: g.unitId === null ? null : (units.get(g.unitId) ?? null) })),
    }));
  }

  return {
    async list(ctx: CallContext, f: { text?: string | undefined; page?: number | undefined }) {
      const scope = await guard.scope(ctx, "users.view", "users.list");
      const page = f.page ?? 1;
      if (!Number.isInteger(page) || page < 1 || page > 100_000) throw new AppError("INPUT_INVALID", "bad page number");
      const result = await store.users.list({ units: scope, text: f.text?.slice(0, 64), limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE });
      return { rows: await views(result.rows, scope), page, more: result.more };
    },

    async get(ctx: CallContext, id: number): Promise<UserView> {
      const scope = await guard.scope(ctx, "users.view", "users.view");
      const user = Number.isSafeInteger(id) ? await store.users.findById(id) : null;
      let visible = false;
      if (user) {
        const grants = await store.users.rolesOf([user.id]);
        visible = scope.all || grants.some((g) => g.unitId !== null && inScope(scope, g.unitId));
      }
      if (!user || !visible) return guard.notFound(ctx, "users.view", "user", String(id), user !== null);
      const [view] = await views([user], scope);
      return view!;
    },
  };
}

export type UserDirectory = ReturnType<typeof createUserDirectory>;
