// Token actions for people: register a token, hand it over, move it along the
// allow-list, report it lost (immediately, no approval: every certificate on it
// revoked with keyCompromise in the same transaction, OCSP and CRL told right
// after the commit). Each action checks the permission and the caller's scope;
// out of scope is NOT_FOUND, and every refusal is audited. Reads for the pages
// live in server/directory/token-directory.ts.
import { auditActor, auditRole, type Actor, type CallContext } from "../access/actor";
import { grants } from "../access/roles";
import { inScope, type Scope, type Scoper } from "../access/scope";
import type { Guard } from "../directory/guard";
import { AppError } from "../errors/app-error";
import type { CertificateSummary } from "../store/unit-scope-sql";
import type { Store } from "../store/store";
import type { TokenRecord } from "../store/token-store";
import type { RevocationNotice, RevocationService } from "./revocation-service";
import { isTokenState, isTokenType, moveOf, movesFrom, normaliseTokenSerial, TOKEN_SERIAL, type TokenMove, type TokenState } from "./token-states";

export { normaliseTokenSerial };
import { createTokenTransitions } from "./token-transitions";

/** Token serials as printed by the maker (or a SIM's ICCID, an HSM slot label); stored upper-case. */

export interface LostInfo {
  tokenId: number;
  unitId: number;
  actor: string;
  revokedSerials: string[];
  note: string | null;
}

export interface TokenServiceDeps {
  store: Store;
  /** revokeManyWithin inside the action's transaction, announce after its commit (server/ra/request-ports.ts RevocationPort fits). */
  revocation: { revokeManyWithin: RevocationService["revokeManyWithin"]; announce(notices: RevocationNotice[]): void };
  guard: Guard;
  scoper: Scoper;
  clock: () => Date;
  /**
   * Runs inside the lost-token transaction (the request workflow opens the Mẫu 09
   * record the officer confirms). Use only `tx`: on sqlite the pool has one
   * connection, so a query on the root store there waits for ever.
   */
  afterLost?: ((tx: Store, info: LostInfo) => Promise<void>) | undefined;
}

export interface RegisterInput {
  serial: string;
  type: string;
  unitId: number;
  note?: string | null | undefined;
}


