// Streams a signed X.509 v2 CRL (RFC 5280 5.1) into DER chunks; it gets bytes signed through a Signer and never sees keys, files or the database.
import type { Signer } from "../ca/signer";
import * as der from "../asn1/der-writer";
import { parseDer } from "../asn1/der-reader";
import { OID_AUTHORITY_KEY_IDENTIFIER, OID_CRL_NUMBER, OID_CRL_REASON, OID_INVALIDITY_DATE } from "../asn1/oids";

// Bound once: tsx/esbuild compile named imports into getter calls, which cost ~0.6 s per
// million entries in the hot loop below.
const { bitString, explicit, encodeTime, header, headerLength, implicit, integer, octetString, oid, sequence, TAG_SEQUENCE } = der;

export interface CrlInput {
  /** The issuer Name DER, byte-for-byte the subject of the CA certificate (RFC 5280 5.1.2.3). */
  issuerNameDer: Buffer;
  /** keyIdentifier of the authorityKeyIdentifier extension: the CA certificate's subjectKeyIdentifier (RFC 5280 5.2.1). */
  authorityKeyId: Buffer;
  /** Monotonically increasing, non-negative, at most 20 octets (RFC 5280 5.2.3). */
  crlNumber: number | bigint;
  thisUpdate: Date;
  nextUpdate: Date;
  /** Revoked certificates, in packed text pages (e.g. pages of a database query, crl-store revokedEntries). */
  entries: AsyncIterable<PackedCrlEntries> | Iterable<PackedCrlEntries>;
}

/**
 * A page of revoked entries as the store selects them, one line per entry, without an
 * object or a Date per entry (the cost of a 1M-entry CRL was in building those):
 *   "<serial lowercase hex> <CRLReason> <revocationDate> [<invalidityDate>]" joined by "\n",
 * both times in the store's fixed form "YYYY-MM-DDTHH:MM:SSZ" (UTC, whole seconds); an
 * absent invalidityDate leaves the line ending in a space. `count` is how many lines the
 * store selected: the encoder refuses a page whose line count differs.
 */
export interface PackedCrlEntries {
  packed: string;
  count: number;
}

