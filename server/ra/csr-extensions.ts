// Reads the extensions a PKCS#10 request asks for (PKCS#9 extensionRequest,
// RFC 2985 5.4.2) and refuses the ones this CA would never honour; it grants
// nothing: the certificate's extensions come from its profile alone.
import { children, DerCursor, DerError, type DerNode, readBitString, readBoolean, readOctetString, readOid, parseDer } from "../asn1/der-reader";
import { AppError } from "../errors/app-error";

/** PKCS#9 extensionRequest, and Microsoft's older msExtReq that certreq still sends. */
const EXTENSION_REQUESTS = new Set(["1.2.840.113549.1.9.14", "1.3.6.1.4.1.311.2.1.14"]);
const BASIC_CONSTRAINTS = "2.5.29.19";
const KEY_USAGE = "2.5.29.15";
const EXT_KEY_USAGE = "2.5.29.37";

/** Asked for often by tokens and tools and harmless: the profile decides their real content. */
const IGNORED = new Set([
  "2.5.29.14", // subjectKeyIdentifier
  "2.5.29.17", // subjectAltName (the RA takes names from the form)
  "2.5.29.35", // authorityKeyIdentifier
  "1.3.6.1.5.5.7.1.1", // authorityInfoAccess
  "2.5.29.31", // cRLDistributionPoints
  "2.5.29.32", // certificatePolicies
]);

/** RFC 5280 4.2.1.3 bits 5 (keyCertSign) and 6 (cRLSign): CA powers. */
const CA_KEY_USAGE_BITS = [5, 6];
/** anyExtendedKeyUsage (RFC 5280 4.2.1.12) and OCSPSigning (RFC 6960 4.2.2.2): powers no subscriber gets. */
const REFUSED_EKU = new Set(["2.5.29.37.0", "1.3.6.1.5.5.7.3.9"]);

function refused(what: string): AppError {
  return new AppError("CSR_EXTENSION_REFUSED", `the CSR asks for ${what}, which this CA never grants to a subscriber: make the request again without it`, { extension: what });
}

function checkOne(id: string, critical: boolean, value: Buffer): void {
  if (id === BASIC_CONSTRAINTS) {
    // BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER OPTIONAL }
    const root = parseDer(value);
    const c = new DerCursor(value, root);
    const ca = c.optional(0x01);
    if (ca && readBoolean(value, ca)) throw refused("basicConstraints cA:TRUE");
    if (c.optional(0x02)) throw refused("a pathLenConstraint");
    c.finish("BasicConstraints");
    return;
  }
  if (id === KEY_USAGE) {
    const { bytes } = readBitString(value, parseDer(value));
    for (const bit of CA_KEY_USAGE_BITS) {
      if (((bytes[bit >> 3] ?? 0) >> (7 - (bit & 7))) & 1) throw refused(bit === 5 ? "keyUsage keyCertSign" : "keyUsage cRLSign");
    }
    return;
  }
  if (id === EXT_KEY_USAGE) {
    const root = parseDer(value);
    for (const purpose of children(value, root)) {
      const p = readOid(value, purpose);
      if (REFUSED_EKU.has(p)) throw refused(`extendedKeyUsage ${p}`);
    }
    return;
  }
  if (IGNORED.has(id)) return;
  // RFC 5280 4.2: a critical extension must be understood; we cannot honour what we do not know.
  // Non-critical unknown ones (e.g. a Microsoft template name) are ignored, as the profile decides.
  if (critical) throw refused(`the critical extension ${id}`);
  // CA-only extensions are refused even when not critical (RFC 5280 4.2.1.10, 4.2.1.11, 4.2.1.14, 4.2.1.5).
  if (["2.5.29.30", "2.5.29.36", "2.5.29.54", "2.5.29.33"].includes(id)) throw refused(`the CA extension ${id}`);
}

/**
 * CertificationRequestInfo ::= SEQUENCE { version, subject, subjectPKInfo, attributes [0] IMPLICIT SET OF Attribute }
 * (RFC 2986 4.1). Throws DerError when the structure is wrong, CSR_EXTENSION_REFUSED when a request is refused.
 */
export function checkRequestedExtensions(buf: Buffer, info: DerNode): void {
  const c = new DerCursor(buf, info);
  c.expect(0x02, "version");
  c.expect(0x30, "subject");
  c.expect(0x30, "subjectPKInfo");
  // RFC 2986 requires the [0] even when empty; some old tools leave it out, which asks for nothing.
  const attributes = c.optional(0xa0);
  c.finish("CertificationRequestInfo");
  if (!attributes) return;
  let seenRequest = false;
  for (const attribute of children(buf, attributes)) {
    const a = new DerCursor(buf, attribute);
    const type = readOid(buf, a.expect(0x06, "Attribute.type"));
    const values = a.expect(0x31, "Attribute.values");
    a.finish("Attribute");
    if (!EXTENSION_REQUESTS.has(type)) continue;
    const list = children(buf, values);
    if (seenRequest || list.length !== 1) throw new DerError("extensionRequest must be one attribute with one value", attribute.start);
    seenRequest = true;
    const seen = new Set<string>();
    for (const ext of children(buf, list[0]!)) {
      const e = new DerCursor(buf, ext);
      const id = readOid(buf, e.expect(0x06, "extnID"));
      const criticalNode = e.optional(0x01);
      const critical = criticalNode ? readBoolean(buf, criticalNode) : false;
      const value = Buffer.from(readOctetString(buf, e.expect(0x04, "extnValue")));
      e.finish("Extension");
      // RFC 5280 4.2: a certificate must not include more than one instance of an extension.
      if (seen.has(id)) throw refused(`the extension ${id} twice`);
      seen.add(id);
      checkOne(id, critical, value);
    }
  }
}
