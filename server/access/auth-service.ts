// Sign-in, sessions and passwords: verifies passwords (argon2id), counts wrong
// ones and locks the account after too many, issues database-backed sessions
// (they survive a restart), resolves a session cookie to an Actor, signs out
// one session or all of a user's. Every refusal is audited. Knows nothing of HTTP.
import { createHash, timingSafeEqual } from "node:crypto";
import type { Config } from "../config/schema";
import { AppError, isAppError } from "../errors/app-error";
import type { SessionRecord } from "../store/session-store";
import type { Store } from "../store/store";
import type { UserRecord } from "../store/user-store";
import { Actor, actorOfUser, auditActor, auditRole, CallContext } from "./actor";
import { checkPasswordRules, PasswordHasher } from "./passwords";

export interface AuthDeps {
  config: Config;
  store: Store;
  passwords: PasswordHasher;
  clock: () => Date;
  random: (n: number) => Buffer;
}

export interface ClientInfo {
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
}

export interface IssuedSession {
  /** The cookie value: only its hash is stored. */
  token: string;
  csrfToken: string;
}

export interface ResolvedSession {
  session: SessionRecord;
  actor: Actor | null;
}

// A signed-out visitor's session holds the sign-in form's CSRF token; it need not live long.
const ANONYMOUS_SESSION_MINUTES = 60;
const TOUCH_EVERY_MS = 60_000;

export const sessionIdOf = (token: string) => createHash("sha256").update(token, "utf8").digest("hex");

export function tokensEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, "utf8");
  const y = Buffer.from(b, "utf8");
  return x.length === y.length && timingSafeEqual(x, y);
}

