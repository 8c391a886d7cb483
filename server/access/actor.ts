// Who is acting: the signed-in user and the roles they hold, resolved once per
// request and passed to every service that reads or changes something.
import type { UserStore } from "../store/user-store";
import { isRole, type Role } from "./roles";
import type { Scoper } from "./scope";

export interface RoleGrant {
  role: Role;
  /** null for whole-CA roles. */
  unitId: number | null;
}

export interface Actor {
  userId: number;
  username: string;
  displayName: string;
  roles: RoleGrant[];
}

/** What a service needs to know about the call: who, and which request (for the audit log). */
export interface CallContext {
  actor: Actor;
  requestId: string | null;
  /**
   * The scoper of this one page view (scope.ts forOneRequest), so the side
   * panel, the lists and the dashboard read the unit subtree once between
   * them. Set for reads only (GET): a request that changes the tree must not
   * see a subtree read before its change.
   */
  scoper?: Scoper;
}

/** The actor's name in the audit log. */
export function auditActor(actor: Actor | null): string {
  // API tokens act as "api:<prefix>" (server/access/api-tokens.ts); user names never contain ":".
  if (actor?.username.startsWith("api:")) return actor.username;
  return actor ? `web:${actor.username}` : "web:anonymous";
}

/** The role and unit recorded with an audit entry: the first grant (an actor with several is rare). */
export function auditRole(actor: Actor | null): { role: string | null; unitId: number | null } {
  if (!actor || actor.roles.length === 0) return { role: null, unitId: null };
  return { role: actor.roles.map((r) => r.role).join(","), unitId: actor.roles.find((r) => r.unitId !== null)?.unitId ?? null };
}

/** A user as an Actor: their roles, as a sign-in resolves them (unknown role names are ignored). */
export async function actorOfUser(users: Pick<UserStore, "rolesOf">, user: { id: number; username: string; displayName: string }): Promise<Actor> {
  const roles: RoleGrant[] = [];
  for (const g of await users.rolesOf([user.id])) if (isRole(g.role)) roles.push({ role: g.role, unitId: g.unitId });
  return { userId: user.id, username: user.username, displayName: user.displayName, roles };
}
