// Where CA private keys live: sealed files in DATA_DIR (the embedded default) or
// a PKCS#11 token. Chooses the backend from config `ca.keystore` for new keys and
// from a key reference's scheme for existing ones; never hands out a private key.
import { join } from "node:path";
import type { KeyObject } from "node:crypto";
import { AppError } from "../errors/app-error";
import { generateKeyPair, readKeyFile, writeKeyFile } from "./key-file";
import { openPkcs11Keystore } from "./keystore-pkcs11";
import { createSigner, KeyAlgorithm, Signer } from "./signer";

export type KeystoreConfig = { kind: "file" } | { kind: "pkcs11"; module: string; slot: string | number; pinEnv: string };

/** A key the store holds: its reference (cas.key_ref), public half and a Signer. */
export interface KeyHandle {
  keyRef: string;
  alg: KeyAlgorithm;
  publicKey: KeyObject;
  signer: Signer;
}

export interface Keystore {
  readonly kind: KeystoreConfig["kind"];
  /** Creates a new key labelled `slug` inside the store (a token key is never extractable). */
  generate(slug: string, alg: KeyAlgorithm): KeyHandle;
  /** Opens the key behind `keyRef` (one this store's scheme understands). */
  open(keyRef: string, slug: string): KeyHandle;
  close(): void;
}

export interface KeystoreDeps {
  dataDir: string;
  passphrase: string;
  config: KeystoreConfig;
  /** Where the PIN is read from (config names the variable, never the PIN itself). */
  env?: NodeJS.ProcessEnv;
}

export function fileKeystore(dataDir: string, passphrase: string): Keystore {
  const path = (name: string) => join(dataDir, "ca", "keys", name);
  return {
    kind: "file",
    generate(slug, alg) {
      const pair = generateKeyPair(alg);
      const keyRef = `file:${slug}.key.json`;
      writeKeyFile(path(`${slug}.key.json`), slug, pair, passphrase);
      return { keyRef, alg, publicKey: pair.publicKey, signer: createSigner(pair.privateKey, pair.publicKey) };
    },
    open(keyRef, slug) {
      const pair = readKeyFile(path(keyRef.slice("file:".length)), slug, passphrase);
      return { keyRef, alg: pair.alg, publicKey: pair.publicKey, signer: createSigner(pair.privateKey, pair.publicKey) };
    },
    close() {},
  };
}

/**
 * The keystores of one process: `primary` makes new keys (config `ca.keystore`);
 * `open` routes an existing reference to the backend its scheme names, so a
 * hierarchy keeps working after the default changes (file keys stay readable).
 */
export function createKeystores(deps: KeystoreDeps) {
  const file = fileKeystore(deps.dataDir, deps.passphrase);
  let token: Keystore | null = null;
  const pkcs11 = (): Keystore => {
    if (token) return token;
    if (deps.config.kind !== "pkcs11") {
      throw new AppError("CA_NOT_INITIALISED", "this CA's key is in a PKCS#11 token: configure ca.keystore (kind pkcs11, module, slot, pinEnv)");
    }
    const env = deps.env ?? process.env;
    const pin = env[deps.config.pinEnv];
    if (!pin) throw new AppError("CA_NOT_INITIALISED", `the token PIN variable ${deps.config.pinEnv} is not set`);
    token = openPkcs11Keystore({ module: deps.config.module, slot: String(deps.config.slot), pin });
    return token;
  };
  return {
    get primary(): Keystore {
      return deps.config.kind === "pkcs11" ? pkcs11() : file;
    },
    open(keyRef: string, slug: string): KeyHandle {
      if (keyRef.startsWith("file:")) return file.open(keyRef, slug);
      if (keyRef.startsWith("pkcs11:")) return pkcs11().open(keyRef, slug);
      throw new AppError("CA_NOT_INITIALISED", `key store ${keyRef.split(":")[0]} is not available`);
    },
    close() {
      token?.close();
      token = null;
    },
  };
}

export type Keystores = ReturnType<typeof createKeystores>;
