// Bounded fuzzing (fast-check) of the parsers that read untrusted bytes and the
// validators of untrusted form fields (issue 8). Properties: nothing but our
// typed errors is ever thrown, no call takes long (no hang, no blow-up), and
// nothing that should be refused is accepted. 300 runs each; the seed is fixed
// in CI (FUZZ_SEED overrides it, and fast-check prints it on failure).
import { strict as assert } from "node:assert";
import fc from "fast-check";
import {
  children,
  DerError,
  type DerNode,
  parseDer,
  readBitString,
  readBoolean,
  readIntegerHex,
  readNull,
  readOctetString,
  readOid,
  readSmallInteger,
  readTime,
} from "../../server/asn1/der-reader";
import { NULL_DER, integerFromHex, octetString, oid, sequence, tlv } from "../../server/asn1/der-writer";
import { AppError, isAppError } from "../../server/errors/app-error";
import { checkCsr } from "../../server/ra/csr-check";
import { parseRequestData } from "../../server/ra/request-forms";
import { REQUEST_TYPES } from "../../server/ra/request-types";
import { mixedScripts, validateSubject } from "../../server/ra/subject-policy";
import { OcspRequestError, parseOcspRequest } from "../../server/publish/ocsp-request";
import { buildCsr, CA_TRUE, extensionRequest, KU_DIGITAL_SIGNATURE } from "../support/hostile-csr";

const RUNS = 300;
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : process.env.CI === "true" ? 20_261_123 : Date.now() % 2 ** 31;
const params = { numRuns: RUNS, seed: SEED };
/** A call on a few KB that takes longer than this is a hang or a blow-up. */
const SLOW_MS = 1_000; // generous: a loaded CI machine pauses; a real blow-up takes seconds

function timed<T>(what: string, fn: () => T): T {
  const t0 = performance.now();
  try {
    return fn();
  } finally {
    const ms = performance.now() - t0;
    assert.ok(ms < SLOW_MS, `${what} took ${ms.toFixed(0)} ms`);
  }
}

/** Random DER-shaped trees: mostly well-formed, so the fuzzer gets past the first byte. */
const derTree: fc.Arbitrary<Buffer> = fc.letrec<{ node: Buffer }>((tie) => ({
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.tuple(fc.constantFrom(0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x0a, 0x0c, 0x13, 0x17, 0x18, 0x80, 0x81), fc.uint8Array({ maxLength: 24 })).map(([t, c]) => tlv(t, Buffer.from(c))),
    fc.tuple(fc.constantFrom(0x30, 0x31, 0xa0, 0xa1, 0xa2), fc.array(tie("node"), { maxLength: 4 })).map(([t, kids]) => tlv(t, kids)),
  ),
})).node;

/** A sample with one of: a byte changed, a cut, an insertion. */
function mutated(samples: Buffer[]): fc.Arbitrary<Buffer> {
  return fc
    .tuple(fc.constantFrom(...samples), fc.nat(), fc.integer({ min: 1, max: 255 }), fc.constantFrom("flip", "cut", "insert"), fc.uint8Array({ minLength: 1, maxLength: 8 }))
    .map(([s, at, x, how, extra]) => {
      const i = at % s.length;
      if (how === "cut") return s.subarray(0, i);
      if (how === "insert") return Buffer.concat([s.subarray(0, i), Buffer.from(extra), s.subarray(i)]);
      const copy = Buffer.from(s);
      copy[i] = copy[i]! ^ x;
      return copy;
    });
}

/** Every typed reader on every node: DerError or a value, nothing else. */
function readEverything(buf: Buffer, root: DerNode): void {
  const stack = [root];
  let seen = 0;
  while (stack.length && seen++ < 10_000) {
    const node = stack.pop()!;
    if (node.constructed) {
      stack.push(...children(buf, node));
      continue;
    }
    for (const read of [readBitString, readBoolean, readIntegerHex, readNull, readOctetString, readOid, readSmallInteger, readTime]) {
      try {
        read(buf, node);
      } catch (e) {
        if (!(e instanceof DerError)) throw e;
      }
    }
  }
}

// Fixed samples, so that a seed reproduces a run exactly (ECDSA signatures are randomised):
// CSRs made once with buildCsr() (P-256, and RSA 2048 signed sha256WithRSAEncryption).
const EC_CSR =
  "MIHXMH8CAQAwHTEbMBkGA1UEAwwSTmd1eeG7hW4gVsSDbiBGdXp6MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEwcq0VGGRqIl5" +
  "HxCygOenuIGxN61WPyZIw3UcXNiqhbK0lEZ7lffdzhHSi8ysetOrCX9gEAA0ek6Q+I82rlnYnaAAMAoGCCqGSM49BAMCA0gAMEUC" +
  "IQDKL+J5dcZmKo/ByzoG1mTFhK7vf0PEr7y3sN9uX7giagIgLUqM2QLLX6ADKTpYPMfwTrVaWmuhQV0UTlAPINKm4nE=";
