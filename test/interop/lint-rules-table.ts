// The lint table for test/interop/lint-rules.test.ts: artefacts read with `openssl asn1parse`
// (asn1Tree) and the RFC 5280 / RFC 6960 rules over them. What each profile must carry is written
// here again, from the RFCs and the domain notes, not imported from server/ca/profiles.ts.
import { createHash } from "node:crypto";
import { asn1Tree, type Asn1 } from "./profile-fixture";

export type Role = "root" | "issuing" | "ocsp" | "individual" | "organization" | "device";

export interface Cert {
  name: string;
  role: Role;
  der: Buffer;
  tbs: Asn1;
  /** tbsCertificate fields by name (RFC 5280 4.1). */
  f: { version: Asn1 | undefined; serial: Asn1; signature: Asn1; issuer: Asn1; validity: Asn1; subject: Asn1; spki: Asn1 };
  outerSignature: Asn1;
  ext: Map<string, Ext>;
  extOrder: string[];
  issuer: Cert | null;
}

export interface Ext {
  critical: boolean;
  /** An explicit BOOLEAN FALSE, which DER forbids (DEFAULT FALSE, X.690 11.5). */
  explicitFalse: boolean;
  value: Asn1;
}

export interface Crl {
  name: string;
  kind: "crl";
  tbs: Asn1;
  version: Asn1 | undefined;
  signature: Asn1;
  outerSignature: Asn1;
  issuerName: Asn1;
  thisUpdate: Asn1;
  nextUpdate: Asn1 | undefined;
  entries: Asn1[];
  ext: Map<string, Ext>;
  issuer: Cert;
}

export interface Ocsp {
  name: string;
  kind: "ocsp";
  status: Asn1;
  type: string;
  tbs: Asn1;
  responderId: Asn1;
  producedAt: Asn1;
  single: Asn1;
  signature: Asn1;
  responder: Cert;
  issuer: Cert;
  expect: "good" | "revoked";
}

export interface Rule<A> {
  rule: string;
  section: string;
  /** The problems found; empty when the artefact follows the rule. */
  check(a: A): string[];
}

function extensions(seq: Asn1 | undefined): { map: Map<string, Ext>; order: string[] } {
  const map = new Map<string, Ext>();
  const order: string[] = [];
  for (const e of seq?.children ?? []) {
    const bool = e.children.length === 3 ? e.children[1]! : undefined;
    const name = e.children[0]!.value;
    order.push(name);
    map.set(name, { critical: bool?.value === "255", explicitFalse: bool !== undefined && bool.value !== "255", value: asn1Tree(e.children[e.children.length - 1]!.content) });
  }
  return { map, order };
}

export function certOf(name: string, role: Role, der: Buffer, issuer: Cert | null): Cert {
  const tree = asn1Tree(der);
  const tbs = tree.children[0]!;
  const c = [...tbs.children];
  const version = c[0]!.tag === "cont [ 0 ]" ? c.shift() : undefined;
  const [serial, signature, issuerName, validity, subject, spki] = c as [Asn1, Asn1, Asn1, Asn1, Asn1, Asn1];
  const { map, order } = extensions(c.find((n) => n.tag === "cont [ 3 ]")?.children[0]);
  return { name, role, der, tbs, f: { version, serial, signature, issuer: issuerName, validity, subject, spki }, outerSignature: tree.children[1]!, ext: map, extOrder: order, issuer: issuer ?? null };
}

export function crlOf(name: string, der: Buffer, issuer: Cert): Crl {
  const tree = asn1Tree(der);
  const tbs = tree.children[0]!;
  const c = [...tbs.children];
  const version = c[0]!.tag === "INTEGER" ? c.shift() : undefined;
  const [signature, issuerName, thisUpdate] = c.splice(0, 3) as [Asn1, Asn1, Asn1];
  const nextUpdate = /TIME$/.test(c[0]?.tag ?? "") ? c.shift() : undefined;
  const entries = c[0]?.tag === "SEQUENCE" ? c.shift()!.children : [];
  const { map } = extensions(c.find((n) => n.tag === "cont [ 0 ]")?.children[0]);
  return { name, kind: "crl", tbs, version, signature, outerSignature: tree.children[1]!, issuerName, thisUpdate, nextUpdate, entries, ext: map, issuer };
}

