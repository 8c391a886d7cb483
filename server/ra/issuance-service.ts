// Decides whether a certificate may be issued: validates the profile, subject,
// validity and CSR key (proof of possession, strength, not already certified,
// never a compromised key), then asks the CA to issue. Every refusal is audited.
import type { Config } from "../config/schema";
import { AppError, isAppError } from "../errors/app-error";
import type { Store } from "../store/store";
import type { Issued } from "../ca/issue-cycle";
import { isSubscriberProfile, SUBSCRIBER_PROFILES } from "../ca/profiles";
import type { SubscriberIssuer } from "../ca/subscriber-issuer";
import { checkCsr } from "./csr-check";
import { SubjectInput, validateSubject } from "./subject-policy";

export interface IssueRequest extends SubjectInput {
  csr: Buffer | string;
  profile: string;
  days?: number | undefined;
  actor: string;
  /** The subscriber's managing agency (units.id); who may see the certificate follows from it. */
  unitId?: number | null | undefined;
  /** The subscriber who will hold the certificate (subscribers.id): same kind as the profile; the unit defaults to theirs and must match. */
  subscriberId?: number | null | undefined;
  /** The request (dossier) this issuance completes, and the token the key is on. */
  requestId?: number | null | undefined;
  tokenId?: number | null | undefined;
}

export interface IssuanceDeps {
  config: Config;
  store: Store;
  issuer: SubscriberIssuer;
  clock: () => Date;
}

export function createIssuanceService(deps: IssuanceDeps) {
  const { store, clock } = deps;

  async function validate(req: IssueRequest) {
    if (!isSubscriberProfile(req.profile)) {
      throw new AppError("PROFILE_UNKNOWN", `unknown profile "${String(req.profile).slice(0, 32)}" (use ${SUBSCRIBER_PROFILES.join(", ")})`);
    }
    const maxDays = deps.config.profiles[req.profile].maxDays;
    const days = req.days ?? maxDays;
    if (!Number.isInteger(days) || days < 1 || days > maxDays) {
      throw new AppError("VALIDITY_INVALID", `validity must be 1 to ${maxDays} days for profile ${req.profile}`);
    }
    const subject = validateSubject(req);
    if (req.profile !== "device" && subject.dnsNames.length) {
      throw new AppError("SUBJECT_INVALID", "DNS names are only allowed in device certificates");
    }
    let unitId = req.unitId ?? null;
    if (req.subscriberId !== undefined && req.subscriberId !== null) {
      const s = await store.subscribers.findById(req.subscriberId);
      if (!s) throw new AppError("SUBSCRIBER_NOT_FOUND", `no subscriber ${req.subscriberId}`);
      if (s.kind !== req.profile) throw new AppError("SUBSCRIBER_MISMATCH", `subscriber ${s.id} is ${s.kind}, not ${req.profile}`);
      if (unitId !== null && unitId !== s.unitId) throw new AppError("SUBSCRIBER_MISMATCH", `subscriber ${s.id} belongs to another unit`);
      unitId = s.unitId;
    }
    const key = await checkCsr(req.csr);
    if ((await store.certificates.countCompromisedWithKey(key.spkiSha256)) > 0) {
      throw new AppError("KEY_COMPROMISED", "this key was reported compromised: make a new key on the token");
    }
    if ((await store.certificates.countLiveWithKey(key.spkiSha256, clock())) > 0) {
      throw new AppError("KEY_DUPLICATE", "a live certificate already uses this public key: each certificate needs its own key");
    }
    return { profile: req.profile, days, subject, key, unitId, subscriberId: req.subscriberId ?? null };
  }

  return {
    async issue(req: IssueRequest): Promise<Issued> {
      let v: Awaited<ReturnType<typeof validate>>;
      try {
        v = await validate(req);
      } catch (e) {
        if (isAppError(e)) {
          await store.audit.append(
            { actor: req.actor, action: "cert.issue", objectType: "certificate", outcome: "refused", details: { code: e.code, message: e.message, profile: String(req.profile).slice(0, 32) } },
            clock(),
          );
        }
        throw e;
      }
      return deps.issuer.issue({
        profile: v.profile,
        subject: v.subject,
        spkiDer: v.key.spkiDer,
        spkiSha256: v.key.spkiSha256,
        keyAlg: v.key.keyAlg,
        keyType: v.key.keyType,
        days: v.days,
        actor: req.actor,
        unitId: v.unitId,
        subscriberId: v.subscriberId,
        requestId: req.requestId ?? null,
        tokenId: req.tokenId ?? null,
      });
    },
  };
}

export type IssuanceService = ReturnType<typeof createIssuanceService>;
