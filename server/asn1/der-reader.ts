// Strict DER reader (X.690 clause 10): validates structure of untrusted bytes into offset-based nodes; never recurses, never copies, never builds PKI objects.
//
// parseDer() walks the whole tree once, iteratively, and rejects anything that is
// not a single well-formed DER object: indefinite or non-minimal lengths, lengths
// past the end, long-form tags, trailing bytes, constructed strings, primitive
// SEQUENCE/SET and nesting deeper than maxDepth. The typed read* helpers then
// check the content rules of each type (minimal INTEGER, OID sub-identifiers, …).
// Every failure is a DerError; no input can make it throw anything else or recurse.

export const DEFAULT_MAX_DEPTH = 32;

export class DerError extends Error {
  readonly code = "DER_MALFORMED" as const;
  /** Byte offset in the input where the problem was found. */
  readonly offset: number;
  constructor(what: string, offset: number) {
    super(`malformed DER: ${what} at offset ${offset}`);
    this.name = "DerError";
    this.offset = offset;
  }
}

export type DerClass = "universal" | "application" | "context" | "private";
const CLASSES: readonly DerClass[] = ["universal", "application", "context", "private"];
const ALWAYS_CONSTRUCTED: ReadonlySet<number> = new Set([8, 11, 16, 17, 29]);

export interface DerNode {
  /** Tag number (low five bits of the identifier; long-form tags are refused). */
  readonly tag: number;
  /** The whole identifier octet, e.g. 0x30 for SEQUENCE, 0xa0 for [0] constructed. */
  readonly identifier: number;
  readonly constructed: boolean;
  readonly class: DerClass;
  /** Offset of the identifier octet. */
  readonly start: number;
  /** Offset of the first content octet. */
  readonly headerEnd: number;
  /** Offset just past the last content octet. */
  readonly end: number;
  /** 0 for the outermost object. */
  readonly depth: number;
}

/** Reads one TLV header at `offset`, whose value must end by `limit`. */
export function readNode(buf: Buffer, offset: number, limit: number, depth = 0, maxDepth = DEFAULT_MAX_DEPTH): DerNode {
  if (depth > maxDepth) throw new DerError(`nesting deeper than ${maxDepth}`, offset);
  if (offset >= limit) throw new DerError("truncated: identifier missing", offset);
  const identifier = buf[offset]!;
  const tag = identifier & 0x1f;
  if (tag === 0x1f) throw new DerError("long-form tag", offset);
  const constructed = (identifier & 0x20) !== 0;
  const cls = CLASSES[identifier >> 6]!;
  if (cls === "universal") {
    // X.690 8.1.5 / 10.2: tag 0 is end-of-contents (only used with indefinite lengths);
    // SEQUENCE, SET, EXTERNAL, EMBEDDED PDV and CHARACTER STRING are always constructed;
    // DER encodes every other universal type (strings included) primitively.
    if (tag === 0) throw new DerError("end-of-contents / tag 0", offset);
    if (ALWAYS_CONSTRUCTED.has(tag) !== constructed) {
      throw new DerError(`universal tag ${tag} with ${constructed ? "constructed" : "primitive"} encoding`, offset);
    }
  }
  if (offset + 1 >= limit) throw new DerError("truncated: length missing", offset + 1);
  const first = buf[offset + 1]!;
  let p = offset + 2;
  let len: number;
  if (first < 0x80) {
    len = first;
  } else if (first === 0x80) {
    throw new DerError("indefinite length", offset + 1);
  } else {
    const n = first & 0x7f;
    if (n > 4) throw new DerError(`length field of ${n} octets`, offset + 1); // also 0xff (reserved, X.690 8.1.3.5)
    if (p + n > limit) throw new DerError("truncated: length octets missing", offset + 1);
    if (buf[p] === 0) throw new DerError("non-minimal length (leading zero octet)", offset + 1);
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[p + i]!;
    if (len < 0x80) throw new DerError("non-minimal length (long form for < 128)", offset + 1);
    p += n;
  }
  if (len > limit - p) throw new DerError(`length ${len} past the end (${limit - p} octets left)`, offset + 1);
  return { tag, identifier, constructed, class: cls, start: offset, headerEnd: p, end: p + len, depth };
}

