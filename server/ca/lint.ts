// Pre-issuance linter: checks a lint copy of a certificate (same TBS, signed by
// a throwaway key) against its profile and the RFC 5280 rules linters enforce,
// before the real key signs anything. Pure: no keys, no I/O. Reads the DER with
// our strict reader (server/asn1/der-reader.ts): building the library's ASN.1
// objects for this cost 1.8 ms a certificate; anything that is not well-formed
// DER is itself a problem.
import { children, DerCursor, DerError, type DerNode, parseDer, readBitString, readBoolean, readOctetString, readOid, readTime } from "../asn1/der-reader";
import { PROFILES, ProfileName, PublicationUrls } from "./profiles";

export interface LintExpectations {
  profile: ProfileName;
  keyType: "rsa" | "ec";
  issuerSubjectDer: Buffer;
  issuerKeyId: string | null;
  issuerNotAfter: Date | null;
  maxDays: number;
  urls: PublicationUrls | null;
  email?: string | undefined;
  signatureAlgorithm: Buffer;
}

const OID_C = "2.5.4.6";
const OID_EMAIL = "1.2.840.113549.1.9.1";
const EXT = {
  basicConstraints: "2.5.29.19",
  keyUsage: "2.5.29.15",
  extKeyUsage: "2.5.29.37",
  subjectKeyIdentifier: "2.5.29.14",
  authorityKeyIdentifier: "2.5.29.35",
  subjectAltName: "2.5.29.17",
  cRLDistributionPoints: "2.5.29.31",
  authorityInfoAccess: "1.3.6.1.5.5.7.1.1",
};
const AD_OCSP = "1.3.6.1.5.5.7.48.1";
const AD_CA_ISSUERS = "1.3.6.1.5.5.7.48.2";

// Identifiers (X.690 8.1.2): universal types and the context tags of GeneralName (RFC 5280 4.2.1.6).
const T = { boolean: 0x01, integer: 0x02, bitString: 0x03, octetString: 0x04, oid: 0x06, utf8: 0x0c, printable: 0x13, ia5: 0x16, utcTime: 0x17, sequence: 0x30, set: 0x31 };
const GN_RFC822 = 0x81;
const GN_URI = 0x86;

interface Extension {
  critical: boolean;
  /** The extnValue's contents: the DER of the extension's own value. */
  value: Buffer;
}

const text = (buf: Buffer, n: DerNode, enc: "utf8" | "latin1") => buf.toString(enc, n.headerEnd, n.end);
const seqOf = (buf: Buffer) => children(buf, parseDer(buf));

/** Returns every violated rule; an empty list means the certificate may be signed. */
export function lintCertificate(lintCertDer: Buffer, x: LintExpectations): string[] {
  const problems: string[] = [];
  try {
    lintParsed(lintCertDer, x, (m) => problems.push(m));
  } catch (e) {
    if (!(e instanceof DerError)) throw e;
    problems.push(`not a well-formed certificate (${e.message})`);
  }
  return problems;
}

