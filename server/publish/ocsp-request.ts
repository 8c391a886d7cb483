// Parses an untrusted OCSPRequest (RFC 6960 4.1.1) into CertIDs and the nonce; it decides nothing about status and never verifies request signatures.
import {
  children,
  DerCursor,
  DerError,
  type DerNode,
  encodedOf,
  parseDer,
  readBoolean,
  readIntegerHex,
  readNull,
  readOctetString,
  readOid,
  readSmallInteger,
} from "../asn1/der-reader";
import { oid } from "../asn1/der-writer";
import { OID_PKIX_OCSP_NONCE, OID_SHA1, OID_SHA256, OID_SHA384, OID_SHA512 } from "../asn1/oids";

export type OcspHashAlgorithm = "sha1" | "sha256" | "sha384" | "sha512";

export interface OcspCertId {
  hashAlgorithm: OcspHashAlgorithm;
  /** Hash of the issuer's DN DER (RFC 6960 4.1.1). */
  issuerNameHash: Buffer;
  /** Hash of the issuer's subjectPublicKey BIT STRING contents. */
  issuerKeyHash: Buffer;
  /** Lowercase hex, minimal, no leading zeros ("0" for zero). */
  serialHex: string;
  /** The exact CertID DER as received, to echo in the SingleResponse (RFC 6960 4.2.1). */
  der: Buffer;
}

export interface OcspRequest {
  certIds: OcspCertId[];
  /**
   * The nonce extension's extnValue contents exactly as received (for RFC 8954 clients such
   * as openssl: the DER of the inner OCTET STRING, e.g. 04 10 <16 octets>), or null.
   * Pass it unchanged as `nonceExtension` to encodeOcspSuccess to echo it (RFC 6960 4.4.1).
   */
  nonce: Buffer | null;
}

export interface OcspRequestLimits {
  maxCertIds: number;
}

export type OcspRequestErrorReason = "malformed" | "unsupportedHash";

/** The request cannot be answered: "malformed" → malformedRequest; "unsupportedHash" → the caller's choice (e.g. malformedRequest or unknown). */
export class OcspRequestError extends Error {
  readonly code = "OCSP_REQUEST_INVALID" as const;
  constructor(
    readonly reason: OcspRequestErrorReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "OcspRequestError";
  }
}

const HASHES: ReadonlyMap<string, { name: OcspHashAlgorithm; size: number }> = new Map([
  [OID_SHA1, { name: "sha1", size: 20 }],
  [OID_SHA256, { name: "sha256", size: 32 }],
  [OID_SHA384, { name: "sha384", size: 48 }],
  [OID_SHA512, { name: "sha512", size: 64 }],
]);

/** RFC 8954 2.1: Nonce ::= OCTET STRING (SIZE(1..32)). */
const NONCE_MIN = 1;
const NONCE_MAX = 32;

function malformed(what: string): OcspRequestError {
  return new OcspRequestError("malformed", `malformed OCSP request: ${what}`);
}

/** CertID ::= SEQUENCE { hashAlgorithm, issuerNameHash, issuerKeyHash, serialNumber } (RFC 6960 4.1.1). */
function parseCertId(buf: Buffer, node: DerNode): OcspCertId {
  const c = new DerCursor(buf, node);
  const algorithm = c.expect(0x30, "CertID.hashAlgorithm");
  const a = new DerCursor(buf, algorithm);
  const hashOid = readOid(buf, a.expect(0x06, "hashAlgorithm.algorithm"));
  // Parameters: absent or NULL for the SHA family (RFC 5754 2: both must be accepted).
  const params = a.optional(0x05);
  if (params) readNull(buf, params);
  a.finish("hashAlgorithm");
  const nameHash = readOctetString(buf, c.expect(0x04, "CertID.issuerNameHash"));
  const keyHash = readOctetString(buf, c.expect(0x04, "CertID.issuerKeyHash"));
  const serialNode = c.expect(0x02, "CertID.serialNumber");
  c.finish("CertID");
  const hash = HASHES.get(hashOid);
  if (!hash) throw new OcspRequestError("unsupportedHash", `unsupported CertID hash algorithm ${hashOid}`);
  if (nameHash.length !== hash.size || keyHash.length !== hash.size) throw malformed(`CertID hash lengths do not match ${hash.name}`);
  let serialHex: string;
  try {
    serialHex = readIntegerHex(buf, serialNode);
  } catch (e) {
    throw malformed(`CertID.serialNumber: ${(e as Error).message}`);
  }
  return {
    hashAlgorithm: hash.name,
    issuerNameHash: Buffer.from(nameHash),
    issuerKeyHash: Buffer.from(keyHash),
    serialHex,
    der: Buffer.from(encodedOf(buf, node)),
  };
}