export function ocspOf(name: string, der: Buffer, issuer: Cert, expect: "good" | "revoked"): Ocsp {
  const tree = asn1Tree(der);
  const [status, bytes] = tree.children as [Asn1, Asn1];
  const [type, octets] = bytes.children[0]!.children as [Asn1, Asn1];
  const basic = asn1Tree(octets.content);
  const tbs = basic.children[0]!;
  const c = tbs.children.filter((n) => n.tag !== "cont [ 0 ]"); // version v1 is DEFAULT, absent in DER
  const certs = basic.children.find((n) => n.tag === "cont [ 0 ]")!.children[0]!.children;
  const responder = certOf(`responder in ${name}`, "ocsp", certs[0]!.tlv, issuer);
  return { name, kind: "ocsp", status, type: type.value, tbs, responderId: c[0]!, producedAt: c[1]!, single: c[2]!.children[0]!, signature: basic.children[1]!, responder, issuer, expect };
}

// --- what each role must carry (RFC 5280 4.2.1.3, 4.2.1.9, 4.2.1.12; RFC 6960 4.2.2.2) ---------

const KU_BITS = ["digitalSignature", "nonRepudiation", "keyEncipherment", "dataEncipherment", "keyAgreement", "keyCertSign", "cRLSign", "encipherOnly", "decipherOnly"];
const SIGNING = ["digitalSignature", "nonRepudiation"];
const CA_KU = ["keyCertSign", "cRLSign"];
const OFFICIAL_EKU = ["TLS Web Client Authentication", "E-mail Protection", "1.3.6.1.5.5.7.3.36"]; // RFC 9336 documentSigning
const EXPECT: Record<Role, { ca: boolean; pathLen?: string; ku: { rsa: string[]; ec: string[] }; eku: string[] | null; policy: string | null }> = {
  root: { ca: true, ku: { rsa: CA_KU, ec: CA_KU }, eku: null, policy: null },
  issuing: { ca: true, pathLen: "00", ku: { rsa: CA_KU, ec: CA_KU }, eku: null, policy: "X509v3 Any Policy" },
  ocsp: { ca: false, ku: { rsa: ["digitalSignature"], ec: ["digitalSignature"] }, eku: ["OCSP Signing"], policy: null },
  individual: { ca: false, ku: { rsa: SIGNING, ec: SIGNING }, eku: OFFICIAL_EKU, policy: "2.999.84.1.1" },
  organization: { ca: false, ku: { rsa: SIGNING, ec: SIGNING }, eku: OFFICIAL_EKU, policy: "2.999.84.1.2" },
  // RFC 5280 4.2.1.3: keyEncipherment only for RSA keys.
  device: { ca: false, ku: { rsa: ["digitalSignature", "keyEncipherment"], ec: ["digitalSignature"] }, eku: ["TLS Web Server Authentication", "TLS Web Client Authentication"], policy: "2.999.84.1.3" },
};
const SUBSCRIBER: Role[] = ["individual", "organization", "device"];

// --- helpers --------------------------------------------------------------------------------------

const keyType = (c: Cert) => (c.f.spki.children[0]!.children[0]!.value === "rsaEncryption" ? "rsa" : "ec");
const curve = (c: Cert) => c.f.spki.children[0]!.children[1]?.value;
const ski = (c: Cert | null | undefined) => c?.ext.get("X509v3 Subject Key Identifier")?.value.content.toString("hex");
const akiKeyId = (ext: Ext | undefined) => ext?.value.children.find((n) => n.tag === "cont [ 0 ]")?.content.toString("hex");
/** SHA-1 of the subjectPublicKey bits (RFC 5280 4.2.1.2 method 1, RFC 6960 KeyHash). */
const keyHash = (c: Cert) => createHash("sha1").update(c.f.spki.children[1]!.content.subarray(1)).digest("hex");

