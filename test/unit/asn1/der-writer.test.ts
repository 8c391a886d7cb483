// Unit tests of server/asn1/der-writer.ts: exact encodings, cross-checked with `openssl asn1parse`.
import assert from "node:assert/strict";
import {
  bitString,
  boolean,
  encodeLength,
  encodeTime,
  enumerated,
  explicit,
  generalizedTime,
  header,
  implicit,
  integer,
  integerFromHex,
  integerHexLength,
  NULL_DER,
  octetString,
  oid,
  sequence,
  set,
  timeLength,
  tlv,
  utcTime,
} from "../../../server/asn1/der-writer";
import { asn1parse } from "../../interop/pki-fixture";

const hex = (b: Buffer): string => b.toString("hex");

describe("der-writer", () => {
  describe("lengths (X.690 8.1.3 definite form, minimal)", () => {
    const cases: Array<[number, string]> = [
      [0, "00"],
      [1, "01"],
      [127, "7f"],
      [128, "8180"],
      [255, "81ff"],
      [256, "820100"],
      [65535, "82ffff"],
      [65536, "83010000"],
      [0xffffff, "83ffffff"],
      [0x1000000, "8401000000"],
      [0xffffffff, "84ffffffff"],
      [0x100000000, "850100000000"],
    ];
    for (const [len, expected] of cases) {
      it(`${len} → ${expected}`, () => assert.equal(hex(encodeLength(len)), expected));
    }
    it("rejects negative and fractional lengths", () => {
      assert.throws(() => encodeLength(-1), RangeError);
      assert.throws(() => encodeLength(1.5), RangeError);
    });
    it("header() and tlv() agree at the 127/128 boundary", () => {
      for (const n of [127, 128, 255, 256]) {
        const content = Buffer.alloc(n, 0xab);
        const whole = tlv(0x04, content);
        assert.deepEqual(whole, Buffer.concat([header(0x04, n), content]));
        assert.deepEqual(tlv(0x04, [content.subarray(0, 3), content.subarray(3)]), whole);
      }
    });
    it("refuses long-form and out-of-range tags", () => {
      assert.throws(() => tlv(0x1f, Buffer.alloc(0)), RangeError);
      assert.throws(() => tlv(256, Buffer.alloc(0)), RangeError);
      assert.throws(() => explicit(31, NULL_DER), RangeError);
    });
  });

  describe("INTEGER (X.690 8.3: minimal two's complement)", () => {
    const cases: Array<[number | bigint, string]> = [
      [0, "020100"],
      [1, "020101"],
      [127, "02017f"],
      [128, "02020080"],
      [255, "020200ff"],
      [256, "02020100"],
      [-1, "0201ff"],
      [-128, "020180"],
      [-129, "0202ff7f"],
      [-256, "0202ff00"],
      [-32768, "02028000"],
      [-32769, "0203ff7fff"],
      [2n ** 64n, "0209010000000000000000"],
      [-(2n ** 63n), "02088000000000000000"],
    ];
    for (const [v, expected] of cases) it(`${v} → ${expected}`, () => assert.equal(hex(integer(v)), expected));

    it("openssl reads negative and large values back", () => {
      const text = asn1parse(sequence([integer(-129), integer(2n ** 64n), integer(-1)]));
      assert.match(text, /INTEGER\s+:-81\n/);
      assert.match(text, /INTEGER\s+:010000000000000000\n/);
      assert.match(text, /INTEGER\s+:-01\n/);
    });
    it("refuses unsafe numbers", () => assert.throws(() => integer(2 ** 60), RangeError));
    it("ENUMERATED uses tag 10", () => assert.equal(hex(enumerated(5)), "0a0105"));
  });

  describe("INTEGER from a hex serial (RFC 5280 4.1.2.2)", () => {
    const cases: Array<[string, string]> = [
      ["0", "020100"],
      ["00", "020100"],
      ["7f", "02017f"],
      ["80", "02020080"],
      ["ff", "020200ff"],
      ["00ff", "020200ff"],
      ["0000012345", "0203012345"],
      ["abc", "02020abc"],
      ["8abc", "0203008abc"],
      ["1", "020101"],
    ];
    for (const [serial, expected] of cases) {
      it(`"${serial}" → ${expected}`, () => {
        assert.equal(hex(integerFromHex(serial)), expected);
        assert.equal(integerHexLength(serial), expected.length / 2);
      });
    }
    it("a 20-octet serial with the top bit set gets a 0x00 pad (21 content octets)", () => {
      const serial = "f" + "0".repeat(39);
      const der = integerFromHex(serial);
      assert.equal(hex(der.subarray(0, 3)), "021500");
      assert.match(asn1parse(der), new RegExp(`INTEGER\\s+:${serial.toUpperCase()}\\n`));
    });
    it("a very long serial uses a long-form length", () => {
      const der = integerFromHex("7" + "1".repeat(299));
      assert.equal(hex(der.subarray(0, 3)), "028196");
    });
    it("refuses empty, uppercase and non-hex input", () => {
      for (const bad of ["", "AB", "0x12", "12 ", "g1", "é"]) assert.throws(() => integerFromHex(bad), RangeError, bad);
    });
  });

  describe("OBJECT IDENTIFIER (X.690 8.19)", () => {
    it("encodes known OIDs", () => {
      assert.equal(hex(oid("1.2.840.113549.1.1.11")), "06092a864886f70d01010b");
      assert.equal(hex(oid("2.5.29.21")), "0603551d15");
      assert.equal(hex(oid("1.3.6.1.5.5.7.48.1.2")), "06092b0601050507300102");
      assert.equal(hex(oid("2.999.3")), "0603883703");
      assert.equal(hex(oid("0.0")), "060100");
    });
    it("handles arcs beyond 2^53 (UUID OIDs)", () => {
      const dotted = "2.25.329800735698586629295641978511506172918";
      assert.match(asn1parse(oid(dotted)), new RegExp(`OBJECT\\s+:${dotted.replace(/\./g, "\\.")}\\n`));
    });
    it("caches encodings", () => assert.equal(oid("2.5.29.20"), oid("2.5.29.20")));
    it("refuses malformed OIDs", () => {
      for (const bad of ["1", "3.1", "1.40", "1.02", "1..2", "", "1.2.", "a.b"]) assert.throws(() => oid(bad), RangeError, bad);
    });
  });

  describe("simple types", () => {
    it("NULL, BOOLEAN, OCTET STRING", () => {
      assert.equal(hex(NULL_DER), "0500");
      assert.equal(hex(boolean(true)), "0101ff");
      assert.equal(hex(boolean(false)), "010100");
      assert.equal(hex(octetString(Buffer.from("abc"))), "0403616263");
    });
    it("BIT STRING with unused bits (X.690 11.2)", () => {
      assert.equal(hex(bitString(Buffer.from([0xa0]), 5)), "030205a0");
      assert.equal(hex(bitString(Buffer.alloc(0))), "030100");
      assert.throws(() => bitString(Buffer.from([0xa1]), 5), RangeError);
      assert.throws(() => bitString(Buffer.alloc(0), 1), RangeError);
      assert.throws(() => bitString(Buffer.from([0]), 8), RangeError);
    });
    it("context tags: explicit wraps, implicit replaces", () => {
      assert.equal(hex(explicit(0, integer(2))), "a003020102");
      assert.equal(hex(implicit(0, Buffer.from([0x01, 0x02]), false)), "80020102");
      assert.equal(hex(implicit(1, [integer(1)], true)), "a103020101");
      assert.equal(hex(implicit(2, [], false)), "8200");
    });
    it("SET OF is sorted by encoding (X.690 11.6)", () => {
      assert.equal(hex(set([integer(3), integer(1), octetString(Buffer.alloc(0)), integer(2)])), "310b0201010201020201030400");
      const s = set([integer(300), integer(1), integer(2)]);
      assert.equal(hex(s), "310a0201010201020202012c");
    });
  });

  describe("time (RFC 5280 4.1.2.5, RFC 6960)", () => {
    const cases: Array<[string, string]> = [
      ["1950-01-01T00:00:00Z", "170d3530303130313030303030305a"],
      ["2049-12-31T23:59:59Z", "170d3439313233313233353935395a"],
      ["2050-01-01T00:00:00Z", "180f32303530303130313030303030305a"],
      ["1949-12-31T23:59:59Z", "180f31393439313233313233353935395a"],
      ["2000-02-29T12:34:56Z", "170d3030303232393132333435365a"],
    ];
    for (const [iso, expected] of cases) it(`encodeTime(${iso})`, () => assert.equal(hex(encodeTime(new Date(iso))), expected));

    it("switches from UTCTime to GeneralizedTime exactly at 2050", () => {
      assert.equal(timeLength(new Date("2049-12-31T23:59:59.999Z")), 15);
      assert.equal(timeLength(new Date("2050-01-01T00:00:00Z")), 17);
      assert.equal(timeLength(new Date("1950-01-01T00:00:00Z")), 15);
      assert.equal(timeLength(new Date("1949-12-31T23:59:59.999Z")), 17);
      const text = asn1parse(sequence([encodeTime(new Date("2049-12-31T23:59:59Z")), encodeTime(new Date("2050-01-01T00:00:00Z"))]));
      assert.match(text, /UTCTIME\s+:491231235959Z/);
      assert.match(text, /GENERALIZEDTIME\s+:20500101000000Z/);
    });
    it("rounds milliseconds down to whole seconds, also before 1970", () => {
      assert.equal(utcTime(new Date("2024-02-29T12:34:56.999Z")).toString("latin1", 2), "240229123456Z");
      assert.equal(utcTime(new Date("1969-12-31T23:59:59.500Z")).toString("latin1", 2), "691231235959Z");
      assert.equal(generalizedTime(new Date("2099-12-31T23:59:59.999Z")).toString("latin1", 2), "20991231235959Z");
    });
    it("GeneralizedTime for any year 0000..9999, UTCTime refuses outside 1950..2049", () => {
      assert.equal(generalizedTime(new Date("0001-01-01T00:00:00Z")).toString("latin1", 2), "00010101000000Z");
      assert.equal(generalizedTime(new Date("9999-12-31T23:59:59Z")).toString("latin1", 2), "99991231235959Z");
      assert.throws(() => generalizedTime(new Date("+010000-01-01T00:00:00Z")), RangeError);
      assert.throws(() => utcTime(new Date("2050-01-01T00:00:00Z")), RangeError);
      assert.throws(() => encodeTime(new Date(NaN)), RangeError);
    });
    it("agrees with Date's own calendar on 20,000 random instants", () => {
      let seed = 12345;
      const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
      for (let i = 0; i < 20_000; i++) {
        const [min, max] = [Date.parse("0000-01-01T00:00:00Z"), Date.parse("9999-12-31T23:59:59.999Z")];
        const d = new Date(Math.floor(min + rnd() * (max - min)));
        const iso = d.toISOString().replace(/\.\d{3}Z$/, "Z").replace(/[-:T]/g, "");
        assert.equal(generalizedTime(d).toString("latin1", 2), iso, d.toISOString());
      }
    });
  });
});
