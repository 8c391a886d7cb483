// Creates and maintains the TEST CA hierarchy: a self-signed root, an issuing
// CA under it, and the issuing CA's delegated OCSP responder (RFC 6960
// 4.2.2.2), renewed before it expires. Resumable: each stage is skipped when done.
import type { CaDeps } from "./ca-deps";
import { createHash, X509Certificate } from "node:crypto";
import { join } from "node:path";
import type { Config } from "../config/schema";
import { AppError } from "../errors/app-error";
import { assembleCertificate, tbsOf } from "./cert-assembly";
import type { KeyHandle } from "./keystore";
import { LoadedCa, subjectDerOf } from "./key-ring";
import { lintCertificate } from "./lint";
import type { TbsSpec } from "./lint-copy";
import { buildName } from "./name";
import { pem, writeCaFiles, pkiDir } from "./pki-files";
import { buildExtensions, SUBSCRIBER_PROFILES } from "./profiles";
import { newSerial } from "./serial";
import { KeyAlgorithm, publicKeyHash } from "./signer";
import { runIssuanceCycle } from "./issue-cycle";
import type { AuditSigner } from "./audit-signer";
import { writeFileSync } from "node:fs";

export interface HierarchyDeps extends CaDeps {
  /** When given, `init` also creates the audit-log signer (server/ca/audit-signer.ts). */
  auditSigner?: Pick<AuditSigner, "ensure">;
}

export interface InitResult {
  created: string[];
  root: LoadedCa;
  issuing: LoadedCa;
  responder: LoadedCa;
}

const DAY = 86_400_000;
const wholeSeconds = (d: Date) => new Date(Math.floor(d.getTime() / 1000) * 1000);
const addYears = (d: Date, y: number) => {
  const r = new Date(d);
  r.setUTCFullYear(r.getUTCFullYear() + y);
  return r;
};

export function publicationUrls(config: Config, issuerSlug: string) {
  return {
    crl: `${config.publicUrl}/pki/crl/${issuerSlug}.crl`,
    ocsp: `${config.publicUrl}/ocsp`,
    caIssuers: `${config.publicUrl}/pki/ca/${issuerSlug}.crt`,
  };
}

