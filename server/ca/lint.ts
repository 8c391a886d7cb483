// Pre-issuance linter: checks a lint copy of a certificate (same TBS, signed by
// a throwaway key) against its profile and the RFC 5280 rules linters enforce,
// before the real key signs anything. Pure: no keys, no I/O.
import { AsnConvert } from "@peculiar/asn1-schema";
import * as asn from "@peculiar/asn1-x509";
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

function hex(b: ArrayBuffer | Uint8Array): string {
  return Buffer.from(b instanceof Uint8Array ? b : new Uint8Array(b)).toString("hex");
}

function ext<T>(cert: asn.Certificate, oid: string, type: new () => T): { value: T; critical: boolean } | null {
  const e = cert.tbsCertificate.extensions?.find((x) => x.extnID === oid);
  return e ? { value: AsnConvert.parse(e.extnValue, type), critical: e.critical } : null;
}

function timeOf(t: asn.Time): { date: Date; kind: "utc" | "generalized" } {
  return t.utcTime ? { date: t.utcTime, kind: "utc" } : { date: t.generalTime!, kind: "generalized" };
}

/** Returns every violated rule; an empty list means the certificate may be signed. */
export function lintCertificate(lintCertDer: Buffer, x: LintExpectations): string[] {
  const problems: string[] = [];
  const fail = (m: string) => problems.push(m);
  const cert = AsnConvert.parse(lintCertDer, asn.Certificate);
  const tbs = cert.tbsCertificate;
  const spec = PROFILES[x.profile];

  // RFC 5280 4.1.2.1: v3 because extensions are present.
  if (tbs.version !== asn.Version.v3) fail("version must be v3");

  // RFC 5280 4.1.2.2: positive, at most 20 octets.
  const serial = Buffer.from(new Uint8Array(tbs.serialNumber));
  if (serial.length > 20) fail("serial longer than 20 octets");
  if (serial.length === 0 || (serial[0]! & 0x80) !== 0) fail("serial is not positive");
  if (serial.every((b) => b === 0)) fail("serial is zero");

  if (!Buffer.from(AsnConvert.serialize(cert.signatureAlgorithm)).equals(x.signatureAlgorithm)) {
    fail("signature algorithm does not match the issuing key");
  }

  // RFC 5280 4.1.2.4: issuer must equal the issuer certificate's subject byte for byte.
  if (!Buffer.from(AsnConvert.serialize(tbs.issuer)).equals(x.issuerSubjectDer)) fail("issuer name differs from the CA's subject");

  // Subject: non-empty, C=VN PrintableString, other attributes UTF8String in NFC,
  // emailAddress IA5String, no control characters.
  if (tbs.subject.length === 0) fail("empty subject");
  let emailInSubject: string | null = null;
  for (const rdn of tbs.subject) {
    for (const atv of rdn) {
      const v = atv.value;
      if (atv.type === OID_C) {
        if (v.printableString === undefined || !/^[A-Z]{2}$/.test(v.printableString)) fail("country must be a two-letter PrintableString");
        continue;
      }
      if (atv.type === OID_EMAIL) {
        if (v.ia5String === undefined) fail("emailAddress must be IA5String");
        else emailInSubject = v.ia5String;
        continue;
      }
      const s = v.utf8String;
      if (s === undefined) {
        fail(`attribute ${atv.type} must be UTF8String`);
        continue;
      }
      if (s.length === 0) fail(`attribute ${atv.type} is empty`);
      if (s !== s.normalize("NFC")) fail(`attribute ${atv.type} is not NFC-normalised`);
      if (/[\u0000-\u001f\u007f-\u009f]/.test(s)) fail(`attribute ${atv.type} contains control characters`);
    }
  }

  // RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050, whole seconds.
  const nb = timeOf(tbs.validity.notBefore);
  const na = timeOf(tbs.validity.notAfter);
  for (const t of [nb, na]) {
    if ((t.date.getUTCFullYear() < 2050) !== (t.kind === "utc")) fail("validity time uses the wrong ASN.1 time type");
    if (t.date.getUTCMilliseconds() !== 0) fail("validity time has fractional seconds");
  }
  if (na.date <= nb.date) fail("notAfter is not after notBefore");
  const days = (na.date.getTime() - nb.date.getTime()) / 86_400_000;
  if (days > x.maxDays + 1e-9) fail(`validity ${Math.ceil(days)} days exceeds the profile's ${x.maxDays}`);
  if (x.issuerNotAfter && na.date > x.issuerNotAfter) fail("certificate outlives its issuer");

  const bc = ext(cert, asn.id_ce_basicConstraints, asn.BasicConstraints);
  if (!bc || !bc.critical) fail("basicConstraints missing or not critical");
  else if (bc.value.cA !== spec.isCa) fail(`basicConstraints cA must be ${spec.isCa}`);

  const ku = ext(cert, asn.id_ce_keyUsage, asn.KeyUsage);
  const wantKu = x.keyType === "rsa" ? spec.keyUsage.rsa : spec.keyUsage.ec;
  if (!ku || !ku.critical) fail("keyUsage missing or not critical");
  else if (ku.value.toNumber() !== wantKu) fail(`keyUsage ${ku.value.toNumber()} differs from the profile's ${wantKu}`);

  const eku = ext(cert, asn.id_ce_extKeyUsage, asn.ExtendedKeyUsage);
  const gotEku = [...(eku?.value ?? [])].sort().join(",");
  if (gotEku !== [...spec.extKeyUsage].sort().join(",")) fail("extendedKeyUsage differs from the profile");

  // RFC 5280 4.2.1.2 / 4.2.1.1: SKI always; AKI on everything but a self-signed root.
  const ski = ext(cert, asn.id_ce_subjectKeyIdentifier, asn.SubjectKeyIdentifier);
  if (!ski || ski.value.byteLength === 0) fail("subjectKeyIdentifier missing");
  const aki = ext(cert, asn.id_ce_authorityKeyIdentifier, asn.AuthorityKeyIdentifier);
  if (x.issuerKeyId) {
    if (!aki?.value.keyIdentifier) fail("authorityKeyIdentifier missing");
    else if (hex(aki.value.keyIdentifier.buffer) !== x.issuerKeyId) fail("authorityKeyIdentifier does not match the issuer");
  }

  // RFC 5280 4.1.2.6: an e-mail address in the subject also goes in subjectAltName.
  const san = ext(cert, asn.id_ce_subjectAltName, asn.SubjectAlternativeName);
  const sanEmails = [...(san?.value ?? [])].map((g) => g.rfc822Name).filter((e): e is string => !!e);
  if (emailInSubject && !sanEmails.includes(emailInSubject)) fail("e-mail in subject but not in subjectAltName");
  if (x.email && emailInSubject !== x.email) fail("requested e-mail missing from the subject");

  if (spec.publication !== "none" && x.urls) {
    const cdp = ext(cert, asn.id_ce_cRLDistributionPoints, asn.CRLDistributionPoints);
    const cdpUrls = [...(cdp?.value ?? [])].flatMap((dp) => [...(dp.distributionPoint?.fullName ?? [])].map((g) => g.uniformResourceIdentifier));
    if (!cdpUrls.includes(x.urls.crl)) fail("CRL distribution point missing");
    const aia = ext(cert, asn.id_pe_authorityInfoAccess, asn.AuthorityInfoAccessSyntax);
    const access = [...(aia?.value ?? [])];
    const has = (method: string, url: string) =>
      access.some((a) => a.accessMethod === method && a.accessLocation.uniformResourceIdentifier === url);
    if (!has(asn.id_ad_caIssuers, x.urls.caIssuers)) fail("AIA caIssuers missing");
    if (spec.publication === "full" && !has(asn.id_ad_ocsp, x.urls.ocsp)) fail("AIA OCSP missing");
  }
  return problems;
}