function lintParsed(der: Buffer, x: LintExpectations, fail: (m: string) => void): void {
  const spec = PROFILES[x.profile];
  const cert = new DerCursor(der, parseDer(der));
  const tbsNode = cert.expect(T.sequence, "tbsCertificate");
  const sigAlg = cert.expect(T.sequence, "signatureAlgorithm");
  cert.expect(T.bitString, "signatureValue");
  cert.finish("Certificate");

  const tbs = new DerCursor(der, tbsNode);
  // RFC 5280 4.1.2.1: v3 because extensions are present (an absent [0] is v1).
  const versionTag = tbs.optional(0xa0);
  const version = versionTag ? new DerCursor(der, versionTag).expect(T.integer, "version") : null;
  if (!version || version.end - version.headerEnd !== 1 || der[version.headerEnd] !== 2) fail("version must be v3");

  // RFC 5280 4.1.2.2: positive, at most 20 octets.
  const serialNode = tbs.expect(T.integer, "serialNumber");
  const serial = der.subarray(serialNode.headerEnd, serialNode.end);
  if (serial.length > 20) fail("serial longer than 20 octets");
  if (serial.length === 0 || (serial[0]! & 0x80) !== 0) fail("serial is not positive");
  if (serial.every((b) => b === 0)) fail("serial is zero");

  tbs.expect(T.sequence, "signature");
  if (!der.subarray(sigAlg.start, sigAlg.end).equals(x.signatureAlgorithm)) fail("signature algorithm does not match the issuing key");

  // RFC 5280 4.1.2.4: issuer must equal the issuer certificate's subject byte for byte.
  const issuer = tbs.expect(T.sequence, "issuer");
  if (!der.subarray(issuer.start, issuer.end).equals(x.issuerSubjectDer)) fail("issuer name differs from the CA's subject");

  const validity = new DerCursor(der, tbs.expect(T.sequence, "validity"));
  const times = [validity.any("notBefore"), validity.any("notAfter")].map((n) => ({ date: readTime(der, n), kind: n.identifier === T.utcTime ? "utc" : "generalized" }));
  validity.finish("validity");

  // Subject: non-empty, C=VN PrintableString, other attributes UTF8String in NFC,
  // emailAddress IA5String, no control characters.
  const subject = tbs.expect(T.sequence, "subject");
  const rdns = children(der, subject);
  if (rdns.length === 0) fail("empty subject");
  let emailInSubject: string | null = null;
  for (const rdn of rdns) {
    for (const atv of children(der, rdn)) {
      const a = new DerCursor(der, atv);
      const type = readOid(der, a.expect(T.oid, "attribute type"));
      const v = a.any("attribute value");
      if (type === OID_C) {
        if (v.identifier !== T.printable || !/^[A-Z]{2}$/.test(text(der, v, "latin1"))) fail("country must be a two-letter PrintableString");
        continue;
      }
      if (type === OID_EMAIL) {
        if (v.identifier !== T.ia5) fail("emailAddress must be IA5String");
        else emailInSubject = text(der, v, "latin1");
        continue;
      }
      if (v.identifier !== T.utf8) {
        fail(`attribute ${type} must be UTF8String`);
        continue;
      }
      const s = text(der, v, "utf8");
      if (s.length === 0) fail(`attribute ${type} is empty`);
      if (s !== s.normalize("NFC")) fail(`attribute ${type} is not NFC-normalised`);
      if (/[\u0000-\u001f\u007f-\u009f]/.test(s)) fail(`attribute ${type} contains control characters`);
    }
  }

  // RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050, whole seconds.
  const [nb, na] = times as [{ date: Date; kind: string }, { date: Date; kind: string }];
  for (const t of [nb, na]) {
    if ((t.date.getUTCFullYear() < 2050) !== (t.kind === "utc")) fail("validity time uses the wrong ASN.1 time type");
    if (t.date.getUTCMilliseconds() !== 0) fail("validity time has fractional seconds");
  }
  if (na.date <= nb.date) fail("notAfter is not after notBefore");
  const days = (na.date.getTime() - nb.date.getTime()) / 86_400_000;
  if (days > x.maxDays + 1e-9) fail(`validity ${Math.ceil(days)} days exceeds the profile's ${x.maxDays}`);
  if (x.issuerNotAfter && na.date > x.issuerNotAfter) fail("certificate outlives its issuer");

  tbs.expect(T.sequence, "subjectPublicKeyInfo");
  tbs.optional(0x81); // issuerUniqueID
  tbs.optional(0x82); // subjectUniqueID
  const extsTag = tbs.optional(0xa3);
  tbs.finish("tbsCertificate");

  // Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }; the first of an OID counts.
  const exts = new Map<string, Extension>();
  if (extsTag) {
    for (const e of children(der, new DerCursor(der, extsTag).expect(T.sequence, "extensions"))) {
      const c = new DerCursor(der, e);
      const id = readOid(der, c.expect(T.oid, "extnID"));
      const critical = c.optional(T.boolean);
      const value = readOctetString(der, c.expect(T.octetString, "extnValue"));
      c.finish("Extension");
      if (!exts.has(id)) exts.set(id, { critical: critical ? readBoolean(der, critical) : false, value });
    }
  }

  // 4.2.1.9: BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER OPTIONAL }.
  const bc = exts.get(EXT.basicConstraints);
  if (!bc || !bc.critical) fail("basicConstraints missing or not critical");
  else {
    const v = bc.value;
    const first = new DerCursor(v, parseDer(v)).optional(T.boolean);
    if ((first ? readBoolean(v, first) : false) !== spec.isCa) fail(`basicConstraints cA must be ${spec.isCa}`);
  }

  // 4.2.1.3: KeyUsage BIT STRING; bit n (0 = digitalSignature) is the value 1 << n, as x509.KeyUsageFlags numbers them.
  const ku = exts.get(EXT.keyUsage);
  const wantKu = x.keyType === "rsa" ? spec.keyUsage.rsa : spec.keyUsage.ec;
  if (!ku || !ku.critical) fail("keyUsage missing or not critical");
  else {
    const got = keyUsageNumber(ku.value);
    if (got !== wantKu) fail(`keyUsage ${got} differs from the profile's ${wantKu}`);
  }

  // 4.2.1.12: ExtKeyUsageSyntax ::= SEQUENCE OF KeyPurposeId.
  const eku = exts.get(EXT.extKeyUsage);
  const gotEku = eku ? seqOf(eku.value).map((n) => readOid(eku.value, n)) : [];
  if ([...gotEku].sort().join(",") !== [...spec.extKeyUsage].sort().join(",")) fail("extendedKeyUsage differs from the profile");

  // RFC 5280 4.2.1.2 / 4.2.1.1: SKI always; AKI on everything but a self-signed root.
  const ski = exts.get(EXT.subjectKeyIdentifier);
  if (!ski || readOctetString(ski.value, parseDer(ski.value)).length === 0) fail("subjectKeyIdentifier missing");
  if (x.issuerKeyId) {
    // AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] IMPLICIT OCTET STRING OPTIONAL, … }
    const aki = exts.get(EXT.authorityKeyIdentifier);
    const keyId = aki ? new DerCursor(aki.value, parseDer(aki.value)).optional(0x80) : null;
    if (!aki || !keyId) fail("authorityKeyIdentifier missing");
    else if (aki.value.toString("hex", keyId.headerEnd, keyId.end) !== x.issuerKeyId) fail("authorityKeyIdentifier does not match the issuer");
  }

  // RFC 5280 4.1.2.6: an e-mail address in the subject also goes in subjectAltName.
  const san = exts.get(EXT.subjectAltName);
  const sanEmails = san ? seqOf(san.value).filter((g) => g.identifier === GN_RFC822).map((g) => text(san.value, g, "latin1")) : [];
  if (emailInSubject && !sanEmails.includes(emailInSubject)) fail("e-mail in subject but not in subjectAltName");
  if (x.email && emailInSubject !== x.email) fail("requested e-mail missing from the subject");

  if (spec.publication !== "none" && x.urls) {
    if (!crlUrls(exts.get(EXT.cRLDistributionPoints)).includes(x.urls.crl)) fail("CRL distribution point missing");
    const access = accessDescriptions(exts.get(EXT.authorityInfoAccess));
    const has = (method: string, url: string) => access.some((a) => a.method === method && a.url === url);
    if (!has(AD_CA_ISSUERS, x.urls.caIssuers)) fail("AIA caIssuers missing");
    if (spec.publication === "full" && !has(AD_OCSP, x.urls.ocsp)) fail("AIA OCSP missing");
  }
}

