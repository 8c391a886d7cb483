// Builds the lint copy of a certificate: the complete TBSCertificate, signed by
// a throwaway key of the same algorithm as the real issuer (Boulder's
// issuance cycle). Its TBS is exactly what the real key will sign.
import "reflect-metadata";
import { generateKeyPairSync, webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";
import { assembleCertificate, encodeTbs } from "./cert-assembly";
import { createSigner, type KeyAlgorithm, type Signer } from "./signer";

// The library's own signing and verifying (CSR proof of possession) use this provider.
x509.cryptoProvider.set(webcrypto as unknown as Crypto);

type Family = "rsa" | "p256" | "p384";

export function familyOf(alg: KeyAlgorithm): Family {
  return alg === "p256" || alg === "p384" ? alg : "rsa";
}

export interface TbsSpec {
  serialHex: string;
  subject: x509.JsonNameParams;
  issuerSubjectDer: Buffer | null; // null: self-signed, issuer = subject
  notBefore: Date;
  notAfter: Date;
  subjectPublicKeyDer: Buffer;
  /** In order; an Extension DER as is, or the library's object (its rawData). */
  extensions: ReadonlyArray<x509.Extension | Buffer>;
}

function generate(f: Family): Signer {
  // Signed with SHA-256 (RSA, P-256) or SHA-384 (P-384): the AlgorithmIdentifier the real issuer's signer gives (signer.ts).
  const pair = f === "rsa" ? generateKeyPairSync("rsa", { modulusLength: 2048 }) : generateKeyPairSync("ec", { namedCurve: f === "p256" ? "P-256" : "P-384" });
  return createSigner(pair.privateKey, pair.publicKey);
}

/** Throwaway keys, one per algorithm family, made once per maker (per process). */
export function createLintCopyMaker() {
  const keys = new Map<Family, Signer>();
  const keyFor = (f: Family) => {
    let k = keys.get(f);
    if (!k) keys.set(f, (k = generate(f)));
    return k;
  };
  /** The lint copy's DER; its tbsCertificate is what the issuer will sign (cert-assembly.ts tbsOf). */
  return async function makeLintCopy(spec: TbsSpec, issuerAlg: KeyAlgorithm): Promise<Buffer> {
    const throwaway = keyFor(familyOf(issuerAlg));
    const tbs = encodeTbs(spec, throwaway.algorithmIdentifier);
    return assembleCertificate(tbs, throwaway.algorithmIdentifier, throwaway.sign([tbs]));
  };
}

export type LintCopyMaker = ReturnType<typeof createLintCopyMaker>;
