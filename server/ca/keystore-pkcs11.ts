// CA keys inside a PKCS#11 token (SoftHSM2 in tests, an HSM in production):
// generates key pairs in the token as sensitive, non-extractable objects and
// signs with them. The private key never exists outside the token; this module
// only ever holds object handles and public keys.
import { createHash, createPublicKey, KeyObject, randomBytes } from "node:crypto";
import * as pkcs11js from "pkcs11js";
import { AppError } from "../errors/app-error";
import { encodeEcdsaSignature, pkcs11Ref, parsePkcs11Ref } from "./pkcs11-encoding";
import { type KeyAlgorithm, publicKeyHash, type Signer, signatureAlgorithmFor } from "./signer";
import type { KeyHandle, Keystore } from "./keystore";

export interface Pkcs11Options {
  /** Path of the vendor's PKCS#11 library, e.g. /usr/lib/softhsm/libsofthsm2.so. */
  module: string;
  /** Slot ID (digits) or token label. */
  slot: string;
  pin: string;
}

// A PKCS#11 library is initialised once per process (C_Initialize twice is
// CKR_CRYPTOKI_ALREADY_INITIALIZED, PKCS#11 v2.40 section 5.4), so loaded
// modules are shared by every keystore in the process and counted.
const modules = new Map<string, { lib: pkcs11js.PKCS11; users: number }>();

function loadModule(path: string): pkcs11js.PKCS11 {
  const known = modules.get(path);
  if (known) {
    known.users++;
    return known.lib;
  }
  const lib = new pkcs11js.PKCS11();
  try {
    lib.load(path);
    lib.C_Initialize();
  } catch (e) {
    throw new AppError("CA_NOT_INITIALISED", `cannot load the PKCS#11 module ${path}: ${(e as Error).message}`);
  }
  modules.set(path, { lib, users: 1 });
  return lib;
}

function releaseModule(path: string): void {
  const known = modules.get(path);
  if (!known || --known.users > 0) return;
  modules.delete(path);
  try {
    known.lib.C_Finalize();
    known.lib.close();
  } catch {
    // The process is letting go of the library; nothing left to protect.
  }
}

const slotId = (h: Buffer) => (h.length >= 8 ? h.readBigUInt64LE(0) : BigInt(h.readUInt32LE(0))).toString();

// RFC 5480 2.1.1.1 named curves, as CKA_EC_PARAMS (DER OBJECT IDENTIFIER).
const CURVES: Record<"p256" | "p384", { params: Buffer; crv: string; size: number }> = {
  p256: { params: Buffer.from("06082a8648ce3d030107", "hex"), crv: "P-256", size: 32 },
  p384: { params: Buffer.from("06052b81040022", "hex"), crv: "P-384", size: 48 },
};
// RFC 8017 9.2 note 1: DigestInfo prefixes for EMSA-PKCS1-v1_5 over a precomputed hash.
const DIGEST_INFO = {
  sha256: Buffer.from("3031300d060960864801650304020105000420", "hex"),
  sha384: Buffer.from("3041300d060960864801650304020205000430", "hex"),
};