function keyUsageNumber(value: Buffer): number {
  const { bytes, unusedBits } = readBitString(value, parseDer(value));
  let n = 0;
  const bits = bytes.length * 8 - unusedBits;
  for (let i = 0; i < bits; i++) if (bytes[i >> 3]! & (0x80 >> (i & 7))) n += 2 ** i;
  return n;
}

/** 4.2.1.13: the URIs of every DistributionPoint's fullName ([0] { [0] GeneralNames }). */
function crlUrls(ext: Extension | undefined): string[] {
  if (!ext) return [];
  const v = ext.value;
  return seqOf(v).flatMap((dp) => {
    const name = new DerCursor(v, dp).optional(0xa0);
    const full = name ? new DerCursor(v, name).optional(0xa0) : null;
    return full ? children(v, full).filter((g) => g.identifier === GN_URI).map((g) => text(v, g, "latin1")) : [];
  });
}

/** 4.2.2.1: AccessDescription ::= SEQUENCE { accessMethod OID, accessLocation GeneralName }; URI locations only. */
function accessDescriptions(ext: Extension | undefined): Array<{ method: string; url: string | null }> {
  if (!ext) return [];
  const v = ext.value;
  return seqOf(v).map((ad) => {
    const c = new DerCursor(v, ad);
    const method = readOid(v, c.expect(T.oid, "accessMethod"));
    const loc = c.any("accessLocation");
    return { method, url: loc.identifier === GN_URI ? text(v, loc, "latin1") : null };
  });
}