export function createTokenService(deps: TokenServiceDeps) {
  const { store, guard, scoper, clock } = deps;
  const transitions = createTokenTransitions({ revocation: deps.revocation, clock });

  const auditContext = (ctx: CallContext) => ({ ...auditRole(ctx.actor), requestId: ctx.requestId });

  // Refusals the guard has already written to the log (FORBIDDEN, out-of-scope NOT_FOUND).
  const audited = new WeakSet<object>();
  async function viaGuard<T>(p: Promise<T>): Promise<T> {
    try {
      return await p;
    } catch (e) {
      if (e instanceof Error) audited.add(e);
      throw e;
    }
  }

  /** Every refusal in the log, once. */
  async function refused<T>(ctx: CallContext, action: string, objectId: string | null, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (e) {
      if (e instanceof AppError && !audited.has(e)) {
        audited.add(e);
        await store.audit.append(
          { actor: auditActor(ctx.actor), ...auditContext(ctx), action, objectType: "token", objectId, outcome: "refused", details: { code: e.code, message: e.message, ...(e.details ?? {}) } },
          clock(),
        );
      }
      throw e;
    }
  }

  async function refusedAs<T>(actor: string, action: string, objectId: string | null, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (e) {
      if (e instanceof AppError) {
        await store.audit.append({ actor, action, objectType: "token", objectId, outcome: "refused", details: { code: e.code, message: e.message, ...(e.details ?? {}) } }, clock());
      }
      throw e;
    }
  }

  type AuditContext = ReturnType<typeof auditContext> | null;

  async function insertToken(actor: string, ac: AuditContext, input: RegisterInput): Promise<TokenRecord> {
    const serial = normaliseTokenSerial(String(input.serial ?? ""));
    if (!TOKEN_SERIAL.test(serial)) throw new AppError("TOKEN_INVALID", `"${serial.slice(0, 64)}" is not a token serial (3–64 letters, digits, . _ : -)`, { reason: "serial" });
    if (!isTokenType(input.type)) throw new AppError("TOKEN_INVALID", "unknown token type", { reason: "type" });
    const note = input.note?.trim().slice(0, 500) || null;
    const now = new Date(Math.floor(clock().getTime() / 1000) * 1000);
    return store.transaction(async (tx) => {
      if (!(await tx.units.findById(input.unitId))) throw new AppError("UNIT_NOT_FOUND", `no unit ${input.unitId}`);
      const id = await tx.tokens.insert({ serial, type: input.type as TokenRecord["type"], unitId: input.unitId, state: "in_stock", note }, now);
      if (id === "taken") throw new AppError("TOKEN_SERIAL_TAKEN", `token ${serial} is already registered`, { reason: "taken" });
      await tx.tokens.addEvent({ tokenId: id, fromState: null, toState: "in_stock", actor, reason: note, requestId: null }, now);
      await tx.audit.append({ actor, ...(ac ?? {}), action: "token.register", objectType: "token", objectId: String(id), outcome: "ok", details: { serial, type: input.type, unitId: input.unitId } }, now);
      return (await tx.tokens.findById(id))!;
    });
  }

  /** One transaction: the token lost, every valid certificate on it revoked, afterLost; then announced. */
  async function lost(actor: string, ac: AuditContext, tokenId: number, noteIn: string | null | undefined) {
    const note = noteIn?.trim().slice(0, 500) || null;
    const r = await store.transaction(async (tx) => {
      const moved = await transitions.applyTransition(tx, { tokenId, to: "lost", actor, reason: note, auditContext: ac ?? undefined });
      if (deps.afterLost) await deps.afterLost(tx, { tokenId, unitId: moved.token.unitId, actor, revokedSerials: moved.revoked.map((n) => n.serial), note });
      return moved;
    });
    deps.revocation.announce(r.revoked);
    return { token: r.token, revoked: r.revoked, alreadyRevoked: r.alreadyRevoked };
  }

  /** The actor's scope for a move: only the grants of the roles the move allows. */
  async function moveScope(actor: Actor, move: TokenMove): Promise<Scope> {
    const roles = actor.roles.filter((g) => grants(g.role, move.permission) && (!move.roles || move.roles.includes(g.role)));
    if (roles.length === 0) return { all: false, unitIds: [] };
    return scoper.scopeFor({ ...actor, roles }, clock(), move.permission);
  }

  /** The token if the actor may see it; NOT_FOUND (audited if it exists) otherwise. */
  async function visible(ctx: CallContext, tokenId: number, action: string): Promise<TokenRecord> {
    const scope = await viaGuard(guard.scope(ctx, "tokens.view", action));
    const token = await store.tokens.findById(tokenId);
    if (!token || !inScope(scope, token.unitId)) return viaGuard(guard.notFound(ctx, action, "token", String(tokenId), token !== null));
    return token;
  }

  async function checkMove(ctx: CallContext, token: TokenRecord, to: TokenState, action: string): Promise<void> {
    const move = moveOf(token.state, to);
    if (!move) throw new AppError("TOKEN_TRANSITION_INVALID", `a token cannot go from ${token.state} to ${to}`, { reason: "not_allowed", from: token.state, to });
    if (!inScope(await moveScope(ctx.actor, move), token.unitId)) {
      await viaGuard(guard.scope(ctx, move.permission, action)); // FORBIDDEN (audited) if no role grants it at all
      throw new AppError("FORBIDDEN", `you may not move this token from ${token.state} to ${to}`, { reason: "role" });
    }
  }

  async function move(ctx: CallContext, tokenId: number, to: TokenState, f: { reason?: string | null; holderSubscriberId?: number | null }, action: string) {
    return refused(ctx, action, String(tokenId), async () => {
      const token = await visible(ctx, tokenId, action);
      await checkMove(ctx, token, to, action);
      const r = await store.transaction((tx) =>
        transitions.applyTransition(tx, { tokenId, to, actor: auditActor(ctx.actor), reason: f.reason?.slice(0, 500) ?? null, holderSubscriberId: f.holderSubscriberId ?? null, auditContext: auditContext(ctx) }),
      );
      deps.revocation.announce(r.revoked);
      return r;
    });
  }

  return {
    /** Inside the caller's transaction, no scoping: the request workflow (Mẫu 06–09) and the CLI. */
    applyTransition: transitions.applyTransition,

    /** The moves the allow-list permits from the token's state and the actor may make on it. */
    async movesFor(actor: Actor, token: TokenRecord): Promise<TokenMove[]> {
      const out: TokenMove[] = [];
      for (const m of movesFrom(token.state)) if (inScope(await moveScope(actor, m), token.unitId)) out.push(m);
      return out;
    },

    async register(ctx: CallContext, input: RegisterInput): Promise<TokenRecord> {
      const serial = normaliseTokenSerial(String(input.serial ?? ""));
      return refused(ctx, "tokens.register", serial.slice(0, 64) || null, async () => {
        const scope = await viaGuard(guard.scope(ctx, "tokens.manage", "tokens.register"));
        if (!inScope(scope, input.unitId)) return viaGuard(guard.notFound(ctx, "tokens.register", "unit", String(input.unitId), (await store.units.findById(input.unitId)) !== null));
        return insertToken(auditActor(ctx.actor), auditContext(ctx), input);
      });
    },

    /** Mẫu 07: the agency hands a token in stock to one of its subscribers. */
    handOver(ctx: CallContext, tokenId: number, f: { holderSubscriberId: number; reason?: string | null }) {
      return move(ctx, tokenId, "issued", f, "tokens.handover");
    },

    /** Any move of the allow-list the actor may make (lost goes through reportLost: it needs its own confirmation). */
    transition(ctx: CallContext, tokenId: number, f: { to: string; reason?: string | null; holderSubscriberId?: number | null }) {
      return refused(ctx, "tokens.transition", String(tokenId), async () => {
        if (!isTokenState(f.to)) throw new AppError("TOKEN_TRANSITION_INVALID", `unknown token state "${String(f.to).slice(0, 32)}"`, { reason: "unknown_state" });
        if (f.to === "lost") throw new AppError("TOKEN_TRANSITION_INVALID", "report a lost token with its own confirmation", { reason: "use_report_lost" });
        return move(ctx, tokenId, f.to as TokenState, f, "tokens.transition");
      });
    },

    /** What reporting the token lost would revoke: its certificates now valid. */
    async previewLost(ctx: CallContext, tokenId: number): Promise<{ token: TokenRecord; certificates: CertificateSummary[] }> {
      return refused(ctx, "tokens.report_lost", String(tokenId), async () => {
        const token = await visible(ctx, tokenId, "tokens.report_lost");
        await checkMove(ctx, token, "lost", "tokens.report_lost");
        const certificates = (await store.tokens.certificatesOn(token.id)).filter((c) => c.status === "valid");
        return { token, certificates };
      });
    },

    /**
     * A lost token (Decree 68/2024 Art. 17, Mẫu 09): at once, without approval,
     * one transaction moves it to lost, revokes every valid certificate on it
     * with keyCompromise and runs afterLost; then OCSP and CRL are told, so
     * OCSP answers revoked immediately and the CRL is rebuilt within seconds.
     */
    async reportLost(ctx: CallContext, tokenId: number, f: { note?: string | null }): Promise<{ token: TokenRecord; revoked: RevocationNotice[]; alreadyRevoked: string[] }> {
      return refused(ctx, "tokens.report_lost", String(tokenId), async () => {
        const token = await visible(ctx, tokenId, "tokens.report_lost");
        await checkMove(ctx, token, "lost", "tokens.report_lost");
        return lost(auditActor(ctx.actor), auditContext(ctx), tokenId, f.note);
      });
    },

    /** register() for a trusted caller that scoped it already (the CLI on the server); refusals audited. */
    registerAs(actor: string, input: RegisterInput): Promise<TokenRecord> {
      return refusedAs(actor, "tokens.register", normaliseTokenSerial(String(input.serial ?? "")).slice(0, 64) || null, () => insertToken(actor, null, input));
    },

    /** reportLost() for a trusted caller that scoped it already (the CLI on the server, an API scoped by its token); refusals audited. */
    reportLostAs(actor: string, tokenId: number, f: { note?: string | null }) {
      return refusedAs(actor, "tokens.report_lost", String(tokenId), () => lost(actor, null, tokenId, f.note));
    },
  };
}

export type TokenService = ReturnType<typeof createTokenService>;