function bits(bitString: Asn1): { set: string[]; problems: string[] } {
  const [unused, ...bytes] = [...bitString.content];
  const set: string[] = [];
  bytes.forEach((b, i) => {
    for (let j = 0; j < 8; j++) if (b & (0x80 >> j)) set.push(KU_BITS[i * 8 + j] ?? `bit${i * 8 + j}`);
  });
  const last = bytes[bytes.length - 1] ?? 0;
  // X.690 11.2.2: a named bit list has no trailing zero bits, so the last used bit is set.
  const problems = bytes.length && !(last & (1 << unused!)) ? [`keyUsage BIT STRING has trailing zero bits (unused=${unused})`] : [];
  return { set, problems };
}

/** RFC 5280 4.1.2.2 / 5.2.3 / 5.3: positive, at most 20 octets, minimal DER. */
function serialProblems(n: Asn1, what: string): string[] {
  const b = n.content;
  const out: string[] = [];
  if (n.tag !== "INTEGER") out.push(`${what} is ${n.tag}`);
  if (b.length > 20) out.push(`${what} has ${b.length} octets (max 20)`);
  if (b[0]! & 0x80) out.push(`${what} is negative`);
  if (b.every((x) => x === 0)) out.push(`${what} is zero`);
  if (b.length > 1 && b[0] === 0 && !(b[1]! & 0x80)) out.push(`${what} is not minimally encoded`);
  return out;
}

/** RFC 5280 4.1.2.5.1/4.1.2.5.2 (and 5.1.2.4-5, 5.1.2.6): UTCTime through 2049, GeneralizedTime from 2050, whole seconds, Z. */
function timeProblems(n: Asn1 | undefined, what: string, generalizedOnly = false): string[] {
  if (!n) return [`${what} missing`];
  if (n.tag === "UTCTIME" && !generalizedOnly) return /^\d{12}Z$/.test(n.value) ? [] : [`${what} UTCTime ${n.value} is not YYMMDDHHMMSSZ`];
  if (n.tag === "GENERALIZEDTIME") {
    if (!/^\d{14}Z$/.test(n.value)) return [`${what} GeneralizedTime ${n.value} is not YYYYMMDDHHMMSSZ`];
    return !generalizedOnly && Number(n.value.slice(0, 4)) < 2050 ? [`${what} GeneralizedTime ${n.value} before 2050 (must be UTCTime)`] : [];
  }
  return [`${what} is ${n.tag}`];
}

export function timeOf(n: Asn1): number {
  const v = n.tag === "UTCTIME" ? `${Number(n.value.slice(0, 2)) < 50 ? "20" : "19"}${n.value}` : n.value;
  return Date.UTC(+v.slice(0, 4), +v.slice(4, 6) - 1, +v.slice(6, 8), +v.slice(8, 10), +v.slice(10, 12), +v.slice(12, 14));
}

/** RFC 5280 4.1.1.2 / 5.1.1.2, RFC 4055 / RFC 5758 3.2: the algorithm fits the signer's key, with the right parameters. */
function algProblems(inner: Asn1, outer: Asn1, signer: Cert): string[] {
  const out: string[] = [];
  if (!inner.tlv.equals(outer.tlv)) out.push("inner and outer signature algorithms differ");
  const [oid, params] = outer.children;
  if (keyType(signer) === "rsa") {
    if (oid?.value !== "sha256WithRSAEncryption" && oid?.value !== "sha384WithRSAEncryption") out.push(`RSA signer but ${oid?.value}`);
    if (params?.tag !== "NULL") out.push("RSA signature algorithm without NULL parameters");
  } else {
    const want = curve(signer) === "secp384r1" ? "ecdsa-with-SHA384" : "ecdsa-with-SHA256";
    if (oid?.value !== want) out.push(`${curve(signer)} signer but ${oid?.value} (want ${want})`);
    if (params) out.push("ECDSA signature algorithm with parameters");
  }
  return out;
}

