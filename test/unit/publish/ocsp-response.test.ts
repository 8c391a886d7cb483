// Unit tests of server/publish/ocsp-response.ts: exact RFC 6960 4.2.1 structure, CertStatus encodings, refusals, and openssl's reading of the bytes.
import assert from "node:assert/strict";
import { generateKeyPairSync, verify } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createSigner } from "../../../server/ca/signer";
import { children, contentOf, encodedOf, parseDer, readEnumerated, readGeneralizedTime, readOctetString, readOid, type DerNode } from "../../../server/asn1/der-reader";
import { generalizedTime, integerFromHex, NULL_DER, octetString, oid, sequence } from "../../../server/asn1/der-writer";
import { RevocationReasonError } from "../../../server/publish/crl-encoder";
import { encodeOcspError, encodeOcspSuccess, OcspResponseInputError, type OcspSuccessInput, type SingleResponseInput } from "../../../server/publish/ocsp-response";
import { openssl, opensslOk, writeTemp } from "../../support/openssl";
import { useTempDir } from "../../support/tmp";

const keys = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
const signer = createSigner(keys.privateKey, keys.publicKey);
const certIdDer = sequence([sequence([oid("1.3.14.3.2.26"), NULL_DER]), octetString(Buffer.alloc(20, 1)), octetString(Buffer.alloc(20, 2)), integerFromHex("8a3c")]);
const producedAt = new Date("2026-11-23T10:00:00Z");
const thisUpdate = new Date("2026-11-23T09:59:00Z");
const nextUpdate = new Date("2026-11-23T21:59:00Z");
const nonce = Buffer.from("0410" + "cd".repeat(16), "hex");
const GT = (d: Date) => generalizedTime(d).toString("hex");

