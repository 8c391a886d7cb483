// The issuance cycle (after Boulder's ISSUANCE-CYCLE): build a lint copy, lint
// it, store the to-be-signed certificate as pending, sign, verify, store the
// signed certificate. A crash at any point leaves no signed certificate the
// database does not know: at worst a pending row that recovery marks failed.
import { verify as cryptoVerify, X509Certificate } from "node:crypto";
import { AppError } from "../errors/app-error";
import type { Store } from "../store/store";
import { assembleCertificate, tbsOf, tbsSignatureAlgorithm } from "./cert-assembly";
import type { LoadedCa } from "./key-ring";
import { lintCertificate, LintExpectations } from "./lint";
import type { LintCopyMaker, TbsSpec } from "./lint-copy";

export interface CycleDeps {
  store: Store;
  makeLintCopy: LintCopyMaker;
  clock: () => Date;
}

export interface CycleInput {
  issuer: LoadedCa;
  profile: string;
  spec: TbsSpec;
  lint: Omit<LintExpectations, "issuerSubjectDer" | "issuerKeyId" | "issuerNotAfter" | "signatureAlgorithm" | "profile"> & {
    profile: LintExpectations["profile"];
  };
  commonName: string;
  email: string | null;
  keyAlg: string;
  spkiSha256: string;
  actor: string;
  /** The subscriber's managing agency (units.id), if known. */
  unitId?: number | null;
  /** The subscriber who holds the certificate (subscribers.id), if known. */
  subscriberId?: number | null;
  requestId?: number | null;
  tokenId?: number | null;
}

export interface Issued {
  serial: string;
  certDer: Buffer;
  subjectDn: string;
}

export async function runIssuanceCycle(deps: CycleDeps, input: CycleInput): Promise<Issued> {
  const { issuer, spec } = input;
  const lintDer = await deps.makeLintCopy(spec, issuer.alg);
  const problems = lintCertificate(lintDer, {
    ...input.lint,
    issuerSubjectDer: issuer.subjectDer,
    issuerKeyId: issuer.record.ski,
    issuerNotAfter: issuer.record.notAfter,
    signatureAlgorithm: issuer.signer.algorithmIdentifier,
  });
  if (problems.length) {
    await deps.store.audit.append(
      { actor: input.actor, action: "cert.lint", objectType: "certificate", objectId: spec.serialHex, outcome: "refused", details: { problems } },
      deps.clock(),
    );
    throw new AppError("LINT_FAILED", `certificate failed lint: ${problems.join("; ")}`, { problems });
  }
  const tbs = tbsOf(lintDer);
  if (!tbsSignatureAlgorithm(tbs).equals(issuer.signer.algorithmIdentifier)) {
    throw new AppError("LINT_FAILED", "lint copy was built with a different signature algorithm than the issuer's key");
  }
  const subjectDn = new X509Certificate(lintDer).subject.split("\n").join(", ");

  // Record what is about to be signed, before signing it.
  await deps.store.certificates.insertPending(
    {
      serial: spec.serialHex,
      caId: issuer.record.id,
      profile: input.profile,
      subjectDn,
      commonName: input.commonName,
      email: input.email,
      spkiSha256: input.spkiSha256,
      keyAlg: input.keyAlg,
      tbsDer: tbs,
      notBefore: spec.notBefore,
      notAfter: spec.notAfter,
      unitId: input.unitId ?? null,
      subscriberId: input.subscriberId ?? null,
      requestId: input.requestId ?? null,
      tokenId: input.tokenId ?? null,
    },
    deps.clock(),
  );

  let certDer: Buffer;
  try {
    const signature = issuer.signer.sign([tbs]);
    certDer = assembleCertificate(tbs, issuer.signer.algorithmIdentifier, signature);
    // Verify the real signature with the issuer certificate's public key before
    // anyone sees the certificate (guards against a faulty key or signer).
    const issuerKey = new X509Certificate(issuer.record.certDer).publicKey;
    if (!cryptoVerify(issuer.alg === "p384" ? "sha384" : "sha256", tbs, issuerKey, signature)) {
      throw new Error("signature does not verify with the issuer certificate");
    }
  } catch (e) {
    await deps.store.certificates.markFailed(spec.serialHex);
    throw e;
  }

  await deps.store.transaction(async (tx) => {
    await tx.certificates.completeIssued(spec.serialHex, certDer, deps.clock());
    await tx.audit.append(
      {
        actor: input.actor,
        action: "cert.issue",
        objectType: "certificate",
        objectId: spec.serialHex,
        outcome: "ok",
        details: { profile: input.profile, subject: subjectDn, ca: issuer.record.slug, notAfter: spec.notAfter.toISOString(), ...(input.requestId ? { request: input.requestId } : {}) },
      },
      deps.clock(),
    );
  });
  return { serial: spec.serialHex, certDer, subjectDn };
}
