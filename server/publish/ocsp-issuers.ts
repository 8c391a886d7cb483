// Recognises which of our CAs a CertID names: precomputes, for each issuing CA,
// the issuerNameHash and issuerKeyHash (RFC 6960 4.1.1) for every hash we accept.
import { createHash, X509Certificate } from "node:crypto";
import { subjectPublicKeyBits } from "../ca/signer";
import { subjectDerOf } from "../ca/key-ring";
import type { CaRecord } from "../store/ca-store";
import type { OcspCertId, OcspHashAlgorithm } from "./ocsp-request";

const HASHES: OcspHashAlgorithm[] = ["sha1", "sha256", "sha384", "sha512"];

export interface KnownIssuer {
  caId: number;
  slug: string;
}

export function createIssuerIndex(cas: CaRecord[]) {
  const index = new Map<string, KnownIssuer>();
  for (const ca of cas) {
    if (ca.kind !== "issuing") continue;
    const name = subjectDerOf(ca.certDer);
    const key = subjectPublicKeyBits(new X509Certificate(ca.certDer).publicKey.export({ type: "spki", format: "der" }));
    for (const h of HASHES) {
      const nameHash = createHash(h).update(name).digest("hex");
      const keyHash = createHash(h).update(key).digest("hex");
      index.set(`${h}:${nameHash}:${keyHash}`, { caId: ca.id, slug: ca.slug });
    }
  }
  return {
    find(id: OcspCertId): KnownIssuer | null {
      return index.get(`${id.hashAlgorithm}:${id.issuerNameHash.toString("hex")}:${id.issuerKeyHash.toString("hex")}`) ?? null;
    },
  };
}

export type IssuerIndex = ReturnType<typeof createIssuerIndex>;