export function createHierarchy(deps: HierarchyDeps) {
  const { config, store, keyRing, clock } = deps;
  // New keys go where config `ca.keystore` says: a sealed file in DATA_DIR or a PKCS#11 token.
  const newKey = (slug: string, alg: KeyAlgorithm) => keyRing.keystore.generate(slug, alg);
  const spkiOf = (pair: KeyHandle) => pair.publicKey.export({ type: "spki", format: "der" });
  const caName = (cn: string) => buildName({ commonName: cn, organization: config.ca.organization, locality: config.ca.locality });

  async function audit(action: string, objectId: string, details: Record<string, unknown>, actor: string) {
    await store.audit.append({ actor, action, objectType: "ca", objectId, outcome: "ok", details }, clock());
  }

  async function createRoot(alg: KeyAlgorithm, actor: string): Promise<void> {
    const slug = "root";
    const pair = newKey(slug, alg);
    const notBefore = wholeSeconds(clock());
    const spec: TbsSpec = {
      serialHex: newSerial(deps.random),
      subject: caName("chungthu TEST Root CA"),
      issuerSubjectDer: null,
      notBefore,
      notAfter: addYears(notBefore, config.ca.rootValidityYears),
      subjectPublicKeyDer: spkiOf(pair),
      extensions: buildExtensions({
        profile: "root",
        keyType: alg.startsWith("rsa") ? "rsa" : "ec",
        subjectKeyId: publicKeyHash(pair.publicKey).toString("hex"),
        authorityKeyId: null,
        urls: null,
      }),
    };
    const signer = pair.signer;
    const lintDer = await deps.makeLintCopy(spec, alg);
    const problems = lintCertificate(lintDer, {
      profile: "root",
      keyType: alg.startsWith("rsa") ? "rsa" : "ec",
      issuerSubjectDer: subjectDerOf(lintDer),
      issuerKeyId: null,
      issuerNotAfter: null,
      maxDays: config.ca.rootValidityYears * 366,
      urls: null,
      signatureAlgorithm: signer.algorithmIdentifier,
    });
    if (problems.length) throw new AppError("LINT_FAILED", `root certificate failed lint: ${problems.join("; ")}`);
    const tbs = tbsOf(lintDer);
    const der = assembleCertificate(tbs, signer.algorithmIdentifier, signer.sign([tbs]));
    await insertCa("root", null, der, pair, slug);
    await audit("ca.create", slug, { kind: "root", alg, subject: new X509Certificate(der).subject }, actor);
  }

  async function insertCa(kind: "root" | "issuing" | "ocsp", parentId: number | null, der: Buffer, pair: KeyHandle, slug: string) {
    const x = new X509Certificate(der);
    await store.cas.insert(
      {
        slug,
        kind,
        parentId,
        subjectDn: x.subject.split("\n").join(", "),
        certDer: der,
        keyRef: pair.keyRef,
        keyAlg: pair.alg,
        ski: publicKeyHash(pair.publicKey).toString("hex"),
        notBefore: new Date(x.validFrom),
        notAfter: new Date(x.validTo),
      },
      clock(),
    );
    keyRing.refresh();
  }

  /** Issues a CA or responder certificate from `parent` through the full issuance cycle. */
  async function issueFrom(parent: LoadedCa, kind: "issuing" | "ocsp", alg: KeyAlgorithm, slug: string, cn: string, notAfter: Date, actor: string) {
    const pair = newKey(slug, alg);
    const notBefore = wholeSeconds(clock());
    const keyType = pair.alg.startsWith("rsa") ? "rsa" : "ec";
    const urls = publicationUrls(config, parent.record.slug);
    const spki = spkiOf(pair);
    const issued = await runIssuanceCycle(
      { store, makeLintCopy: deps.makeLintCopy, clock },
      {
        issuer: parent,
        profile: kind,
        spec: {
          serialHex: newSerial(deps.random),
          subject: caName(cn),
          issuerSubjectDer: parent.subjectDer,
          notBefore,
          notAfter: wholeSeconds(notAfter < parent.record.notAfter ? notAfter : parent.record.notAfter),
          subjectPublicKeyDer: spki,
          extensions: buildExtensions({
            profile: kind,
            keyType,
            subjectKeyId: publicKeyHash(pair.publicKey).toString("hex"),
            authorityKeyId: parent.record.ski,
            urls,
          }),
        },
        lint: { profile: kind, keyType, maxDays: kind === "issuing" ? config.ca.issuingValidityYears * 366 : config.ca.responderValidityDays, urls },
        commonName: cn,
        email: null,
        keyAlg: pair.alg,
        spkiSha256: createHash("sha256").update(spki).digest("hex"),
        actor,
      },
    );
    await insertCa(kind, parent.record.id, issued.certDer, pair, slug);
    await audit("ca.create", slug, { kind, alg: pair.alg, serial: issued.serial, subject: issued.subjectDn }, actor);
  }

  async function writeFiles() {
    const root = await keyRing.active("root");
    const issuing = await keyRing.active("issuing");
    const files: Array<{ slug: string; der: Buffer }> = [];
    if (root) files.push({ slug: root.record.slug, der: root.record.certDer });
    if (issuing) files.push({ slug: issuing.record.slug, der: issuing.record.certDer });
    const written = writeCaFiles(config.dataDir, files);
    if (root && issuing) {
      const chain = join(pkiDir(config.dataDir), "chain.pem");
      writeFileSync(chain, pem("CERTIFICATE", issuing.record.certDer) + pem("CERTIFICATE", root.record.certDer));
      written.push(chain);
    }
    return written;
  }

  return {
    /** `ca init`: idempotent; with force, replaces a hierarchy that has issued no subscriber certificate. */
    async init(opts: { alg: KeyAlgorithm; force: boolean; actor: string }): Promise<InitResult> {
      const created: string[] = [];
      if (opts.force && (await keyRing.active("root"))) {
        const n = await store.certificates.countByProfiles(SUBSCRIBER_PROFILES);
        if (n > 0) {
          await store.audit.append({ actor: opts.actor, action: "ca.init", outcome: "refused", details: { reason: "certificates exist", count: n } }, clock());
          throw new AppError("CA_HAS_CERTIFICATES", `refusing --force: the CA has already issued ${n} subscriber certificate(s)`);
        }
        for (const ca of await store.cas.listActive()) await store.cas.retire(ca.id);
        keyRing.refresh();
        await audit("ca.retire", "all", { reason: "ca init --force" }, opts.actor);
      }
      if (!(await keyRing.active("root"))) {
        await createRoot(opts.alg, opts.actor);
        created.push("root");
      }
      const root = (await keyRing.active("root"))!;
      if (!(await keyRing.active("issuing"))) {
        const notAfter = addYears(clock(), config.ca.issuingValidityYears);
        await issueFrom(root, "issuing", opts.alg, "issuing", "chungthu TEST Issuing CA", notAfter, opts.actor);
        created.push("issuing");
      }
      const issuing = (await keyRing.active("issuing"))!;
      if (await this.ensureResponder(opts.actor)) created.push("ocsp responder");
      if (deps.auditSigner && (await deps.auditSigner.ensure(opts.actor))) created.push("audit signer");
      await writeFiles();
      return { created, root, issuing, responder: (await keyRing.responderFor(issuing.record.id))! };
    },

    /** Issues a new delegated responder certificate when none is left with enough validity. Returns true when it did. */
    async ensureResponder(actor: string): Promise<boolean> {
      const issuing = await keyRing.active("issuing");
      if (!issuing) return false;
      const current = await keyRing.responderFor(issuing.record.id);
      const now = clock();
      if (current && current.record.notAfter.getTime() - now.getTime() > config.ca.responderRenewDays * DAY) return false;
      const stamp = now.toISOString().replace(/[-:TZ.]/g, "").slice(0, 14);
      const notAfter = new Date(now.getTime() + config.ca.responderValidityDays * DAY);
      await issueFrom(issuing, "ocsp", "p256", `${issuing.record.slug}-ocsp-${stamp}`, "chungthu TEST OCSP Responder", notAfter, actor);
      if (current) await store.cas.retire(current.record.id);
      keyRing.refresh();
      return true;
    },

    writeFiles,
  };
}

export type Hierarchy = ReturnType<typeof createHierarchy>;