/**
 * Extensions ::= SEQUENCE SIZE (1..MAX) OF Extension (RFC 5280 4.1). Returns extnValue contents
 * by OID. RFC 6960 4.4: unrecognized extensions are ignored unless critical; RFC 5280 4.2: no OID twice.
 */
function parseExtensions(buf: Buffer, node: DerNode, known: ReadonlySet<string>): Map<string, Buffer> {
  const list = children(buf, node);
  if (list.length === 0) throw malformed("empty Extensions");
  const out = new Map<string, Buffer>();
  const seen = new Set<string>();
  for (const ext of list) {
    if (ext.identifier !== 0x30) throw malformed("Extension is not a SEQUENCE");
    const c = new DerCursor(buf, ext);
    const id = readOid(buf, c.expect(0x06, "extnID"));
    const criticalNode = c.optional(0x01);
    const critical = criticalNode ? readBoolean(buf, criticalNode) : false;
    const value = readOctetString(buf, c.expect(0x04, "extnValue"));
    c.finish("Extension");
    if (seen.has(id)) throw malformed(`extension ${id} appears twice`);
    seen.add(id);
    if (known.has(id)) out.set(id, value);
    else if (critical) throw malformed(`unrecognized critical extension ${id}`);
  }
  return out;
}

const REQUEST_EXTENSIONS: ReadonlySet<string> = new Set([OID_PKIX_OCSP_NONCE]);
const NO_EXTENSIONS: ReadonlySet<string> = new Set();

/** Checks the nonce (RFC 8954 2.1) and returns the extnValue contents to echo. */
function checkNonce(value: Buffer): Buffer {
  let inner: DerNode;
  try {
    inner = parseDer(value);
  } catch (e) {
    throw malformed(`nonce extnValue is not an OCTET STRING (RFC 8954): ${(e as Error).message}`);
  }
  if (inner.identifier !== 0x04) throw malformed("nonce extnValue is not an OCTET STRING (RFC 8954)");
  const size = inner.end - inner.headerEnd;
  if (size < NONCE_MIN || size > NONCE_MAX) throw malformed(`nonce of ${size} octets (RFC 8954: 1..32)`);
  return Buffer.from(value);
}

function parseTbsRequest(buf: Buffer, tbs: DerNode, limits: OcspRequestLimits): OcspRequest {
  // TBSRequest ::= SEQUENCE { version [0] EXPLICIT DEFAULT v1, requestorName [1] EXPLICIT OPTIONAL,
  //                           requestList SEQUENCE OF Request, requestExtensions [2] EXPLICIT OPTIONAL }
  const c = new DerCursor(buf, tbs);
  const version = c.optional(0xa0);
  if (version) {
    // DER omits DEFAULT values, but some clients send v1 explicitly; accept only v1 (0).
    const [v, ...rest] = children(buf, version);
    if (!v || rest.length > 0 || readSmallInteger(buf, v) !== 0) throw malformed("unsupported version");
  }
  const requestor = c.optional(0xa1);
  if (requestor && children(buf, requestor).length !== 1) throw malformed("requestorName is not one GeneralName");
  const list = c.expect(0x30, "requestList");
  const extsWrapper = c.optional(0xa2);
  c.finish("TBSRequest");

  const requests = children(buf, list);
  if (requests.length === 0) throw malformed("empty requestList");
  if (requests.length > limits.maxCertIds) throw malformed(`${requests.length} CertIDs (limit ${limits.maxCertIds})`);
  const certIds: OcspCertId[] = [];
  for (const req of requests) {
    // Request ::= SEQUENCE { reqCert CertID, singleRequestExtensions [0] EXPLICIT Extensions OPTIONAL }
    if (req.identifier !== 0x30) throw malformed("Request is not a SEQUENCE");
    const r = new DerCursor(buf, req);
    const certIdNode = r.expect(0x30, "reqCert");
    const single = r.optional(0xa0);
    r.finish("Request");
    if (single) parseExtensions(buf, onlyChild(buf, single, 0x30, "singleRequestExtensions"), NO_EXTENSIONS);
    certIds.push(parseCertId(buf, certIdNode));
  }

  let nonce: Buffer | null = null;
  if (extsWrapper) {
    const exts = parseExtensions(buf, onlyChild(buf, extsWrapper, 0x30, "requestExtensions"), REQUEST_EXTENSIONS);
    const value = exts.get(OID_PKIX_OCSP_NONCE);
    if (value) nonce = checkNonce(value);
  }
  return { certIds, nonce };
}

function onlyChild(buf: Buffer, wrapper: DerNode, identifier: number, what: string): DerNode {
  const list = children(buf, wrapper);
  if (list.length !== 1 || list[0]!.identifier !== identifier) throw malformed(`${what} has the wrong shape`);
  return list[0]!;
}

// The hash OIDs as DER TLVs, for the single-CertID fast path.
const HASH_OID_DER: ReadonlyArray<{ der: Buffer; name: OcspHashAlgorithm; size: number }> = [...HASHES].map(([dotted, h]) => ({ der: oid(dotted), ...h }));

