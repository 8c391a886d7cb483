// Unit tests of server/asn1/der-reader.ts: well-formed input, every refusal rule, and hostile input (deep nesting, huge lengths, fuzz) ending in DerError only.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import {
  children,
  DerCursor,
  DerError,
  parseDer,
  readBitString,
  readBoolean,
  readEnumerated,
  readGeneralizedTime,
  readIntegerHex,
  readNull,
  readOctetString,
  readOid,
  readSmallInteger,
  readTime,
  readUtcTime,
} from "../../../server/asn1/der-reader";
import { encodeTime, generalizedTime, integer, integerFromHex, oid, sequence, tlv } from "../../../server/asn1/der-writer";
import { asn1parse, openssl } from "../../interop/pki-fixture";

const h = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ""), "hex");

function assertDerError(fn: () => unknown, pattern: RegExp): DerError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof DerError, `expected DerError, got ${String(caught)}`);
  assert.equal(caught.code, "DER_MALFORMED");
  assert.match(caught.message, pattern);
  assert.match(caught.message, / at offset \d+$/);
  return caught;
}

/** `depth` nested SEQUENCEs around a NULL, built inside-out with correct lengths. */
function nested(depth: number): Buffer {
  let der = h("0500");
  for (let i = 0; i < depth; i++) der = sequence(der);
  return der;
}

