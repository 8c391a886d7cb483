// Builds X.501 Names for certificates with the encodings RFC 5280 and real
// Vietnamese certificates use: C as PrintableString (4.1.2.4, X.520 ub-country),
// emailAddress as IA5String (PKCS#9), everything else UTF8String, NFC-normalised;
// encodes them as DER and renders them as the certificates table stores them.
import "reflect-metadata";
import type { JsonNameParams } from "@peculiar/x509";
import { oid, sequence, set, tlv } from "../asn1/der-writer";

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

const UTF8 = 0x0c;
const PRINTABLE = 0x13;
const IA5 = 0x16;

/** DER of the Name buildName() describes: RDNSequence of single-attribute SETs, in its order and string types. */
export function encodeName(name: JsonNameParams): Buffer {
  const rdns = name.map((rdn) =>
    set(
      Object.entries(rdn).map(([type, values]) => {
        const v = (values as Array<Record<string, string>>)[0]!;
        const [kind, value] = Object.entries(v)[0]!;
        const tag = kind === "utf8String" ? UTF8 : kind === "printableString" ? PRINTABLE : kind === "ia5String" ? IA5 : -1;
        if (tag < 0) throw new Error(`name value type ${kind} not supported by the Name encoder`);
        return sequence([oid(type), tlv(tag, Buffer.from(value, tag === UTF8 ? "utf8" : "latin1"))]);
      }),
    ),
  );
  return sequence(rdns);
}

const DN_LABEL: Record<string, string> = { "2.5.4.6": "C", "2.5.4.8": "ST", "2.5.4.7": "L", "2.5.4.10": "O", "2.5.4.11": "OU", "2.5.4.3": "CN", "1.2.840.113549.1.9.1": "emailAddress" };

/**
 * The subject as node's X509Certificate.subject prints it (one "type=value" a
 * line, RFC 2253 escapes), joined with ", " like the issuance cycle stores it;
 * parsing every certificate to get it cost 0.5 ms. The bulk worker compares it
 * with node's own rendering on each batch's first certificate, and
 * test/unit/ca/tbs-encoder.test.ts on names with every character it escapes.
 */
export function formatDn(name: JsonNameParams): string {
  return name
    .map((rdn) =>
      Object.entries(rdn)
        .map(([type, values]) => {
          const value = Object.values((values as Array<Record<string, string>>)[0]!)[0]!;
          const escaped = value.replace(/[,+"\\<>;]/g, (c) => `\\${c}`).replace(/^[ #]/, (c) => `\\${c}`).replace(/ $/, "\\ ");
          return `${DN_LABEL[type] ?? type}=${escaped}`;
        })
        .join(" + "),
    )
    .join(", ");
}
