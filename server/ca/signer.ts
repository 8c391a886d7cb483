// Signers: the only way code outside server/ca gets something signed. A signer
// wraps a private key it never reveals; callers hand it the exact bytes to sign
// (a TBSCertList, an OCSP ResponseData, a TBSCertificate) and get the signature.
import { createHash, createSign, KeyObject } from "node:crypto";
import { children, parseDer } from "../asn1/der-reader";

export type KeyAlgorithm = "rsa2048" | "rsa3072" | "p256" | "p384";

export interface Signer {
  /** DER of the AlgorithmIdentifier that goes in signatureAlgorithm (RFC 5280 4.1.1.2). */
  readonly algorithmIdentifier: Buffer;
  /** Signs the concatenation of `parts`; RSA PKCS#1 v1.5 or ECDSA (DER-encoded Ecdsa-Sig-Value). */
  sign(parts: readonly Buffer[]): Buffer;
  /** SHA-1 of the subjectPublicKey BIT STRING contents: the key hash used by RFC 6960 ResponderID byKey and RFC 5280 key identifiers. */
  readonly publicKeyHash: Buffer;
}

// AlgorithmIdentifier DER, precomputed. RFC 4055 / RFC 5758 3.2: RSA carries
// an explicit NULL parameter, ECDSA carries no parameters at all.
const SHA256_WITH_RSA = Buffer.from("300d06092a864886f70d01010b0500", "hex");
const ECDSA_WITH_SHA256 = Buffer.from("300a06082a8648ce3d040302", "hex");
const ECDSA_WITH_SHA384 = Buffer.from("300a06082a8648ce3d040303", "hex");

export function signatureAlgorithmFor(key: KeyObject): { der: Buffer; hash: "sha256" | "sha384" } {
  if (key.asymmetricKeyType === "rsa") return { der: SHA256_WITH_RSA, hash: "sha256" };
  if (key.asymmetricKeyType === "ec") {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === "prime256v1") return { der: ECDSA_WITH_SHA256, hash: "sha256" };
    if (curve === "secp384r1") return { der: ECDSA_WITH_SHA384, hash: "sha384" };
  }
  throw new Error(`unsupported CA key type ${key.asymmetricKeyType}`);
}

/** Hash of the public key bits (RFC 5280 4.2.1.2 method 1). */
export function publicKeyHash(key: KeyObject): Buffer {
  const spki = key.export({ type: "spki", format: "der" });
  return createHash("sha1").update(subjectPublicKeyBits(spki)).digest();
}

/** The contents of the subjectPublicKey BIT STRING (without the unused-bits octet). */
export function subjectPublicKeyBits(spki: Buffer): Buffer {
  // SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier, subjectPublicKey BIT STRING }
  const bits = children(spki, parseDer(spki))[1];
  if (!bits || bits.identifier !== 0x03) throw new Error("SubjectPublicKeyInfo without a BIT STRING");
  return spki.subarray(bits.headerEnd + 1, bits.end);
}

export function createSigner(privateKey: KeyObject, publicKey: KeyObject): Signer {
  const alg = signatureAlgorithmFor(privateKey);
  return {
    algorithmIdentifier: alg.der,
    publicKeyHash: publicKeyHash(publicKey),
    sign(parts) {
      const s = createSign(alg.hash);
      for (const part of parts) s.update(part);
      return s.sign(privateKey);
    },
  };
}