/**
 * Parses and structurally validates a complete DER object occupying all of `buf`
 * (no trailing bytes). Iterative; memory is bounded by maxDepth.
 */
export function parseDer(buf: Buffer, options: { maxDepth?: number } = {}): DerNode {
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  const root = readNode(buf, 0, buf.length, 0, maxDepth);
  if (root.end !== buf.length) throw new DerError(`${buf.length - root.end} trailing bytes after the object`, root.end);
  validateTree(buf, root, maxDepth);
  return root;
}

/** Checks that every constructed node below `node` is exactly tiled by well-formed children. */
function validateTree(buf: Buffer, node: DerNode, maxDepth: number): void {
  if (!node.constructed) return;
  const ends: number[] = [node.end];
  let pos = node.headerEnd;
  while (ends.length > 0) {
    const end = ends[ends.length - 1]!;
    if (pos === end) {
      ends.pop();
      continue;
    }
    const child = readNode(buf, pos, end, node.depth + ends.length, maxDepth);
    if (child.constructed) {
      ends.push(child.end);
      pos = child.headerEnd;
    } else {
      pos = child.end;
    }
  }
}

/** The children of a constructed node, in order. */
export function children(buf: Buffer, node: DerNode, maxDepth = DEFAULT_MAX_DEPTH): DerNode[] {
  if (!node.constructed) throw new DerError("children of a primitive value", node.start);
  const out: DerNode[] = [];
  for (let pos = node.headerEnd; pos < node.end; ) {
    const child = readNode(buf, pos, node.end, node.depth + 1, maxDepth);
    out.push(child);
    pos = child.end;
  }
  return out;
}

/** Reads the fields of a constructed node one by one, with OPTIONAL/DEFAULT handling by identifier. */
export class DerCursor {
  private pos: number;
  constructor(
    private readonly buf: Buffer,
    private readonly parent: DerNode,
    private readonly maxDepth = DEFAULT_MAX_DEPTH,
  ) {
    if (!parent.constructed) throw new DerError("fields of a primitive value", parent.start);
    this.pos = parent.headerEnd;
  }

  /** The next field without consuming it, or null at the end. */
  peek(): DerNode | null {
    return this.pos < this.parent.end ? readNode(this.buf, this.pos, this.parent.end, this.parent.depth + 1, this.maxDepth) : null;
  }

  /** Consumes the next field, which must exist and carry `identifier`. */
  expect(identifier: number, what: string): DerNode {
    const node = this.peek();
    if (!node) throw new DerError(`${what} missing`, this.parent.end);
    if (node.identifier !== identifier) {
      throw new DerError(`${what}: expected identifier 0x${hex2(identifier)}, found 0x${hex2(node.identifier)}`, node.start);
    }
    this.pos = node.end;
    return node;
  }

  /** Consumes the next field if it carries `identifier` (an OPTIONAL or DEFAULT field). */
  optional(identifier: number): DerNode | null {
    const node = this.peek();
    if (!node || node.identifier !== identifier) return null;
    this.pos = node.end;
    return node;
  }

  /** Consumes the next field whatever it is. */
  any(what: string): DerNode {
    const node = this.peek();
    if (!node) throw new DerError(`${what} missing`, this.parent.end);
    this.pos = node.end;
    return node;
  }

  /** Asserts all fields were consumed. */
  finish(what: string): void {
    if (this.pos !== this.parent.end) throw new DerError(`unexpected field after ${what}`, this.pos);
  }
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, "0");
}

export function expectIdentifier(node: DerNode, identifier: number, what: string): void {
  if (node.identifier !== identifier) {
    throw new DerError(`${what}: expected identifier 0x${hex2(identifier)}, found 0x${hex2(node.identifier)}`, node.start);
  }
}

/** Content octets (a view, not a copy). */
export function contentOf(buf: Buffer, node: DerNode): Buffer {
  return buf.subarray(node.headerEnd, node.end);
}

