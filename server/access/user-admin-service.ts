// Managing users (the `user …` CLI commands): add, list, grant and revoke roles,
// reset passwords. Whole-CA roles take no unit; unit roles need one that exists
// today. Every change is audited; a reset ends the user's sessions.
import { AppError, isAppError } from "../errors/app-error";
import type { UnitSource } from "../directory/unit-source";
import type { Store } from "../store/store";
import type { UserRecord } from "../store/user-store";
import { checkPasswordRules, generatePassword, PasswordHasher } from "./passwords";
import { isRole, Role, ROLES, UNIT_ROLES } from "./roles";

export interface UserAdminDeps {
  store: Store;
  units: UnitSource;
  passwords: PasswordHasher;
  clock: () => Date;
  random: (n: number) => Buffer;
}

export interface UserListing {
  user: UserRecord;
  roles: Array<{ role: string; unitId: number | null; unitCode: string | null }>;
}

const USERNAME = /^[a-z0-9][a-z0-9._-]{2,63}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function createUserAdminService(deps: UserAdminDeps) {
  const { store, clock } = deps;

  async function unitFor(role: Role, unitCode: string | undefined): Promise<number | null> {
    if (!UNIT_ROLES.includes(role)) {
      if (unitCode) throw new AppError("ROLE_INVALID", `role ${role} spans the whole CA and takes no --unit`);
      return null;
    }
    if (!unitCode) throw new AppError("ROLE_INVALID", `role ${role} needs --unit <CODE>`);
    const unit = await deps.units.findByCode(unitCode);
    const current = unit ? await deps.units.unitsAsOf(clock(), [unit.id]) : [];
    if (!unit || current.length === 0) throw new AppError("UNIT_NOT_FOUND", `no current unit with code ${unitCode}`);
    return unit.id;
  }

  function roleOf(s: string): Role {
    if (!isRole(s)) throw new AppError("ROLE_INVALID", `unknown role "${s.slice(0, 32)}" (use ${ROLES.join(", ")})`);
    return s;
  }

  async function userNamed(username: string): Promise<UserRecord> {
    const user = await store.users.findByUsername(username.trim().toLowerCase());
    if (!user) throw new AppError("USER_NOT_FOUND", `no user ${username.slice(0, 64)}`);
    return user;
  }

  async function audited<T>(actor: string, action: string, objectId: string | null, details: Record<string, unknown>, fn: () => Promise<T>): Promise<T> {
    try {
      const out = await fn();
      await store.audit.append({ actor, action, objectType: "user", objectId, outcome: "ok", details }, clock());
      return out;
    } catch (e) {
      if (isAppError(e)) await store.audit.append({ actor, action, objectType: "user", objectId, outcome: "refused", details: { ...details, code: e.code } }, clock());
      throw e;
    }
  }

  return {
    /** Creates a user with one role; the password is generated (and returned) when none is given. */
    async add(input: { username: string; displayName?: string | undefined; email?: string | undefined; role: string; unitCode?: string | undefined; password?: string | undefined }, actor: string) {
      const username = input.username.trim().toLowerCase();
      return audited(actor, "user.add", null, { username, role: input.role, unit: input.unitCode ?? null }, async () => {
        if (!USERNAME.test(username)) throw new AppError("USER_INVALID", "a username is 3-64 characters: lowercase letters, digits, dot, dash, underscore");
        const email = input.email?.trim() || null;
        if (email && (email.length > 255 || !EMAIL.test(email))) throw new AppError("USER_INVALID", `e-mail address "${email.slice(0, 64)}" is not valid`);
        const displayName = (input.displayName?.trim() || username).normalize("NFC").slice(0, 128);
        // "none": an account without a role — a certificate holder who only reports their own token lost (self-service).
        const role = input.role === "none" ? null : roleOf(input.role);
        const unitId = role ? await unitFor(role, input.unitCode) : null;
        const generated = input.password === undefined ? generatePassword(deps.random) : null;
        const password = input.password ?? generated!;
        checkPasswordRules(password, username);
        if (await store.users.findByUsername(username)) throw new AppError("USER_EXISTS", `user ${username} already exists`);
        const hash = await deps.passwords.hash(password);
        const id = await store.transaction(async (tx) => {
          const userId = await tx.users.insert({ username, displayName, email, passwordHash: hash }, clock());
          if (role) await tx.users.grantRole(userId, role, unitId, actor, clock());
          return userId;
        });
        return { id, username, generatedPassword: generated };
      });
    },

    /** Links the account to the subscriber (certificate holder) it belongs to, or unlinks it (null). */
    async linkSubscriber(input: { username: string; subscriberId: number | null }, actor: string) {
      const username = input.username.trim().toLowerCase();
      return audited(actor, "user.link_subscriber", null, { username, subscriber: input.subscriberId }, async () => {
        const user = await store.users.findByUsername(username);
        if (!user) throw new AppError("USER_NOT_FOUND", `no user ${username}`);
        if (input.subscriberId !== null && !(await store.subscribers.findById(input.subscriberId))) throw new AppError("SUBSCRIBER_NOT_FOUND", `no subscriber ${input.subscriberId}`);
        await store.users.setSubscriber(user.id, input.subscriberId);
        return { id: user.id, username };
      });
    },

    async list(): Promise<UserListing[]> {
      const out: UserListing[] = [];
      for (let offset = 0; ; offset += 500) {
        const page = await store.users.list({ units: { all: true }, limit: 500, offset });
        const grants = await store.users.rolesOf(page.rows.map((u) => u.id));
        const unitIds = [...new Set(grants.map((g) => g.unitId).filter((x): x is number => x !== null))];
        const codes = new Map<number, string>();
        for (const id of unitIds) {
          const u = await store.units.findById(id);
          if (u) codes.set(id, u.code);
        }
        for (const user of page.rows) {
          out.push({ user, roles: grants.filter((g) => g.userId === user.id).map((g) => ({ role: g.role, unitId: g.unitId, unitCode: g.unitId === null ? null : (codes.get(g.unitId) ?? null) })) });
        }
        if (!page.more) return out;
      }
    },

    async grantRole(input: { username: string; role: string; unitCode?: string | undefined }, actor: string) {
      const user = await userNamed(input.username);
      return audited(actor, "user.grant_role", String(user.id), { role: input.role, unit: input.unitCode ?? null }, async () => {
        const role = roleOf(input.role);
        const unitId = await unitFor(role, input.unitCode);
        const held = await store.users.rolesOf([user.id]);
        if (held.some((g) => g.role === role && g.unitId === unitId)) throw new AppError("ROLE_INVALID", `${user.username} already holds ${role}${input.unitCode ? ` on ${input.unitCode}` : ""}`);
        await store.users.grantRole(user.id, role, unitId, actor, clock());
      });
    },

    async revokeRole(input: { username: string; role: string; unitCode?: string | undefined }, actor: string) {
      const user = await userNamed(input.username);
      return audited(actor, "user.revoke_role", String(user.id), { role: input.role, unit: input.unitCode ?? null }, async () => {
        const role = roleOf(input.role);
        let unitId: number | null = null;
        if (input.unitCode) {
          const unit = await deps.units.findByCode(input.unitCode);
          if (!unit) throw new AppError("UNIT_NOT_FOUND", `no unit with code ${input.unitCode}`);
          unitId = unit.id;
        }
        if (!(await store.users.revokeRole(user.id, role, unitId))) throw new AppError("ROLE_INVALID", `${user.username} does not hold ${role}${input.unitCode ? ` on ${input.unitCode}` : ""}`);
        // Whatever they could reach through the role, they reach no more from now: end their sessions.
        await store.sessions.deleteForUser(user.id);
      });
    },

    /** Sets a new password (generated when none is given) and ends every session of the user. */
    async resetPassword(input: { username: string; password?: string | undefined }, actor: string) {
      const user = await userNamed(input.username);
      return audited(actor, "user.reset_password", String(user.id), {}, async () => {
        const generated = input.password === undefined ? generatePassword(deps.random) : null;
        const password = input.password ?? generated!;
        checkPasswordRules(password, user.username);
        await store.users.setPassword(user.id, await deps.passwords.hash(password), clock());
        const ended = await store.sessions.deleteForUser(user.id);
        return { username: user.username, generatedPassword: generated, sessionsEnded: ended };
      });
    },
  };
}

export type UserAdminService = ReturnType<typeof createUserAdminService>;
