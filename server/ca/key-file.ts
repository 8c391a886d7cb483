// Private keys at rest: PKCS#8 DER sealed with AES-256-GCM under a key derived
// from CA_KEY_PASSPHRASE by scrypt. The only place a key is written or read.
import { createCipheriv, createDecipheriv, generateKeyPairSync, KeyObject, randomBytes, scryptSync, createPrivateKey, createPublicKey } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { AppError } from "../errors/app-error";
import type { KeyAlgorithm } from "./signer";

// scrypt cost: N=2^15, r=8 (RFC 7914 section 2's interactive-login guidance, ~100 ms).
const SCRYPT = { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
const FORMAT = "chungthu-key/1";

interface SealedKey {
  format: typeof FORMAT;
  alg: KeyAlgorithm;
  kdf: { name: "scrypt"; N: number; r: number; p: number; salt: string };
  cipher: "aes-256-gcm";
  iv: string;
  tag: string;
  data: string;
  publicKey: string;
}

export interface KeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
  alg: KeyAlgorithm;
}

export function generateKeyPair(alg: KeyAlgorithm): KeyPair {
  switch (alg) {
    case "rsa2048":
    case "rsa3072": {
      const kp = generateKeyPairSync("rsa", { modulusLength: alg === "rsa2048" ? 2048 : 3072, publicExponent: 65537 });
      return { ...kp, alg };
    }
    case "p256":
    case "p384": {
      const kp = generateKeyPairSync("ec", { namedCurve: alg === "p256" ? "prime256v1" : "secp384r1" });
      return { ...kp, alg };
    }
  }
}

/** Writes the key sealed under the passphrase; the file name is bound into the ciphertext (AAD). */
export function writeKeyFile(path: string, label: string, pair: KeyPair, passphrase: string): void {
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const key = scryptSync(passphrase, salt, 32, SCRYPT);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(`${FORMAT}:${label}:${pair.alg}`));
  const der = pair.privateKey.export({ type: "pkcs8", format: "der" });
  const data = Buffer.concat([cipher.update(der), cipher.final()]);
  der.fill(0);
  const sealed: SealedKey = {
    format: FORMAT,
    alg: pair.alg,
    kdf: { name: "scrypt", N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p, salt: salt.toString("base64") },
    cipher: "aes-256-gcm",
    iv: iv.toString("base64"),
    tag: cipher.getAuthTag().toString("base64"),
    data: data.toString("base64"),
    publicKey: pair.publicKey.export({ type: "spki", format: "der" }).toString("base64"),
  };
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(sealed, null, 2) + "\n", { mode: 0o600 });
  renameSync(tmp, path);
  chmodSync(path, 0o600);
}

export function readKeyFile(path: string, label: string, passphrase: string): KeyPair {
  if (!existsSync(path)) throw new AppError("CA_NOT_INITIALISED", `key file ${path} is missing`);
  let sealed: SealedKey;
  try {
    sealed = JSON.parse(readFileSync(path, "utf8")) as SealedKey;
    if (sealed.format !== FORMAT) throw new Error("unknown format");
  } catch {
    throw new AppError("KEY_DECRYPT_FAILED", `key file ${path} is not a chungthu key file`);
  }
  try {
    const key = scryptSync(passphrase, Buffer.from(sealed.kdf.salt, "base64"), 32, {
      N: sealed.kdf.N,
      r: sealed.kdf.r,
      p: sealed.kdf.p,
      maxmem: SCRYPT.maxmem,
    });
    const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(sealed.iv, "base64"));
    decipher.setAAD(Buffer.from(`${FORMAT}:${label}:${sealed.alg}`));
    decipher.setAuthTag(Buffer.from(sealed.tag, "base64"));
    const der = Buffer.concat([decipher.update(Buffer.from(sealed.data, "base64")), decipher.final()]);
    const privateKey = createPrivateKey({ key: der, format: "der", type: "pkcs8" });
    der.fill(0);
    const publicKey = createPublicKey({ key: Buffer.from(sealed.publicKey, "base64"), format: "der", type: "spki" });
    return { privateKey, publicKey, alg: sealed.alg };
  } catch {
    // Never echo anything derived from the key or the passphrase.
    throw new AppError("KEY_DECRYPT_FAILED", `cannot decrypt ${path}: wrong CA_KEY_PASSPHRASE or damaged file`);
  }
}