export function createAuthService(deps: AuthDeps) {
  const { store, clock, config } = deps;
  const idleMs = config.auth.sessionIdleMinutes * 60_000;
  // Unknown usernames are checked against this, so they take as long as known ones.
  let dummyHash: Promise<string> | null = null;

  async function newSession(userId: number | null, client: ClientInfo, lifetimeMs: number): Promise<IssuedSession> {
    const token = deps.random(32).toString("base64url");
    const csrfToken = deps.random(32).toString("base64url");
    const now = clock();
    await store.sessions.insert(
      { id: sessionIdOf(token), userId, csrfToken, expiresAt: new Date(now.getTime() + lifetimeMs), ip: client.ip, userAgent: client.userAgent },
      now,
    );
    return { token, csrfToken };
  }

  async function refuse(username: string, client: ClientInfo, reason: string, user: UserRecord | null, extra: Record<string, unknown> = {}) {
    await store.audit.append(
      {
        actor: user ? `web:${user.username}` : "web:anonymous",
        action: "auth.login",
        objectType: "user",
        objectId: user ? String(user.id) : null,
        outcome: "refused",
        requestId: client.requestId,
        details: { username: username.slice(0, 64), reason, ip: client.ip, ...extra },
      },
      clock(),
    );
  }

  const actorOf = (user: UserRecord): Promise<Actor> => actorOfUser(store.users, user);

  return {
    /** A session for a signed-out visitor, carrying the sign-in form's CSRF token. */
    startAnonymous(client: ClientInfo): Promise<IssuedSession> {
      return newSession(null, client, ANONYMOUS_SESSION_MINUTES * 60_000);
    },

    /**
     * Checks the password and opens a new session (a fresh token: the visitor's
     * pre-sign-in session is ended, so a planted cookie never becomes signed in).
     * Throws LOGIN_FAILED (wrong username or password, one message for both) or
     * ACCOUNT_LOCKED (details.until).
     */
    async signIn(input: { username: string; password: string; previousToken?: string | undefined }, client: ClientInfo): Promise<IssuedSession & { actor: Actor }> {
      const username = input.username.trim().toLowerCase();
      const now = clock();
      const user = username ? await store.users.findByUsername(username) : null;
      if (!user || user.disabledAt) {
        dummyHash ??= deps.passwords.hash("chungthu-no-such-user-password");
        await deps.passwords.verify(await dummyHash, input.password);
        await refuse(username, client, user ? "disabled" : "unknown_user", user);
        throw new AppError("LOGIN_FAILED", "wrong username or password");
      }
      if (user.lockedUntil && user.lockedUntil > now) {
        await refuse(username, client, "locked", user, { until: user.lockedUntil.toISOString() });
        throw new AppError("ACCOUNT_LOCKED", `the account is locked until ${user.lockedUntil.toISOString()}`, { until: user.lockedUntil.toISOString() });
      }
      if (!(await deps.passwords.verify(user.passwordHash, input.password))) {
        const failures = await store.users.recordFailedLogin(user.id, null);
        if (failures >= config.auth.maxFailedLogins) {
          const until = new Date(now.getTime() + config.auth.lockoutMinutes * 60_000);
          await store.users.recordFailedLogin(user.id, until);
          await refuse(username, client, "wrong_password_locked", user, { failures, until: until.toISOString() });
          throw new AppError("ACCOUNT_LOCKED", `too many wrong passwords: the account is locked until ${until.toISOString()}`, { until: until.toISOString() });
        }
        await refuse(username, client, "wrong_password", user, { failures });
        throw new AppError("LOGIN_FAILED", "wrong username or password", { remaining: config.auth.maxFailedLogins - failures });
      }
      await store.users.recordLogin(user.id, now);
      if (input.previousToken) await store.sessions.delete(sessionIdOf(input.previousToken));
      await store.sessions.deleteExpired(now, new Date(now.getTime() - idleMs));
      const issued = await newSession(user.id, client, config.auth.sessionMaxHours * 3_600_000);
      const actor = await actorOf(user);
      await store.audit.append(
        { actor: auditActor(actor), ...auditRole(actor), action: "auth.login", objectType: "user", objectId: String(user.id), outcome: "ok", requestId: client.requestId, details: { ip: client.ip } },
        now,
      );
      return { ...issued, actor };
    },

    /** The session and actor for a cookie token; null if unknown, expired, idle too long, or its user is gone. */
    async resolve(token: string): Promise<ResolvedSession | null> {
      if (!token || token.length > 100) return null;
      const id = sessionIdOf(token);
      const session = await store.sessions.find(id);
      if (!session) return null;
      const now = clock();
      if (session.expiresAt <= now || (session.userId !== null && now.getTime() - session.lastSeenAt.getTime() > idleMs)) {
        await store.sessions.delete(id);
        return null;
      }
      if (now.getTime() - session.lastSeenAt.getTime() > TOUCH_EVERY_MS) await store.sessions.touch(id, now);
      if (session.userId === null) return { session, actor: null };
      const user = await store.users.findById(session.userId);
      if (!user || user.disabledAt) {
        await store.sessions.delete(id);
        return null;
      }
      return { session, actor: await actorOf(user) };
    },

    async signOut(token: string, ctx: CallContext | null): Promise<void> {
      await store.sessions.delete(sessionIdOf(token));
      if (ctx) {
        await store.audit.append(
          { actor: auditActor(ctx.actor), ...auditRole(ctx.actor), action: "auth.logout", objectType: "user", objectId: String(ctx.actor.userId), outcome: "ok", requestId: ctx.requestId },
          clock(),
        );
      }
    },

    /** Ends every session of the actor, this one included; returns how many. */
    async signOutEverywhere(ctx: CallContext): Promise<number> {
      const n = await store.sessions.deleteForUser(ctx.actor.userId);
      await store.audit.append(
        { actor: auditActor(ctx.actor), ...auditRole(ctx.actor), action: "auth.logout_everywhere", objectType: "user", objectId: String(ctx.actor.userId), outcome: "ok", requestId: ctx.requestId, details: { sessions: n } },
        clock(),
      );
      return n;
    },

    /**
     * Changes the actor's own password (the old one is required) and ends their
     * other sessions. Throws PASSWORD_WRONG or PASSWORD_POLICY.
     */
    async changePassword(ctx: CallContext, input: { oldPassword: string; newPassword: string; confirm: string }, currentToken: string): Promise<void> {
      const user = await store.users.findById(ctx.actor.userId);
      if (!user) throw new AppError("USER_NOT_FOUND", "no such user");
      const audit = (outcome: "ok" | "refused", details: Record<string, unknown>) =>
        store.audit.append(
          { actor: auditActor(ctx.actor), ...auditRole(ctx.actor), action: "auth.password_change", objectType: "user", objectId: String(user.id), outcome, requestId: ctx.requestId, details },
          clock(),
        );
      try {
        if (!(await deps.passwords.verify(user.passwordHash, input.oldPassword))) throw new AppError("PASSWORD_WRONG", "the current password is wrong");
        if (input.newPassword !== input.confirm) throw new AppError("PASSWORD_POLICY", "the two new passwords differ", { rule: "confirm" });
        checkPasswordRules(input.newPassword, user.username, input.oldPassword);
      } catch (e) {
        if (isAppError(e)) await audit("refused", { code: e.code, ...(e.details ?? {}) });
        throw e;
      }
      await store.users.setPassword(user.id, await deps.passwords.hash(input.newPassword), clock());
      const ended = await store.sessions.deleteForUser(user.id, sessionIdOf(currentToken));
      await audit("ok", { otherSessionsEnded: ended });
    },

    sessionCount: (userId: number) => store.sessions.countForUser(userId),
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