/** The whole TLV (a view, not a copy). */
export function encodedOf(buf: Buffer, node: DerNode): Buffer {
  return buf.subarray(node.start, node.end);
}

// ---------------------------------------------------------------------------
// Typed readers

/** Checks the INTEGER/ENUMERATED content rules (X.690 8.3.2): non-empty, minimal. */
function checkIntegerContent(buf: Buffer, node: DerNode, what: string): void {
  const len = node.end - node.headerEnd;
  if (len === 0) throw new DerError(`empty ${what}`, node.start);
  if (len > 1) {
    const a = buf[node.headerEnd]!;
    const b = buf[node.headerEnd + 1]!;
    if ((a === 0x00 && b < 0x80) || (a === 0xff && b >= 0x80)) throw new DerError(`non-minimal ${what}`, node.start);
  }
}

/**
 * A non-negative INTEGER as lowercase hex without leading zeros ("0" for zero),
 * the form certificate serials are stored in. Negative values are refused.
 */
export function readIntegerHex(buf: Buffer, node: DerNode): string {
  expectIdentifier(node, 0x02, "INTEGER");
  checkIntegerContent(buf, node, "INTEGER");
  if (buf[node.headerEnd]! >= 0x80) throw new DerError("negative INTEGER", node.start);
  const hex = buf.toString("hex", node.headerEnd, node.end);
  let i = 0;
  while (i < hex.length - 1 && hex.charCodeAt(i) === 48) i++;
  return hex.slice(i);
}

function readSmall(buf: Buffer, node: DerNode, what: string): number {
  checkIntegerContent(buf, node, what);
  const len = node.end - node.headerEnd;
  if (len > 6) throw new DerError(`${what} too large`, node.start);
  // Seeding with -1 for a set sign bit makes the accumulation two's complement: ff → -1, 80 → -128.
  let v = buf[node.headerEnd]! >= 0x80 ? -1 : 0;
  for (let i = node.headerEnd; i < node.end; i++) v = v * 256 + buf[i]!;
  return v;
}

/** An INTEGER that fits in 6 octets, as a number (may be negative). */
export function readSmallInteger(buf: Buffer, node: DerNode): number {
  expectIdentifier(node, 0x02, "INTEGER");
  return readSmall(buf, node, "INTEGER");
}

export function readEnumerated(buf: Buffer, node: DerNode): number {
  expectIdentifier(node, 0x0a, "ENUMERATED");
  return readSmall(buf, node, "ENUMERATED");
}

/** BOOLEAN; DER allows only 0x00 and 0xFF (X.690 11.1). */
export function readBoolean(buf: Buffer, node: DerNode): boolean {
  expectIdentifier(node, 0x01, "BOOLEAN");
  if (node.end - node.headerEnd !== 1) throw new DerError("BOOLEAN length must be 1", node.start);
  const v = buf[node.headerEnd]!;
  if (v !== 0x00 && v !== 0xff) throw new DerError("BOOLEAN must be 0x00 or 0xFF", node.headerEnd);
  return v === 0xff;
}

export function readNull(_buf: Buffer, node: DerNode): null {
  expectIdentifier(node, 0x05, "NULL");
  if (node.end !== node.headerEnd) throw new DerError("NULL with content", node.start);
  return null;
}

/** OCTET STRING content (a view, not a copy). */
export function readOctetString(buf: Buffer, node: DerNode): Buffer {
  expectIdentifier(node, 0x04, "OCTET STRING");
  return contentOf(buf, node);
}

/** BIT STRING (X.690 8.6, 11.2): the bits and the count of unused bits in the last octet. */
export function readBitString(buf: Buffer, node: DerNode): { bytes: Buffer; unusedBits: number } {
  expectIdentifier(node, 0x03, "BIT STRING");
  const len = node.end - node.headerEnd;
  if (len === 0) throw new DerError("BIT STRING without unused-bits octet", node.start);
  const unusedBits = buf[node.headerEnd]!;
  if (unusedBits > 7 || (len === 1 && unusedBits !== 0)) throw new DerError(`BIT STRING with ${unusedBits} unused bits`, node.headerEnd);
  if (unusedBits > 0 && (buf[node.end - 1]! & ((1 << unusedBits) - 1)) !== 0) throw new DerError("BIT STRING unused bits not zero", node.end - 1);
  return { bytes: buf.subarray(node.headerEnd + 1, node.end), unusedBits };
}