export interface EncodedCrl {
  /** The CertificateList DER, in order; concatenate or write them one after another. */
  chunks: Buffer[];
  /** Total byte length of the chunks. */
  length: number;
  /** How many revokedCertificates entries the CRL lists. */
  entryCount: number;
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

// Years 0000..9999: what GeneralizedTime can carry (RFC 5280 4.1.2.5.2).
const MIN_MS = -62167219200000; // 0000-01-01T00:00:00Z
const MAX_MS = 253402300799999; // 9999-12-31T23:59:59.999Z

function checkDate(d: unknown, what: string): Date {
  if (!(d instanceof Date)) throw new CrlInputError(`${what} is not a valid Date`);
  const ms = d.getTime();
  if (!(ms >= MIN_MS && ms <= MAX_MS)) throw new CrlInputError(`${what} is not a valid Date in years 0000..9999`);
  return d;
}

// ---------------------------------------------------------------------------
// Packed text pages (PackedCrlEntries): one pass over the characters, writing DER
// into a reused scratch buffer; the page's bytes are then copied out once.

/** Largest entry: SEQUENCE header 2, INTEGER 2 + 21, GeneralizedTime 17, extensions 2 + 12 + 26. */
const MAX_PACKED_ENTRY = 2 + 23 + 17 + 2 + REASON_EXT_LEN + INVALIDITY_EXT_LEN;
// By UTF-16 code unit (a full table, as der-writer's): -1 for anything but [0-9a-f], so OR-ing a run is negative iff one is not.
const HEX = new Int8Array(65536).fill(-1);
for (let i = 0; i < 10; i++) HEX[48 + i] = i;
for (let i = 0; i < 6; i++) HEX[97 + i] = 10 + i;
const DAYS_IN_MONTH = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
let packedScratch = Buffer.allocUnsafe(0);

function packedFailure(text: string, at: number, why: string): CrlInputError {
  const end = text.indexOf("\n", at);
  const start = text.lastIndexOf("\n", at - 1) + 1;
  return new CrlInputError(`CRL entry ${JSON.stringify(text.slice(start, end < 0 ? text.length : end))}: ${why}`);
}

/** Two decimal digits at text[i..i+1], or -1. */
function two(text: string, i: number): number {
  const a = text.charCodeAt(i) - 48;
  const b = text.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/**
 * Writes the time "YYYY-MM-DDTHH:MM:SSZ" at text[i] as DER: UTCTime for 1950..2049 unless
 * `generalized`, else GeneralizedTime (RFC 5280 4.1.2.5, 5.1.2.6, 5.3.2). Returns the new
 * offset, or -1 when the text is not a valid time of that form.
 */
function writePackedTime(out: Buffer, off: number, text: string, i: number, generalized: boolean): number {
  const century = two(text, i);
  const yy = two(text, i + 2);
  const month = two(text, i + 5);
  const day = two(text, i + 8);
  const hour = two(text, i + 11);
  const minute = two(text, i + 14);
  const second = two(text, i + 17);
  if (
    text.charCodeAt(i + 4) !== 45 || text.charCodeAt(i + 7) !== 45 || text.charCodeAt(i + 10) !== 84 ||
    text.charCodeAt(i + 13) !== 58 || text.charCodeAt(i + 16) !== 58 || text.charCodeAt(i + 19) !== 90 ||
    (century | yy | hour | minute | second) < 0 || hour > 23 || minute > 59 || second > 59 || month < 1 || month > 12 || day < 1
  ) return -1;
  const year = century * 100 + yy;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  if (day > (month === 2 && leap ? 29 : DAYS_IN_MONTH[month]!)) return -1;
  const utc = !generalized && year >= 1950 && year <= 2049;
  out[off++] = utc ? 0x17 : 0x18;
  out[off++] = utc ? 13 : 15;
  if (!utc) {
    out[off++] = text.charCodeAt(i);
    out[off++] = text.charCodeAt(i + 1);
  }
  out[off++] = text.charCodeAt(i + 2);
  out[off++] = text.charCodeAt(i + 3);
  for (let k = i + 5; k < i + 19; k += 3) {
    out[off++] = text.charCodeAt(k);
    out[off++] = text.charCodeAt(k + 1);
  }
  out[off++] = 90; // Z
  return off;
}

/**
 * The revokedCertificates entries of one packed page (see PackedCrlEntries), as a single buffer:
 *   SEQUENCE { userCertificate, revocationDate Time, crlEntryExtensions Extensions OPTIONAL } (RFC 5280 5.1)
 */
function encodePacked(page: PackedCrlEntries): Buffer {
  const text = page.packed;
  const n = text.length;
  const need = page.count * MAX_PACKED_ENTRY;
  if (packedScratch.length < need) packedScratch = Buffer.allocUnsafe(need);
  const out = packedScratch;
  let off = 0;
  let lines = 0;
  let i = 0;
  while (i < n) {
    if (++lines > page.count) throw new CrlInputError(`CRL page holds more than the ${page.count} entries the store counted`);
    const entryStart = off;
    off += 2; // SEQUENCE header: every entry is shorter than 128 octets (MAX_PACKED_ENTRY)
    // userCertificate: the serial as a non-negative INTEGER (RFC 5280 4.1.2.2).
    const end = text.indexOf(" ", i);
    if (end < 0) throw packedFailure(text, i, "not \"serial reason revokedAt [invalidityDate]\"");
    let first = i;
    while (first < end - 1 && text.charCodeAt(first) === 48) first++;
    const digits = end - first;
    if (digits === 0) throw packedFailure(text, i, "empty serial");
    const top = HEX[text.charCodeAt(first)]!;
    const odd = (digits & 1) === 1;
    const pad = !odd && top >= 8;
    const octets = (digits + 1) >> 1;
    // A 0x00 sign octet may come on top (MAX_PACKED_ENTRY counts it).
    if (octets > 20) throw packedFailure(text, i, "serial longer than 20 octets (RFC 5280 4.1.2.2)");
    out[off++] = 0x02;
    out[off++] = octets + (pad ? 1 : 0);
    let bits = top;
    let k = first;
    if (odd) {
      out[off++] = top;
      k++;
    } else if (pad) {
      out[off++] = 0;
    }
    for (; k < end; k += 2) {
      const hi = HEX[text.charCodeAt(k)]!;
      const lo = HEX[text.charCodeAt(k + 1)]!;
      bits |= hi | lo;
      out[off++] = (hi << 4) | lo;
    }
    if (bits < 0) throw packedFailure(text, i, "serial is not lowercase hex");
    // CRLReason (RFC 5280 5.3.1).
    i = end + 1;
    let reason = 0;
    let c = text.charCodeAt(i);
    if (!(c >= 48 && c <= 57)) throw packedFailure(text, i, "no CRLReason");
    while (c >= 48 && c <= 57 && reason < 100) {
      reason = reason * 10 + (c - 48);
      c = text.charCodeAt(++i);
    }
    if (c !== 32) throw packedFailure(text, i, "no revocationDate");
    assertPublishableReason(reason);
    // revocationDate (5.1.2.6: Time, as thisUpdate).
    i++;
    off = writePackedTime(out, off, text, i, false);
    if (off < 0) throw packedFailure(text, i, "revocationDate is not YYYY-MM-DDTHH:MM:SSZ");
    i += 20;
    if (text.charCodeAt(i) !== 32) throw packedFailure(text, i, "no separator after revocationDate");
    i++;
    const hasInvalidity = i < n && text.charCodeAt(i) !== 10;
    const hasReason = reason !== 0; // 5.3.1: SHOULD omit reasonCode rather than use unspecified (0)
    if (hasReason || hasInvalidity) {
      out[off++] = TAG_SEQUENCE;
      out[off++] = (hasReason ? REASON_EXT_LEN : 0) + (hasInvalidity ? INVALIDITY_EXT_LEN : 0);
      if (hasReason) {
        off += REASON_EXT_PREFIX.copy(out, off);
        out[off++] = reason;
      }
      if (hasInvalidity) {
        off += INVALIDITY_EXT_PREFIX.copy(out, off);
        off = writePackedTime(out, off, text, i, true); // 5.3.2: always GeneralizedTime
        if (off < 0) throw packedFailure(text, i, "invalidityDate is not YYYY-MM-DDTHH:MM:SSZ");
        i += 20;
      }
    }
    if (i < n && text.charCodeAt(i) !== 10) throw packedFailure(text, i, "trailing characters");
    i++;
    out[entryStart] = TAG_SEQUENCE;
    out[entryStart + 1] = off - entryStart - 2;
  }
  if (lines !== page.count) throw new CrlInputError(`CRL page holds ${lines} entries, the store counted ${page.count}`);
  return Buffer.from(out.subarray(0, off));
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
 * Entries are encoded page by page; the lengths are written last and the TBS is signed
 * from its chunks, so the CRL is never copied into one buffer.
 */
export async function encodeCrl(input: CrlInput, signer: Signer): Promise<EncodedCrl> {
  checkInput(input);
  const batches: Buffer[] = [];
  let revokedLength = 0;
  let entryCount = 0;
  for await (const page of input.entries) {
    if (page.count === 0) continue;
    const encoded = encodePacked(page);
    batches.push(encoded);
    revokedLength += encoded.length;
    entryCount += page.count;
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
  return { chunks, length: outerHeader.length + outerContentLength, entryCount };
}

/** PEM with the "X509 CRL" label (RFC 7468 6). */
export function crlPem(der: Buffer): string {
  const b64 = der.toString("base64");
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 64) lines.push(b64.slice(i, i + 64));
  return `-----BEGIN X509 CRL-----\n${lines.join("\n")}\n-----END X509 CRL-----\n`;
}
