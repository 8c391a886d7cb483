// Worker thread of the bulk signer (bulk-signer.ts): opens the issuing CA's key
// through the keystore (the key never leaves this thread), makes each
// subscriber's P-256 key, builds and signs the TBS, and answers with the
// certificates. No database, no I/O but the key file.
import "reflect-metadata";
import { createECDH, createHash, randomBytes, verify as cryptoVerify, X509Certificate } from "node:crypto";
import { parentPort, workerData } from "node:worker_threads";
import { isAppError } from "../errors/app-error";
import { assembleCertificate } from "./cert-assembly";
import { createKeystores } from "./keystore";
import { subjectDerOf } from "./key-ring";
import { lintCertificate } from "./lint";
import { createExtensionEncoder } from "./extension-template";
import { buildName, formatDn } from "./name";
import { newSerial } from "./serial";
import { bulkTbs, type BulkCertSpec, type BulkSigned, type BulkWorkerInit } from "./bulk-signer";

const init = workerData as BulkWorkerInit;
const issuerCertDer = Buffer.from(init.issuerCertDer);
const issuerCert = new X509Certificate(issuerCertDer);
const keystores = createKeystores({ dataDir: init.dataDir, passphrase: init.passphrase, config: init.keystore });
const key = keystores.open(init.keyRef, init.slug);
const issuerSubjectDer = subjectDerOf(issuerCertDer);
const issuerSki = init.issuerSki;
const hash = key.alg === "p384" ? "sha384" : "sha256";
// The profile's fixed extensions, encoded once for this thread's issuer.
const encodeExtensions = createExtensionEncoder();

// SubjectPublicKeyInfo header of an uncompressed P-256 point (RFC 5480 2.1.1, 2.2).
const P256_SPKI_HEADER = Buffer.from("3059301306072a8648ce3d020106082a8648ce3d030107034200", "hex");

function signOne(spec: BulkCertSpec, check: boolean): BulkSigned {
  // The subscriber's key, as a token would make it; the private half is discarded.
  const spkiDer = Buffer.concat([P256_SPKI_HEADER, createECDH("prime256v1").generateKeys()]);
  const serial = newSerial((n) => randomBytes(n));
  const notBefore = new Date(spec.notBefore);
  const notAfter = new Date(spec.notAfter);
  const tbsDer = bulkTbs(
    {
      serialHex: serial,
      profile: spec.profile,
      subject: spec.subject,
      notBefore,
      notAfter,
      spkiDer,
      issuerSubjectDer,
      issuerSki,
      signatureAlgorithm: key.signer.algorithmIdentifier,
      urls: init.urls,
    },
    encodeExtensions,
  );
  const signature = key.signer.sign([tbsDer]);
  const certDer = assembleCertificate(tbsDer, key.signer.algorithmIdentifier, signature);
  const subjectDn = formatDn(buildName({ ...spec.subject, country: "VN" }));
  if (check) {
    const printed = new X509Certificate(certDer).subject.split("\n").join(", ");
    if (printed !== subjectDn) throw new Error(`bulk subject rendering differs from node's: ${subjectDn} / ${printed}`);
    // The issuance cycle's guards, once per batch: the profile's lint, and the
    // real signature checked against the issuer certificate's public key.
    const problems = lintCertificate(certDer, {
      profile: spec.profile,
      keyType: "ec",
      issuerSubjectDer,
      issuerKeyId: issuerSki,
      issuerNotAfter: new Date(init.issuerNotAfter),
      maxDays: init.maxDays[spec.profile],
      urls: init.urls,
      email: spec.subject.email,
      signatureAlgorithm: key.signer.algorithmIdentifier,
    });
    if (problems.length) throw Object.assign(new Error(`certificate failed lint: ${problems.join("; ")}`), { code: "LINT_FAILED" });
    if (!cryptoVerify(hash, tbsDer, issuerCert.publicKey, signature)) throw new Error("signature does not verify with the issuer certificate");
  }
  return {
    serial,
    certDer,
    tbsDer,
    subjectDn,
    spkiSha256: createHash("sha256").update(spkiDer).digest("hex"),
    keyAlg: "p256",
  };
}

parentPort!.on("message", (m: { id: number; specs: BulkCertSpec[] }) => {
  try {
    const results = m.specs.map((s, i) => signOne(s, i === 0));
    parentPort!.postMessage({ id: m.id, results });
  } catch (e) {
    const code = isAppError(e) ? e.code : (e as { code?: string }).code;
    parentPort!.postMessage({ id: m.id, error: { code, message: (e as Error).message } });
  }
});
