// Builds X.501 Names for certificates with the encodings RFC 5280 and real
// Vietnamese certificates use: C as PrintableString (4.1.2.4, X.520 ub-country),
// emailAddress as IA5String (PKCS#9), everything else UTF8String, NFC-normalised.
import "reflect-metadata";
import type { JsonNameParams } from "@peculiar/x509";

export interface SubjectFields {
  commonName: string;
  organization?: string | undefined;
  organizationalUnits?: string[] | undefined;
  locality?: string | undefined;
  province?: string | undefined;
  email?: string | undefined;
  country?: string | undefined;
}

const OID = {
  C: "2.5.4.6",
  ST: "2.5.4.8",
  L: "2.5.4.7",
  O: "2.5.4.10",
  OU: "2.5.4.11",
  CN: "2.5.4.3",
  E: "1.2.840.113549.1.9.1",
};

const utf8 = (s: string) => [{ utf8String: s.normalize("NFC") }];

/** Most significant first, as in the certificates the Cipher Committee issues: C, ST, L, O, OU…, CN, E. */
export function buildName(f: SubjectFields): JsonNameParams {
  const rdns: JsonNameParams = [{ [OID.C]: [{ printableString: f.country ?? "VN" }] }];
  if (f.province) rdns.push({ [OID.ST]: utf8(f.province) });
  if (f.locality) rdns.push({ [OID.L]: utf8(f.locality) });
  if (f.organization) rdns.push({ [OID.O]: utf8(f.organization) });
  for (const ou of f.organizationalUnits ?? []) rdns.push({ [OID.OU]: utf8(ou) });
  rdns.push({ [OID.CN]: utf8(f.commonName) });
  if (f.email) rdns.push({ [OID.E]: [{ ia5String: f.email }] });
  return rdns;
}