export function openPkcs11Keystore(opts: Pkcs11Options): Keystore {
  const lib = loadModule(opts.module);
  let session: Buffer;
  let tokenLabel: string;
  try {
    const slots = lib.C_GetSlotList(true);
    const found = slots
      .map((s) => ({ s, label: lib.C_GetTokenInfo(s).label.trim() }))
      .find((x) => (/^\d+$/.test(opts.slot) && slotId(x.s) === opts.slot) || x.label === opts.slot);
    if (!found) throw new AppError("CA_NOT_INITIALISED", `no PKCS#11 token in slot "${opts.slot}" (give a slot ID or a token label)`);
    tokenLabel = found.label;
    session = lib.C_OpenSession(found.s, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
    try {
      lib.C_Login(session, pkcs11js.CKU_USER, opts.pin);
    } catch (e) {
      // Another keystore of this process already logged the application in (PKCS#11 v2.40 5.6: login is per application).
      if (!(e instanceof pkcs11js.Pkcs11Error && e.code === pkcs11js.CKR_USER_ALREADY_LOGGED_IN)) throw e;
    }
  } catch (e) {
    releaseModule(opts.module);
    if (e instanceof AppError) throw e;
    // The PKCS#11 return code names the failure (e.g. CKR_PIN_INCORRECT); the PIN itself is never echoed.
    throw new AppError("CA_NOT_INITIALISED", `cannot open the PKCS#11 token "${opts.slot}": ${(e as Error).message}`);
  }

  const find = (cls: number, id: Buffer): Buffer | null => {
    lib.C_FindObjectsInit(session, [
      { type: pkcs11js.CKA_CLASS, value: cls },
      { type: pkcs11js.CKA_ID, value: id },
    ]);
    try {
      return lib.C_FindObjects(session);
    } finally {
      lib.C_FindObjectsFinal(session);
    }
  };

  const publicKeyOf = (pub: Buffer, alg: KeyAlgorithm): KeyObject => {
    if (alg === "rsa2048" || alg === "rsa3072") {
      const [n, e] = lib.C_GetAttributeValue(session, pub, [{ type: pkcs11js.CKA_MODULUS }, { type: pkcs11js.CKA_PUBLIC_EXPONENT }]);
      return createPublicKey({ format: "jwk", key: { kty: "RSA", n: n!.value.toString("base64url"), e: e!.value.toString("base64url") } });
    }
    const curve = CURVES[alg];
    const [point] = lib.C_GetAttributeValue(session, pub, [{ type: pkcs11js.CKA_EC_POINT }]);
    // CKA_EC_POINT is the DER OCTET STRING of the uncompressed point (X9.62 04 || X || Y); keep the last 2*size+1 bytes.
    const raw = point!.value.subarray(point!.value.length - (2 * curve.size + 1));
    if (raw[0] !== 0x04) throw new AppError("CA_NOT_INITIALISED", "the token returned an EC point that is not uncompressed");
    const x = raw.subarray(1, 1 + curve.size).toString("base64url");
    const y = raw.subarray(1 + curve.size).toString("base64url");
    return createPublicKey({ format: "jwk", key: { kty: "EC", crv: curve.crv, x, y } });
  };

  const signerFor = (priv: Buffer, publicKey: KeyObject, alg: KeyAlgorithm): Signer => {
    const sigAlg = signatureAlgorithmFor(publicKey);
    const rsa = alg === "rsa2048" || alg === "rsa3072";
    return {
      algorithmIdentifier: sigAlg.der,
      publicKeyHash: publicKeyHash(publicKey),
      sign(parts) {
        // Hash here, sign the digest in the token (CKM_RSA_PKCS over a DigestInfo, CKM_ECDSA over the hash):
        // the TBS bytes never cross into the token and one mechanism serves every hash.
        const h = createHash(sigAlg.hash);
        for (const part of parts) h.update(part);
        const digest = h.digest();
        // Synchronous by design (Signer.sign is synchronous): measured in test/interop/pkcs11-softhsm.test.ts.
        lib.C_SignInit(session, { mechanism: rsa ? pkcs11js.CKM_RSA_PKCS : pkcs11js.CKM_ECDSA }, priv);
        const input = rsa ? Buffer.concat([DIGEST_INFO[sigAlg.hash], digest]) : digest;
        const sig = lib.C_Sign(session, input, Buffer.alloc(rsa ? 512 : 2 * 66));
        // PKCS#11 returns ECDSA as r || s; X.509 wants Ecdsa-Sig-Value (RFC 5480 / RFC 3279 2.2.3).
        return rsa ? Buffer.from(sig) : encodeEcdsaSignature(sig);
      },
    };
  };

  // The algorithm is read back from the token's public key, so the reference needs only the object's ID.
  const algorithmOf = (pub: Buffer): KeyAlgorithm => {
    const [type] = lib.C_GetAttributeValue(session, pub, [{ type: pkcs11js.CKA_KEY_TYPE }]);
    if (type!.value.readUInt32LE(0) === pkcs11js.CKK_RSA) {
      const [bits] = lib.C_GetAttributeValue(session, pub, [{ type: pkcs11js.CKA_MODULUS }]);
      const n = bits!.value.length * 8;
      if (n === 2048 || n === 3072) return n === 2048 ? "rsa2048" : "rsa3072";
    } else {
      const [params] = lib.C_GetAttributeValue(session, pub, [{ type: pkcs11js.CKA_EC_PARAMS }]);
      if (params!.value.equals(CURVES.p256.params)) return "p256";
      if (params!.value.equals(CURVES.p384.params)) return "p384";
    }
    throw new AppError("CA_NOT_INITIALISED", "the token key is of a type the CA does not use");
  };

  return {
    kind: "pkcs11",
    generate(slug, alg) {
      const id = randomBytes(16);
      const label = `chungthu-${slug}`;
      const common = [
        { type: pkcs11js.CKA_TOKEN, value: true },
        { type: pkcs11js.CKA_ID, value: id },
        { type: pkcs11js.CKA_LABEL, value: label },
      ];
      const rsa = alg === "rsa2048" || alg === "rsa3072";
      const pubTemplate = [
        ...common,
        { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PUBLIC_KEY },
        { type: pkcs11js.CKA_VERIFY, value: true },
        ...(rsa
          ? [
              { type: pkcs11js.CKA_MODULUS_BITS, value: alg === "rsa2048" ? 2048 : 3072 },
              { type: pkcs11js.CKA_PUBLIC_EXPONENT, value: Buffer.from([1, 0, 1]) },
            ]
          : [{ type: pkcs11js.CKA_EC_PARAMS, value: CURVES[alg as "p256" | "p384"].params }]),
      ];
      // CKA_SENSITIVE + CKA_EXTRACTABLE=false: the token refuses to reveal or wrap the private key (PKCS#11 v2.40 4.9).
      const privTemplate = [
        ...common,
        { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
        { type: pkcs11js.CKA_PRIVATE, value: true },
        { type: pkcs11js.CKA_SENSITIVE, value: true },
        { type: pkcs11js.CKA_EXTRACTABLE, value: false },
        { type: pkcs11js.CKA_SIGN, value: true },
        // A CA key signs and does nothing else (RFC 5280 4.2.1.3 keyCertSign/cRLSign; tokens default these to true).
        { type: pkcs11js.CKA_DECRYPT, value: false },
        { type: pkcs11js.CKA_UNWRAP, value: false },
        ...(rsa ? [] : [{ type: pkcs11js.CKA_DERIVE, value: false }]),
      ];
      const mech = { mechanism: rsa ? pkcs11js.CKM_RSA_PKCS_KEY_PAIR_GEN : pkcs11js.CKM_EC_KEY_PAIR_GEN };
      const keys = lib.C_GenerateKeyPair(session, mech, pubTemplate, privTemplate);
      const publicKey = publicKeyOf(keys.publicKey, alg);
      const keyRef = pkcs11Ref({ token: tokenLabel, object: label, id });
      return { keyRef, alg, publicKey, signer: signerFor(keys.privateKey, publicKey, alg) };
    },
    open(keyRef) {
      const ref = parsePkcs11Ref(keyRef);
      if (ref.token !== tokenLabel) throw new AppError("CA_NOT_INITIALISED", `the CA key is in token "${ref.token}", the configured slot holds "${tokenLabel}"`);
      const priv = find(pkcs11js.CKO_PRIVATE_KEY, ref.id);
      const pub = find(pkcs11js.CKO_PUBLIC_KEY, ref.id);
      if (!priv || !pub) throw new AppError("CA_NOT_INITIALISED", `key ${ref.object} is not in token "${ref.token}"`);
      const alg = algorithmOf(pub);
      const publicKey = publicKeyOf(pub, alg);
      const handle: KeyHandle = { keyRef, alg, publicKey, signer: signerFor(priv, publicKey, alg) };
      return handle;
    },
    close() {
      try {
        lib.C_CloseSession(session);
      } catch {
        // Already closed with the module.
      }
      releaseModule(opts.module);
    },
  };
}
