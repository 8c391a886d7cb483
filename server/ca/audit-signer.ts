// The audit-log signer: has the issuing CA issue (and renew) a P-256 certificate
// whose only purpose is signing audit checkpoints, and signs checkpoint
// statements with its key. The key never leaves this module; callers hand it
// the statement bytes and get a signature back.
import type { CaDeps } from "./ca-deps";
import { verify as cryptoVerify, X509Certificate } from "node:crypto";
import { join } from "node:path";
import { AppError } from "../errors/app-error";
import { readKeyFile } from "./key-file";
import { issueServiceSignerCertificate } from "./service-signer-cert";
import { newSerial } from "./serial";
import { createSigner } from "./signer";

export type AuditSignerDeps = CaDeps;

/** A loaded audit-signing key: signs checkpoint statements (ECDSA P-256 with SHA-256, DER signature). */
export interface AuditSigningKey {
  signerId: number;
  slug: string;
  certDer: Buffer;
  sign(statement: Buffer): Buffer;
}

export interface AuditSigner {
  /** Issues a signer certificate when there is none for the current issuing CA or it is due for renewal. True when it did. */
  ensure(actor: string): Promise<boolean>;
  /** The active signer with its key loaded, or null before one exists. */
  current(): Promise<AuditSigningKey | null>;
}

const DAY = 86_400_000;
export const AUDIT_SIGNER_CN = "chungthu TEST Audit Log Signer";

export function createAuditSigner(deps: AuditSignerDeps): AuditSigner {
  const { config, store, keyRing, clock } = deps;
  const loaded = new Map<number, AuditSigningKey>();

  return {
    async ensure(actor) {
      const issuing = await keyRing.active("issuing");
      if (!issuing) return false;
      const current = await store.auditSigners.active();
      const now = clock();
      if (current && current.issuerCaId === issuing.record.id && current.notAfter.getTime() - now.getTime() > config.audit.signerRenewDays * DAY) {
        return false;
      }
      const stamp = now.toISOString().replace(/[-:TZ.]/g, "").slice(0, 14);
      const slug = `audit-${stamp}-${deps.random(3).toString("hex")}`;
      const issued = await issueServiceSignerCertificate(deps, { issuing, profile: "audit", commonName: AUDIT_SIGNER_CN, slug, serialHex: newSerial(deps.random), actor });
      const x = new X509Certificate(issued.certDer);
      await store.transaction(async (tx) => {
        await tx.auditSigners.insert(
          {
            slug,
            issuerCaId: issuing.record.id,
            serial: issued.serial,
            certDer: issued.certDer,
            keyRef: `file:${slug}.key.json`,
            keyAlg: "p256",
            notBefore: new Date(x.validFrom),
            notAfter: new Date(x.validTo),
          },
          clock(),
        );
        if (current) await tx.auditSigners.retire(current.id);
        await tx.audit.append(
          {
            actor,
            action: "audit.signer.create",
            objectType: "certificate",
            objectId: issued.serial,
            outcome: "ok",
            details: { slug, issuer: issuing.record.slug, notAfter: x.validTo, replaces: current?.slug ?? null },
          },
          clock(),
        );
      });
      return true;
    },

    async current() {
      const rec = await store.auditSigners.active();
      if (!rec) return null;
      const cached = loaded.get(rec.id);
      if (cached) return cached;
      if (!rec.keyRef.startsWith("file:")) throw new AppError("CA_NOT_INITIALISED", `key store ${rec.keyRef.split(":")[0]} is not available`);
      const pair = readKeyFile(join(config.dataDir, "ca", "keys", rec.keyRef.slice(5)), rec.slug, config.caKeyPassphrase);
      const certPublicKey = new X509Certificate(rec.certDer).publicKey;
      const signer = createSigner(pair.privateKey, pair.publicKey);
      const key: AuditSigningKey = {
        signerId: rec.id,
        slug: rec.slug,
        certDer: rec.certDer,
        sign(statement) {
          const signature = signer.sign([statement]);
          // Check with the certificate's key before anyone relies on it (a wrong key file, a faulty signer).
          if (!cryptoVerify("sha256", statement, certPublicKey, signature)) {
            throw new AppError("KEY_DECRYPT_FAILED", `audit signer ${rec.slug}: its key does not match its certificate`);
          }
          return signature;
        },
      };
      loaded.set(rec.id, key);
      return key;
    },
  };
}
