// Revokes certificates: validates the reason (RFC 5280 5.3.1; no certificateHold
// in this regime), records the revocation and its audit entry in one
// transaction, then tells the publishers (OCSP cache, CRL) at once.
import { AppError } from "../errors/app-error";
import { canonicalSerial } from "../ca/serial";
import type { Store } from "../store/store";
import { ALLOWED_REASONS, CrlReason, CrlReasonName } from "./revocation-reasons";

export interface RevokeRequest {
  serial: string;
  reason: string;
  invalidityDate?: Date | null | undefined;
  actor: string;
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
  /** Called after the revocation is committed (in-process publishers). */
  onRevoked: (notice: RevocationNotice) => void;
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

  async function refuse(req: RevokeRequest, e: AppError): Promise<never> {
    await store.audit.append(
      { actor: req.actor, action: "cert.revoke", objectType: "certificate", objectId: req.serial.slice(0, 64), outcome: "refused", details: { code: e.code, message: e.message } },
      clock(),
    );
    throw e;
  }

  return {
    async revoke(req: RevokeRequest): Promise<RevocationNotice> {
      const serial = canonicalSerial(req.serial);
      if (!serial) return refuse(req, new AppError("INPUT_INVALID", `"${req.serial.slice(0, 48)}" is not a serial number in hex`));
      let reason: number;
      try {
        reason = parseReason(req.reason);
      } catch (e) {
        return refuse(req, e as AppError);
      }
      const now = new Date(Math.floor(clock().getTime() / 1000) * 1000);
      if (req.invalidityDate && (Number.isNaN(req.invalidityDate.getTime()) || req.invalidityDate > now)) {
        return refuse(req, new AppError("INPUT_INVALID", "the invalidity date must be a valid date not in the future (RFC 5280 5.3.2)"));
      }
      const invalidityDate = req.invalidityDate ? new Date(Math.floor(req.invalidityDate.getTime() / 1000) * 1000) : null;
      const outcome = await store.transaction(async (tx) => {
        const result = await tx.certificates.revoke({ serial, reason, revokedAt: now, invalidityDate });
        if (result === "revoked") {
          await tx.audit.append(
            { actor: req.actor, action: "cert.revoke", objectType: "certificate", objectId: serial, outcome: "ok", details: { reason: req.reason, invalidityDate: invalidityDate?.toISOString() ?? null } },
            now,
          );
        }
        return result;
      });
      if (outcome === "not_found") return refuse(req, new AppError("CERT_NOT_FOUND", `no certificate with serial ${serial}`));
      if (outcome === "already_revoked") return refuse(req, new AppError("CERT_ALREADY_REVOKED", `certificate ${serial} is already revoked`));
      if (outcome === "not_valid") return refuse(req, new AppError("CERT_NOT_REVOCABLE", `certificate ${serial} was never issued (pending or failed)`));
      const cert = (await store.certificates.findBySerial(serial))!;
      const notice = { serial, caId: cert.caId, reason, revokedAt: now };
      deps.onRevoked(notice);
      return notice;
    },
  };
}

export type RevocationService = ReturnType<typeof createRevocationService>;
