// Streams a signed X.509 v2 CRL (RFC 5280 5.1) into DER chunks; it gets bytes signed through a Signer and never sees keys, files or the database.
import type { Signer } from "../ca/signer";
import * as der from "../asn1/der-writer";
import { parseDer } from "../asn1/der-reader";
import { OID_AUTHORITY_KEY_IDENTIFIER, OID_CRL_NUMBER, OID_CRL_REASON, OID_INVALIDITY_DATE } from "../asn1/oids";

// Bound once: tsx/esbuild compile named imports into getter calls, which cost ~0.6 s per
// million entries in the hot loop below.
const { bitString, explicit, encodeTime, header, headerLength, implicit, integer, integerHexLength, octetString, oid, sequence } = der;
const { TAG_SEQUENCE, timeLength, writeGeneralizedTime, writeHeader, writeIntegerHex, writeTime } = der;

export interface CrlEntry {
  /** Certificate serial, lowercase hex (RFC 5280 4.1.2.2). */
  serialHex: string;
  revokedAt: Date;
  /** CRLReason code (RFC 5280 5.3.1); 0 = unspecified. */
  reason: number;
  /** When the key is known or suspected to have been compromised (RFC 5280 5.3.2). */
  invalidityDate?: Date | null;
}

export interface CrlInput {
  /** The issuer Name DER, byte-for-byte the subject of the CA certificate (RFC 5280 5.1.2.3). */
  issuerNameDer: Buffer;
  /** keyIdentifier of the authorityKeyIdentifier extension: the CA certificate's subjectKeyIdentifier (RFC 5280 5.2.1). */
  authorityKeyId: Buffer;
  /** Monotonically increasing, non-negative, at most 20 octets (RFC 5280 5.2.3). */
  crlNumber: number | bigint;
  thisUpdate: Date;
  nextUpdate: Date;
  /** Revoked certificates, in batches (e.g. pages of a database query). */
  entries: AsyncIterable<CrlEntry[]> | Iterable<CrlEntry[]>;
}

export interface EncodedCrl {
  /** The CertificateList DER, in order; concatenate or write them one after another. */
  chunks: Buffer[];
  /** Total byte length of the chunks. */
  length: number;
}

/** A CRLReason this CA must not publish. */
export class RevocationReasonError extends Error {
  readonly code = "REASON_NOT_ALLOWED" as const;
  constructor(
    readonly reason: number,
    why: string,
  ) {
    super(`revocation reason ${reason} not allowed: ${why}`);
    this.name = "RevocationReasonError";
  }
}

/** Input that cannot make a conforming CRL (bad serial, dates, CRL number, issuer). */
export class CrlInputError extends Error {
  readonly code = "CRL_INPUT_INVALID" as const;
  constructor(message: string) {
    super(message);
    this.name = "CrlInputError";
  }
}

/**
 * CRLReason values this CA publishes (RFC 5280 5.3.1). Refused: 7 (not assigned),
 * 6 certificateHold (this regime has no suspension), 8 removeFromCRL (only
 * meaningful in delta CRLs, which we do not issue), anything outside 0..10.
 */
export function assertPublishableReason(reason: number): void {
  if (!Number.isInteger(reason) || reason < 0 || reason > 10) throw new RevocationReasonError(reason, "not a CRLReason (RFC 5280 5.3.1)");
  if (reason === 7) throw new RevocationReasonError(reason, "value 7 is not used (RFC 5280 5.3.1)");
  if (reason === 6) throw new RevocationReasonError(reason, "certificateHold: this CA does not suspend certificates");
  if (reason === 8) throw new RevocationReasonError(reason, "removeFromCRL only appears in delta CRLs (RFC 5280 5.3.1)");
}

// Precomputed extension prefixes (RFC 5280 4.1: Extension ::= SEQUENCE { extnID, critical DEFAULT FALSE, extnValue }).
// reasonCode: 30 0a 06 03 551d15 04 03 0a 01 <reason>  (critical omitted: non-critical, 5.3.1)
const REASON_EXT_PREFIX = Buffer.concat([Buffer.from([0x30, 0x0a]), oid(OID_CRL_REASON), Buffer.from([0x04, 0x03, 0x0a, 0x01])]);
const REASON_EXT_LEN = REASON_EXT_PREFIX.length + 1; // 12
// invalidityDate: 30 18 06 03 551d18 04 11 <GeneralizedTime, 17 octets>  (5.3.2: always GeneralizedTime)
const INVALIDITY_EXT_PREFIX = Buffer.concat([Buffer.from([0x30, 0x18]), oid(OID_INVALIDITY_DATE), Buffer.from([0x04, 0x11])]);
const INVALIDITY_EXT_LEN = INVALIDITY_EXT_PREFIX.length + 17; // 26