const RSA_CSR =
  "MIICUzCCATsCAQAwDjEMMAoGA1UEAwwDcnNhMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA1mjCJFD4PPXwM+soXy10" +
  "H3/UXFA8kBm1Pbg/18AE7e55obkLD/MyA1AvMF+8jzm+PvweOYhgCYsc0yw5tikOfXVCB9MJcuUrkIulQjJljvuoe7IJtSMKB6Tp" +
  "KIMlHtPnncqDWIpsvTz6KppXH0+A1m7CrJJ399d4T59BgrrNmKqFmU5b4wPfa4zYaR3EWr08avqGyns465plKgYAp6h7cbxheDBm" +
  "qq0Qn1FRrR1lYw/pNnJcP0nWnIfW4wHFoGZ4YxAQI1NWYDdMdrXOcdcLZOBtKW6TvL+tWtAKgBNmQd7jTKhlYoxuGDpeEeQCC50z" +
  "HT/LaPR1SaQ06TY+8qmeGQIDAQABoAAwDQYJKoZIhvcNAQELBQADggEBAAuPX3eTe0l93ptVlALgPTUTDFW2zjpKLRR+idvtk8uc" +
  "IzmwMLi2AuOb5nQ9d+wuyC8S5TjxlywBGNuWIcMvLEQXoICojJNsaqxhIYDDJOrkqbfYNN0e91XeExHDowkJbS9XEF7nGwsIwptj" +
  "KYdc7zl6bt9HRiT35f0UHF0fCGeP8LtmJEbxkbjzdFMtTcM1qCod0zL2+vnAmnh8dieHPdV7q7BAW8BuJ7sdGZsMQ1QO0kmoP9uc" +
  "Yf0sztSVy5Q8y0dG8wP1CRlH9DxFNB4J/vHw/bDIQ1pCHBmg83fyEMo7q0D7AmcYw/pC90hcG4Zkql/zbk9bYfH/Sz2JeFPkrk4=";

const OID_SHA1 = "1.3.14.3.2.26";
const OID_SHA256 = "2.16.840.1.101.3.4.2.1";
const fixed = (size: number, fill: number) => Buffer.alloc(size, fill);
const certId = (hashOid: string, size: number, serial: string) => sequence([sequence([oid(hashOid), NULL_DER]), octetString(fixed(size, 0x5a)), octetString(fixed(size, 0xa5)), integerFromHex(serial)]);
const OCSP_SAMPLES = [
  sequence([sequence([sequence([sequence([certId(OID_SHA1, 20, "0a1b2c")])])])]),
  sequence([sequence([sequence([sequence([certId(OID_SHA256, 32, "7f")]), sequence([certId(OID_SHA1, 20, "01")])]), tlv(0xa2, [sequence([sequence([oid("1.3.6.1.5.5.7.48.1.2"), octetString(octetString(fixed(16, 0x3c)))])])])])]),
];

