// Checks a PKCS#10 request: well-formed, proof of possession (its signature),
// and a key this CA accepts (RSA 2048–4096 with e=65537, ECDSA P-256/P-384
// on named curves). Returns the key only; the CSR's subject is never used.
import "reflect-metadata";
import { createHash, createPublicKey, verify as cryptoVerify, KeyObject } from "node:crypto";
import * as x509 from "@peculiar/x509";
import { DerCursor, DerError, type DerNode, expectIdentifier, parseDer, readBitString, readIntegerHex, readOid } from "../asn1/der-reader";
import { AppError } from "../errors/app-error";
import { checkRequestedExtensions } from "./csr-extensions";

export const MAX_CSR_BYTES = 64 * 1024;

export interface CheckedKey {
  spkiDer: Buffer;
  spkiSha256: string;
  keyAlg: "rsa2048" | "rsa3072" | "rsa4096" | "p256" | "p384";
  keyType: "rsa" | "ec";
}

/** The CSR's DER from PEM or DER input (size-limited). */
export function decodeCsr(input: Buffer | string): Buffer {
  const buf = typeof input === "string" ? Buffer.from(input, "utf8") : input;
  if (buf.length === 0) throw new AppError("CSR_MALFORMED", "the CSR is empty");
  if (buf.length > MAX_CSR_BYTES) throw new AppError("CSR_MALFORMED", `the CSR is larger than ${MAX_CSR_BYTES / 1024} KB`);
  const textForm = buf.toString("latin1");
  if (textForm.includes("-----BEGIN")) {
    const m = /-----BEGIN (NEW )?CERTIFICATE REQUEST-----([A-Za-z0-9+/=\s]+)-----END (NEW )?CERTIFICATE REQUEST-----/.exec(textForm);
    if (!m) throw new AppError("CSR_MALFORMED", "the file is PEM but not a CERTIFICATE REQUEST");
    // One request per file: a second block (or anything) after END could be read differently by another tool.
    if (textForm.slice(m.index + m[0].length).trim() !== "") throw new AppError("CSR_MALFORMED", "there is something after the CERTIFICATE REQUEST block (one request per file)");
    return Buffer.from(m[2]!.replace(/\s+/g, ""), "base64");
  }
  return buf;
}

/**
 * Strict DER (RFC 2986 4.2 asks for DER) checked by our own reader before any
 * library sees the bytes: no trailing bytes, no indefinite lengths, nesting at
 * most 32 deep (a real CSR needs 8), so no input can make a parser recurse.
 */
function strictDer(der: Buffer): SignedParts {
  try {
    const root = parseDer(der);
    // CertificationRequest ::= SEQUENCE (RFC 2986 4.2): the outer tag is not signed, so nothing else would catch a change to it.
    expectIdentifier(root, 0x30, "CertificationRequest");
    const c = new DerCursor(der, root);
    const info = c.expect(0x30, "certificationRequestInfo");
    const algorithm = c.expect(0x30, "signatureAlgorithm");
    const ecdsa = checkSignatureAlgorithm(der, algorithm);
    // A signature is whole octets: a BIT STRING claiming unused bits is not one a library should "fix" (RFC 5280 4.1.1.3).
    const signature = readBitString(der, c.expect(0x03, "signature"));
    if (signature.unusedBits !== 0) throw new DerError("signature BIT STRING with unused bits", root.start);
    if (ecdsa) checkEcdsaSigValue(Buffer.from(signature.bytes));
    c.finish("CertificationRequest");
    checkRequestedExtensions(der, info);
    const oidNode = new DerCursor(der, algorithm).expect(0x06, "signatureAlgorithm.algorithm");
    return { info: der.subarray(info.start, info.end), algorithm: readOid(der, oidNode), signature: Buffer.from(signature.bytes), spki: subjectPublicKeyInfo(der, info) };
  } catch (e) {
    if (e instanceof DerError) throw new AppError("CSR_MALFORMED", `the file is not a DER-encoded PKCS#10 request (${e.message})`);
    throw e;
  }
}

/** What proof of possession is checked on: the signed bytes, the algorithm's OID, the signature. */
interface SignedParts {
  info: Buffer;
  algorithm: string;
  signature: Buffer;
  /** The subject's SubjectPublicKeyInfo DER. */
  spki: Buffer;
}

