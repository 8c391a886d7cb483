// DER encoding primitives (X.690 clause 10/11): builds TLVs into Buffers; knows no PKI structures and never parses.
//
// Two styles:
//  - allocating helpers (tlv, sequence, integer, oid, …) return a fresh or cached Buffer;
//  - "size + write" pairs (integerHexLength/writeIntegerHex, writeTime, writeHeader, …)
//    write straight into a caller's Buffer, for the hot loop of a million-entry CRL.
// Buffers returned from caches (oid, NULL_DER, small integers) are shared: never mutate them.
// The time encoders (and their two tags) live in der-time.ts and are re-exported from here.

export * from "./der-time";

// ---------------------------------------------------------------------------
// Tags (X.690 8.1.2)

export const TAG_BOOLEAN = 0x01;
export const TAG_INTEGER = 0x02;
export const TAG_BIT_STRING = 0x03;
export const TAG_OCTET_STRING = 0x04;
export const TAG_NULL = 0x05;
export const TAG_OID = 0x06;
export const TAG_ENUMERATED = 0x0a;
export const TAG_SEQUENCE = 0x30;
export const TAG_SET = 0x31;

function checkTag(tag: number): void {
  // Single-octet identifiers only: tag numbers >= 31 need the long form, which nothing here uses.
  if (!Number.isInteger(tag) || tag < 0 || tag > 0xff || (tag & 0x1f) === 0x1f) {
    throw new RangeError(`DER tag ${tag} is not a single-octet identifier`);
  }
}

function checkContextNumber(n: number): void {
  if (!Number.isInteger(n) || n < 0 || n > 30) throw new RangeError(`context tag number ${n} out of range 0..30`);
}

// ---------------------------------------------------------------------------
// Lengths (X.690 8.1.3, 10.1: definite form, minimal number of octets)

/** Number of octets the length field takes for a content of `len` octets. */
export function lengthOfLength(len: number): number {
  if (len < 0x80) return 1;
  if (len < 0x100) return 2;
  if (len < 0x10000) return 3;
  if (len < 0x1000000) return 4;
  if (len < 0x100000000) return 5;
  if (!Number.isSafeInteger(len)) throw new RangeError(`DER length ${len} is not a safe integer`);
  let n = 1;
  for (let v = len; v >= 1; v = Math.floor(v / 256)) n++;
  return n;
}

/** Writes the length field at `off`; returns the offset after it. */
export function writeLength(buf: Buffer, off: number, len: number): number {
  if (len < 0x80) {
    buf[off] = len;
    return off + 1;
  }
  const n = lengthOfLength(len) - 1;
  buf[off] = 0x80 | n;
  let v = len;
  for (let i = n; i >= 1; i--) {
    buf[off + i] = v % 256;
    v = Math.floor(v / 256);
  }
  return off + 1 + n;
}

export function encodeLength(len: number): Buffer {
  if (!Number.isSafeInteger(len) || len < 0) throw new RangeError(`DER length ${len} invalid`);
  const out = Buffer.allocUnsafe(lengthOfLength(len));
  writeLength(out, 0, len);
  return out;
}

/** Size of identifier + length octets for a content of `len` octets. */
export function headerLength(len: number): number {
  return 1 + lengthOfLength(len);
}

/** Writes identifier + length at `off`; returns the offset of the content. */
export function writeHeader(buf: Buffer, off: number, tag: number, len: number): number {
  buf[off] = tag;
  return writeLength(buf, off + 1, len);
}

/** Identifier + length octets alone, for streaming a content that is kept as separate chunks. */
export function header(tag: number, len: number): Buffer {
  checkTag(tag);
  if (!Number.isSafeInteger(len) || len < 0) throw new RangeError(`DER length ${len} invalid`);
  const out = Buffer.allocUnsafe(headerLength(len));
  writeHeader(out, 0, tag, len);
  return out;
}

// ---------------------------------------------------------------------------
// Generic TLVs

export function tlv(tag: number, content: Buffer | readonly Buffer[]): Buffer {
  checkTag(tag);
  if (Buffer.isBuffer(content)) {
    const out = Buffer.allocUnsafe(headerLength(content.length) + content.length);
    content.copy(out, writeHeader(out, 0, tag, content.length));
    return out;
  }
  let len = 0;
  for (const part of content) len += part.length;
  const out = Buffer.allocUnsafe(headerLength(len) + len);
  let off = writeHeader(out, 0, tag, len);
  for (const part of content) off += part.copy(out, off);
  return out;
}

export function sequence(parts: Buffer | readonly Buffer[]): Buffer {
  return tlv(TAG_SEQUENCE, parts);
}

