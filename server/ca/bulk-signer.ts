// Bulk signing for scale datasets (issue 7): a pool of worker threads, each of
// which opens the issuing CA's key itself through this folder's keystore and
// signs batches of subscriber certificates. Builds the TBS spec the issuance
// cycle would; never touches the database (the caller stores what comes back)
// and never hands a private key across a thread boundary (workers get the key
// reference and open it).
//
// The bulk path replaces the issuance cycle's per-certificate lint copy and
// pending row (server/ca/issue-cycle.ts) — 13 ms a certificate, most of it the
// throwaway signature — with the same TBSCertificate subscriber-issuer.ts builds,
// through the same encoders: name (name.ts), extensions (extension-template.ts:
// the profile's fixed ones once, subjectKeyIdentifier and subjectAltName per
// certificate), TBS (cert-assembly.ts encodeTbs); same validity and serial
// rules. test/e2e/scale-dataset.test.ts checks it is byte for byte the lint
// copy's TBS. Every batch's first certificate is still linted (lint.ts) and
// its signature verified with the issuer's public key.
import { Worker } from "node:worker_threads";
import { createHash } from "node:crypto";
import { availableParallelism } from "node:os";
import type { Config } from "../config/schema";
import { AppError } from "../errors/app-error";
import type { KeyRing } from "./key-ring";
import type { KeystoreConfig } from "./keystore";
import { encodeTbs } from "./cert-assembly";
import { createExtensionEncoder, type ExtensionEncoder } from "./extension-template";
import type { TbsSpec } from "./lint-copy";
import { buildName } from "./name";
import type { PublicationUrls, SubscriberProfile } from "./profiles";
import { subjectPublicKeyBits } from "./signer";
import type { SubscriberIssueInput } from "./subscriber-issuer";
import { publicationUrls } from "./hierarchy";

/** One certificate to issue: who it is for and when it is valid (whole seconds). */
export interface BulkCertSpec {
  profile: SubscriberProfile;
  /** As the issuance cycle takes it (subscriber-issuer.ts). */
  subject: SubscriberIssueInput["subject"];
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
// The TBS (RFC 5280 4.1)

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

/**
 * TBSCertificate DER (RFC 5280 4.1.2), the same bytes subscriber-issuer.ts would
 * have the CA sign: the same spec (name.ts buildName; extension-template.ts for
 * the extensions, subjectKeyIdentifier by 4.2.1.2 method 1) through the same
 * encoder (cert-assembly.ts encodeTbs). A worker passes its own extension
 * encoder so that the profile's fixed extensions are built once per thread.
 */
export function bulkTbs(i: BulkTbsInput, encodeExtensions: ExtensionEncoder = createExtensionEncoder()): Buffer {
  const spec: TbsSpec = {
    serialHex: i.serialHex,
    subject: buildName({ ...i.subject, country: "VN" }),
    issuerSubjectDer: i.issuerSubjectDer,
    notBefore: i.notBefore,
    notAfter: i.notAfter,
    subjectPublicKeyDer: i.spkiDer,
    extensions: encodeExtensions({
      profile: i.profile,
      keyType: "ec",
      subjectKeyId: createHash("sha1").update(subjectPublicKeyBits(i.spkiDer)).digest("hex"),
      authorityKeyId: i.issuerSki,
      email: i.subject.email,
      dnsNames: i.subject.dnsNames,
      urls: i.urls,
    }),
  };
  return encodeTbs(spec, i.signatureAlgorithm);
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
