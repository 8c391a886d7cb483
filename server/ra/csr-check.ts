// Checks a PKCS#10 request: well-formed, proof of possession (its signature),
// and a key this CA accepts (RSA 2048–4096 with e=65537, ECDSA P-256/P-384
// on named curves). Returns the key only; the CSR's subject is never used.
import "reflect-metadata";
import { createHash, createPublicKey, KeyObject } from "node:crypto";
import * as x509 from "@peculiar/x509";
import { AppError } from "../errors/app-error";

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
    return Buffer.from(m[2]!.replace(/\s+/g, ""), "base64");
  }
  return buf;
}

export function checkKey(spkiDer: Buffer): CheckedKey {
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
    return { spkiDer, spkiSha256, keyAlg: `rsa${bits}` as CheckedKey["keyAlg"], keyType: "rsa" };
  }
  if (key.asymmetricKeyType === "ec") {
    if (d.namedCurve === "prime256v1") return { spkiDer, spkiSha256, keyAlg: "p256", keyType: "ec" };
    if (d.namedCurve === "secp384r1") return { spkiDer, spkiSha256, keyAlg: "p384", keyType: "ec" };
    throw new AppError("KEY_UNSUPPORTED", `elliptic curve ${d.namedCurve ?? "(explicit parameters)"} is not accepted (P-256 or P-384)`);
  }
  throw new AppError("KEY_UNSUPPORTED", `${key.asymmetricKeyType} keys are not accepted (RSA or ECDSA)`);
}

export async function checkCsr(input: Buffer | string): Promise<CheckedKey> {
  const der = decodeCsr(input);
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(new Uint8Array(der));
  } catch {
    throw new AppError("CSR_MALFORMED", "the file is not a PKCS#10 certificate request");
  }
  const spkiDer = Buffer.from(csr.publicKey.rawData);
  const checked = checkKey(spkiDer);
  let ok = false;
  try {
    ok = await csr.verify();
  } catch {
    ok = false;
  }
  if (!ok) throw new AppError("CSR_BAD_SIGNATURE", "the CSR's signature does not verify (no proof of possession of the key)");
  return checked;
}