/**
 * SET / SET OF: DER orders the elements by their encodings compared as octet
 * strings (X.690 11.6), which for distinct single-octet tags is also tag order (X.690 10.3).
 */
export function set(parts: readonly Buffer[]): Buffer {
  return tlv(TAG_SET, [...parts].sort(Buffer.compare));
}

/** [n] EXPLICIT: a constructed context-specific tag around complete TLV(s) (X.690 8.14.2). */
export function explicit(n: number, inner: Buffer | readonly Buffer[]): Buffer {
  checkContextNumber(n);
  return tlv(0xa0 | n, inner);
}

/**
 * [n] IMPLICIT: replaces the identifier of the underlying type (X.690 8.14.3).
 * `content` is the CONTENT octets of the underlying type; `constructed` must match it
 * (SEQUENCE/SET → true, NULL/OCTET STRING/… → false).
 */
export function implicit(n: number, content: Buffer | readonly Buffer[], constructed: boolean): Buffer {
  checkContextNumber(n);
  return tlv((constructed ? 0xa0 : 0x80) | n, content);
}

// ---------------------------------------------------------------------------
// Simple types

export const NULL_DER: Buffer = Buffer.from([TAG_NULL, 0x00]);
const TRUE_DER = Buffer.from([TAG_BOOLEAN, 0x01, 0xff]); // X.690 11.1: TRUE is 0xFF
const FALSE_DER = Buffer.from([TAG_BOOLEAN, 0x01, 0x00]);

export function boolean(value: boolean): Buffer {
  return value ? TRUE_DER : FALSE_DER;
}

export function octetString(content: Buffer): Buffer {
  return tlv(TAG_OCTET_STRING, content);
}

/** BIT STRING (X.690 8.6, 11.2): unused bits must be zero in DER. */
export function bitString(content: Buffer, unusedBits = 0): Buffer {
  if (!Number.isInteger(unusedBits) || unusedBits < 0 || unusedBits > 7) throw new RangeError(`unused bits ${unusedBits} out of range 0..7`);
  if (unusedBits !== 0) {
    if (content.length === 0) throw new RangeError("empty BIT STRING cannot have unused bits");
    if ((content[content.length - 1]! & ((1 << unusedBits) - 1)) !== 0) throw new RangeError("BIT STRING unused bits must be zero (X.690 11.2.1)");
  }
  const out = Buffer.allocUnsafe(headerLength(content.length + 1) + content.length + 1);
  let off = writeHeader(out, 0, TAG_BIT_STRING, content.length + 1);
  out[off++] = unusedBits;
  content.copy(out, off);
  return out;
}

// ---------------------------------------------------------------------------
// INTEGER / ENUMERATED (X.690 8.3: two's complement, minimal octets)

const SMALL_INTEGERS: Buffer[] = [];
const SMALL_ENUMERATEDS: Buffer[] = [];
for (let i = 0; i < 128; i++) {
  SMALL_INTEGERS.push(Buffer.from([TAG_INTEGER, 1, i]));
  SMALL_ENUMERATEDS.push(Buffer.from([TAG_ENUMERATED, 1, i]));
}

/** Minimal two's-complement content octets of `value`. */
function twosComplement(value: bigint): Buffer {
  if (value >= 0n) {
    let hex = value.toString(16);
    if (hex.length % 2) hex = "0" + hex;
    if (parseInt(hex.slice(0, 2), 16) >= 0x80) hex = "00" + hex;
    return Buffer.from(hex, "hex");
  }
  // Smallest n with -2^(8n-1) <= value.
  let n = 1;
  while (value < -(1n << BigInt(8 * n - 1))) n++;
  const hex = ((1n << BigInt(8 * n)) + value).toString(16).padStart(2 * n, "0");
  return Buffer.from(hex, "hex");
}

function integerLike(tag: number, cache: Buffer[], value: number | bigint): Buffer {
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) throw new RangeError(`INTEGER ${value} is not a safe integer (pass a bigint)`);
    if (value >= 0 && value < 128) return cache[value]!;
  }
  return tlv(tag, twosComplement(BigInt(value)));
}

export function integer(value: number | bigint): Buffer {
  return integerLike(TAG_INTEGER, SMALL_INTEGERS, value);
}

export function enumerated(value: number | bigint): Buffer {
  return integerLike(TAG_ENUMERATED, SMALL_ENUMERATEDS, value);
}