/** RFC 5280 4.1.2.4/4.1.2.6, X.520: C PrintableString of two letters, e-mail IA5String, the rest UTF8String in NFC. */
function nameProblems(name: Asn1, what: string): string[] {
  const out: string[] = [];
  for (const rdn of name.children) {
    if (rdn.children.length !== 1) out.push(`${what}: multi-valued RDN`);
    for (const atv of rdn.children) {
      const [type, value] = atv.children as [Asn1, Asn1];
      const text = value.content.toString("utf8");
      if (type.value === "countryName") {
        if (value.tag !== "PRINTABLESTRING" || !/^[A-Z]{2}$/.test(text)) out.push(`${what}: countryName is ${value.tag} "${text}"`);
      } else if (type.value === "emailAddress") {
        if (value.tag !== "IA5STRING") out.push(`${what}: emailAddress is ${value.tag}`);
      } else if (value.tag !== "UTF8STRING") {
        out.push(`${what}: ${type.value} is ${value.tag}`);
      } else if (!Buffer.from(text, "utf8").equals(value.content) || text !== text.normalize("NFC") || !text.trim()) {
        out.push(`${what}: ${type.value} is not non-empty NFC UTF-8`);
      }
    }
  }
  return out;
}

const is = (cond: boolean, problem: string) => (cond ? [] : [problem]);

// --- the certificate rules ------------------------------------------------------------------------

