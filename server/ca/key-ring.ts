// The CA's loaded keys: reads sealed key files on first use and hands out
// Signers. The private keys never leave this object.
import { join } from "node:path";
import { AsnConvert } from "@peculiar/asn1-schema";
import * as asn from "@peculiar/asn1-x509";
import type { CaRecord, CaStore } from "../store/ca-store";
import { createKeystores, KeyHandle, Keystore, KeystoreConfig } from "./keystore";
import type { KeyAlgorithm, Signer } from "./signer";

export interface LoadedCa {
  record: CaRecord;
  signer: Signer;
  alg: KeyAlgorithm;
  keyType: "rsa" | "ec";
  /** The certificate's subject Name DER: the issuer name of what it signs. */
  subjectDer: Buffer;
}

export interface KeyRing {
  /** The active CA of a kind (root, issuing) or null before `ca init`. */
  active(kind: "root" | "issuing"): Promise<LoadedCa | null>;
  /** The active delegated OCSP responder for an issuing CA. */
  responderFor(caId: number): Promise<LoadedCa | null>;
  byId(id: number): Promise<LoadedCa | null>;
  /** Forget cached CA rows (after init or responder renewal, or another process's). */
  refresh(): void;
  /** Where new CA keys are made: config `ca.keystore` (sealed files by default, or a PKCS#11 token). */
  readonly keystore: Keystore;
  /** Lets go of an open token session (file keys need nothing). */
  close(): void;
}

export function keyFilePath(dataDir: string, slug: string): string {
  return join(dataDir, "ca", "keys", `${slug}.key.json`);
}

export function subjectDerOf(certDer: Buffer): Buffer {
  const cert = AsnConvert.parse(certDer, asn.Certificate);
  return Buffer.from(AsnConvert.serialize(cert.tbsCertificate.subject));
}

export function createKeyRing(deps: { cas: CaStore; dataDir: string; passphrase: string; keystore?: KeystoreConfig }): KeyRing {
  const keys = new Map<string, KeyHandle>();
  const keystores = createKeystores({ dataDir: deps.dataDir, passphrase: deps.passphrase, config: deps.keystore ?? { kind: "file" } });
  let rows: Promise<CaRecord[]> | null = null;
  // A failed look-up is not kept: the next call asks the database again.
  const list = () =>
    (rows ??= deps.cas.listActive().catch((e: unknown) => {
      rows = null;
      throw e;
    }));

  // Parsing a CA certificate costs ~0.5 ms: once per certificate, not once per signature.
  const subjects = new WeakMap<Buffer, Buffer>();
  const subjectOf = (certDer: Buffer): Buffer => {
    let s = subjects.get(certDer);
    if (!s) subjects.set(certDer, (s = subjectDerOf(certDer)));
    return s;
  };

  const load = (record: CaRecord): LoadedCa => {
    let pair = keys.get(record.keyRef);
    if (!pair) {
      pair = keystores.open(record.keyRef, record.slug);
      keys.set(record.keyRef, pair);
    }
    return {
      record,
      signer: pair.signer,
      alg: pair.alg,
      keyType: pair.alg.startsWith("rsa") ? "rsa" : "ec",
      subjectDer: subjectOf(record.certDer),
    };
  };

  return {
    async active(kind) {
      const r = (await list()).filter((c) => c.kind === kind).at(-1);
      return r ? load(r) : null;
    },
    async responderFor(caId) {
      const r = (await list())
        .filter((c) => c.kind === "ocsp" && c.parentId === caId)
        .sort((a, b) => a.notAfter.getTime() - b.notAfter.getTime())
        .at(-1);
      return r ? load(r) : null;
    },
    async byId(id) {
      const r = (await list()).find((c) => c.id === id);
      return r ? load(r) : null;
    },
    refresh() {
      rows = null;
    },
    get keystore() {
      return keystores.primary;
    },
    close() {
      keys.clear();
      keystores.close();
    },
  };
}
