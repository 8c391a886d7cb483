// Decides whether a certificate may be issued: validates the profile, subject,
// validity and CSR key (proof of possession, strength, not already certified,
// never a compromised key), then asks the CA to issue: one request, or a batch
// (a CA operator's manifest) where each bad request is refused alone. Every
// refusal is audited.
import type { Config } from "../config/schema";
import { AppError, isAppError } from "../errors/app-error";
import type { AuditEntry } from "../store/audit-store";
import type { Store } from "../store/store";
import type { BatchOutcome, Issued } from "../ca/issue-cycle";
import { isSubscriberProfile, SUBSCRIBER_PROFILES } from "../ca/profiles";
import type { SubscriberIssueInput, SubscriberIssuer } from "../ca/subscriber-issuer";
import { checkCsr, type CheckedKey } from "./csr-check";
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

  /** Everything but the key's history in the certificates table (keyUse). */
  async function validateRequest(req: IssueRequest) {
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
    return { profile: req.profile, days, subject, key, unitId, subscriberId: req.subscriberId ?? null };
  }
  type Validated = Awaited<ReturnType<typeof validateRequest>>;

  /** A key is certified once while live, and never again after a keyCompromise revocation. */
  function checkKeyUse(use: { live: number; compromised: number } | undefined): void {
    if (use && use.compromised > 0) throw new AppError("KEY_COMPROMISED", "this key was reported compromised: make a new key on the token");
    if (use && use.live > 0) throw new AppError("KEY_DUPLICATE", "a live certificate already uses this public key: each certificate needs its own key");
  }

  function refusal(req: IssueRequest, e: AppError): AuditEntry {
    return { actor: req.actor, action: "cert.issue", objectType: "certificate", outcome: "refused", details: { code: e.code, message: e.message, profile: String(req.profile).slice(0, 32) } };
  }

  function issueInput(req: IssueRequest, v: Validated): SubscriberIssueInput {
    return {
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
    };
  }

  return {
    async issue(req: IssueRequest): Promise<Issued> {
      let v: Validated;
      try {
        v = await validateRequest(req);
        checkKeyUse((await store.certificates.keyUse([v.key.spkiSha256], clock())).get(v.key.spkiSha256));
      } catch (e) {
        if (isAppError(e)) await store.audit.append(refusal(req, e), clock());
        throw e;
      }
      return deps.issuer.issue(issueInput(req, v));
    },

    /**
     * Issues a batch (a CA operator's manifest, `cert issue-batch`): each request
     * is validated like issue() — including against the other keys of the batch
     * (one key, one live certificate) — and each invalid one is refused alone,
     * with its own audit entry and error code, while the others are issued.
     * A CA operator re-runs the refused rows after fixing them; refusing the
     * whole manifest for one bad CSR would make a thousand people wait for one.
     * The database work is grouped (issue-cycle.ts runIssuanceBatch): refusals
     * and pending rows in one transaction, completions and their audit entries
     * in another. Outcomes in request order.
     */
    async issueMany(reqs: readonly IssueRequest[]): Promise<BatchOutcome[]> {
      const outcomes: BatchOutcome[] = new Array(reqs.length);
      const checked: Array<{ at: number; v: Validated } | null> = [];
      for (let i = 0; i < reqs.length; i++) {
        try {
          checked.push({ at: i, v: await validateRequest(reqs[i]!) });
        } catch (e) {
          if (!isAppError(e)) throw e;
          outcomes[i] = { ok: false, error: e };
          checked.push(null);
        }
      }
      const keys = checked.flatMap((c) => (c ? [c.v.key.spkiSha256] : []));
      const use = keys.length ? await store.certificates.keyUse(keys, clock()) : new Map<string, { live: number; compromised: number }>();
      const inBatch = new Set<string>();
      const refusals: AuditEntry[] = [];
      const accepted: Array<{ at: number; input: SubscriberIssueInput }> = [];
      for (const c of checked) {
        if (!c) continue;
        const key: CheckedKey = c.v.key;
        try {
          checkKeyUse(use.get(key.spkiSha256));
          if (inBatch.has(key.spkiSha256)) throw new AppError("KEY_DUPLICATE", "another request of this batch uses the same public key: each certificate needs its own key");
          inBatch.add(key.spkiSha256);
          accepted.push({ at: c.at, input: issueInput(reqs[c.at]!, c.v) });
        } catch (e) {
          if (!isAppError(e)) throw e;
          outcomes[c.at] = { ok: false, error: e };
        }
      }
      reqs.forEach((req, i) => {
        const o = outcomes[i];
        if (o && !o.ok && isAppError(o.error)) refusals.push(refusal(req, o.error));
      });
      const done = await deps.issuer.issueMany(accepted.map((a) => a.input), refusals);
      done.forEach((o, j) => (outcomes[accepted[j]!.at] = o));
      return outcomes;
    },
  };
}

export type IssuanceService = ReturnType<typeof createIssuanceService>;
