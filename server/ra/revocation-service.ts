// Revokes certificates: validates the reason (RFC 5280 5.3.1; no certificateHold
// in this regime), records the revocation and its audit entry in one
// transaction — its own, or the caller's (revokeWithin, or revokeManyWithin for
// a set) — then tells the publishers (OCSP cache, CRL) once it is committed.
// It never signs anything.
import { AppError } from "../errors/app-error";
import { canonicalSerial } from "../ca/serial";
import type { RevokeManyResult, RevokeOutcome } from "../store/certificate-store";
import type { Store } from "../store/store";
import { ALLOWED_REASONS, CrlReason, CrlReasonName } from "./revocation-reasons";

export interface RevokeRequest {
  serial: string;
  reason: string;
  invalidityDate?: Date | null | undefined;
  actor: string;
}

/** A revocation made inside a caller's transaction (token lost, request approved, merger batch). */
export interface RevokeWithinRequest {
  serial: string;
  reason: CrlReasonName;
  actor: string;
  invalidityDate?: Date | null | undefined;
  /** Extra audit details, e.g. { trigger: "token_lost", tokenId }. */
  details?: Record<string, unknown> | undefined;
}

export interface RevocationNotice {
  serial: string;
  caId: number;
  reason: number;
  revokedAt: Date;
}

export interface RevocationDeps {
  store: Store;
  clock: () => Date;
  /** Called once per committed set of revocations (in-process publishers); never with an empty array. */
  onRevoked: (notices: readonly RevocationNotice[]) => void;
}

export function parseReason(reason: string): number {
  if (reason === "certificateHold") {
    throw new AppError("REASON_INVALID", "certificateHold is not allowed: this regime has no suspension (revoke, or do nothing)");
  }
  if (!(ALLOWED_REASONS as readonly string[]).includes(reason)) {
    throw new AppError("REASON_INVALID", `unknown revocation reason "${reason.slice(0, 32)}" (use ${ALLOWED_REASONS.join(", ")})`);
  }
  return CrlReason[reason as CrlReasonName];
}