const V2 = integer(1); // Version v2 (RFC 5280 5.1.2.1: required when extensions are present)

/** Reusable per-entry content lengths for a batch. */
let contentLengths = new Int32Array(1024);

// Years 0000..9999: what GeneralizedTime can carry (RFC 5280 4.1.2.5.2).
const MIN_MS = -62167219200000; // 0000-01-01T00:00:00Z
const MAX_MS = 253402300799999; // 9999-12-31T23:59:59.999Z

function checkDate(d: unknown, what: string): Date {
  if (!(d instanceof Date)) throw new CrlInputError(`${what} is not a valid Date`);
  const ms = d.getTime();
  if (!(ms >= MIN_MS && ms <= MAX_MS)) throw new CrlInputError(`${what} is not a valid Date in years 0000..9999`);
  return d;
}

function entryFailure(entry: CrlEntry, e: unknown): Error {
  if (e instanceof RevocationReasonError || e instanceof CrlInputError) return e;
  return new CrlInputError(`CRL entry for serial ${JSON.stringify(entry.serialHex)}: ${(e as Error).message}`);
}

/**
 * revokedCertificates entries of one batch, as a single buffer:
 *   SEQUENCE { userCertificate, revocationDate Time, crlEntryExtensions Extensions OPTIONAL } (RFC 5280 5.1)
 * Two passes: sizes first (validating), then one allocation and in-place writes.
 */
function encodeBatch(batch: readonly CrlEntry[]): Buffer {
  if (contentLengths.length < batch.length) contentLengths = new Int32Array(batch.length);
  let total = 0;
  for (let i = 0; i < batch.length; i++) {
    const e = batch[i]!;
    let len: number;
    try {
      assertPublishableReason(e.reason);
      len = integerHexLength(e.serialHex) + timeLength(checkDate(e.revokedAt, "revokedAt"));
      if (e.invalidityDate != null) checkDate(e.invalidityDate, "invalidityDate");
    } catch (err) {
      throw entryFailure(e, err);
    }
    const ext = (e.reason !== 0 ? REASON_EXT_LEN : 0) + (e.invalidityDate != null ? INVALIDITY_EXT_LEN : 0);
    if (ext > 0) len += 2 + ext; // 2 = SEQUENCE header; ext < 128
    contentLengths[i] = len;
    total += headerLength(len) + len;
  }
  const out = Buffer.allocUnsafe(total);
  let off = 0;
  for (let i = 0; i < batch.length; i++) {
    const e = batch[i]!;
    off = writeHeader(out, off, TAG_SEQUENCE, contentLengths[i]!);
    off = writeIntegerHex(out, off, e.serialHex);
    off = writeTime(out, off, e.revokedAt);
    const hasReason = e.reason !== 0; // 5.3.1: SHOULD omit reasonCode rather than use unspecified (0)
    const hasInvalidity = e.invalidityDate != null;
    if (hasReason || hasInvalidity) {
      out[off++] = TAG_SEQUENCE;
      out[off++] = (hasReason ? REASON_EXT_LEN : 0) + (hasInvalidity ? INVALIDITY_EXT_LEN : 0);
      if (hasReason) {
        off += REASON_EXT_PREFIX.copy(out, off);
        out[off++] = e.reason;
      }
      if (hasInvalidity) {
        off += INVALIDITY_EXT_PREFIX.copy(out, off);
        off = writeGeneralizedTime(out, off, e.invalidityDate!);
      }
    }
  }
  if (off !== total) throw new Error(`CRL batch size mismatch: wrote ${off}, planned ${total}`);
  return out;
}