// Hex digit value by UTF-16 code unit, -1 for anything that is not [0-9a-f]. Uppercase is refused
// on purpose: serials are stored lowercase, so an uppercase one signals a bug upstream. A full
// 64 Ki table (64 KiB) makes the lookup branch-free; -1 has every bit set, so OR-ing the values
// of a run of digits is negative iff one of them is not a digit.
const HEX_VALUE = new Int8Array(65536).fill(-1);
for (let i = 0; i < 10; i++) HEX_VALUE[48 + i] = i;
for (let i = 0; i < 6; i++) HEX_VALUE[97 + i] = 10 + i;

function notHex(hex: string): never {
  throw new RangeError(`serial ${JSON.stringify(hex)} is not lowercase hex`);
}

/** Index of the first significant digit (leading zeros skipped; "0…0" keeps its last digit). */
function firstSignificant(hex: string): number {
  if (hex.length === 0) throw new RangeError("empty hex INTEGER");
  let i = 0;
  while (i < hex.length - 1 && hex.charCodeAt(i) === 48) i++;
  return i;
}

/**
 * Content length of the INTEGER for a non-negative hex value (with the 0x00 pad when the top
 * bit is set). Validates every digit, so a size pass can reject input before anything is written.
 */
function integerHexContentLength(hex: string): number {
  const start = firstSignificant(hex);
  let bits = 0;
  for (let i = start; i < hex.length; i++) bits |= HEX_VALUE[hex.charCodeAt(i)]!;
  if (bits < 0) notHex(hex);
  const digits = hex.length - start;
  const pad = (digits & 1) === 0 && HEX_VALUE[hex.charCodeAt(start)]! >= 8 ? 1 : 0;
  return ((digits + 1) >> 1) + pad;
}

/** Total encoded size (identifier + length + content) of writeIntegerHex(hex); validates hex. */
export function integerHexLength(hex: string): number {
  const len = integerHexContentLength(hex);
  return headerLength(len) + len;
}

/**
 * Writes a non-negative INTEGER from lowercase hex (e.g. a certificate serial, RFC 5280 4.1.2.2):
 * leading zero digits dropped, 0x00 prepended when the top bit is set. Returns the offset after it.
 * One pass: on non-hex input it throws after writing, so size with integerHexLength first
 * (which validates) when a half-written buffer matters.
 */
export function writeIntegerHex(buf: Buffer, off: number, hex: string): number {
  let i = firstSignificant(hex);
  const n = hex.length;
  const digits = n - i;
  const first = HEX_VALUE[hex.charCodeAt(i)]!;
  if (first < 0) notHex(hex);
  const odd = (digits & 1) === 1;
  const pad = !odd && first >= 8;
  off = writeHeader(buf, off, TAG_INTEGER, ((digits + 1) >> 1) + (pad ? 1 : 0));
  if (odd) {
    buf[off++] = first;
    i++;
  } else if (pad) {
    buf[off++] = 0;
  }
  let bits = 0;
  for (; i < n; i += 2) {
    const hi = HEX_VALUE[hex.charCodeAt(i)]!;
    const lo = HEX_VALUE[hex.charCodeAt(i + 1)]!;
    bits |= hi | lo;
    buf[off++] = (hi << 4) | lo;
  }
  if (bits < 0) notHex(hex);
  return off;
}

export function integerFromHex(hex: string): Buffer {
  const out = Buffer.allocUnsafe(integerHexLength(hex));
  writeIntegerHex(out, 0, hex);
  return out;
}

// ---------------------------------------------------------------------------
// OBJECT IDENTIFIER (X.690 8.19), encodings cached by dotted string

const OID_CACHE = new Map<string, Buffer>();

function base128(arc: bigint, out: number[]): void {
  const groups: number[] = [Number(arc & 0x7fn)];
  for (let v = arc >> 7n; v > 0n; v >>= 7n) groups.push(Number(v & 0x7fn) | 0x80);
  for (let i = groups.length - 1; i >= 0; i--) out.push(groups[i]!);
}

export function oid(dotted: string): Buffer {
  const cached = OID_CACHE.get(dotted);
  if (cached) return cached;
  if (!/^(0|[1-9]\d*)(\.(0|[1-9]\d*))+$/.test(dotted)) throw new RangeError(`malformed OID ${JSON.stringify(dotted)}`);
  const arcs = dotted.split(".").map((a) => BigInt(a));
  const [first, second] = [arcs[0]!, arcs[1]!];
  if (first > 2n || (first < 2n && second > 39n)) throw new RangeError(`OID ${dotted}: first arcs out of range (X.660)`);
  const content: number[] = [];
  base128(first * 40n + second, content);
  for (const arc of arcs.slice(2)) base128(arc, content);
  const der = tlv(TAG_OID, Buffer.from(content));
  OID_CACHE.set(dotted, der);
  return der;
}