/** OBJECT IDENTIFIER as a dotted string (X.690 8.19); sub-identifiers must be minimal. */
export function readOid(buf: Buffer, node: DerNode): string {
  expectIdentifier(node, 0x06, "OBJECT IDENTIFIER");
  if (node.end === node.headerEnd) throw new DerError("empty OBJECT IDENTIFIER", node.start);
  if ((buf[node.end - 1]! & 0x80) !== 0) throw new DerError("OBJECT IDENTIFIER ends inside a sub-identifier", node.end - 1);
  const arcs: string[] = [];
  let v = 0n;
  let fresh = true;
  for (let i = node.headerEnd; i < node.end; i++) {
    const b = buf[i]!;
    if (fresh && b === 0x80) throw new DerError("non-minimal OBJECT IDENTIFIER sub-identifier", i);
    v = (v << 7n) | BigInt(b & 0x7f);
    fresh = (b & 0x80) === 0;
    if (fresh) {
      if (arcs.length === 0) {
        const first = v < 40n ? 0n : v < 80n ? 1n : 2n;
        arcs.push(first.toString(), (v - first * 40n).toString());
      } else {
        arcs.push(v.toString());
      }
      v = 0n;
    }
  }
  return arcs.join(".");
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function digits(buf: Buffer, from: number, count: number): number {
  let v = 0;
  for (let i = from; i < from + count; i++) {
    const c = buf[i]! - 48;
    if (c < 0 || c > 9) throw new DerError("time with a non-digit", i);
    v = v * 10 + c;
  }
  return v;
}

function fieldsToDate(buf: Buffer, node: DerNode, year: number, p: number): Date {
  const month = digits(buf, p, 2);
  const day = digits(buf, p + 2, 2);
  const hour = digits(buf, p + 4, 2);
  const minute = digits(buf, p + 6, 2);
  const second = digits(buf, p + 8, 2);
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (month < 1 || month > 12 || day < 1 || day > DAYS_IN_MONTH[month - 1]! || (month === 2 && day === 29 && !leap) || hour > 23 || minute > 59 || second > 59) {
    throw new DerError("time field out of range", node.headerEnd);
  }
  if (buf[p + 10] !== 0x5a) throw new DerError("time not in Z form", p + 10);
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, 0);
  return d;
}

/** GeneralizedTime "YYYYMMDDHHMMSSZ" only: no fraction, no offset (RFC 5280 4.1.2.5.2). */
export function readGeneralizedTime(buf: Buffer, node: DerNode): Date {
  expectIdentifier(node, 0x18, "GeneralizedTime");
  if (node.end - node.headerEnd !== 15) throw new DerError("GeneralizedTime not in YYYYMMDDHHMMSSZ form", node.start);
  return fieldsToDate(buf, node, digits(buf, node.headerEnd, 4), node.headerEnd + 4);
}

/** UTCTime "YYMMDDHHMMSSZ"; YY >= 50 is 19YY, else 20YY (RFC 5280 4.1.2.5.1). */
export function readUtcTime(buf: Buffer, node: DerNode): Date {
  expectIdentifier(node, 0x17, "UTCTime");
  if (node.end - node.headerEnd !== 13) throw new DerError("UTCTime not in YYMMDDHHMMSSZ form", node.start);
  const yy = digits(buf, node.headerEnd, 2);
  return fieldsToDate(buf, node, yy >= 50 ? 1900 + yy : 2000 + yy, node.headerEnd + 2);
}

/** RFC 5280 Time CHOICE. */
export function readTime(buf: Buffer, node: DerNode): Date {
  return node.identifier === 0x17 ? readUtcTime(buf, node) : readGeneralizedTime(buf, node);
}