describe("hardening: fuzz (fast-check, bounded)", function () {
  this.timeout(60_000);

  before(() => console.log(`      fast-check seed ${SEED}, ${RUNS} runs each`));

  it("DER reader: random bytes, random trees and mutated samples give a tree or DerError, never anything else", () => {
    const samples = [...OCSP_SAMPLES, Buffer.from(EC_CSR, "base64")];
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 600 }).map((a) => Buffer.from(a)), derTree, mutated(samples)), (bytes) => {
        timed("parseDer", () => {
          let root: DerNode;
          try {
            root = parseDer(bytes);
          } catch (e) {
            if (e instanceof DerError) return;
            throw e;
          }
          // Accepted: it must tile the input exactly.
          assert.equal(root.start, 0);
          assert.equal(root.end, bytes.length);
          readEverything(bytes, root);
        });
      }),
      params,
    );
  });

  it("OCSP request parser: only OcspRequestError; what it accepts is strict DER with hashes of the right length", () => {
    const SIZES: Record<string, number> = { sha1: 20, sha256: 32, sha384: 48, sha512: 64 };
    fc.assert(
      fc.property(fc.oneof(mutated(OCSP_SAMPLES), derTree.map((t) => sequence([sequence([t])])), fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a))), (bytes) => {
        timed("parseOcspRequest", () => {
          let req;
          try {
            req = parseOcspRequest(bytes, { maxCertIds: 1000 });
          } catch (e) {
            if (e instanceof OcspRequestError) return;
            throw e;
          }
          parseDer(bytes); // would throw if the parser had accepted non-DER
          assert.ok(req.certIds.length >= 1 && req.certIds.length <= 1000);
          for (const id of req.certIds) {
            assert.equal(id.issuerNameHash.length, SIZES[id.hashAlgorithm]);
            assert.equal(id.issuerKeyHash.length, SIZES[id.hashAlgorithm]);
            assert.match(id.serialHex, /^-?[0-9a-f]+$/);
          }
          if (req.nonce) assert.ok(req.nonce.length >= 3 && req.nonce.length <= 34);
        });
      }),
      params,
    );
  });

  it("CSR check: any change to a valid CSR is refused with one of its codes; random bytes too", async () => {
    const CODES = new Set(["CSR_MALFORMED", "CSR_BAD_SIGNATURE", "KEY_WEAK", "KEY_UNSUPPORTED", "CSR_EXTENSION_REFUSED"]);
    const ec = Buffer.from(EC_CSR, "base64");
    const rsa = Buffer.from(RSA_CSR, "base64");
    await checkCsr(ec);
    await checkCsr(rsa);
    const outcome = async (bytes: Buffer): Promise<string> => {
      const t0 = performance.now();
      try {
        await checkCsr(bytes);
        return "ACCEPTED";
      } catch (e) {
        if (!isAppError(e) || !CODES.has(e.code)) throw e;
        return e.code;
      } finally {
        assert.ok(performance.now() - t0 < SLOW_MS * 2, "checkCsr took too long");
      }
    };
    await fc.assert(
      fc.asyncProperty(mutated([ec, rsa]), async (bytes) => {
        assert.notEqual(await outcome(bytes), "ACCEPTED", "a changed CSR was accepted");
      }),
      params,
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.uint8Array({ maxLength: 400 }).map((a) => Buffer.from(a)), derTree, fc.string({ maxLength: 300 }).map((s) => `-----BEGIN CERTIFICATE REQUEST-----\n${s}\n-----END CERTIFICATE REQUEST-----`)), async (input) => {
        assert.notEqual(await outcome(Buffer.isBuffer(input) ? input : Buffer.from(input)), "ACCEPTED");
      }),
      params,
    );
    assert.equal(await outcome(buildCsr({ attributes: [extensionRequest([CA_TRUE])] })), "CSR_EXTENSION_REFUSED");
    // Tolerated as before: a CSR without the attributes field, and one asking only for digitalSignature.
    assert.equal(await outcome(buildCsr({ noAttributes: true })), "ACCEPTED");
    assert.equal(await outcome(buildCsr({ attributes: [extensionRequest([KU_DIGITAL_SIGNATURE])] })), "ACCEPTED");
  });

  const CONTROL = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]/;
  /** Strings a person, a script or an attacker might type. */
  const text = fc.oneof(
    fc.string({ maxLength: 80 }),
    fc.string({ unit: "binary", maxLength: 80 }),
    fc.string({ unit: "grapheme", maxLength: 80 }),
    fc.constantFrom("Nguyễn Văn An", "Nguy\u0065\u0302\u0303n", "N\u0433uyễn", "Vа\u0301n", "<script>alert(1)</script>", "' OR 1=1 --", "A".repeat(10_000), "\u202eniamod", ""),
  );
  const value = fc.oneof(text, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(text, { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 5 }), text, { maxKeys: 2 }));
  const NAME_FIELDS = new Set(["fullName", "position", "clerkName", "organizationName", "deviceName", "responsiblePerson"]);

  it("request form validators: only REQUEST_INVALID; accepted names have no control characters, one script and ≤ 64 characters", () => {
    fc.assert(
      fc.property(fc.constantFrom(...REQUEST_TYPES), fc.dictionary(fc.constantFrom("subscriberId", "fullName", "nationalId", "position", "email", "phone", "tokenSerial", "days", "organizationName", "clerkName", "deviceName", "purpose", "responsiblePerson", "dnsNames", "targetSerial", "reasonText", "trigger", "holderSubscriberId", "__proto__", "constructor"), value, { maxKeys: 10 }), (type, raw) => {
        timed("parseRequestData", () => {
          let data: Record<string, unknown>;
          try {
            data = parseRequestData(type, raw) as Record<string, unknown>;
          } catch (e) {
            if (e instanceof AppError && e.code === "REQUEST_INVALID") return;
            throw e;
          }
          for (const [k, v] of Object.entries(data)) {
            if (typeof v !== "string") continue;
            assert.ok(!CONTROL.test(v), `${k} kept a control character`);
            if (NAME_FIELDS.has(k)) {
              assert.equal(mixedScripts(v), null, `${k} mixes scripts: ${v}`);
              assert.ok([...v].length <= 64, `${k} too long`);
            }
          }
        });
      }),
      params,
    );
  });

  it("subject policy: only SUBJECT_INVALID; an accepted subject is clean", () => {
    fc.assert(
      fc.property(fc.record({ commonName: text, organization: fc.option(text, { nil: undefined }), organizationalUnits: fc.array(text, { maxLength: 5 }), email: fc.option(text, { nil: undefined }) }), (input) => {
        timed("validateSubject", () => {
          try {
            const s = validateSubject(input);
            for (const v of [s.commonName, s.organization ?? "", ...s.organizationalUnits]) {
              assert.ok(!CONTROL.test(v));
              assert.equal(mixedScripts(v), null);
              assert.ok([...v].length <= 64);
            }
          } catch (e) {
            if (!(e instanceof AppError && e.code === "SUBJECT_INVALID")) throw e;
          }
        });
      }),
      params,
    );
  });
});
