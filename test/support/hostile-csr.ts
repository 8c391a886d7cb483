// Builds hostile PKCS#10 requests (RFC 2986) for the hardening tests: real keys
// and real signatures (node:crypto and openssl), with the structure bent on
// purpose. Test-only; nothing here is used by the server.
import { createHash, createPublicKey, generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { bitString, integer, NULL_DER, oid, sequence, set, tlv } from "../../server/asn1/der-writer";
import { opensslOk } from "./openssl";
import { breakSignature, makeCsr } from "./csr";

const OID_CN = "2.5.4.3";
const OID_EXTENSION_REQUEST = "1.2.840.113549.1.9.14"; // PKCS#9 extensionRequest (RFC 2985 5.4.2)
const OID_ECDSA_SHA256 = "1.2.840.10045.4.3.2";
const OID_RSA_SHA256 = "1.2.840.113549.1.1.11";
const OID_RSA = "1.2.840.113549.1.1.1";

export interface Extension {
  oid: string;
  critical?: boolean;
  value: Buffer;
}

export function extensionRequest(exts: Extension[]): Buffer {
  const list = exts.map((e) => sequence([oid(e.oid), ...(e.critical ? [Buffer.from([0x01, 0x01, 0xff])] : []), tlv(0x04, e.value)]));
  return sequence([oid(OID_EXTENSION_REQUEST), set([sequence(list)])]);
}

/** basicConstraints cA TRUE (RFC 5280 4.2.1.9). */
export const CA_TRUE: Extension = { oid: "2.5.29.19", critical: true, value: sequence([Buffer.from([0x01, 0x01, 0xff])]) };
/** keyUsage keyCertSign + cRLSign (bits 5, 6: RFC 5280 4.2.1.3). */
export const KEY_CERT_SIGN: Extension = { oid: "2.5.29.15", critical: true, value: bitString(Buffer.from([0x06]), 1) };
/** keyUsage digitalSignature only: what an ordinary token asks for. */
export const KU_DIGITAL_SIGNATURE: Extension = { oid: "2.5.29.15", critical: true, value: bitString(Buffer.from([0x80]), 7) };
/** A private OID marked critical: no one can know what honouring it means. */
export const UNKNOWN_CRITICAL: Extension = { oid: "1.3.6.1.4.1.99999.1", critical: true, value: NULL_DER };

function name(cn: string): Buffer {
  return sequence([set([sequence([oid(OID_CN), tlv(0x0c, Buffer.from(cn, "utf8"))])])]);
}

export interface BuildOptions {
  cn?: string;
  /** Raw DER of each Attribute (SEQUENCE { type, values SET }). */
  attributes?: Buffer[];
  /** Leave out the attributes [0] (RFC 2986 requires it; some old tools omit it). */
  noAttributes?: boolean;
  /** Bytes appended after the signed CertificationRequest. */
  trailing?: Buffer;
}

/** A CSR signed with `key` (default a new P-256 key; ecdsa-with-SHA256 or sha256WithRSAEncryption), attributes as given. */
export function buildCsr(opts: BuildOptions = {}, key: KeyObject = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey): Buffer {
  const spki = createPublicKeyDer(key);
  const info = sequence([integer(0), name(opts.cn ?? "hardening"), spki, ...(opts.noAttributes ? [] : [tlv(0xa0, opts.attributes ?? [])])]);
  const sig = sign("sha256", info, key);
  const algorithm = key.asymmetricKeyType === "rsa" ? sequence([oid(OID_RSA_SHA256), NULL_DER]) : sequence([oid(OID_ECDSA_SHA256)]);
  const csr = sequence([info, algorithm, bitString(sig)]);
  return opts.trailing ? Buffer.concat([csr, opts.trailing]) : csr;
}

function createPublicKeyDer(key: KeyObject): Buffer {
  return createPublicKey(key).export({ format: "der", type: "spki" });
}

/**
 * An RSA "key" with public exponent 1 and a signature that verifies: with e = 1,
 * s^e mod n = s, so the EMSA-PKCS1-v1_5 encoding itself is a valid signature
 * (RFC 8017 8.2.2). Anyone can forge for such a key; it proves nothing.
 */
export function exponentOneCsr(): Buffer {
  const n = Buffer.alloc(256, 0xff);
  n[0] = 0xc3;
  const rsaKey = sequence([tlv(0x02, Buffer.concat([Buffer.from([0x00]), n])), integer(1)]);
  const spki = sequence([sequence([oid(OID_RSA), NULL_DER]), bitString(rsaKey)]);
  const info = sequence([integer(0), name("e equals one"), spki, tlv(0xa0, [])]);
  const digestInfo = Buffer.concat([Buffer.from("3031300d060960864801650304020105000420", "hex"), createHash("sha256").update(info).digest()]);
  const em = Buffer.concat([Buffer.from([0x00, 0x01]), Buffer.alloc(256 - 3 - digestInfo.length, 0xff), Buffer.from([0x00]), digestInfo]);
  return sequence([info, sequence([oid(OID_RSA_SHA256), NULL_DER]), bitString(em)]);
}

/** An attribute whose value is `depth` nested SEQUENCEs (built inside-out, no recursion). */
export function nestedAttribute(depth: number): Buffer {
  let inner: Buffer = NULL_DER;
  for (let i = 0; i < depth; i++) inner = sequence([inner]);
  return sequence([oid("1.3.6.1.4.1.99999.2"), set([inner])]);
}

/** PEM text of a DER CSR. */
export function csrPem(der: Buffer): string {
  const b64 = der.toString("base64").replace(/(.{64})/g, "$1\n");
  return `-----BEGIN CERTIFICATE REQUEST-----\n${b64.trimEnd()}\n-----END CERTIFICATE REQUEST-----\n`;
}

/** A CSR from an openssl key made with extra genpkey options (explicit curve parameters, P-192, Ed25519). */
export function opensslCsr(dir: string, label: string, genpkey: string[]): Buffer {
  const key = join(dir, `${label}.key.pem`);
  const csr = join(dir, `${label}.csr`);
  opensslOk(["genpkey", ...genpkey, "-out", key]);
  opensslOk(["req", "-new", "-key", key, "-subj", "/CN=hostile", "-out", csr, "-outform", "DER"]);
  return readFileSync(csr);
}

export interface HostileCsr {
  label: string;
  /** PEM text, or DER bytes for the ones that cannot be PEM (huge binary). */
  body: Buffer;
  /** The code the CA's own check (server/ra/csr-check.ts) gives. */
  code: string;
}

/** Every hostile CSR of issue 8, with the stable code the CSR check must give. */
export function hostileCsrs(dir: string): HostileCsr[] {
  const good = makeCsr(dir, "p256");
  const pemOf = (der: Buffer) => Buffer.from(csrPem(der));
  const hugeBase64 = Buffer.alloc(10 * 1024 * 1024, 0x41);
  return [
    { label: "broken signature", body: pemOf(breakSignature(good.der)), code: "CSR_BAD_SIGNATURE" },
    { label: "RSA 1024", body: Buffer.from(makeCsr(dir, "rsa1024").pem), code: "KEY_WEAK" },
    { label: "RSA e=3", body: Buffer.from(makeCsr(dir, "rsa2048e3").pem), code: "KEY_WEAK" },
    { label: "RSA e=1 (self-verifying signature)", body: pemOf(exponentOneCsr()), code: "KEY_WEAK" },
    { label: "EC P-192", body: pemOf(opensslCsr(dir, "p192", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-192"])), code: "KEY_UNSUPPORTED" },
    { label: "EC explicit curve parameters", body: pemOf(opensslCsr(dir, "explicit", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-pkeyopt", "ec_param_enc:explicit"])), code: "KEY_UNSUPPORTED" },
    { label: "Ed25519", body: pemOf(opensslCsr(dir, "ed25519", ["-algorithm", "ED25519"])), code: "KEY_UNSUPPORTED" },
    { label: "10 MB", body: Buffer.concat([Buffer.from("-----BEGIN CERTIFICATE REQUEST-----\n"), hugeBase64, Buffer.from("\n-----END CERTIFICATE REQUEST-----\n")]), code: "CSR_MALFORMED" },
    { label: "nesting 2,000 deep", body: pemOf(buildCsr({ attributes: [nestedAttribute(2000)] })), code: "CSR_MALFORMED" },
    { label: "trailing garbage after the DER", body: pemOf(buildCsr({ trailing: Buffer.from("garbage") })), code: "CSR_MALFORMED" },
    { label: "trailing PEM block after the CSR", body: Buffer.from(good.pem + csrPem(buildCsr())), code: "CSR_MALFORMED" },
    { label: "extensionRequest cA:TRUE", body: pemOf(buildCsr({ attributes: [extensionRequest([CA_TRUE])] })), code: "CSR_EXTENSION_REFUSED" },
    { label: "extensionRequest keyCertSign", body: pemOf(buildCsr({ attributes: [extensionRequest([KEY_CERT_SIGN])] })), code: "CSR_EXTENSION_REFUSED" },
    { label: "extensionRequest unknown critical", body: pemOf(buildCsr({ attributes: [extensionRequest([UNKNOWN_CRITICAL])] })), code: "CSR_EXTENSION_REFUSED" },
  ];
}
