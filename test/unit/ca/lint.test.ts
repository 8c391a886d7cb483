// The pre-issuance linter catches each rule it claims to enforce.
import "reflect-metadata";
import { strict as assert } from "node:assert";
import { createHash, generateKeyPairSync } from "node:crypto";
import * as x509 from "@peculiar/x509";
import { createLintCopyMaker, TbsSpec } from "../../../server/ca/lint-copy";
import { lintCertificate, LintExpectations } from "../../../server/ca/lint";
import { buildName } from "../../../server/ca/name";
import { buildExtensions, ExtensionInputs } from "../../../server/ca/profiles";
import { publicKeyHash } from "../../../server/ca/signer";

describe("certificate linter", () => {
  const make = createLintCopyMaker();
  const issuerKey = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const subjectKey = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const spki = subjectKey.publicKey.export({ type: "spki", format: "der" });
  const issuerName = buildName({ commonName: "chungthu TEST Issuing CA", organization: "chungthu TEST" });
  const issuerDer = Buffer.from(new x509.Name(issuerName).toArrayBuffer());
  const issuerSki = publicKeyHash(issuerKey.publicKey).toString("hex");
  const ECDSA_SHA256 = Buffer.from("300a06082a8648ce3d040302", "hex");
  const urls = { crl: "http://t/pki/crl/issuing.crl", ocsp: "http://t/ocsp", caIssuers: "http://t/pki/ca/issuing.crt" };
  const notBefore = new Date("2026-01-01T00:00:00Z");

  function exts(over: Partial<ExtensionInputs> = {}) {
    return buildExtensions({
      profile: "individual",
      keyType: "ec",
      subjectKeyId: createHash("sha1").update(spki).digest("hex"),
      authorityKeyId: issuerSki,
      email: "a@b.gov.vn",
      urls,
      ...over,
    });
  }
  function spec(over: Partial<TbsSpec> = {}): TbsSpec {
    return {
      serialHex: "0a1b2c3d4e5f60718293a4b5c6d7e8f9",
      subject: buildName({ commonName: "Nguyễn Văn A", email: "a@b.gov.vn" }),
      issuerSubjectDer: issuerDer,
      notBefore,
      notAfter: new Date("2027-01-01T00:00:00Z"),
      subjectPublicKeyDer: spki,
      extensions: exts(),
      ...over,
    };
  }
  const expect: LintExpectations = {
    profile: "individual",
    keyType: "ec",
    issuerSubjectDer: issuerDer,
    issuerKeyId: issuerSki,
    issuerNotAfter: new Date("2036-01-01T00:00:00Z"),
    maxDays: 1826,
    urls,
    email: "a@b.gov.vn",
    signatureAlgorithm: ECDSA_SHA256,
  };
  const lint = async (s: TbsSpec, x: Partial<LintExpectations> = {}) => lintCertificate(await make(s, "p256"), { ...expect, ...x });

  it("accepts a certificate built from the profile", async () => {
    assert.deepEqual(await lint(spec()), []);
  });

  const cases: Array<[string, () => Promise<string[]>, RegExp]> = [
    ["an e-mail in the subject but not in subjectAltName", () => lint(spec({ extensions: exts({ email: undefined }) }), { email: undefined }), /subjectAltName/],
    ["a validity longer than the profile allows", () => lint(spec({ notAfter: new Date("2032-01-02T00:00:00Z") })), /exceeds the profile/],
    ["a certificate outliving its issuer", () => lint(spec({ notAfter: new Date("2031-01-01T00:00:00Z") }), { issuerNotAfter: new Date("2030-01-01T00:00:00Z") }), /outlives its issuer/],
    ["keyUsage of another profile", () => lint(spec({ extensions: exts({ profile: "device", email: "a@b.gov.vn" }) })), /keyUsage|extendedKeyUsage/],
    ["an AKI that is not the issuer's key", () => lint(spec({ extensions: exts({ authorityKeyId: "00".repeat(20) }) })), /authorityKeyIdentifier does not match/],
    ["a missing AKI", () => lint(spec({ extensions: exts({ authorityKeyId: null }) })), /authorityKeyIdentifier missing/],
    ["an issuer name differing from the CA's subject", () => lint(spec({ issuerSubjectDer: Buffer.from(new x509.Name(buildName({ commonName: "Other CA" })).toArrayBuffer()) })), /issuer name differs/],
    ["a signature algorithm that is not the issuer key's", () => lint(spec(), { signatureAlgorithm: Buffer.from("300d06092a864886f70d01010b0500", "hex") }), /signature algorithm/],
    ["a non-NFC name", () => lint(spec({ subject: [{ "2.5.4.6": [{ printableString: "VN" }] }, { "2.5.4.3": [{ utf8String: "Nguye\u0302\u0303n" }] }] }), { email: undefined }), /NFC/],
    ["control characters", () => lint(spec({ subject: [{ "2.5.4.6": [{ printableString: "VN" }] }, { "2.5.4.3": [{ utf8String: "A\u0007B" }] }], extensions: exts({ email: undefined }) }), { email: undefined }), /control characters/],
    ["a country that is not PrintableString", () => lint(spec({ subject: [{ "2.5.4.6": [{ utf8String: "VN" }] }, { "2.5.4.3": [{ utf8String: "A" }] }], extensions: exts({ email: undefined }) }), { email: undefined }), /country/],
    ["a name attribute in PrintableString", () => lint(spec({ subject: [{ "2.5.4.6": [{ printableString: "VN" }] }, { "2.5.4.3": [{ printableString: "Nguyen" }] }], extensions: exts({ email: undefined }) }), { email: undefined }), /must be UTF8String/],
    ["a missing CRL distribution point", () => lint(spec({ extensions: exts({ urls: null }) })), /CRL distribution point missing/],
    ["a serial longer than 20 octets", () => lint(spec({ serialHex: "01".repeat(21) })), /20 octets/],
  ];
  for (const [what, run, problem] of cases) {
    it(`refuses ${what}`, async () => {
      const problems = await run();
      assert.ok(problems.some((p) => problem.test(p)), `expected ${problem} in ${JSON.stringify(problems)}`);
    });
  }
});