export const CERT_RULES: Array<Rule<Cert>> = [
  { rule: "version is v3", section: "5280 4.1.2.1", check: (c) => is(c.f.version?.children[0]?.value === "02", "not v3") },
  { rule: "serial number positive, at most 20 octets", section: "5280 4.1.2.2", check: (c) => serialProblems(c.f.serial, "serial") },
  { rule: "signature algorithm fields match and fit the issuer's key", section: "5280 4.1.1.2, 5758 3.2", check: (c) => algProblems(c.f.signature, c.outerSignature, c.issuer ?? c) },
  { rule: "issuer name is the issuer's subject, byte for byte", section: "5280 4.1.2.4", check: (c) => is(c.f.issuer.tlv.equals((c.issuer ?? c).f.subject.tlv), "issuer ≠ issuer's subject") },
  { rule: "subject is not empty", section: "5280 4.1.2.6", check: (c) => is(c.f.subject.children.length > 0, "empty subject") },
  { rule: "C PrintableString, e-mail IA5String, other attributes UTF8String NFC", section: "5280 4.1.2.4, 4.1.2.6", check: (c) => [...nameProblems(c.f.subject, "subject"), ...nameProblems(c.f.issuer, "issuer")] },
  {
    rule: "an e-mail address in the subject is also an rfc822Name in subjectAltName",
    section: "5280 4.1.2.6",
    check: (c) => {
      const emails = c.f.subject.children.flatMap((r) => r.children).filter((a) => a.children[0]!.value === "emailAddress").map((a) => a.children[1]!.content.toString());
      const san = (c.ext.get("X509v3 Subject Alternative Name")?.value.children ?? []).filter((g) => g.tag === "cont [ 1 ]").map((g) => g.content.toString());
      return emails.filter((e) => !san.includes(e)).map((e) => `${e} not in subjectAltName`);
    },
  },
  {
    rule: "validity: UTCTime before 2050, GeneralizedTime after, whole seconds, Z; notBefore < notAfter; lifetime within policy",
    section: "5280 4.1.2.5",
    check: (c) => {
      const [nb, na] = c.f.validity.children as [Asn1, Asn1];
      const out = [...timeProblems(nb, "notBefore"), ...timeProblems(na, "notAfter")];
      if (out.length) return out;
      const days = (timeOf(na) - timeOf(nb)) / 86_400_000;
      // Decree 68/2024: subscribers at most 5 years, CAs at most 20; the responder is short-lived (nocheck, RFC 6960 4.2.2.2.1).
      const max = c.role === "root" || c.role === "issuing" ? 20 * 366 : c.role === "ocsp" ? 365 : 5 * 366;
      return [...is(days > 0, "notAfter not after notBefore"), ...is(days <= max, `valid ${days} days (max ${max})`)];
    },
  },
  {
    rule: "basicConstraints present and critical; cA TRUE only on CAs, pathLen 0 on the issuing CA; no explicit FALSE",
    section: "5280 4.2.1.9",
    check: (c) => {
      const bc = c.ext.get("X509v3 Basic Constraints");
      if (!bc) return ["basicConstraints missing"];
      const [first, second] = bc.value.children;
      const ca = first?.tag === "BOOLEAN" && first.value === "255";
      const pathLen = (first?.tag === "INTEGER" ? first : second)?.value;
      return [
        ...is(bc.critical, "basicConstraints not critical"),
        ...is(!bc.explicitFalse && !(first?.tag === "BOOLEAN" && first.value !== "255"), "basicConstraints with an explicit DEFAULT FALSE"),
        ...is(ca === EXPECT[c.role].ca, `basicConstraints cA ${ca} on a ${c.role} certificate`),
        ...is(pathLen === EXPECT[c.role].pathLen, `basicConstraints pathLen ${pathLen} on a ${c.role} certificate`),
      ];
    },
  },
  {
    rule: "keyUsage present, critical, exactly the profile's bits for the key type, DER named bits",
    section: "5280 4.2.1.3",
    check: (c) => {
      const ku = c.ext.get("X509v3 Key Usage");
      if (!ku) return ["keyUsage missing"];
      const { set, problems } = bits(ku.value);
      const want = EXPECT[c.role].ku[keyType(c)];
      return [...problems, ...is(ku.critical, "keyUsage not critical"), ...is(set.join() === want.join(), `keyUsage ${set.join("+")}, profile ${c.role} wants ${want.join("+")}`)];
    },
  },
  {
    rule: "extendedKeyUsage exactly the profile's purposes (none on CAs), not critical, no anyExtendedKeyUsage",
    section: "5280 4.2.1.12",
    check: (c) => {
      const eku = c.ext.get("X509v3 Extended Key Usage");
      const got = eku?.value.children.map((o) => o.value) ?? null;
      const want = EXPECT[c.role].eku;
      return [...is(JSON.stringify(got) === JSON.stringify(want), `extendedKeyUsage ${JSON.stringify(got)}, profile ${c.role} wants ${JSON.stringify(want)}`), ...is(!eku?.critical, "extendedKeyUsage critical")];
    },
  },
  {
    rule: "subjectKeyIdentifier on every certificate; authorityKeyIdentifier on all but the self-signed root, equal to the issuer's SKI; neither critical",
    section: "5280 4.2.1.1, 4.2.1.2",
    check: (c) => {
      const aki = c.ext.get("X509v3 Authority Key Identifier");
      const out = [...is(!!ski(c), "subjectKeyIdentifier missing"), ...is(!c.ext.get("X509v3 Subject Key Identifier")?.critical, "subjectKeyIdentifier critical")];
      if (c.role === "root") return out;
      return [...out, ...is(!!aki, "authorityKeyIdentifier missing"), ...is(!aki || akiKeyId(aki) === ski(c.issuer), "authorityKeyIdentifier ≠ issuer's subjectKeyIdentifier"), ...is(!aki?.critical, "authorityKeyIdentifier critical")];
    },
  },
  {
    rule: "subject attributes within the X.520 upper bounds (CN, O, OU 64; L 128; e-mail 255 characters)",
    section: "5280 A.1",
    check: (c) => {
      const ub: Record<string, number> = { commonName: 64, organizationName: 64, organizationalUnitName: 64, localityName: 128, emailAddress: 255 };
      return c.f.subject.children.flatMap((r) => r.children).flatMap((a) => {
        const [type, value] = a.children as [Asn1, Asn1];
        const n = [...value.content.toString("utf8")].length;
        return ub[type.value] !== undefined && n > ub[type.value]! ? [`${type.value} has ${n} characters (max ${ub[type.value]})`] : [];
      });
    },
  },
  {
    rule: "subjectAltName not critical under a non-empty subject; rfc822Name and dNSName well formed",
    section: "5280 4.2.1.6",
    check: (c) => {
      const san = c.ext.get("X509v3 Subject Alternative Name");
      if (!san) return [];
      const names = san.value.children.map((g) => ({ tag: g.tag, text: g.content.toString("latin1") }));
      return [
        ...is(!san.critical || c.f.subject.children.length === 0, "subjectAltName critical under a non-empty subject"),
        ...names.filter((n) => n.tag === "cont [ 1 ]" && !/^[^@\s]+@[a-z0-9.-]+$/i.test(n.text)).map((n) => `rfc822Name ${n.text}`),
        // Preferred name syntax (RFC 1034 3.5 as RFC 5280 4.2.1.6 requires): lower-case LDH labels, no trailing dot.
        ...names.filter((n) => n.tag === "cont [ 2 ]" && !/^(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))+$/.test(n.text)).map((n) => `dNSName ${n.text}`),
      ];
    },
  },
  {
    rule: "public key: RSA of at least 2048 bits with e = 65537, or EC on the named curve P-256 or P-384",
    section: "5280 4.1.2.7, 3279 2.3.1, 5480 2.1.1",
    check: (c) => {
      const [alg, key] = c.f.spki.children as [Asn1, Asn1];
      if (keyType(c) === "ec") return is(alg.children[1]?.tag === "OBJECT" && ["prime256v1", "secp384r1"].includes(alg.children[1].value), `EC parameters ${alg.children[1]?.tag} ${alg.children[1]?.value}`);
      const [n, e] = asn1Tree(key.content.subarray(1)).children as [Asn1, Asn1];
      const bitsOfN = (n.content.length - (n.content[0] === 0 ? 1 : 0)) * 8;
      return [...is(bitsOfN >= 2048, `RSA modulus of ${bitsOfN} bits`), ...is(e.value === "010001", `RSA exponent ${e.value}`), ...is(alg.children[1]?.tag === "NULL", "rsaEncryption without NULL parameters")];
    },
  },
  {
    rule: "a certificate does not outlive its issuer",
    section: "5280 4.1.2.5, 6.1.3",
    check: (c) => {
      if (!c.issuer || c.issuer === c) return [];
      return is(timeOf(c.f.validity.children[1]!) <= timeOf(c.issuer.f.validity.children[1]!), `notAfter ${c.f.validity.children[1]!.value} after the issuer's ${c.issuer.f.validity.children[1]!.value}`);
    },
  },
  { rule: "serial numbers carry at least 64 random bits (at least 8 octets)", section: "CA/B BR 7.1", check: (c) => is(c.f.serial.content.length >= 8, `serial of ${c.f.serial.content.length} octets`) },
  { rule: "no extension appears twice", section: "5280 4.2", check: (c) => is(new Set(c.extOrder).size === c.extOrder.length, `duplicate extension in ${c.extOrder.join(", ")}`) },
  {
    rule: "subscriber certificates carry the profile's policy, a CRL DP and AIA (OCSP, caIssuers) over http",
    section: "5280 4.2.1.4, 4.2.1.13, 4.2.2.1",
    check: (c) => {
      const policies = c.ext.get("X509v3 Certificate Policies")?.value.children.map((p) => p.children[0]!.value) ?? [];
      const want = EXPECT[c.role].policy;
      const out = is(JSON.stringify(policies) === JSON.stringify(want ? [want] : []), `policies ${policies.join()} (want ${want})`);
      if (!SUBSCRIBER.includes(c.role)) return out;
      const uri = (n: Asn1 | undefined): string[] => (n ? [...(n.tag === "cont [ 6 ]" ? [n.content.toString()] : []), ...n.children.flatMap(uri)] : []);
      const crl = uri(c.ext.get("X509v3 CRL Distribution Points")?.value);
      const aia = c.ext.get("Authority Information Access")?.value.children.map((d) => `${d.children[0]!.value}=${uri(d.children[1]).join()}`) ?? [];
      return [...out, ...is(crl.length === 1 && /^http:\/\//.test(crl[0]!), `CRL DP ${crl.join()}`), ...is(aia.some((a) => /^OCSP=http:\/\//.test(a)) && aia.some((a) => /^CA Issuers=http:\/\//.test(a)), `AIA ${aia.join()}`)];
    },
  },
  {
    rule: "the delegated OCSP responder has id-kp-OCSPSigning and a non-critical id-pkix-ocsp-nocheck (NULL)",
    section: "6960 4.2.2.2, 4.2.2.2.1",
    check: (c) => {
      const nocheck = c.ext.get("OCSP No Check");
      if (c.role !== "ocsp") return is(!nocheck, "ocsp-nocheck on a certificate that is not a responder");
      return [...is(!!nocheck && !nocheck.critical && nocheck.value.tag === "NULL", "ocsp-nocheck missing, critical or not NULL"), ...is(c.ext.get("X509v3 Extended Key Usage")?.value.children.some((o) => o.value === "OCSP Signing") === true, "no OCSPSigning")];
    },
  },
];

// --- CRL and OCSP rules ---------------------------------------------------------------------------

/** RFC 5280 5.3.1 reasonCode values allowed here: no unspecified (SHOULD be absent), no certificateHold (no suspension, Decree 68/2024), 7 unused. */
const REASONS_OK = new Set(["01", "02", "03", "04", "05", "08", "09", "0A"]);
const crlRule = (rule: string, section: string, check: (c: Crl) => string[]): Rule<Crl | Ocsp> => ({ rule, section, check: (a) => (a.kind === "crl" ? check(a) : []) });
const ocspRule = (rule: string, section: string, check: (o: Ocsp) => string[]): Rule<Crl | Ocsp> => ({ rule, section, check: (a) => (a.kind === "ocsp" ? check(a) : []) });

export const RESPONSE_RULES: Array<Rule<Crl | Ocsp>> = [
  crlRule("CRL is version 2", "5280 5.1.2.1", (c) => is(c.version?.value === "01", `version ${c.version?.value}`)),
  crlRule("CRL signature algorithm fields match and fit the issuer's key", "5280 5.1.1.2", (c) => algProblems(c.signature, c.outerSignature, c.issuer)),
  crlRule("CRL issuer is the CA's subject, byte for byte", "5280 5.1.2.3", (c) => is(c.issuerName.tlv.equals(c.issuer.f.subject.tlv), "issuer ≠ CA subject")),
  crlRule("thisUpdate and nextUpdate present, encoded by the date rules, nextUpdate later", "5280 5.1.2.4, 5.1.2.5", (c) => {
    const out = [...timeProblems(c.thisUpdate, "thisUpdate"), ...timeProblems(c.nextUpdate, "nextUpdate")];
    return out.length ? out : is(timeOf(c.nextUpdate!) > timeOf(c.thisUpdate), "nextUpdate not after thisUpdate");
  }),
  crlRule("authorityKeyIdentifier present, equal to the CA's SKI", "5280 5.2.1", (c) => is(akiKeyId(c.ext.get("X509v3 Authority Key Identifier")) === ski(c.issuer), "AKI missing or ≠ CA SKI")),
  crlRule("cRLNumber present, not critical, positive, at most 20 octets", "5280 5.2.3", (c) => {
    const n = c.ext.get("X509v3 CRL Number");
    return n ? [...is(!n.critical, "cRLNumber critical"), ...serialProblems(n.value, "cRLNumber")] : ["cRLNumber missing"];
  }),
  crlRule("entries: serial positive ≤ 20 octets and unique, revocationDate by the date rules, valid reasonCode (no certificateHold), invalidityDate GeneralizedTime, nothing critical", "5280 5.1.2.6, 5.3.1, 5.3.2", (c) => {
    const out: string[] = [];
    const seen = new Set<string>();
    for (const e of c.entries) {
      const [serial, date, exts] = e.children as [Asn1, Asn1, Asn1 | undefined];
      out.push(...serialProblems(serial, `entry ${serial.value}`), ...timeProblems(date, `entry ${serial.value} revocationDate`));
      if (seen.has(serial.value)) out.push(`entry ${serial.value} listed twice`);
      seen.add(serial.value);
      const { map } = extensions(exts);
      const reason = map.get("X509v3 CRL Reason Code");
      if (reason && !REASONS_OK.has(reason.value.value)) out.push(`entry ${serial.value} reasonCode ${reason.value.value}`);
      const inv = map.get("Invalidity Date");
      if (inv) out.push(...timeProblems(inv.value, `entry ${serial.value} invalidityDate`, true));
      if ([...map.values()].some((x) => x.critical)) out.push(`entry ${serial.value} has a critical extension`);
    }
    return out;
  }),
  ocspRule("successful basic response", "6960 4.2.1", (o) => [...is(o.status.value === "00", `responseStatus ${o.status.value}`), ...is(o.type === "Basic OCSP Response", `responseType ${o.type}`)]),
  ocspRule("responder certificate issued by the CA that issued the certificate (name and AKI)", "6960 4.2.2.2", (o) =>
    is(o.responder.f.issuer.tlv.equals(o.issuer.f.subject.tlv) && akiKeyId(o.responder.ext.get("X509v3 Authority Key Identifier")) === ski(o.issuer), "responder not issued by the issuing CA")),
  ocspRule("ResponderID byKey is the SHA-1 of the responder's key; signature algorithm fits that key", "6960 4.2.1, 5019 2.2.3", (o) => [
    ...is(o.responderId.tag === "cont [ 2 ]" && o.responderId.children[0]?.content.toString("hex") === keyHash(o.responder), "responderID is not byKey of the responder"),
    ...algProblems(o.signature, o.signature, o.responder),
  ]),
  ocspRule("producedAt, thisUpdate, nextUpdate GeneralizedTime with Z and whole seconds; thisUpdate ≤ producedAt ≤ now < nextUpdate ≤ 7 days after thisUpdate", "6960 4.2.1, 4.2.2.1", (o) => {
    const [, , thisUpdate, next] = o.single.children as [Asn1, Asn1, Asn1, Asn1 | undefined];
    const nextUpdate = next?.tag === "cont [ 0 ]" ? next.children[0] : undefined;
    const out = [...timeProblems(o.producedAt, "producedAt", true), ...timeProblems(thisUpdate, "thisUpdate", true), ...timeProblems(nextUpdate, "nextUpdate", true)];
    if (out.length) return out;
    const [p, t, n] = [timeOf(o.producedAt), timeOf(thisUpdate), timeOf(nextUpdate!)];
    // 60 s for clock skew; CA/Browser Forum BR 4.9.10: at most 7 days between thisUpdate and nextUpdate.
    return [...is(t <= p && p <= Date.now() + 60_000, "producedAt/thisUpdate not sane"), ...is(n > Date.now() && n - t <= 7 * 86_400_000, "nextUpdate passed or more than 7 days after thisUpdate")];
  }),
  ocspRule("certStatus as the CA recorded it; a revocation carries its time and a valid reason (no certificateHold)", "6960 4.2.1, 5280 5.3.1", (o) => {
    const status = o.single.children[1]!;
    if (o.expect === "good") return is(status.tag === "cont [ 0 ]" && status.len === 0, `certStatus ${status.tag}, expected good`);
    const [time, reason] = status.children;
    return [
      ...is(status.tag === "cont [ 1 ]", `certStatus ${status.tag}, expected revoked`),
      ...timeProblems(time, "revocationTime", true),
      ...is(reason?.tag === "cont [ 0 ]" && REASONS_OK.has(reason.children[0]?.value ?? ""), `revocationReason ${reason?.children[0]?.value}`),
    ];
  }),
];