/** crlExtensions [0] EXPLICIT Extensions: authorityKeyIdentifier (5.2.1) and cRLNumber (5.2.3), both non-critical. */
function crlExtensions(authorityKeyId: Buffer, crlNumber: number | bigint): Buffer {
  // AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] IMPLICIT KeyIdentifier OPTIONAL, … } (4.2.1.1)
  const aki = sequence([oid(OID_AUTHORITY_KEY_IDENTIFIER), octetString(sequence(implicit(0, authorityKeyId, false)))]);
  const number = sequence([oid(OID_CRL_NUMBER), octetString(integer(crlNumber))]);
  return explicit(0, sequence([aki, number]));
}

function checkInput(input: CrlInput): void {
  checkDate(input.thisUpdate, "thisUpdate");
  checkDate(input.nextUpdate, "nextUpdate");
  if (Math.floor(input.nextUpdate.getTime() / 1000) <= Math.floor(input.thisUpdate.getTime() / 1000)) {
    throw new CrlInputError("nextUpdate must be later than thisUpdate (RFC 5280 5.1.2.5)");
  }
  if (typeof input.crlNumber === "number" && !Number.isSafeInteger(input.crlNumber)) throw new CrlInputError("crlNumber is not a safe integer");
  const n = BigInt(input.crlNumber);
  if (n < 0n || n >= 1n << 159n) throw new CrlInputError("crlNumber must be non-negative and fit in 20 octets (RFC 5280 5.2.3)");
  if (!Buffer.isBuffer(input.authorityKeyId) || input.authorityKeyId.length === 0) throw new CrlInputError("authorityKeyId is empty");
  try {
    const name = parseDer(input.issuerNameDer);
    if (name.identifier !== TAG_SEQUENCE) throw new CrlInputError("issuerNameDer is not a SEQUENCE (RFC 5280 4.1.2.4 Name)");
  } catch (e) {
    throw e instanceof CrlInputError ? e : new CrlInputError(`issuerNameDer: ${(e as Error).message}`);
  }
}

/**
 * CertificateList ::= SEQUENCE { tbsCertList, signatureAlgorithm, signatureValue BIT STRING } (RFC 5280 5.1).
 * Entries are encoded batch by batch; the lengths are written last and the TBS is signed
 * from its chunks, so the CRL is never copied into one buffer.
 */
export async function encodeCrl(input: CrlInput, signer: Signer): Promise<EncodedCrl> {
  checkInput(input);
  const batches: Buffer[] = [];
  let revokedLength = 0;
  for await (const batch of input.entries) {
    if (batch.length === 0) continue;
    const encoded = encodeBatch(batch);
    batches.push(encoded);
    revokedLength += encoded.length;
  }

  const head = Buffer.concat([
    V2,
    signer.algorithmIdentifier, // signature: must equal signatureAlgorithm (5.1.2.2)
    input.issuerNameDer,
    encodeTime(input.thisUpdate), // 5.1.2.4: UTCTime through 2049, then GeneralizedTime
    encodeTime(input.nextUpdate), // 5.1.2.5: conforming CAs MUST include nextUpdate
  ]);
  const tail = crlExtensions(input.authorityKeyId, input.crlNumber);
  // revokedCertificates: absent, not an empty SEQUENCE, when nothing is revoked (5.1.2.6).
  const revokedHeader = revokedLength > 0 ? [header(TAG_SEQUENCE, revokedLength)] : [];
  const tbsContent = [head, ...revokedHeader, ...batches, tail];
  const tbsContentLength = head.length + (revokedLength > 0 ? revokedHeader[0]!.length + revokedLength : 0) + tail.length;
  const tbs = [header(TAG_SEQUENCE, tbsContentLength), ...tbsContent];

  const signature = bitString(signer.sign(tbs));
  const tbsLength = headerLength(tbsContentLength) + tbsContentLength;
  const outerContentLength = tbsLength + signer.algorithmIdentifier.length + signature.length;
  const outerHeader = header(TAG_SEQUENCE, outerContentLength);
  const chunks = [outerHeader, ...tbs, signer.algorithmIdentifier, signature];
  return { chunks, length: outerHeader.length + outerContentLength };
}

/** PEM with the "X509 CRL" label (RFC 7468 6). */
export function crlPem(der: Buffer): string {
  const b64 = der.toString("base64");
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 64) lines.push(b64.slice(i, i + 64));
  return `-----BEGIN X509 CRL-----\n${lines.join("\n")}\n-----END X509 CRL-----\n`;
}
