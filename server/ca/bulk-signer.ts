// Bulk signing for scale datasets (issue 7): a pool of worker threads, each of
// which opens the issuing CA's key itself through this folder's keystore and
// signs batches of subscriber certificates. Owns the bulk TBS encoder; never
// touches the database (the caller stores what comes back) and never hands a
// private key across a thread boundary (workers get the key reference and open it).
//
// The bulk path replaces the issuance cycle's per-certificate lint copy and
// pending row (server/ca/issue-cycle.ts) — 13 ms a certificate, most of it the
// throwaway signature and ASN.1 object building — with a direct DER encoding of
// the same TBSCertificate subscriber-issuer.ts builds: same name (name.ts),
// same extensions in the same order (profiles.ts buildExtensions, per profile
// once; subjectKeyIdentifier and subjectAltName re-encoded per certificate),
// same validity and serial rules. test/e2e/scale-dataset.test.ts checks it is
// byte for byte the lint copy's TBS. Every batch's first certificate is still
// linted (lint.ts) and its signature verified with the issuer's public key.
import { Worker } from "node:worker_threads";
import { createHash } from "node:crypto";
import { availableParallelism } from "node:os";
import type { Config } from "../config/schema";
import { AppError } from "../errors/app-error";
import { explicit, implicit, integer, integerFromHex, octetString, oid, sequence, encodeTime } from "../asn1/der-writer";
import type { KeyRing } from "./key-ring";
import type { KeystoreConfig } from "./keystore";
import { buildName, encodeName } from "./name";
import { buildExtensions, type PublicationUrls, type SubscriberProfile } from "./profiles";
import { publicationUrls } from "./hierarchy";

/** One certificate to issue: who it is for and when it is valid (whole seconds). */
export interface BulkCertSpec {
  profile: SubscriberProfile;
  subject: {
    commonName: string;
    organization?: string | undefined;
    organizationalUnits: string[];
    locality?: string | undefined;
    email?: string | undefined;
    dnsNames: string[];
  };
  notBefore: Date;
  notAfter: Date;
}

export interface BulkSigned {
  serial: string;
  certDer: Buffer;
  tbsDer: Buffer;
  subjectDn: string;
  spkiSha256: string;
  /** The subscriber key made for the certificate (the key a token would hold): always P-256. */
  keyAlg: "p256";
}

export interface BulkSigner {
  readonly caId: number;
  readonly caSlug: string;
  readonly caNotAfter: Date;
  readonly workers: number;
  /** Signs the certificates in the worker threads; results in the order of `specs`. */
  signBatch(specs: readonly BulkCertSpec[]): Promise<BulkSigned[]>;
  close(): Promise<void>;
}

/** What a worker needs to open the key and build TBSs; no key material. */
export interface BulkWorkerInit {
  keyRef: string;
  slug: string;
  dataDir: string;
  passphrase: string;
  keystore: KeystoreConfig;
  issuerCertDer: Buffer;
  /** The issuer's subjectKeyIdentifier (hex, cas.ski) and notAfter. */
  issuerSki: string;
  issuerNotAfter: Date;
  urls: PublicationUrls;
  maxDays: Record<SubscriberProfile, number>;
}

// ---------------------------------------------------------------------------
// The TBS encoder (RFC 5280 4.1)

// The Name encoder and the subject rendering live in name.ts (the issuance cycle uses them too).
export { encodeName, formatDn } from "./name";

const OID_SKI = "2.5.29.14";
const OID_SAN = "2.5.29.17";

/** The profile's extensions as DER, with the per-certificate ones left as slots (same order as buildExtensions). */
interface ExtensionTemplate {
  parts: Array<Buffer | "ski" | "san">;
}

const templates = new Map<string, ExtensionTemplate>();

function templateFor(profile: SubscriberProfile, issuerSki: string, urls: PublicationUrls, hasSan: boolean): ExtensionTemplate {
  const key = `${profile}|${hasSan}|${issuerSki}|${urls.crl}|${urls.ocsp}`;
  let t = templates.get(key);
  if (!t) {
    const exts = buildExtensions({ profile, keyType: "ec", subjectKeyId: "00", authorityKeyId: issuerSki, email: hasSan ? "a@b.c" : undefined, urls });
    t = { parts: exts.map((e) => (e.type === OID_SKI ? "ski" : e.type === OID_SAN ? "san" : Buffer.from(e.rawData))) };
    templates.set(key, t);
  }
  return t;
}

/** subjectAltName (RFC 5280 4.2.1.6): rfc822Name [1] then dNSName [2], as buildExtensions orders them. */
function sanExtension(email: string | undefined, dnsNames: readonly string[]): Buffer {
  const names: Buffer[] = [];
  if (email) names.push(implicit(1, Buffer.from(email, "latin1"), false));
  for (const d of dnsNames) names.push(implicit(2, Buffer.from(d, "latin1"), false));
  return sequence([oid(OID_SAN), octetString(sequence(names))]);
}

export interface BulkTbsInput {
  serialHex: string;
  profile: SubscriberProfile;
  subject: BulkCertSpec["subject"];
  notBefore: Date;
  notAfter: Date;
  spkiDer: Buffer;
  /** The issuer's subject Name DER, subjectKeyIdentifier (hex) and signature AlgorithmIdentifier DER. */
  issuerSubjectDer: Buffer;
  issuerSki: string;
  signatureAlgorithm: Buffer;
  urls: PublicationUrls;
}

