// Certificate profiles: which extensions each kind of certificate carries
// (RFC 5280 4.2). The CA builds from these; the linter checks against them.
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { OID } from "./oids";

export type SubscriberProfile = "individual" | "organization" | "device";
export type CaProfile = "root" | "issuing" | "ocsp";
/** Certificates the CA issues to its own services (not CAs, not subscribers). */
export type ServiceProfile = "audit" | "report";
export type ProfileName = SubscriberProfile | CaProfile | ServiceProfile;

export const SUBSCRIBER_PROFILES: readonly SubscriberProfile[] = ["individual", "organization", "device"];

export function isSubscriberProfile(p: string): p is SubscriberProfile {
  return (SUBSCRIBER_PROFILES as readonly string[]).includes(p);
}

const KU = x509.KeyUsageFlags;

export interface ProfileSpec {
  isCa: boolean;
  pathLen?: number;
  /** keyUsage bits for an RSA key and for an EC key (RFC 5280 4.2.1.3: no keyEncipherment for EC). */
  keyUsage: { rsa: number; ec: number };
  extKeyUsage: string[];
  policies: string[];
  /** Whether CRL DP and AIA point at our publication URLs. */
  publication: "full" | "root-only" | "none";
  ocspNoCheck: boolean;
}

export const PROFILES: Record<ProfileName, ProfileSpec> = {
  // An official's signing certificate (Mẫu 01): non-repudiation signatures on documents.
  individual: {
    isCa: false,
    keyUsage: { rsa: KU.digitalSignature | KU.nonRepudiation, ec: KU.digitalSignature | KU.nonRepudiation },
    extKeyUsage: [OID.kp.clientAuth, OID.kp.emailProtection, OID.kp.documentSigning],
    policies: [OID.testPolicy.individual],
    publication: "full",
    ocspNoCheck: false,
  },
  // An agency's "seal" certificate (Mẫu 02), kept by its clerk.
  organization: {
    isCa: false,
    keyUsage: { rsa: KU.digitalSignature | KU.nonRepudiation, ec: KU.digitalSignature | KU.nonRepudiation },
    extKeyUsage: [OID.kp.clientAuth, OID.kp.emailProtection, OID.kp.documentSigning],
    policies: [OID.testPolicy.organization],
    publication: "full",
    ocspNoCheck: false,
  },
  // A device, service or software (Mẫu 03): TLS client/server and signing.
  device: {
    isCa: false,
    keyUsage: { rsa: KU.digitalSignature | KU.keyEncipherment, ec: KU.digitalSignature },
    extKeyUsage: [OID.kp.serverAuth, OID.kp.clientAuth],
    policies: [OID.testPolicy.device],
    publication: "full",
    ocspNoCheck: false,
  },
  root: {
    isCa: true,
    keyUsage: { rsa: KU.keyCertSign | KU.cRLSign, ec: KU.keyCertSign | KU.cRLSign },
    extKeyUsage: [],
    policies: [],
    publication: "none",
    ocspNoCheck: false,
  },
  issuing: {
    isCa: true,
    pathLen: 0,
    keyUsage: { rsa: KU.keyCertSign | KU.cRLSign, ec: KU.keyCertSign | KU.cRLSign },
    extKeyUsage: [],
    policies: [OID.anyPolicy],
    publication: "root-only",
    ocspNoCheck: false,
  },
  // Delegated OCSP responder (RFC 6960 4.2.2.2): id-kp-OCSPSigning, and
  // id-pkix-ocsp-nocheck (4.2.2.2.1) because it is short-lived.
  ocsp: {
    isCa: false,
    keyUsage: { rsa: KU.digitalSignature, ec: KU.digitalSignature },
    extKeyUsage: [OID.kp.ocspSigning],
    policies: [],
    publication: "none",
    ocspNoCheck: true,
  },
  // The audit-log signer: signs audit checkpoints (server/audit) and nothing
  // else, which the private EKU says; revocable through the issuing CA's CRL and OCSP.
  audit: {
    isCa: false,
    keyUsage: { rsa: KU.digitalSignature, ec: KU.digitalSignature },
    extKeyUsage: [OID.kp.auditLogSigning],
    policies: [],
    publication: "full",
    ocspNoCheck: false,
  },
  // The report signer: detached CMS signatures (RFC 5652) over exported
  // reports (issue 6), nothing else; revocable like the audit signer.
  report: {
    isCa: false,
    keyUsage: { rsa: KU.digitalSignature, ec: KU.digitalSignature },
    extKeyUsage: [OID.kp.reportSigning],
    policies: [],
    publication: "full",
    ocspNoCheck: false,
  },
};

export interface PublicationUrls {
  crl: string;
  ocsp: string;
  caIssuers: string;
}

export interface ExtensionInputs {
  profile: ProfileName;
  keyType: "rsa" | "ec";
  subjectKeyId: string;
  authorityKeyId: string | null;
  email?: string | undefined;
  dnsNames?: string[] | undefined;
  urls: PublicationUrls | null;
}

export function buildExtensions(input: ExtensionInputs): x509.Extension[] {
  const spec = PROFILES[input.profile];
  const exts: x509.Extension[] = [
    new x509.BasicConstraintsExtension(spec.isCa, spec.pathLen, true),
    new x509.KeyUsagesExtension(input.keyType === "rsa" ? spec.keyUsage.rsa : spec.keyUsage.ec, true),
    new x509.SubjectKeyIdentifierExtension(input.subjectKeyId),
  ];
  if (input.authorityKeyId) exts.push(new x509.AuthorityKeyIdentifierExtension(input.authorityKeyId));
  if (spec.extKeyUsage.length) exts.push(new x509.ExtendedKeyUsageExtension(spec.extKeyUsage));
  const altNames: x509.JsonGeneralNames = [];
  // RFC 5280 4.1.2.6: an e-mail address in the subject must also be in subjectAltName.
  if (input.email) altNames.push({ type: "email", value: input.email });
  for (const dns of input.dnsNames ?? []) altNames.push({ type: "dns", value: dns });
  if (altNames.length) exts.push(new x509.SubjectAlternativeNameExtension(altNames));
  if (spec.policies.length) exts.push(new x509.CertificatePolicyExtension(spec.policies));
  if (spec.publication !== "none" && input.urls) {
    exts.push(new x509.CRLDistributionPointsExtension([input.urls.crl]));
    exts.push(
      new x509.AuthorityInfoAccessExtension(
        spec.publication === "full" ? { ocsp: input.urls.ocsp, caIssuers: input.urls.caIssuers } : { caIssuers: input.urls.caIssuers },
      ),
    );
  }
  if (spec.ocspNoCheck) exts.push(new x509.Extension(OID.ocspNoCheck, false, Buffer.from([0x05, 0x00])));
  return exts;
}