describe("ocsp-response", () => {
  const tmp = useTempDir("chungthu-ocsp-resp-");
  let responderCertDer: Buffer;

  before(() => {
    // A real certificate for the responder's key, so openssl can decode the certs field.
    writeTemp(tmp(), "key.pem", keys.privateKey.export({ type: "pkcs8", format: "pem" }));
    opensslOk(["req", "-x509", "-new", "-key", "key.pem", "-subj", "/CN=Unit OCSP Responder", "-days", "2", "-outform", "DER", "-out", "cert.der"], { cwd: tmp() });
    responderCertDer = readFileSync(join(tmp(), "cert.der"));
  });

  function input(responses: SingleResponseInput[], over: Partial<OcspSuccessInput> = {}): OcspSuccessInput {
    return { responderKeyHash: signer.publicKeyHash, producedAt, responses, nonceExtension: nonce, responderCertDer, ...over };
  }
  const single = (status: SingleResponseInput["status"]): SingleResponseInput => ({ certIdDer, status, thisUpdate, nextUpdate });

  /** OCSPResponse → status, and the BasicOCSPResponse (a DER of its own inside the OCTET STRING) with its fields. */
  function open(der: Buffer): { status: number; b: Buffer; basic: DerNode[]; tbs: DerNode[]; responses: DerNode[] } {
    const top = children(der, parseDer(der));
    const status = readEnumerated(der, top[0]!);
    const responseBytes = children(der, children(der, top[1]!)[0]!);
    assert.equal(readOid(der, responseBytes[0]!), "1.3.6.1.5.5.7.48.1.1");
    const b = readOctetString(der, responseBytes[1]!);
    const basic = children(b, parseDer(b));
    const tbs = children(b, basic[0]!);
    return { status, b, basic, tbs, responses: children(b, tbs[2]!) };
  }

  it("error responses: constant DER with no responseBytes (RFC 6960 4.2.1)", () => {
    assert.equal(encodeOcspError("malformedRequest").toString("hex"), "30030a0101");
    assert.equal(encodeOcspError("internalError").toString("hex"), "30030a0102");
    assert.equal(encodeOcspError("tryLater").toString("hex"), "30030a0103");
    assert.equal(encodeOcspError("sigRequired").toString("hex"), "30030a0105");
    assert.equal(encodeOcspError("unauthorized").toString("hex"), "30030a0106");
    encodeOcspError("tryLater").fill(0); // callers get copies
    assert.equal(encodeOcspError("tryLater").toString("hex"), "30030a0103");
    assert.throws(() => encodeOcspError("successful" as "tryLater"), RangeError);
  });

  it("successful response: byKey responder ID, producedAt, no version, nonce echoed, responder cert, valid signature", () => {
    const { status, b: der, basic, tbs, responses } = open(encodeOcspSuccess(input([single({ kind: "good" })]), signer));
    assert.equal(status, 0);
    assert.equal(tbs.length, 4); // responderID, producedAt, responses, [1] extensions — v1 is DEFAULT, omitted
    assert.equal(encodedOf(der, tbs[0]!).toString("hex"), "a2160414" + signer.publicKeyHash.toString("hex"));
    assert.equal(readGeneralizedTime(der, tbs[1]!).toISOString(), producedAt.toISOString());
    const [nonceExt] = children(der, children(der, tbs[3]!)[0]!);
    const [extnId, extnValue, ...rest] = children(der, nonceExt!);
    assert.equal(readOid(der, extnId!), "1.3.6.1.5.5.7.48.1.2");
    assert.equal(rest.length, 0); // non-critical
    assert.deepEqual(readOctetString(der, extnValue!), nonce);
    assert.equal(responses.length, 1);

    assert.deepEqual(encodedOf(der, basic[1]!), signer.algorithmIdentifier);
    const sig = contentOf(der, basic[2]!).subarray(1);
    assert.ok(verify("sha256", encodedOf(der, basic[0]!), keys.publicKey, sig));
    assert.equal(basic[3]!.identifier, 0xa0);
    const certs = children(der, children(der, basic[3]!)[0]!);
    assert.deepEqual(certs.map((c) => encodedOf(der, c)), [responderCertDer]);
  });

  it("SingleResponse: CertID echoed, then status, thisUpdate, nextUpdate [0] EXPLICIT", () => {
    const { b: der, responses } = open(encodeOcspSuccess(input([single({ kind: "good" })]), signer));
    const r = responses[0]!;
    assert.equal(encodedOf(der, r).toString("hex"), [
      "30" + (certIdDer.length + 2 + 17 + 19).toString(16),
      certIdDer.toString("hex"),
      "8000",
      GT(thisUpdate),
      "a011" + GT(nextUpdate),
    ].join(""));
  });

  it("CertStatus encodings: good [0] NULL, unknown [2] NULL, revoked [1] with and without reason", () => {
    const revokedAt = new Date("2026-01-02T03:04:05.999Z");
    const { b: der, responses } = open(encodeOcspSuccess(
      input([
        single({ kind: "good" }),
        single({ kind: "unknown" }),
        single({ kind: "revoked", revokedAt, reason: 1 }),
        single({ kind: "revoked", revokedAt, reason: null }),
        single({ kind: "revoked", revokedAt, reason: 0 }), // unspecified → left out, as on the CRL
        single({ kind: "revoked", revokedAt, reason: 10 }),
      ]),
      signer,
    ));
    const statuses = responses.map((r) => encodedOf(der, children(der, r)[1]!).toString("hex"));
    const t = GT(new Date("2026-01-02T03:04:05Z"));
    assert.deepEqual(statuses, ["8000", "8200", `a116${t}a0030a0101`, `a111${t}`, `a111${t}`, `a116${t}a0030a010a`]);
  });

  it("no responseExtensions without a nonce", () => {
    const der = encodeOcspSuccess(input([single({ kind: "good" })], { nonceExtension: null }), signer);
    assert.equal(open(der).tbs.length, 3);
  });

  it("openssl decodes it and prints the statuses", () => {
    const der = encodeOcspSuccess(
      input([single({ kind: "revoked", revokedAt: new Date("2026-05-06T07:08:09Z"), reason: 4 }), single({ kind: "unknown" })]),
      signer,
    );
    const path = writeTemp(tmp(), "resp.der", der);
    const r = opensslOk(["ocsp", "-respin", path, "-resp_text", "-noverify"]);
    assert.match(r.stdout, /OCSP Response Status: successful \(0x0\)/);
    assert.match(r.stdout, new RegExp(`Responder Id: ${signer.publicKeyHash.toString("hex").toUpperCase()}\\n`));
    assert.match(r.stdout, /Produced At: Nov 23 10:00:00 2026 GMT/);
    assert.match(r.stdout, /Cert Status: revoked\n\s+Revocation Time: May  6 07:08:09 2026 GMT\n\s+Revocation Reason: superseded \(0x4\)/);
    assert.match(r.stdout, /Cert Status: unknown\n\s+This Update: Nov 23 09:59:00 2026 GMT\n\s+Next Update: Nov 23 21:59:00 2026 GMT/);
    assert.match(r.stdout, new RegExp(`OCSP Nonce: \\n\\s+${nonce.toString("hex").toUpperCase()}`));
    assert.match(r.stdout, /Subject: CN ?= ?Unit OCSP Responder/);
  });

  describe("refuses", () => {
    for (const reason of [6, 7, 8, 11]) {
      it(`revocation reason ${reason}`, () => {
        assert.throws(() => encodeOcspSuccess(input([single({ kind: "revoked", revokedAt: thisUpdate, reason })]), signer), RevocationReasonError);
      });
    }
    const bad: Array<[string, () => OcspSuccessInput, RegExp]> = [
      ["an empty response list", () => input([]), /no SingleResponse/],
      ["a responder key hash that is not SHA-1 sized", () => input([single({ kind: "good" })], { responderKeyHash: Buffer.alloc(32) }), /SHA-1/],
      ["a CertID that is not DER", () => input([{ ...single({ kind: "good" }), certIdDer: Buffer.from("3005", "hex") }]), /certIdDer/],
      ["a responder certificate that is not DER", () => input([single({ kind: "good" })], { responderCertDer: Buffer.from("30", "hex") }), /responderCertDer/],
      ["nextUpdate before thisUpdate", () => input([{ ...single({ kind: "good" }), nextUpdate: thisUpdate }]), /nextUpdate must be later/],
    ];
    for (const [what, make, pattern] of bad) {
      it(what, () => assert.throws(() => encodeOcspSuccess(make(), signer), (e: unknown) => e instanceof OcspResponseInputError && pattern.test(e.message)));
    }
    it("a failed signature fails openssl's check (sanity of the signed bytes)", () => {
      const der = encodeOcspSuccess(input([single({ kind: "good" })]), { ...signer, sign: () => Buffer.from("3006020101020101", "hex") });
      const path = writeTemp(tmp(), "bad.der", der);
      const r = openssl(["ocsp", "-respin", path, "-VAfile", writeTemp(tmp(), "cert.der.pem", derToPem(responderCertDer)), "-no_nonce"]);
      assert.match(r.stderr + r.stdout, /Response Verify Failure/);
    });
  });
});

function derToPem(der: Buffer): string {
  return `-----BEGIN CERTIFICATE-----\n${der.toString("base64").replace(/.{64}/g, "$&\n")}\n-----END CERTIFICATE-----\n`;
}
