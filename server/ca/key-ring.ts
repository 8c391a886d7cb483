// The CA's loaded keys: reads sealed key files on first use and hands out
// Signers. The private keys never leave this object.
import { join } from "node:path";
import { AsnConvert } from "@peculiar/asn1-schema";
import * as asn from "@peculiar/asn1-x509";
import { AppError } from "../errors/app-error";
import type { CaRecord, CaStore } from "../store/ca-store";
import { KeyPair, readKeyFile } from "./key-file";
import { createSigner, KeyAlgorithm, Signer } from "./signer";

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
}

export function keyFilePath(dataDir: string, slug: string): string {
  return join(dataDir, "ca", "keys", `${slug}.key.json`);
}

export function subjectDerOf(certDer: Buffer): Buffer {
  const cert = AsnConvert.parse(certDer, asn.Certificate);
  return Buffer.from(AsnConvert.serialize(cert.tbsCertificate.subject));
}

export function createKeyRing(deps: { cas: CaStore; dataDir: string; passphrase: string }): KeyRing {
  const keys = new Map<string, KeyPair>();
  let rows: Promise<CaRecord[]> | null = null;
  const list = () => (rows ??= deps.cas.listActive());

  const load = (record: CaRecord): LoadedCa => {
    let pair = keys.get(record.keyRef);
    if (!pair) {
      if (!record.keyRef.startsWith("file:")) {
        throw new AppError("CA_NOT_INITIALISED", `key store ${record.keyRef.split(":")[0]} is not available`);
      }
      pair = readKeyFile(join(deps.dataDir, "ca", "keys", record.keyRef.slice(5)), record.slug, deps.passphrase);
      keys.set(record.keyRef, pair);
    }
    return {
      record,
      signer: createSigner(pair.privateKey, pair.publicKey),
      alg: pair.alg,
      keyType: pair.alg.startsWith("rsa") ? "rsa" : "ec",
      subjectDer: subjectDerOf(record.certDer),
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
  };
}
