// Unit tests of server/publish/ocsp-request.ts: every accepted shape and every refusal of RFC 6960 4.1.1 / RFC 8954 requests, plus truncation and garbage.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { DerError } from "../../../server/asn1/der-reader";
import { boolean, explicit, integer, integerFromHex, NULL_DER, octetString, oid, sequence, tlv } from "../../../server/asn1/der-writer";
import { OcspRequestError, parseOcspRequest, parseOcspRequestFully, parseSingleCertIdRequest, type OcspRequestErrorReason } from "../../../server/publish/ocsp-request";
import { openssl, writeTemp } from "../../support/openssl";
import { useTempDir } from "../../support/tmp";

const SHA1 = "1.3.14.3.2.26";
const NONCE = "1.3.6.1.5.5.7.48.1.2";
const nameHash = Buffer.alloc(20, 0x11);
const keyHash = Buffer.alloc(20, 0x22);

function certId(o: { hashOid?: string; params?: boolean; size?: number; serial?: Buffer } = {}): Buffer {
  const size = o.size ?? 20;
  const alg = sequence([oid(o.hashOid ?? SHA1), ...(o.params === false ? [] : [NULL_DER])]);
  return sequence([alg, octetString(Buffer.alloc(size, 0x11)), octetString(Buffer.alloc(size, 0x22)), o.serial ?? integerFromHex("8a3c")]);
}

function ext(id: string, value: Buffer, critical = false): Buffer {
  return sequence([oid(id), ...(critical ? [boolean(true)] : []), octetString(value)]);
}

function request(o: { version?: Buffer; requestor?: Buffer; certIds?: Buffer[]; single?: Buffer; exts?: Buffer[]; signature?: Buffer } = {}): Buffer {
  const requests = (o.certIds ?? [certId()]).map((c) => sequence([c, ...(o.single ? [explicit(0, o.single)] : [])]));
  const tbs = sequence([
    ...(o.version ? [explicit(0, o.version)] : []),
    ...(o.requestor ? [explicit(1, o.requestor)] : []),
    sequence(requests),
    ...(o.exts ? [explicit(2, sequence(o.exts))] : []),
  ]);
  return sequence([tbs, ...(o.signature ? [explicit(0, o.signature)] : [])]);
}

function refuses(der: Buffer, reason: OcspRequestErrorReason, pattern: RegExp, limits?: { maxCertIds: number }): OcspRequestError {
  let caught: unknown;
  try {
    parseOcspRequest(der, limits);
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof OcspRequestError, `expected OcspRequestError, got ${String(caught)}`);
  assert.equal(caught.reason, reason);
  assert.equal(caught.code, "OCSP_REQUEST_INVALID");
  assert.match(caught.message, pattern);
  return caught;
}

const nonce16 = octetString(Buffer.alloc(16, 0xab)); // RFC 8954 form: extnValue = OCTET STRING { OCTET STRING nonce }