const RSA_ENCRYPTION = "1.2.840.113549.1.1.1";

/**
 * The SubjectPublicKeyInfo of certificationRequestInfo (RFC 2986 4.1), its
 * structure checked (RFC 5280 4.1.2.7); for RSA also the RSAPublicKey inside
 * the BIT STRING (RFC 8017 A.1.1), which the key reader would otherwise
 * report as an unsupported key rather than a malformed request.
 */
function subjectPublicKeyInfo(der: Buffer, info: DerNode): Buffer {
  const c = new DerCursor(der, info);
  c.expect(0x02, "version");
  c.expect(0x30, "subject");
  const spki = c.expect(0x30, "subjectPKInfo");
  const k = new DerCursor(der, spki);
  const algorithm = k.expect(0x30, "subjectPKInfo.algorithm");
  const bits = readBitString(der, k.expect(0x03, "subjectPublicKey"));
  k.finish("SubjectPublicKeyInfo");
  if (readOid(der, new DerCursor(der, algorithm).expect(0x06, "subjectPKInfo.algorithm.algorithm")) === RSA_ENCRYPTION) {
    const key = Buffer.from(bits.bytes);
    const r = new DerCursor(key, parseDer(key));
    readIntegerHex(key, r.expect(0x02, "modulus"));
    readIntegerHex(key, r.expect(0x02, "publicExponent"));
    r.finish("RSAPublicKey");
  }
  return der.subarray(spki.start, spki.end);
}

/**
 * Signature algorithms node:crypto checks directly (sync, no WebCrypto key
 * import: a third of the CSR check's cost), with the key type each needs.
 * Others (SHA-1, SHA-224, RSA-PSS, …) go to the library's verify as before.
 */
const DIRECT_VERIFY: Record<string, { hash: string; keyType: "rsa" | "ec" }> = {
  "1.2.840.113549.1.1.11": { hash: "sha256", keyType: "rsa" },
  "1.2.840.113549.1.1.12": { hash: "sha384", keyType: "rsa" },
  "1.2.840.113549.1.1.13": { hash: "sha512", keyType: "rsa" },
  "1.2.840.10045.4.3.2": { hash: "sha256", keyType: "ec" },
  "1.2.840.10045.4.3.3": { hash: "sha384", keyType: "ec" },
  "1.2.840.10045.4.3.4": { hash: "sha512", keyType: "ec" },
};

const RSA_PKCS1 = new Set(["1.2.840.113549.1.1.5", "1.2.840.113549.1.1.11", "1.2.840.113549.1.1.12", "1.2.840.113549.1.1.13", "1.2.840.113549.1.1.14"]);
const ECDSA = new Set(["1.2.840.10045.4.1", "1.2.840.10045.4.3.1", "1.2.840.10045.4.3.2", "1.2.840.10045.4.3.3", "1.2.840.10045.4.3.4"]);

/**
 * The parameters the signature algorithm must have, which the verifying library ignores:
 * NULL (or absent) for PKCS#1 v1.5 (RFC 4055 5), absent for ECDSA (RFC 5758 3.2). Unknown
 * algorithms are left to the verification, which refuses them.
 */
function checkSignatureAlgorithm(der: Buffer, node: DerNode): boolean {
  const a = new DerCursor(der, node);
  const id = readOid(der, a.expect(0x06, "signatureAlgorithm.algorithm"));
  const params = a.peek();
  if (RSA_PKCS1.has(id) && params && (params.identifier !== 0x05 || params.end !== params.headerEnd)) throw new DerError(`parameters of ${id} must be NULL`, params.start);
  if (ECDSA.has(id) && params) throw new DerError(`parameters of ${id} must be absent`, params.start);
  return ECDSA.has(id);
}

/** Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER } in DER (RFC 5758 3.2); the verifying library tolerates wrong lengths. */
function checkEcdsaSigValue(sig: Buffer): void {
  const root = parseDer(sig);
  const c = new DerCursor(sig, root);
  readIntegerHex(sig, c.expect(0x02, "r"));
  readIntegerHex(sig, c.expect(0x02, "s"));
  c.finish("Ecdsa-Sig-Value");
}

