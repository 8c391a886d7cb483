// Issues subscriber certificates (individual, organization, device) from the
// active issuing CA. The RA has already validated the request; this builds the
// TBS from the profile and runs the issuance cycle, for one certificate or a batch.
import type { CaDeps } from "./ca-deps";
import { createHash } from "node:crypto";
import { AppError } from "../errors/app-error";
import { publicationUrls } from "./hierarchy";
import type { AuditEntry } from "../store/audit-store";
import { createExtensionEncoder } from "./extension-template";
import { runIssuanceBatch, runIssuanceCycle, type BatchOutcome, type CycleInput, type Issued } from "./issue-cycle";
import type { LoadedCa } from "./key-ring";
import { buildName } from "./name";
import type { SubscriberProfile } from "./profiles";
import { newSerial } from "./serial";
import { subjectPublicKeyBits } from "./signer";

export interface SubscriberIssueInput {
  profile: SubscriberProfile;
  subject: {
    commonName: string;
    organization?: string | undefined;
    organizationalUnits: string[];
    locality?: string | undefined;
    email?: string | undefined;
    dnsNames: string[];
  };
  spkiDer: Buffer;
  spkiSha256: string;
  keyAlg: string;
  keyType: "rsa" | "ec";
  days: number;
  actor: string;
  /** The subscriber's managing agency (units.id), if known. */
  unitId?: number | null;
  /** The subscriber who holds the certificate (subscribers.id), if known. */
  subscriberId?: number | null;
  /** The request (dossier) the certificate answers, and the token its key is on. */
  requestId?: number | null;
  tokenId?: number | null;
}

export type SubscriberIssuerDeps = CaDeps;

// Backdating notBefore absorbs clock skew on relying parties (Boulder backdates too).
const BACKDATE_MS = 60_000;

export function createSubscriberIssuer(deps: SubscriberIssuerDeps) {
  // The profile's fixed extensions are encoded once per issuer (extension-template.ts).
  const encodeExtensions = createExtensionEncoder();

  async function activeIssuer(): Promise<LoadedCa> {
    const issuer = await deps.keyRing.active("issuing");
    if (!issuer) throw new AppError("CA_NOT_INITIALISED", "no issuing CA: run `npm run cli -- ca init` first");
    return issuer;
  }

  function cycleInput(issuer: LoadedCa, input: SubscriberIssueInput): CycleInput {
    const now = deps.clock();
    const notBefore = new Date(Math.floor((now.getTime() - BACKDATE_MS) / 1000) * 1000);
    const notAfter = new Date(notBefore.getTime() + input.days * 86_400_000);
    if (notAfter > issuer.record.notAfter) {
      throw new AppError("VALIDITY_INVALID", `the certificate would outlive the issuing CA (valid until ${issuer.record.notAfter.toISOString()})`);
    }
    const urls = publicationUrls(deps.config, issuer.record.slug);
    return {
      issuer,
      profile: input.profile,
      spec: {
        serialHex: newSerial(deps.random),
        subject: buildName({ ...input.subject, country: "VN" }),
        issuerSubjectDer: issuer.subjectDer,
        notBefore,
        notAfter,
        subjectPublicKeyDer: input.spkiDer,
        extensions: encodeExtensions({
          profile: input.profile,
          keyType: input.keyType,
          subjectKeyId: subjectKeyId(input.spkiDer),
          authorityKeyId: issuer.record.ski,
          email: input.subject.email,
          dnsNames: input.subject.dnsNames,
          urls,
        }),
      },
      lint: {
        profile: input.profile,
        keyType: input.keyType,
        maxDays: deps.config.profiles[input.profile].maxDays,
        urls,
        email: input.subject.email,
      },
      commonName: input.subject.commonName,
      email: input.subject.email ?? null,
      keyAlg: input.keyAlg,
      spkiSha256: input.spkiSha256,
      actor: input.actor,
      unitId: input.unitId ?? null,
      subscriberId: input.subscriberId ?? null,
      requestId: input.requestId ?? null,
      tokenId: input.tokenId ?? null,
    };
  }

  const cycleDeps = { store: deps.store, makeLintCopy: deps.makeLintCopy, clock: deps.clock };

  return {
    async issue(input: SubscriberIssueInput): Promise<Issued> {
      return runIssuanceCycle(cycleDeps, cycleInput(await activeIssuer(), input));
    },
    /**
     * Issues each input through the batched cycle (issue-cycle.ts runIssuanceBatch):
     * outcomes in input order, one refused without stopping the others.
     * `refusals` (the RA's audit entries for requests it refused) are written
     * with the pending rows, in the same transaction.
     */
    async issueMany(inputs: readonly SubscriberIssueInput[], refusals: readonly AuditEntry[] = []): Promise<BatchOutcome[]> {
      const issuer = await activeIssuer();
      const outcomes: BatchOutcome[] = new Array(inputs.length);
      const cycles: CycleInput[] = [];
      const at: number[] = [];
      const audits = [...refusals];
      inputs.forEach((input, i) => {
        try {
          cycles.push(cycleInput(issuer, input));
          at.push(i);
        } catch (e) {
          if (!(e instanceof AppError)) throw e;
          outcomes[i] = { ok: false, error: e };
          audits.push({ actor: input.actor, action: "cert.issue", objectType: "certificate", outcome: "refused", details: { code: e.code, message: e.message, profile: input.profile } });
        }
      });
      const done = await runIssuanceBatch(cycleDeps, cycles, audits);
      done.forEach((o, j) => (outcomes[at[j]!] = o));
      return outcomes;
    },
  };
}

/** RFC 5280 4.2.1.2 method (1): SHA-1 of the subjectPublicKey bits. */
function subjectKeyId(spkiDer: Buffer): string {
  return createHash("sha1").update(subjectPublicKeyBits(spkiDer)).digest("hex");
}

export type SubscriberIssuer = ReturnType<typeof createSubscriberIssuer>;
