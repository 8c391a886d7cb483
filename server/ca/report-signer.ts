// The report signer: has the issuing CA issue (and renew) a P-256 certificate
// whose only purpose is signing exported reports, and makes detached CMS
// signatures (RFC 5652) over export bytes with its key. The key never leaves
// this module; callers hand it the file's bytes and get the .p7s back.
import type { CaDeps } from "./ca-deps";
import { createHash, verify as cryptoVerify, X509Certificate } from "node:crypto";
import { join } from "node:path";
import { AppError } from "../errors/app-error";
import { encodeDetachedSignedData } from "./cms-signed-data";
import { readKeyFile } from "./key-file";
import { newSerial } from "./serial";
import { createSigner, type Signer } from "./signer";
import { issueServiceSignerCertificate } from "./service-signer-cert";

export type ReportSignerDeps = CaDeps;

export interface ReportSignature {
  /** DER ContentInfo(SignedData), detached: the `.p7s` file. */
  p7s: Buffer;
  /** The signing certificate's serial (hex) and DER, for the verification page. */
  signerSerial: string;
  signerCertDer: Buffer;
  /** The root the signer chains to (public), for the verification page's -CAfile. */
  rootCertDer: Buffer | null;
  /** SHA-256 (hex) of the signed bytes, as the messageDigest attribute carries it. */
  contentSha256: string;
}

export interface ReportSigner {
  /** Issues a signer certificate when there is none for the current issuing CA or it is due for renewal. True when it did. */
  ensure(actor: string): Promise<boolean>;
  /** Signs `content` (creating the signer on first use); AppError CA_NOT_INITIALISED before `ca init`. */
  signDetached(content: Buffer, actor: string): Promise<ReportSignature>;
}

interface LoadedSigner {
  serial: string;
  certDer: Buffer;
  issuerCertDer: Buffer;
  rootCertDer: Buffer | null;
  signer: Signer;
}

const DAY = 86_400_000;
export const REPORT_SIGNER_CN = "chungthu TEST Report Signer";
export const REPORT_PROFILE = "report";
// The certificates table is the record of signers (no table of their own): the
// key file is named after the serial, so the newest live "report" certificate finds its key.
const keyLabel = (serial: string) => `report-${serial}`;

export function createReportSigner(deps: ReportSignerDeps): ReportSigner {
  const { config, store, keyRing, clock } = deps;
  const loaded = new Map<string, LoadedSigner>();
  let ensuring: Promise<boolean> | null = null;

  /** The newest valid, unexpired report certificate of the active issuing CA, and its issuer. */
  async function active() {
    const issuing = await keyRing.active("issuing");
    if (!issuing) return null;
    const page = await store.certificateQueries.list({ units: { all: true }, status: "active", profile: REPORT_PROFILE, now: clock(), limit: 1 });
    const summary = page.rows[0];
    const rec = summary ? await store.certificates.findBySerial(summary.serial) : null;
    return { issuing, rec: rec && rec.caId === issuing.record.id && rec.certDer ? rec : null };
  }

  async function issue(actor: string): Promise<boolean> {
    const found = await active();
    if (!found) return false;
    const { issuing, rec: current } = found;
    const now = clock();
    // The audit signer's validity policy serves both of the CA's service signers.
    if (current && current.notAfter.getTime() - now.getTime() > config.audit.signerRenewDays * DAY) return false;
    const serialHex = newSerial(deps.random);
    const issued = await issueServiceSignerCertificate(deps, { issuing, profile: REPORT_PROFILE, commonName: REPORT_SIGNER_CN, slug: keyLabel(serialHex), serialHex, actor });
    await store.audit.append(
      {
        actor,
        action: "report.signer.create",
        objectType: "certificate",
        objectId: issued.serial,
        outcome: "ok",
        details: { issuer: issuing.record.slug, notAfter: new X509Certificate(issued.certDer).validTo, replaces: current?.serial ?? null },
      },
      clock(),
    );
    return true;
  }

  async function load(): Promise<LoadedSigner> {
    const found = await active();
    if (!found?.rec) throw new AppError("CA_NOT_INITIALISED", "no report-signing certificate: the CA has no issuing CA yet");
    const rec = found.rec;
    const cached = loaded.get(rec.serial);
    if (cached) return cached;
    const label = keyLabel(rec.serial);
    const pair = readKeyFile(join(config.dataDir, "ca", "keys", `${label}.key.json`), label, config.caKeyPassphrase);
    const raw = createSigner(pair.privateKey, pair.publicKey);
    const certKey = new X509Certificate(rec.certDer!).publicKey;
    const signer: Signer = {
      algorithmIdentifier: raw.algorithmIdentifier,
      publicKeyHash: raw.publicKeyHash,
      sign(parts) {
        const signature = raw.sign(parts);
        // Check with the certificate's key before anyone relies on it (a wrong key file, a faulty signer).
        if (!cryptoVerify("sha256", Buffer.concat(parts), certKey, signature)) {
          throw new AppError("KEY_DECRYPT_FAILED", `report signer ${rec.serial}: its key does not match its certificate`);
        }
        return signature;
      },
    };
    // The root's certificate only (the CA table row), not its key.
    const parent = found.issuing.record.parentId === null ? null : await store.cas.findById(found.issuing.record.parentId);
    const key: LoadedSigner = { serial: rec.serial, certDer: rec.certDer!, issuerCertDer: found.issuing.record.certDer, rootCertDer: parent?.certDer ?? null, signer };
    loaded.set(rec.serial, key);
    return key;
  }

  const ensure = (actor: string) => {
    // One issuance at a time in this process: two first exports must not make two signers.
    ensuring ??= issue(actor).finally(() => {
      ensuring = null;
    });
    return ensuring;
  };

  return {
    ensure,
    async signDetached(content, actor) {
      await ensure(actor);
      const key = await load();
      const p7s = encodeDetachedSignedData({ content, signer: key.signer, certificates: [key.certDer, key.issuerCertDer], signingTime: clock() });
      return { p7s, signerSerial: key.serial, signerCertDer: key.certDer, rootCertDer: key.rootCertDer, contentSha256: createHash("sha256").update(content).digest("hex") };
    },
  };
}