describe("der-reader", () => {
  it("parses nodes with offsets, class and constructed flags", () => {
    const der = h("30 0a a0 03 02 01 05 04 03 61 62 63");
    const root = parseDer(der);
    assert.deepEqual(root, { tag: 16, identifier: 0x30, constructed: true, class: "universal", start: 0, headerEnd: 2, end: 12, depth: 0 });
    const [ctx, octets] = children(der, root);
    assert.deepEqual({ ...ctx!, depth: ctx!.depth }, { tag: 0, identifier: 0xa0, constructed: true, class: "context", start: 2, headerEnd: 4, end: 7, depth: 1 });
    assert.equal(readSmallInteger(der, children(der, ctx!)[0]!), 5);
    assert.equal(readOctetString(der, octets!).toString(), "abc");
  });

  it("accepts long-form lengths that are minimal", () => {
    const content = Buffer.alloc(300, 1);
    const der = tlv(0x04, content);
    assert.equal(der.subarray(0, 4).toString("hex"), "0482012c");
    assert.deepEqual(readOctetString(der, parseDer(der)), content);
  });

  describe("refuses", () => {
    const cases: Array<[string, string, RegExp]> = [
      ["empty input", "", /identifier missing/],
      ["indefinite length", "30 80 05 00 00 00", /indefinite length at offset 1/],
      ["long form for a short length", "04 81 05 0102030405", /non-minimal length/],
      ["leading zero length octet", "04 82 00 80" + "00".repeat(128), /non-minimal length/],
      ["length past the end (4-octet)", "04 84 ff ff ff ff 00", /past the end/],
      ["length field of 5 octets", "04 85 01 00 00 00 00", /length field of 5 octets/],
      ["reserved length octet 0xff", "04 ff", /length field of 127 octets/],
      ["missing length", "04", /length missing/],
      ["truncated length octets", "04 82 01", /length octets missing/],
      ["truncated value", "30 03 02 01", /past the end/],
      ["trailing bytes", "05 00 00", /1 trailing bytes after the object at offset 2/],
      ["long-form tag", "1f 22 00", /long-form tag at offset 0/],
      ["context long-form tag", "bf 81 00 00", /long-form tag/],
      ["constructed OCTET STRING", "24 00", /universal tag 4 with constructed encoding/],
      ["primitive SEQUENCE", "10 00", /universal tag 16 with primitive encoding/],
      ["end-of-contents tag", "00 00", /end-of-contents/],
      ["child overrunning its parent", "30 03 04 05 00", /length 5 past the end \(1 octets left\) at offset 3/],
      ["children not filling their parent", "30 03 05 00 05", /length missing at offset 5/],
    ];
    for (const [what, input, pattern] of cases) it(what, () => assertDerError(() => parseDer(h(input)), pattern));

    it("nesting deeper than 32, but accepts exactly 32", () => {
      parseDer(nested(32));
      assertDerError(() => parseDer(nested(33)), /nesting deeper than 32 at offset 66/);
      parseDer(nested(40), { maxDepth: 40 });
    });

    it("10,000 nested SEQUENCEs without a stack overflow", () => {
      const deep = nested(10_000);
      assertDerError(() => parseDer(deep), /nesting deeper than 32/);
      // Indefinite-length bombs, deep too.
      assertDerError(() => parseDer(Buffer.concat([Buffer.from("3080".repeat(10_000), "hex"), Buffer.alloc(20_000)])), /indefinite/);
      // openssl agrees the deep one is well-formed DER (it is: only too deep for us).
      assert.equal(openssl(["asn1parse", "-inform", "DER", "-noout"], { input: nested(50) }).status, 0);
    });

    it("a huge claimed length without allocating it", () => {
      assertDerError(() => parseDer(h("30 84 7f ff ff ff 05 00")), /length 2147483647 past the end \(2 octets left\)/);
    });
  });

  describe("typed readers", () => {
    const node = (s: string) => {
      const der = h(s);
      return { der, n: parseDer(der) };
    };

    it("INTEGER as hex: minimal, non-negative, leading zeros dropped", () => {
      const ok: Array<[string, string]> = [
        ["02 01 00", "0"],
        ["02 01 7f", "7f"],
        ["02 02 00 80", "80"],
        ["02 02 0a bc", "abc"],
        ["02 03 00 ff 01", "ff01"],
      ];
      for (const [input, expected] of ok) {
        const { der, n } = node(input);
        assert.equal(readIntegerHex(der, n), expected);
      }
      for (const [input, pattern] of [
        ["02 00", /empty INTEGER/],
        ["02 02 00 7f", /non-minimal INTEGER/],
        ["02 02 ff 80", /non-minimal INTEGER/],
        ["02 01 80", /negative INTEGER/],
        ["0a 01 01", /expected identifier 0x02, found 0x0a/],
      ] as const) {
        const { der, n } = node(input);
        assertDerError(() => readIntegerHex(der, n), pattern);
      }
    });

    it("round-trips serials through the writer", () => {
      for (const serial of ["0", "1", "7f", "80", "ff", "100", "8a3c77e1d2f0a9b8c7d6e5f40312a1b2", "f" + "0".repeat(39)]) {
        const der = integerFromHex(serial);
        assert.equal(readIntegerHex(der, parseDer(der)), serial);
      }
    });

    it("small INTEGER / ENUMERATED, negative ones included", () => {
      for (const v of [0, 1, 127, 128, 255, 256, -1, -128, -129, -256, 2 ** 40, -(2 ** 40)]) {
        const der = integer(v);
        assert.equal(readSmallInteger(der, parseDer(der)), v);
      }
      const { der, n } = node("0a 01 06");
      assert.equal(readEnumerated(der, n), 6);
      const big = integer(2n ** 56n);
      assertDerError(() => readSmallInteger(big, parseDer(big)), /too large/);
    });

    it("OBJECT IDENTIFIER: dotted, minimal sub-identifiers", () => {
      for (const dotted of ["1.2.840.113549.1.1.11", "2.999.3", "0.0", "2.25.329800735698586629295641978511506172918"]) {
        const der = oid(dotted);
        assert.equal(readOid(der, parseDer(der)), dotted);
      }
      for (const [input, pattern] of [
        ["06 00", /empty OBJECT IDENTIFIER/],
        ["06 02 80 01", /non-minimal OBJECT IDENTIFIER/],
        ["06 02 2a 86", /ends inside a sub-identifier/],
      ] as const) {
        const { der, n } = node(input);
        assertDerError(() => readOid(der, n), pattern);
      }
    });

    it("BOOLEAN, NULL, BIT STRING content rules", () => {
      let t = node("01 01 ff");
      assert.equal(readBoolean(t.der, t.n), true);
      t = node("01 01 01");
      assertDerError(() => readBoolean(t.der, t.n), /0x00 or 0xFF/);
      t = node("05 01 00");
      assertDerError(() => readNull(t.der, t.n), /NULL with content/);
      t = node("03 02 05 a0");
      assert.deepEqual(readBitString(t.der, t.n), { bytes: h("a0"), unusedBits: 5 });
      t = node("03 02 05 a1");
      assertDerError(() => readBitString(t.der, t.n), /unused bits not zero/);
      t = node("03 01 01");
      assertDerError(() => readBitString(t.der, t.n), /1 unused bits/);
    });

    it("times: both forms, the 1950/2049 window, strict format", () => {
      for (const iso of ["1950-01-01T00:00:00Z", "2049-12-31T23:59:59Z", "2050-01-01T00:00:00Z", "1949-12-31T23:59:59Z", "2024-02-29T00:00:00Z"]) {
        const der = encodeTime(new Date(iso));
        assert.equal(readTime(der, parseDer(der)).toISOString(), new Date(iso).toISOString());
      }
      const g = generalizedTime(new Date("0099-03-04T05:06:07Z"));
      assert.equal(readGeneralizedTime(g, parseDer(g)).toISOString(), "0099-03-04T05:06:07.000Z");
      for (const [text, tag, pattern] of [
        ["20500101000000.5Z", 0x18, /YYYYMMDDHHMMSSZ form/],
        ["20500101000000+0000", 0x18, /YYYYMMDDHHMMSSZ form/],
        ["2050010100000Z0", 0x18, /non-digit/],
        ["20231301000000Z", 0x18, /out of range/],
        ["20230229000000Z", 0x18, /out of range/],
        ["20230101240000Z", 0x18, /out of range/],
        ["205001010000000", 0x18, /Z form/],
        ["5001010000Z", 0x17, /YYMMDDHHMMSSZ form/],
      ] as const) {
        const der = tlv(tag, Buffer.from(text, "latin1"));
        assertDerError(() => (tag === 0x18 ? readGeneralizedTime(der, parseDer(der)) : readUtcTime(der, parseDer(der))), pattern);
      }
    });
  });

  describe("DerCursor", () => {
    it("walks OPTIONAL fields and refuses leftovers", () => {
      const der = sequence([integer(1), Buffer.from("a0020500", "hex"), Buffer.from("0500", "hex")]);
      const c = new DerCursor(der, parseDer(der));
      assert.equal(readSmallInteger(der, c.expect(0x02, "version")), 1);
      assert.equal(c.optional(0xa1), null);
      assert.ok(c.optional(0xa0));
      assertDerError(() => c.finish("the tagged field"), /unexpected field after the tagged field at offset 9/);
      assertDerError(() => c.expect(0x02, "serial"), /serial: expected identifier 0x02, found 0x05/);
      c.any("null");
      assertDerError(() => c.expect(0x02, "serial"), /serial missing/);
      c.finish("all");
    });
  });

  it("fuzz: 20,000 mutated and truncated inputs raise DerError or parse, nothing else", () => {
    const seed = sequence([
      sequence([oid("1.3.14.3.2.26"), Buffer.from("0500", "hex")]),
      tlv(0x04, Buffer.alloc(20, 7)),
      integerFromHex("8a3c77e1d2f0a9b8c7d6e5f40312a1b2"),
      Buffer.from("a1 03 0a 01 01".replace(/ /g, ""), "hex"),
      generalizedTime(new Date("2030-01-01T00:00:00Z")),
    ]);
    assert.match(asn1parse(seed), /GENERALIZEDTIME\s+:20300101000000Z/);
    let parsed = 0;
    for (let i = 0; i < 20_000; i++) {
      const input = Buffer.from(seed);
      const r = randomBytes(4);
      if (i % 4 === 0) {
        input[r[0]! % input.length] = r[1]!;
      } else if (i % 4 === 1) {
        input[r[0]! % input.length] ^= 1 << (r[1]! % 8);
      }
      const cut = i % 4 === 2 ? input.subarray(0, r[0]! % input.length) : i % 4 === 3 ? randomBytes(r[0]! % 64) : input;
      try {
        const root = parseDer(cut);
        if (root.constructed) for (const child of children(cut, root)) if (child.constructed) children(cut, child);
        parsed++;
      } catch (e) {
        if (!(e instanceof DerError)) throw e;
      }
    }
    assert.ok(parsed > 0);
  });
});
