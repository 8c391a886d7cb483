// Issues the certificate of one of the CA's service signers (the audit-log
// signer, the report signer): a fresh P-256 key sealed in a key file, and a
// certificate from the issuing CA of the given single-purpose profile, through
// the ordinary issuance cycle (lint, pending row, sign, verify, audit). Shared
// by audit-signer.ts and report-signer.ts; their renewal policy stays with them.
import { createHash } from "node:crypto";
import { join } from "node:path";
import type { CaDeps } from "./ca-deps";
import { publicationUrls } from "./hierarchy";
import { runIssuanceCycle, type Issued } from "./issue-cycle";
import type { LoadedCa } from "./key-ring";
import { generateKeyPair, writeKeyFile } from "./key-file";
import { buildName } from "./name";
import { buildExtensions } from "./profiles";
import { publicKeyHash } from "./signer";

const DAY = 86_400_000;

export interface ServiceSignerSpec {
  issuing: LoadedCa;
  profile: "audit" | "report";
  commonName: string;
  /** The key file's name (without .key.json) under DATA_DIR/ca/keys. */
  slug: string;
  serialHex: string;
  actor: string;
}

export async function issueServiceSignerCertificate(deps: Pick<CaDeps, "config" | "store" | "makeLintCopy" | "clock">, s: ServiceSignerSpec): Promise<Issued> {
  const { config, store, clock } = deps;
  const pair = generateKeyPair("p256");
  writeKeyFile(join(config.dataDir, "ca", "keys", `${s.slug}.key.json`), s.slug, pair, config.caKeyPassphrase);
  const notBefore = new Date(Math.floor(clock().getTime() / 1000) * 1000);
  // Never beyond the issuing CA (RFC 5280 does not require nested validity, but relying parties do).
  const wanted = new Date(notBefore.getTime() + config.audit.signerValidityDays * DAY);
  const notAfter = wanted < s.issuing.record.notAfter ? wanted : s.issuing.record.notAfter;
  const urls = publicationUrls(config, s.issuing.record.slug);
  const spki = pair.publicKey.export({ type: "spki", format: "der" });
  return runIssuanceCycle(
    { store, makeLintCopy: deps.makeLintCopy, clock },
    {
      issuer: s.issuing,
      profile: s.profile,
      spec: {
        serialHex: s.serialHex,
        subject: buildName({ commonName: s.commonName, organization: config.ca.organization, locality: config.ca.locality }),
        issuerSubjectDer: s.issuing.subjectDer,
        notBefore,
        notAfter: new Date(Math.floor(notAfter.getTime() / 1000) * 1000),
        subjectPublicKeyDer: spki,
        extensions: buildExtensions({ profile: s.profile, keyType: "ec", subjectKeyId: publicKeyHash(pair.publicKey).toString("hex"), authorityKeyId: s.issuing.record.ski, urls }),
      },
      lint: { profile: s.profile, keyType: "ec", maxDays: config.audit.signerValidityDays, urls },
      commonName: s.commonName,
      email: null,
      keyAlg: "p256",
      spkiSha256: createHash("sha256").update(spki).digest("hex"),
      actor: s.actor,
    },
  );
}
