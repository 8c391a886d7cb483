// Issues subscriber certificates (individual, organization, device) from the
// active issuing CA. The RA has already validated the request; this builds the
// TBS from the profile and runs the issuance cycle.
import type { CaDeps } from "./ca-deps";
import { createHash } from "node:crypto";
import { AppError } from "../errors/app-error";
import { publicationUrls } from "./hierarchy";
import { runIssuanceCycle, Issued } from "./issue-cycle";
import { buildName } from "./name";
import { buildExtensions, SubscriberProfile } from "./profiles";
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
  return {
    async issue(input: SubscriberIssueInput): Promise<Issued> {
      const issuer = await deps.keyRing.active("issuing");
      if (!issuer) throw new AppError("CA_NOT_INITIALISED", "no issuing CA: run `npm run cli -- ca init` first");
      const now = deps.clock();
      const notBefore = new Date(Math.floor((now.getTime() - BACKDATE_MS) / 1000) * 1000);
      const notAfter = new Date(notBefore.getTime() + input.days * 86_400_000);
      if (notAfter > issuer.record.notAfter) {
        throw new AppError("VALIDITY_INVALID", `the certificate would outlive the issuing CA (valid until ${issuer.record.notAfter.toISOString()})`);
      }
      const urls = publicationUrls(deps.config, issuer.record.slug);
      return runIssuanceCycle(
        { store: deps.store, makeLintCopy: deps.makeLintCopy, clock: deps.clock },
        {
          issuer,
          profile: input.profile,
          spec: {
            serialHex: newSerial(deps.random),
            subject: buildName({ ...input.subject, country: "VN" }),
            issuerSubjectDer: issuer.subjectDer,
            notBefore,
            notAfter,
            subjectPublicKeyDer: input.spkiDer,
            extensions: buildExtensions({
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
        },
      );
    },
  };
}

/** RFC 5280 4.2.1.2 method (1): SHA-1 of the subjectPublicKey bits. */
function subjectKeyId(spkiDer: Buffer): string {
  return createHash("sha1").update(subjectPublicKeyBits(spkiDer)).digest("hex");
}

export type SubscriberIssuer = ReturnType<typeof createSubscriberIssuer>;
