// Applies one token move inside the caller's transaction: the allow-list check,
// the conditional state UPDATE, the event row, the audit entry and the
// certificate revocations the move causes — so token state and certificate
// state commit together or not at all (issue 5). Knows nothing of people or
// scopes (token-service.ts), and never announces: the caller does, after commit.
import { AppError } from "../errors/app-error";
import type { Store } from "../store/store";
import type { TokenRecord } from "../store/token-store";
import type { RevocationNotice, RevocationService } from "./revocation-service";
import { TRIGGER_REASON } from "./revocation-reasons";
import { isTokenState, moveOf, type TokenState } from "./token-states";

export interface TransitionInput {
  tokenId: number;
  to: TokenState;
  /** The audit log's actor name ("web:…", "cli:…", "api:…", "system:…"). */
  actor: string;
  reason?: string | null | undefined;
  /** The request (Mẫu 06–09) that causes the move. */
  requestId?: number | null | undefined;
  /** The subscriber receiving the token: required for the handover (in_stock → issued), refused otherwise. */
  holderSubscriberId?: number | null | undefined;
  /** Who acted, for the audit entry (web calls). */
  auditContext?: { role: string | null; unitId: number | null; requestId: string | null } | undefined;
}

export interface TransitionResult {
  token: TokenRecord;
  from: TokenState;
  /** Revoked by this move; pass to revocation.announce() after the commit. */
  revoked: RevocationNotice[];
  /** Valid when listed but revoked by someone else meanwhile (their revocation stands). */
  alreadyRevoked: string[];
}

export type TokenRevocationPort = Pick<RevocationService, "revokeManyWithin">;

export function createTokenTransitions(deps: { revocation: TokenRevocationPort; clock: () => Date }) {
  const invalid = (message: string, details: Record<string, unknown>) => new AppError("TOKEN_TRANSITION_INVALID", message, details);

  async function applyTransition(tx: Store, input: TransitionInput): Promise<TransitionResult> {
    if (!isTokenState(input.to)) throw invalid(`unknown token state "${String(input.to).slice(0, 32)}"`, { reason: "unknown_state" });
    const token = await tx.tokens.findById(input.tokenId);
    if (!token) throw new AppError("TOKEN_NOT_FOUND", `no token ${input.tokenId}`);
    const move = moveOf(token.state, input.to);
    if (!move) throw invalid(`a token cannot go from ${token.state} to ${input.to}`, { reason: "not_allowed", from: token.state, to: input.to });

    let holder: number | null | undefined;
    if (move.needsHolder) {
      const s = input.holderSubscriberId ? await tx.subscribers.findById(input.holderSubscriberId) : null;
      // Decree 68/2024 Mẫu 07: the managing agency hands the token to one of its own subscribers.
      if (!s || s.unitId !== token.unitId) throw new AppError("TOKEN_INVALID", "the holder must be a subscriber of the token's unit", { reason: "holder_invalid" });
      holder = s.id;
    } else if (input.holderSubscriberId != null) {
      throw new AppError("TOKEN_INVALID", "a holder is named only when the token is handed over", { reason: "holder_unexpected" });
    }
    // Re-initialised and back in stock: nobody holds it any more.
    if (input.to === "in_stock") holder = null;

    if (move.needsNoValidCertificate) {
      const valid = await tx.tokens.validSerialsOn(token.id);
      if (valid.length) throw invalid(`certificates ${valid.join(", ")} are still valid on this token: revoke them first (Mẫu 05)`, { reason: "valid_certificates", serials: valid });
    }

    const now = new Date(Math.floor(deps.clock().getTime() / 1000) * 1000);
    // The conditional UPDATE takes the row lock: of two concurrent moves from the same state, one matches.
    if (!(await tx.tokens.moveState(token.id, token.state, input.to, holder, now))) {
      throw new AppError("TOKEN_CONFLICT", "the token changed meanwhile: reload and try again", { from: token.state, to: input.to });
    }

    let revoked: RevocationNotice[] = [];
    let alreadyRevoked: string[] = [];
    if (move.revokesCertificates) {
      // Decree 68/2024 Art. 17: a lost or damaged token's key may be exposed → keyCompromise (RFC 5280 5.3.1).
      const trigger = input.to === "lost" ? "token_lost" : "token_damaged";
      const details = { trigger, tokenId: token.id, tokenSerial: token.serial, requestId: input.requestId ?? null };
      const serials = await tx.tokens.validSerialsOn(token.id);
      // One set (a token can hold several): one UPDATE, the feed rows and the
      // audit entries in a few statements. onlyValid leaves out those revoked by
      // someone else since we listed them (a valid certificate can only become
      // revoked): the certificate is revoked, which is what matters here.
      revoked = await deps.revocation.revokeManyWithin(tx, serials.map((serial) => ({ serial, reason: TRIGGER_REASON[trigger], actor: input.actor, details })), { onlyValid: true });
      const done = new Set(revoked.map((n) => n.serial));
      alreadyRevoked = serials.filter((s) => !done.has(s));
    }

    await tx.tokens.addEvent({ tokenId: token.id, fromState: token.state, toState: input.to, actor: input.actor, reason: input.reason ?? null, requestId: input.requestId ?? null }, now);
    await tx.audit.append(
      {
        actor: input.actor,
        role: input.auditContext?.role ?? null,
        unitId: input.auditContext?.unitId ?? null,
        requestId: input.auditContext?.requestId ?? null,
        action: "token.transition",
        objectType: "token",
        objectId: String(token.id),
        outcome: "ok",
        details: {
          serial: token.serial,
          from: token.state,
          to: input.to,
          reason: input.reason ?? null,
          requestId: input.requestId ?? null,
          holderSubscriberId: holder === undefined ? token.holderSubscriberId : holder,
          revoked: revoked.map((n) => n.serial),
          alreadyRevoked,
        },
      },
      now,
    );
    return { token: (await tx.tokens.findById(token.id))!, from: token.state, revoked, alreadyRevoked };
  }

  return { applyTransition };
}

export type TokenTransitions = ReturnType<typeof createTokenTransitions>;