/** RFC 5480 2.1.1: id-ecPublicKey parameters MUST be a namedCurve OID (specifiedCurve and implicitCurve are refused). */
function ecParametersNamed(spkiDer: Buffer): boolean {
  try {
    const root = parseDer(spkiDer);
    const algorithm = new DerCursor(spkiDer, root).expect(0x30, "algorithm");
    const a = new DerCursor(spkiDer, algorithm);
    a.expect(0x06, "algorithm.algorithm");
    return a.peek()?.identifier === 0x06;
  } catch {
    return false;
  }
}

export function checkKey(spkiDer: Buffer): CheckedKey {
  return checkKeyObject(spkiDer).checked;
}

function checkKeyObject(spkiDer: Buffer): { checked: CheckedKey; key: KeyObject } {
  const checked = (c: CheckedKey) => ({ checked: c, key });
  let key: KeyObject;
  try {
    key = createPublicKey({ key: spkiDer, format: "der", type: "spki" });
  } catch {
    throw new AppError("KEY_UNSUPPORTED", "the public key cannot be read (unsupported algorithm or explicit curve parameters)");
  }
  const d = key.asymmetricKeyDetails ?? {};
  const spkiSha256 = createHash("sha256").update(spkiDer).digest("hex");
  if (key.asymmetricKeyType === "rsa") {
    const bits = d.modulusLength ?? 0;
    if (bits < 2048) throw new AppError("KEY_WEAK", `RSA key of ${bits} bits is too weak (minimum 2048)`);
    if (![2048, 3072, 4096].includes(bits)) throw new AppError("KEY_UNSUPPORTED", `RSA key of ${bits} bits is not accepted (2048, 3072 or 4096)`);
    if (d.publicExponent !== 65537n) throw new AppError("KEY_WEAK", `RSA public exponent ${d.publicExponent} is not accepted (must be 65537)`);
    return checked({ spkiDer, spkiSha256, keyAlg: `rsa${bits}` as CheckedKey["keyAlg"], keyType: "rsa" });
  }
  if (key.asymmetricKeyType === "ec") {
    // OpenSSL 3 maps explicit parameters of a known curve back to its name: look at the encoding itself.
    if (!ecParametersNamed(spkiDer)) throw new AppError("KEY_UNSUPPORTED", "elliptic curve given by explicit parameters is not accepted (RFC 5480: a named curve, P-256 or P-384)");
    if (d.namedCurve === "prime256v1") return checked({ spkiDer, spkiSha256, keyAlg: "p256", keyType: "ec" });
    if (d.namedCurve === "secp384r1") return checked({ spkiDer, spkiSha256, keyAlg: "p384", keyType: "ec" });
    throw new AppError("KEY_UNSUPPORTED", `elliptic curve ${d.namedCurve ?? "(explicit parameters)"} is not accepted (P-256 or P-384)`);
  }
  throw new AppError("KEY_UNSUPPORTED", `${key.asymmetricKeyType} keys are not accepted (RSA or ECDSA)`);
}

/** Proof of possession by the library, for the signature algorithms node:crypto is not asked to check. */
async function libraryVerify(der: Buffer): Promise<boolean> {
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(new Uint8Array(der));
  } catch {
    throw new AppError("CSR_MALFORMED", "the file is not a PKCS#10 certificate request");
  }
  try {
    return await csr.verify();
  } catch {
    return false;
  }
}

export async function checkCsr(input: Buffer | string): Promise<CheckedKey> {
  const der = decodeCsr(input);
  const signed = strictDer(der);
  const { checked, key } = checkKeyObject(Buffer.from(signed.spki));
  const direct = DIRECT_VERIFY[signed.algorithm];
  let ok = false;
  if (!direct) ok = await libraryVerify(der);
  else {
    try {
      // RFC 2986 4.2: the signature over certificationRequestInfo with the subject's key; the key must be of the algorithm's type.
      ok = key.asymmetricKeyType === direct.keyType && cryptoVerify(direct.hash, signed.info, key, signed.signature);
    } catch {
      ok = false;
    }
  }
  if (!ok) throw new AppError("CSR_BAD_SIGNATURE", "the CSR's signature does not verify (no proof of possession of the key)");
  return checked;
}