/** SHA-1 of the subjectPublicKey bits (RFC 5280 4.2.1.2 method 1), for an uncompressed P-256 SPKI. */
function p256KeyId(spkiDer: Buffer): string {
  // SubjectPublicKeyInfo of a P-256 key: 26 octets of header, then the 65-octet point (the BIT STRING's contents).
  return createHash("sha1").update(spkiDer.subarray(spkiDer.length - 65)).digest("hex");
}

/** TBSCertificate DER (RFC 5280 4.1.2), the same bytes subscriber-issuer.ts would have the CA sign. */
export function bulkTbs(i: BulkTbsInput): Buffer {
  const hasSan = Boolean(i.subject.email) || i.subject.dnsNames.length > 0;
  const t = templateFor(i.profile, i.issuerSki, i.urls, hasSan);
  const exts = t.parts.map((p) =>
    p === "ski" ? sequence([oid(OID_SKI), octetString(octetString(Buffer.from(p256KeyId(i.spkiDer), "hex")))]) : p === "san" ? sanExtension(i.subject.email, i.subject.dnsNames) : p,
  );
  return sequence([
    explicit(0, integer(2)), // v3 (4.1.2.1)
    integerFromHex(i.serialHex),
    i.signatureAlgorithm,
    i.issuerSubjectDer,
    sequence([encodeTime(i.notBefore), encodeTime(i.notAfter)]),
    encodeName(buildName({ ...i.subject, country: "VN" })),
    i.spkiDer,
    explicit(3, sequence(exts)),
  ]);
}

// ---------------------------------------------------------------------------
// The pool

/** How many signing threads: one per core, leaving one for the database writer on bigger machines. */
export function defaultWorkerCount(): number {
  const n = availableParallelism();
  return Math.max(1, n > 2 ? n - 1 : n);
}

function spawn(init: BulkWorkerInit): Worker {
  const file = require.resolve("./bulk-signer-worker");
  // Under tsx (the CLI, mocha) the worker must register the TypeScript loader itself.
  const code = file.endsWith(".ts") ? `require(${JSON.stringify(require.resolve("tsx/cjs"))}); require(${JSON.stringify(file)});` : `require(${JSON.stringify(file)});`;
  return new Worker(code, { eval: true, workerData: init });
}

interface Pending {
  resolve: (r: BulkSigned[]) => void;
  reject: (e: Error) => void;
}

/** Opens a pool of `workers` signing threads on the active issuing CA. */
export async function openBulkSigner(deps: { config: Config; keyRing: KeyRing; workers?: number }): Promise<BulkSigner> {
  const issuer = await deps.keyRing.active("issuing");
  if (!issuer) throw new AppError("CA_NOT_INITIALISED", "no issuing CA: run `npm run cli -- ca init` first");
  const init: BulkWorkerInit = {
    keyRef: issuer.record.keyRef,
    slug: issuer.record.slug,
    dataDir: deps.config.dataDir,
    passphrase: deps.config.caKeyPassphrase,
    keystore: deps.config.ca.keystore,
    issuerCertDer: issuer.record.certDer,
    issuerSki: issuer.record.ski,
    issuerNotAfter: issuer.record.notAfter,
    urls: publicationUrls(deps.config, issuer.record.slug),
    maxDays: { individual: deps.config.profiles.individual.maxDays, organization: deps.config.profiles.organization.maxDays, device: deps.config.profiles.device.maxDays },
  };
  const count = Math.max(1, deps.workers ?? defaultWorkerCount());
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let failure: Error | null = null;
  const workers: Worker[] = [];
  for (let w = 0; w < count; w++) {
    const worker = spawn(init);
    worker.on("message", (m: { id: number; results?: BulkSigned[]; error?: { code?: string; message: string } }) => {
      const p = pending.get(m.id);
      if (!p) return;
      pending.delete(m.id);
      if (m.error) p.reject(m.error.code ? new AppError(m.error.code as never, m.error.message) : new Error(m.error.message));
      else p.resolve(m.results!.map((r) => ({ ...r, certDer: Buffer.from(r.certDer), tbsDer: Buffer.from(r.tbsDer) })));
    });
    worker.on("error", (e) => {
      failure = e;
      for (const p of pending.values()) p.reject(e);
      pending.clear();
    });
    workers.push(worker);
  }
  let turn = 0;
  const run = (specs: readonly BulkCertSpec[]): Promise<BulkSigned[]> =>
    new Promise((resolve, reject) => {
      if (failure) return reject(failure);
      const id = nextId++;
      pending.set(id, { resolve, reject });
      workers[turn++ % workers.length]!.postMessage({ id, specs });
    });

  return {
    caId: issuer.record.id,
    caSlug: issuer.record.slug,
    caNotAfter: issuer.record.notAfter,
    workers: count,
    async signBatch(specs) {
      for (const s of specs) {
        if (s.notAfter > issuer.record.notAfter) throw new AppError("VALIDITY_INVALID", `the certificate would outlive the issuing CA (valid until ${issuer.record.notAfter.toISOString()})`);
      }
      const slice = Math.ceil(specs.length / workers.length);
      const parts: Array<Promise<BulkSigned[]>> = [];
      for (let i = 0; i < specs.length; i += slice) parts.push(run(specs.slice(i, i + slice)));
      return (await Promise.all(parts)).flat();
    },
    async close() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
