// The issuance cycle (after Boulder's ISSUANCE-CYCLE): build a lint copy, lint
// it, store the to-be-signed certificate as pending, sign, verify, store the
// signed certificate. A crash at any point leaves no signed certificate the
// database does not know: at worst a pending row that recovery marks failed.
// One certificate (runIssuanceCycle) or many with their database writes
// grouped (runIssuanceBatch): the same steps in the same order either way.
import { verify as cryptoVerify, X509Certificate, type KeyObject } from "node:crypto";
import { AppError, isAppError } from "../errors/app-error";
import type { AuditEntry } from "../store/audit-store";
import type { PendingCertificate } from "../store/certificate-store";
import type { Store } from "../store/store";
import { assembleCertificate, tbsOf, tbsSignatureAlgorithm } from "./cert-assembly";
import type { LoadedCa } from "./key-ring";
import { lintCertificate, LintExpectations } from "./lint";
import type { LintCopyMaker, TbsSpec } from "./lint-copy";
import { formatDn } from "./name";

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

/** One certificate of a batch: issued, or refused with the typed error the single path would have thrown. */
export type BatchOutcome = { ok: true; issued: Issued } | { ok: false; error: AppError | Error };

/** Linted and ready to store as pending: the exact TBS the issuer will sign. */
interface Prepared {
  input: CycleInput;
  tbs: Buffer;
  pending: PendingCertificate;
}

// The issuer certificate's public key, parsed once per certificate DER (not per signature).
const issuerKeys = new WeakMap<Buffer, KeyObject>();
function issuerPublicKey(issuer: LoadedCa): KeyObject {
  let k = issuerKeys.get(issuer.record.certDer);
  if (!k) issuerKeys.set(issuer.record.certDer, (k = new X509Certificate(issuer.record.certDer).publicKey));
  return k;
}

/** Lint copy and lint; returns the TBS to sign or the lint refusal (with its audit entry). */
async function prepare(deps: CycleDeps, input: CycleInput): Promise<Prepared | { refused: AppError; audit: AuditEntry }> {
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
    return {
      refused: new AppError("LINT_FAILED", `certificate failed lint: ${problems.join("; ")}`, { problems }),
      audit: { actor: input.actor, action: "cert.lint", objectType: "certificate", objectId: spec.serialHex, outcome: "refused", details: { problems } },
    };
  }
  const tbs = tbsOf(lintDer);
  if (!tbsSignatureAlgorithm(tbs).equals(issuer.signer.algorithmIdentifier)) {
    throw new AppError("LINT_FAILED", "lint copy was built with a different signature algorithm than the issuer's key");
  }
  return {
    input,
    tbs,
    pending: {
      serial: spec.serialHex,
      caId: issuer.record.id,
      profile: input.profile,
      // As node's X509Certificate prints the subject (name.ts formatDn), without parsing the certificate back.
      subjectDn: formatDn(spec.subject),
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
  };
}

/** Signs the stored TBS and checks the real signature with the issuer certificate's public key before anyone sees it (guards against a faulty key or signer). */
function signAndVerify(p: Prepared): Buffer {
  const { issuer } = p.input;
  const signature = issuer.signer.sign([p.tbs]);
  const certDer = assembleCertificate(p.tbs, issuer.signer.algorithmIdentifier, signature);
  if (!cryptoVerify(issuer.alg === "p384" ? "sha384" : "sha256", p.tbs, issuerPublicKey(issuer), signature)) {
    throw new Error("signature does not verify with the issuer certificate");
  }
  return certDer;
}

function issuedAudit(p: Prepared): AuditEntry {
  const { input } = p;
  return {
    actor: input.actor,
    action: "cert.issue",
    objectType: "certificate",
    objectId: p.pending.serial,
    outcome: "ok",
    details: {
      profile: input.profile,
      subject: p.pending.subjectDn,
      ca: input.issuer.record.slug,
      notAfter: input.spec.notAfter.toISOString(),
      ...(input.requestId ? { request: input.requestId } : {}),
    },
  };
}

export async function runIssuanceCycle(deps: CycleDeps, input: CycleInput): Promise<Issued> {
  const p = await prepare(deps, input);
  if (!("tbs" in p)) {
    await deps.store.audit.append(p.audit, deps.clock());
    throw p.refused;
  }
  // Record what is about to be signed, before signing it.
  await deps.store.certificates.insertPending(p.pending, deps.clock());
  let certDer: Buffer;
  try {
    certDer = signAndVerify(p);
  } catch (e) {
    await deps.store.certificates.markFailed(p.pending.serial);
    throw e;
  }
  await deps.store.transaction(async (tx) => {
    await tx.certificates.completeIssued(p.pending.serial, certDer, deps.clock());
    await tx.audit.append(issuedAudit(p), deps.clock());
  });
  return { serial: p.pending.serial, certDer, subjectDn: p.pending.subjectDn };
}

/**
 * Many certificates in three group commits instead of three per certificate:
 * every lint refusal is audited and every linted TBS stored as pending in one
 * transaction, before anything is signed; then each is signed and verified;
 * then all are completed with their audit entries in one transaction. A
 * certificate that fails lint (or whose signature does not verify) is refused
 * alone; the others go on. `refusals` are audit entries of refusals decided
 * before this cycle (the RA's validation), written in the first transaction.
 * A crash leaves at worst pending rows, which recovery marks failed.
 */
export async function runIssuanceBatch(deps: CycleDeps, inputs: readonly CycleInput[], refusals: readonly AuditEntry[] = []): Promise<BatchOutcome[]> {
  const outcomes: BatchOutcome[] = new Array(inputs.length);
  const ready: Array<{ at: number; p: Prepared }> = [];
  const audits: AuditEntry[] = [...refusals];
  for (let i = 0; i < inputs.length; i++) {
    const p = await prepare(deps, inputs[i]!);
    if ("tbs" in p) ready.push({ at: i, p });
    else {
      audits.push(p.audit);
      outcomes[i] = { ok: false, error: p.refused };
    }
  }
  const now = deps.clock();
  try {
    await deps.store.transaction(async (tx) => {
      if (ready.length) await tx.certificates.insertPendingMany(ready.map((r) => r.p.pending), now);
      if (audits.length) await tx.audit.appendMany(audits, now);
    });
  } catch (e) {
    // The pending rows did not go in (the whole chunk fails), but the refusals decided above
    // stand and are audited on their own, as the single path audits a refusal before it throws.
    if (audits.length && ready.length) await deps.store.transaction((tx) => tx.audit.appendMany(audits, now));
    throw e;
  }

  const signed: Array<{ at: number; p: Prepared; certDer: Buffer }> = [];
  const failed: string[] = [];
  for (const { at, p } of ready) {
    try {
      signed.push({ at, p, certDer: signAndVerify(p) });
    } catch (e) {
      failed.push(p.pending.serial);
      outcomes[at] = { ok: false, error: isAppError(e) ? e : (e as Error) };
    }
  }
  if (failed.length) {
    await deps.store.transaction(async (tx) => {
      for (const serial of failed) await tx.certificates.markFailed(serial);
    });
  }
  if (signed.length) {
    const done = deps.clock();
    await deps.store.transaction(async (tx) => {
      await tx.certificates.completeIssuedMany(signed.map((s) => ({ serial: s.p.pending.serial, certDer: s.certDer })), done);
      await tx.audit.appendMany(signed.map((s) => issuedAudit(s.p)), done);
    });
  }
  for (const s of signed) outcomes[s.at] = { ok: true, issued: { serial: s.p.pending.serial, certDer: s.certDer, subjectDn: s.p.pending.subjectDn } };
  return outcomes;
}
