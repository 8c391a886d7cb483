// Builds the lint copy of a certificate: the complete TBSCertificate, signed by
// a throwaway key of the same algorithm as the real issuer (Boulder's
// issuance cycle). Its TBS is exactly what the real key will sign.
import "reflect-metadata";
import { webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";
import type { KeyAlgorithm } from "./signer";

const subtle = webcrypto.subtle;
x509.cryptoProvider.set(webcrypto as unknown as Crypto);

type Family = "rsa" | "p256" | "p384";

const ALGS: Record<Family, { gen: RsaHashedKeyGenParams | EcKeyGenParams; sign: Algorithm | EcdsaParams }> = {
  rsa: {
    gen: { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
    sign: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" } as Algorithm,
  },
  p256: { gen: { name: "ECDSA", namedCurve: "P-256" }, sign: { name: "ECDSA", hash: "SHA-256" } as EcdsaParams },
  p384: { gen: { name: "ECDSA", namedCurve: "P-384" }, sign: { name: "ECDSA", hash: "SHA-384" } as EcdsaParams },
};

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
  extensions: x509.Extension[];
}

/** Throwaway keys, one per algorithm family, made once per process. */
export function createLintCopyMaker() {
  const keys = new Map<Family, Promise<CryptoKeyPair>>();
  const keyFor = (f: Family) => {
    let k = keys.get(f);
    if (!k) {
      k = subtle.generateKey(ALGS[f].gen, false, ["sign", "verify"]) as Promise<CryptoKeyPair>;
      keys.set(f, k);
    }
    return k;
  };
  return async function makeLintCopy(spec: TbsSpec, issuerAlg: KeyAlgorithm): Promise<Buffer> {
    const family = familyOf(issuerAlg);
    const throwaway = await keyFor(family);
    const subject = new x509.Name(spec.subject);
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: spec.serialHex,
      subject,
      issuer: spec.issuerSubjectDer ? new x509.Name(new Uint8Array(spec.issuerSubjectDer)) : subject,
      notBefore: spec.notBefore,
      notAfter: spec.notAfter,
      publicKey: new x509.PublicKey(new Uint8Array(spec.subjectPublicKeyDer)),
      signingKey: throwaway.privateKey,
      signingAlgorithm: ALGS[family].sign,
      extensions: spec.extensions,
    });
    return Buffer.from(cert.rawData);
  };
}

export type LintCopyMaker = ReturnType<typeof createLintCopyMaker>;
