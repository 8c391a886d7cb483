// Decides whether a checkpoint's signature is good: the audit signer's
// certificate must chain (issuing CA → root, signatures checked with
// node:crypto) to our CAs, carry the audit-signing EKU and digitalSignature, be
// valid and unrevoked when it signed, and its public key must verify the
// statement. Public keys only: never touches a private key.
import { KeyObject, verify as cryptoVerify, X509Certificate } from "node:crypto";
import { AsnConvert } from "@peculiar/asn1-schema";
import * as asn from "@peculiar/asn1-x509";
import { OID } from "../ca/oids";
import type { AuditCheckpoint } from "../store/audit-checkpoint-store";
import type { Store } from "../store/store";
import { checkpointStatement } from "./checkpoint-statement";

interface TrustedSigner {
  key: KeyObject;
  notBefore: Date;
  notAfter: Date;
  revokedAt: Date | null;
}

/** Returns null when the checkpoint's signature is trustworthy, else why not. */
export type CheckpointSignatureCheck = (cp: AuditCheckpoint) => Promise<string | null>;

export function createCheckpointSignatureCheck(store: Pick<Store, "auditSigners" | "cas" | "certificates">): CheckpointSignatureCheck {
  const signers = new Map<number, Promise<TrustedSigner | string>>();

  async function load(signerId: number): Promise<TrustedSigner | string> {
    const rec = await store.auditSigners.findById(signerId);
    if (!rec) return `unknown audit signer ${signerId}`;
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(rec.certDer);
    } catch {
      return `audit signer ${rec.slug}: certificate does not parse`;
    }
    const issuing = await store.cas.findById(rec.issuerCaId);
    if (!issuing || issuing.kind !== "issuing") return `audit signer ${rec.slug}: not issued by one of our issuing CAs`;
    const issuingX = new X509Certificate(issuing.certDer);
    if (!cert.checkIssued(issuingX) || !cert.verify(issuingX.publicKey)) return `audit signer ${rec.slug}: certificate does not verify with issuing CA ${issuing.slug}`;
    const root = issuing.parentId === null ? null : await store.cas.findById(issuing.parentId);
    if (!root || root.kind !== "root") return `audit signer ${rec.slug}: issuing CA ${issuing.slug} has no root`;
    const rootX = new X509Certificate(root.certDer);
    if (!issuingX.checkIssued(rootX) || !issuingX.verify(rootX.publicKey) || !rootX.verify(rootX.publicKey)) {
      return `audit signer ${rec.slug}: issuing CA ${issuing.slug} does not chain to root ${root.slug}`;
    }
    const usage = purposeProblem(rec.certDer);
    if (usage) return `audit signer ${rec.slug}: ${usage}`;
    const stored = await store.certificates.findBySerial(rec.serial);
    return { key: cert.publicKey, notBefore: new Date(cert.validFrom), notAfter: new Date(cert.validTo), revokedAt: stored?.revokedAt ?? null };
  }

  return async (cp) => {
    let signer = signers.get(cp.signerId);
    if (!signer) {
      signer = load(cp.signerId);
      signers.set(cp.signerId, signer);
    }
    const s = await signer;
    if (typeof s === "string") return s;
    const signedAt = new Date(cp.signedAt);
    if (Number.isNaN(signedAt.getTime()) || signedAt < s.notBefore || signedAt > s.notAfter) return `signed at ${cp.signedAt}, outside the signer certificate's validity`;
    if (s.revokedAt && signedAt >= s.revokedAt) return `signed at ${cp.signedAt}, after the signer certificate was revoked`;
    let ok = false;
    try {
      ok = cryptoVerify("sha256", checkpointStatement(cp), s.key, cp.signature);
    } catch {
      ok = false;
    }
    return ok ? null : "the signature does not verify with the audit signer's certificate";
  };
}

/** RFC 5280 4.2.1.3 / 4.2.1.12: digitalSignature, and our audit-signing purpose. */
function purposeProblem(certDer: Buffer): string | null {
  const cert = AsnConvert.parse(certDer, asn.Certificate);
  const ext = (oid: string) => cert.tbsCertificate.extensions?.find((e) => e.extnID === oid);
  const ku = ext(asn.id_ce_keyUsage);
  if (!ku || (AsnConvert.parse(ku.extnValue, asn.KeyUsage).toNumber() & asn.KeyUsageFlags.digitalSignature) === 0) return "certificate lacks keyUsage digitalSignature";
  const eku = ext(asn.id_ce_extKeyUsage);
  if (!eku || ![...AsnConvert.parse(eku.extnValue, asn.ExtendedKeyUsage)].includes(OID.kp.auditLogSigning)) return "certificate is not for audit-log signing (EKU)";
  return null;
}
