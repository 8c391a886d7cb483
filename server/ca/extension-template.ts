// Encodes a subscriber certificate's extensions (RFC 5280 4.2) from the
// profile: everything but subjectKeyIdentifier and subjectAltName is the same
// for every certificate of a profile, key type, issuer and set of publication
// URLs, so it is built once by profiles.ts buildExtensions and kept as DER;
// per certificate only those two are encoded. Byte for byte what
// buildExtensions gives (test/unit/ca/tbs-encoder.test.ts): building the
// library's extension objects cost 2.7 ms a certificate.
import { implicit, octetString, oid, sequence } from "../asn1/der-writer";
import { buildExtensions, type ExtensionInputs } from "./profiles";

const OID_SKI = "2.5.29.14";
const OID_SAN = "2.5.29.17";

type Part = Buffer | "ski" | "san";

// IA5String (RFC 5280 4.2.1.6: rfc822Name and dNSName are IA5String): ASCII only;
// anything else goes the library's way, whatever it makes of it.
const ascii = (s: string) => /^[\x00-\x7f]*$/.test(s);

/** One encoder per issuer component: its templates live as long as it does. */
export function createExtensionEncoder() {
  const templates = new Map<string, Part[]>();

  function templateFor(input: ExtensionInputs, hasSan: boolean): Part[] {
    const key = [input.profile, input.keyType, hasSan, input.authorityKeyId ?? "", input.urls?.crl ?? "", input.urls?.ocsp ?? "", input.urls?.caIssuers ?? ""].join("|");
    let t = templates.get(key);
    if (!t) {
      const exts = buildExtensions({ ...input, subjectKeyId: "00", email: hasSan ? "a@b.c" : undefined, dnsNames: [] });
      t = exts.map((e) => (e.type === OID_SKI ? "ski" : e.type === OID_SAN ? "san" : Buffer.from(e.rawData)));
      templates.set(key, t);
    }
    return t;
  }

  /** The Extension DERs, in buildExtensions' order. */
  return function encodeExtensions(input: ExtensionInputs): Buffer[] {
    const dnsNames = input.dnsNames ?? [];
    if (!ascii(input.email ?? "") || !dnsNames.every(ascii)) return buildExtensions(input).map((e) => Buffer.from(e.rawData));
    const hasSan = Boolean(input.email) || dnsNames.length > 0;
    return templateFor(input, hasSan).map((p) => {
      // 4.2.1.2: the key identifier, an OCTET STRING inside extnValue; never critical.
      if (p === "ski") return sequence([oid(OID_SKI), octetString(octetString(Buffer.from(input.subjectKeyId, "hex")))]);
      if (p === "san") {
        // 4.2.1.6: rfc822Name [1] then dNSName [2], as buildExtensions orders them; not critical (the subject is not empty).
        const names: Buffer[] = [];
        if (input.email) names.push(implicit(1, Buffer.from(input.email, "latin1"), false));
        for (const d of dnsNames) names.push(implicit(2, Buffer.from(d, "latin1"), false));
        return sequence([oid(OID_SAN), octetString(sequence(names))]);
      }
      return p;
    });
  };
}

export type ExtensionEncoder = ReturnType<typeof createExtensionEncoder>;