describe("ocsp-request", () => {
  const tmp = useTempDir("chungthu-ocsp-req-");

  it("parses a minimal request and copies the CertID DER exactly", () => {
    const id = certId();
    const der = request({ certIds: [id] });
    const req = parseOcspRequest(der);
    assert.equal(req.nonce, null);
    assert.equal(req.certIds.length, 1);
    const c = req.certIds[0]!;
    assert.deepEqual(
      { ...c, der: c.der.toString("hex") },
      { hashAlgorithm: "sha1", issuerNameHash: nameHash, issuerKeyHash: keyHash, serialHex: "8a3c", der: id.toString("hex") },
    );
    der.fill(0); // results are copies, not views of the request buffer
    assert.deepEqual(c.der, id);
    assert.deepEqual(c.issuerNameHash, nameHash);
  });

  it("is what openssl reads too (the test builder makes real requests)", () => {
    const der = request({ certIds: [certId(), certId({ serial: integer(0) })], exts: [ext(NONCE, nonce16)] });
    const path = writeTemp(tmp(), "req.der", der);
    const r = openssl(["ocsp", "-reqin", path, "-req_text"]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /Serial Number: 8A3C[\s\S]*Serial Number: 00\n[\s\S]*OCSP Nonce: \n\s+0410ABABABABABABABABABABABABABABABAB\n/);
    const req = parseOcspRequest(der);
    assert.deepEqual(req.certIds.map((c) => c.serialHex), ["8a3c", "0"]);
    assert.equal(req.nonce!.toString("hex"), "0410" + "ab".repeat(16));
  });

  it("accepts SHA-256/384/512 CertIDs and absent hash parameters (RFC 5754 2)", () => {
    const req = parseOcspRequest(
      request({
        certIds: [
          certId({ hashOid: "2.16.840.1.101.3.4.2.1", size: 32 }),
          certId({ hashOid: "2.16.840.1.101.3.4.2.2", size: 48, params: false }),
          certId({ hashOid: "2.16.840.1.101.3.4.2.3", size: 64 }),
          certId({ params: false }),
        ],
      }),
    );
    assert.deepEqual(req.certIds.map((c) => [c.hashAlgorithm, c.issuerKeyHash.length]), [["sha256", 32], ["sha384", 48], ["sha512", 64], ["sha1", 20]]);
  });

  it("accepts an explicit v1, a requestorName, an (ignored) signature and non-critical unknown extensions", () => {
    const directoryName = explicit(4, sequence([]));
    const signature = sequence([sequence([oid("1.2.840.10045.4.3.2")]), tlv(0x03, Buffer.from([0, 1, 2]))]);
    const req = parseOcspRequest(
      request({ version: integer(0), requestor: directoryName, signature, exts: [ext("1.3.6.1.5.5.7.48.1.8", sequence([])), ext(NONCE, nonce16, true)], single: sequence([ext("1.2.3.4", NULL_DER)]) }),
    );
    assert.equal(req.certIds.length, 1);
    assert.equal(req.nonce!.length, 18);
  });

  it("serials: minimal lowercase hex, zero as '0'", () => {
    const serials = [integer(0), integer(1), integerFromHex("ff"), integerFromHex("0100"), integerFromHex("8a3c77e1d2f0a9b8c7d6e5f40312a1b2")];
    const req = parseOcspRequest(request({ certIds: serials.map((serial) => certId({ serial })) }));
    assert.deepEqual(req.certIds.map((c) => c.serialHex), ["0", "1", "ff", "100", "8a3c77e1d2f0a9b8c7d6e5f40312a1b2"]);
  });

  it("nonce sizes 1 and 32 are fine (RFC 8954 2.1)", () => {
    for (const size of [1, 32]) {
      const req = parseOcspRequest(request({ exts: [ext(NONCE, octetString(Buffer.alloc(size, 1)))] }));
      assert.equal(req.nonce!.length, size + 2);
    }
  });

  describe("refuses", () => {
    const cases: Array<[string, () => Buffer, OcspRequestErrorReason, RegExp]> = [
      ["an unknown hash algorithm (MD5)", () => request({ certIds: [certId({ hashOid: "1.2.840.113549.2.5", size: 16 })] }), "unsupportedHash", /1\.2\.840\.113549\.2\.5/],
      ["hashes of the wrong length", () => request({ certIds: [certId({ size: 32 })] }), "malformed", /hash lengths/],
      ["a negative serial", () => request({ certIds: [certId({ serial: integer(-5) })] }), "malformed", /negative INTEGER/],
      ["a non-minimal serial", () => request({ certIds: [certId({ serial: Buffer.from("02020001", "hex") })] }), "malformed", /non-minimal INTEGER/],
      ["an empty requestList", () => request({ certIds: [] }), "malformed", /empty requestList/],
      ["version 2", () => request({ version: integer(1) }), "malformed", /unsupported version/],
      ["an empty nonce", () => request({ exts: [ext(NONCE, octetString(Buffer.alloc(0)))] }), "malformed", /nonce of 0 octets/],
      ["a 33-octet nonce", () => request({ exts: [ext(NONCE, octetString(Buffer.alloc(33)))] }), "malformed", /nonce of 33 octets/],
      ["a raw nonce without the inner OCTET STRING", () => request({ exts: [ext(NONCE, Buffer.alloc(16, 0x30))] }), "malformed", /not an OCTET STRING/],
      ["a nonce that is another type", () => request({ exts: [ext(NONCE, integer(5))] }), "malformed", /not an OCTET STRING/],
      ["an unknown critical request extension (RFC 6960 4.4)", () => request({ exts: [ext("1.2.3.4", NULL_DER, true)] }), "malformed", /unrecognized critical extension 1\.2\.3\.4/],
      ["an unknown critical single-request extension", () => request({ single: sequence([ext("1.2.3.4", NULL_DER, true)]) }), "malformed", /unrecognized critical/],
      ["a duplicated extension", () => request({ exts: [ext(NONCE, nonce16), ext(NONCE, nonce16)] }), "malformed", /appears twice/],
      ["an empty Extensions", () => request({ exts: [] }), "malformed", /empty Extensions/],
      ["a critical flag encoded as FALSE-by-default but not 0x00/0xFF", () => request({ exts: [sequence([oid("1.2.3"), tlv(0x01, Buffer.from([1])), octetString(NULL_DER)])] }), "malformed", /0x00 or 0xFF/],
      ["trailing garbage", () => Buffer.concat([request(), Buffer.from([0])]), "malformed", /trailing bytes/],
      ["something that is not a SEQUENCE", () => octetString(Buffer.alloc(4)), "malformed", /not a SEQUENCE/],
      ["a field after the signature", () => sequence([sequence([sequence([sequence([certId()])])]), explicit(0, sequence([])), NULL_DER]), "malformed", /unexpected field/],
      ["indefinite length (BER)", () => Buffer.from("3080" + request().toString("hex").slice(4) + "0000", "hex"), "malformed", /indefinite length/],
    ];
    for (const [what, make, reason, pattern] of cases) it(what, () => refuses(make(), reason, pattern));

    it("more CertIDs than the limit (default 1000)", () => {
      const ids = Array.from({ length: 1001 }, () => certId());
      refuses(request({ certIds: ids }), "malformed", /1001 CertIDs \(limit 1000\)/);
      assert.equal(parseOcspRequest(request({ certIds: ids.slice(1) })).certIds.length, 1000);
      refuses(request({ certIds: ids.slice(0, 3) }), "malformed", /3 CertIDs \(limit 2\)/, { maxCertIds: 2 });
    });

    it("keeps the DerError as the cause", () => {
      const e = refuses(Buffer.from("3003020101ff", "hex"), "malformed", /trailing bytes/);
      assert.ok(e.cause instanceof DerError);
    });

    it("the single-CertID fast path: takes only what the full parser takes, with the same result", () => {
      const base = [
        request(),
        request({ certIds: [certId({ params: false })] }),
        request({ certIds: [certId({ hashOid: "2.16.840.1.101.3.4.2.1", size: 32, serial: integerFromHex("00") })] }),
        request({ certIds: [certId({ hashOid: "2.16.840.1.101.3.4.2.1", size: 32, params: false, serial: integerFromHex("ff".repeat(20)) })] }),
      ];
      // What the fast path must leave to the full parser (and so refuse exactly as before).
      const notFast = [
        request({ exts: [ext(NONCE, nonce16)] }),
        request({ certIds: [certId(), certId()] }),
        request({ version: integer(0) }),
        request({ signature: sequence([]) }),
        request({ certIds: [certId({ hashOid: "2.16.840.1.101.3.4.2.3", size: 64 })] }), // long-form lengths
        request({ certIds: [certId({ serial: Buffer.from("0202007f", "hex") })] }), // non-minimal INTEGER
        request({ certIds: [certId({ serial: Buffer.from("020180", "hex") })] }), // negative
        request({ certIds: [certId({ hashOid: "1.2.840.113549.2.5", size: 16 })] }), // MD5: unsupported
        Buffer.concat([request(), Buffer.from([0])]),
      ];
      for (const der of base) {
        const fast = parseSingleCertIdRequest(der);
        assert.ok(fast, der.toString("hex"));
        assert.deepEqual(fast, parseOcspRequestFully(der));
        assert.deepEqual(parseOcspRequest(der), fast);
      }
      for (const der of notFast) assert.equal(parseSingleCertIdRequest(der), null, der.toString("hex"));
      // Every truncation and 20,000 single-octet mutations of the fast shapes.
      let taken = 0;
      for (const der of base) {
        for (let n = 0; n < der.length; n++) assert.equal(parseSingleCertIdRequest(der.subarray(0, n)), null);
        for (let i = 0; i < 5_000; i++) {
          const input = Buffer.from(der);
          input[i % input.length] ^= 1 + ((i * 7) % 255);
          const fast = parseSingleCertIdRequest(input);
          if (!fast) continue;
          taken++;
          assert.deepEqual(fast, parseOcspRequestFully(input), input.toString("hex"));
        }
      }
      assert.ok(taken > 1000, `only ${taken} mutations took the fast path`);
    });

    it("every truncation of a valid request, and 5,000 random inputs, with OcspRequestError only", () => {
      const der = request({ certIds: [certId(), certId({ hashOid: "2.16.840.1.101.3.4.2.1", size: 32 })], exts: [ext(NONCE, nonce16)] });
      for (let n = 0; n < der.length; n++) refuses(der.subarray(0, n), "malformed", /malformed OCSP request/);
      for (let i = 0; i < 5_000; i++) {
        const input = i % 2 ? randomBytes(i % 200) : Buffer.from(der);
        if (i % 2 === 0) input[i % input.length] ^= 1 + (i % 255);
        try {
          parseOcspRequest(input);
        } catch (e) {
          assert.ok(e instanceof OcspRequestError, String(e));
        }
      }
    });
  });
});