/**
 * The shape nearly every relying party sends (RFC 5019 2.1: one CertID, no nonce, no
 * signature, DER short-form lengths throughout), read at fixed offsets without building
 * a node tree: the pre-signed answer path spent more time here than in its cache lookup.
 * Anything else, including anything malformed, returns null and goes through the full
 * parser below, so what is refused and why does not depend on this path; what it accepts
 * the full parser accepts with the same result (test/unit/publish/ocsp-request.test.ts).
 */
export function parseSingleCertIdRequest(der: Buffer): OcspRequest | null {
  const n = der.length;
  // OCSPRequest, TBSRequest, requestList, Request, CertID: each the only element of its parent.
  let p = 0;
  for (let depth = 0; depth < 5; depth++) {
    if (der[p] !== 0x30 || der[p + 1]! >= 0x80 || p + 2 + der[p + 1]! !== n) return null;
    p += 2;
  }
  const certIdStart = p - 2;
  // hashAlgorithm AlgorithmIdentifier: the OID, then NULL parameters or none (RFC 5754 2).
  if (der[p] !== 0x30) return null;
  const algEnd = p + 2 + der[p + 1]!;
  if (der[p + 1]! >= 0x80 || !(algEnd <= n)) return null;
  let hash: (typeof HASH_OID_DER)[number] | undefined;
  for (const h of HASH_OID_DER) {
    if (p + 2 + h.der.length <= algEnd && der.compare(h.der, 0, h.der.length, p + 2, p + 2 + h.der.length) === 0) {
      hash = h;
      break;
    }
  }
  if (!hash) return null;
  const paramsAt = p + 2 + hash.der.length;
  if (!(paramsAt === algEnd || (paramsAt + 2 === algEnd && der[paramsAt] === 0x05 && der[paramsAt + 1] === 0x00))) return null;
  // issuerNameHash, issuerKeyHash: OCTET STRINGs of the hash's size.
  const nameAt = algEnd;
  const keyAt = nameAt + 2 + hash.size;
  const serialAt = keyAt + 2 + hash.size;
  if (der[nameAt] !== 0x04 || der[nameAt + 1] !== hash.size || der[keyAt] !== 0x04 || der[keyAt + 1] !== hash.size) return null;
  // serialNumber: a non-negative INTEGER in minimal form (X.690 8.3.2), ending the request.
  const serialLength = der[serialAt + 1]!;
  const first = der[serialAt + 2]!;
  if (der[serialAt] !== 0x02 || serialLength === 0 || serialLength >= 0x80 || serialAt + 2 + serialLength !== n) return null;
  if (first >= 0x80 || (first === 0 && serialLength > 1 && der[serialAt + 3]! < 0x80)) return null;
  const hex = der.toString("hex", serialAt + 2, n);
  let i = 0;
  while (i < hex.length - 1 && hex.charCodeAt(i) === 48) i++;
  return {
    certIds: [
      {
        hashAlgorithm: hash.name,
        issuerNameHash: Buffer.from(der.subarray(nameAt + 2, keyAt)),
        issuerKeyHash: Buffer.from(der.subarray(keyAt + 2, serialAt)),
        serialHex: i ? hex.slice(i) : hex,
        der: Buffer.from(der.subarray(certIdStart, n)),
      },
    ],
    nonce: null,
  };
}

/**
 * OCSPRequest ::= SEQUENCE { tbsRequest TBSRequest, optionalSignature [0] EXPLICIT Signature OPTIONAL }.
 * The signature, if any, is checked for shape only: this responder does not require signed requests.
 */
export function parseOcspRequest(der: Buffer, limits: OcspRequestLimits = { maxCertIds: 1000 }): OcspRequest {
  return (limits.maxCertIds >= 1 ? parseSingleCertIdRequest(der) : null) ?? parseOcspRequestFully(der, limits);
}

/** parseOcspRequest without the single-CertID fast path: every field through the DER reader. */
export function parseOcspRequestFully(der: Buffer, limits: OcspRequestLimits = { maxCertIds: 1000 }): OcspRequest {
  try {
    const root = parseDer(der);
    if (root.identifier !== 0x30) throw malformed("not a SEQUENCE");
    const c = new DerCursor(der, root);
    const tbs = c.expect(0x30, "tbsRequest");
    const signature = c.optional(0xa0);
    c.finish("OCSPRequest");
    if (signature) onlyChild(der, signature, 0x30, "optionalSignature");
    return parseTbsRequest(der, tbs, limits);
  } catch (e) {
    if (e instanceof OcspRequestError) throw e;
    if (e instanceof DerError) throw new OcspRequestError("malformed", `malformed OCSP request: ${e.message}`, { cause: e });
    throw e;
  }
}