export function createRevocationService(deps: RevocationDeps) {
  const { store, clock } = deps;

  /**
   * Records a refused revocation. Outside any transaction on purpose: the
   * caller's transaction rolls back on the refusal, and the refusal must
   * survive it (every refusal is audited).
   */
  async function auditRefusal(req: { serial: string; actor: string }, e: AppError): Promise<void> {
    await store.audit.append(
      { actor: req.actor, action: "cert.revoke", objectType: "certificate", objectId: req.serial.slice(0, 64), outcome: "refused", details: { code: e.code, message: e.message } },
      clock(),
    );
  }

  /** A request checked and normalised: canonical serial, reason code, whole-second invalidity date. */
  function checked(req: RevokeWithinRequest, now: Date) {
    const serial = canonicalSerial(req.serial);
    if (!serial) throw new AppError("INPUT_INVALID", `"${req.serial.slice(0, 48)}" is not a serial number in hex`);
    const reason = parseReason(req.reason);
    if (req.invalidityDate && (Number.isNaN(req.invalidityDate.getTime()) || req.invalidityDate > now)) {
      throw new AppError("INPUT_INVALID", "the invalidity date must be a valid date not in the future (RFC 5280 5.3.2)");
    }
    const invalidityDate = req.invalidityDate ? new Date(Math.floor(req.invalidityDate.getTime() / 1000) * 1000) : null;
    return { req, serial, reason, invalidityDate };
  }

  function refusal(serial: string, outcome: RevokeOutcome): AppError {
    if (outcome === "not_found") return new AppError("CERT_NOT_FOUND", `no certificate with serial ${serial}`);
    if (outcome === "already_revoked") return new AppError("CERT_ALREADY_REVOKED", `certificate ${serial} is already revoked`);
    return new AppError("CERT_NOT_REVOCABLE", `certificate ${serial} was never issued (pending or failed)`);
  }

  /**
   * Revokes several certificates on `tx` (the caller's transaction) as a set:
   * one conditional UPDATE per reason and 500 serials, the revocation feed
   * rows and the audit entries (one per certificate, as revokeWithin writes
   * them, consecutive in the chain) in multi-row inserts. Returns the notices
   * in input order. All or nothing, like a loop of revokeWithin: the first
   * refusal (input order) throws and the caller's transaction rolls back —
   * unless `onlyValid`, which leaves out, silently, certificates that are no
   * longer valid (a merger batch that finds some already revoked).
   * Does NOT notify the publishers: announce() after the commit.
   */
  async function revokeManyWithin(tx: Store, reqs: readonly RevokeWithinRequest[], opts: { onlyValid?: boolean } = {}): Promise<RevocationNotice[]> {
    // CRL and OCSP times are whole seconds (RFC 5280 5.1.2.4 GeneralizedTime without fractions).
    const now = new Date(Math.floor(clock().getTime() / 1000) * 1000);
    const items = reqs.map((r) => checked(r, now));
    // One statement set per (reason, invalidity date); usually there is one group.
    const groups = new Map<string, typeof items>();
    for (const it of items) {
      const key = `${it.reason}:${it.invalidityDate?.getTime() ?? ""}`;
      const g = groups.get(key);
      if (g) g.push(it);
      else groups.set(key, [it]);
    }
    const outcomes = new Map<(typeof items)[number], RevokeManyResult>();
    for (const g of groups.values()) {
      const results = await tx.certificates.revokeMany({ serials: g.map((it) => it.serial), reason: g[0]!.reason, revokedAt: now, invalidityDate: g[0]!.invalidityDate });
      g.forEach((it, i) => outcomes.set(it, results[i]!));
    }
    const done: Array<{ it: (typeof items)[number]; caId: number }> = [];
    for (const it of items) {
      const r = outcomes.get(it)!;
      if (r.outcome === "revoked") done.push({ it, caId: r.caId! });
      else if (!opts.onlyValid) throw refusal(it.serial, r.outcome);
    }
    await tx.audit.appendMany(
      done.map(({ it }) => ({
        actor: it.req.actor,
        action: "cert.revoke",
        objectType: "certificate",
        objectId: it.serial,
        outcome: "ok" as const,
        details: { ...(it.req.details ?? {}), reason: it.req.reason, invalidityDate: it.invalidityDate?.toISOString() ?? null },
      })),
      now,
    );
    return done.map(({ it, caId }) => ({ serial: it.serial, caId, reason: it.reason, revokedAt: now }));
  }

  /**
   * Revokes one certificate on `tx` (the caller's transaction) and appends its
   * audit entry there. Throws AppError INPUT_INVALID / REASON_INVALID /
   * CERT_NOT_FOUND / CERT_ALREADY_REVOKED / CERT_NOT_REVOCABLE: the caller's
   * transaction then rolls back, and the caller records the refusal itself
   * after the rollback (auditRefusal) — nothing written on `tx` survives.
   * Does NOT notify the publishers: call announce() after the commit, so
   * OCSP never answers "revoked" for a revocation that was rolled back.
   */
  async function revokeWithin(tx: Store, req: RevokeWithinRequest): Promise<RevocationNotice> {
    return (await revokeManyWithin(tx, [req]))[0]!;
  }

  /** Tells the publishers (OCSP cache invalidation, CRL rebuild) about committed revocations. */
  function announce(notices: readonly RevocationNotice[]): void {
    if (notices.length) deps.onRevoked(notices);
  }

  return {
    revokeWithin,
    revokeManyWithin,
    announce,
    auditRefusal,

    /** Revokes one certificate in its own transaction, audits a refusal, then announces. */
    async revoke(req: RevokeRequest): Promise<RevocationNotice> {
      let notice: RevocationNotice;
      try {
        notice = await store.transaction((tx) =>
          revokeWithin(tx, { serial: req.serial, reason: req.reason as CrlReasonName, actor: req.actor, invalidityDate: req.invalidityDate ?? null }),
        );
      } catch (e) {
        if (e instanceof AppError) {
          await auditRefusal(req, e);
        }
        throw e;
      }
      announce([notice]);
      return notice;
    },
  };
}

export type RevocationService = ReturnType<typeof createRevocationService>;
