// The direct DER encoders of the issuance cycle (cert-assembly.ts encodeTbs,
// extension-template.ts, name.ts encodeName/formatDn) against what we did not
// write: @peculiar/x509's certificate generator and node's subject rendering.
import "reflect-metadata";
import { strict as assert } from "node:assert";
import { createHash, generateKeyPairSync, webcrypto, X509Certificate } from "node:crypto";
import * as x509 from "@peculiar/x509";
import { assembleCertificate, encodeTbs, tbsOf } from "../../../server/ca/cert-assembly";
import { createExtensionEncoder } from "../../../server/ca/extension-template";
import type { TbsSpec } from "../../../server/ca/lint-copy";
import { buildName, formatDn, type SubjectFields } from "../../../server/ca/name";
import { buildExtensions, type ExtensionInputs } from "../../../server/ca/profiles";

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const urls = { crl: "http://t/pki/crl/issuing.crl", ocsp: "http://t/ocsp", caIssuers: "http://t/pki/ca/issuing.crt" };
const ALGS = {
  p256: { gen: { name: "ECDSA", namedCurve: "P-256" }, sign: { name: "ECDSA", hash: "SHA-256" }, der: "300a06082a8648ce3d040302" },
  p384: { gen: { name: "ECDSA", namedCurve: "P-384" }, sign: { name: "ECDSA", hash: "SHA-384" }, der: "300a06082a8648ce3d040303" },
  rsa: {
    gen: { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
    sign: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
    der: "300d06092a864886f70d01010b0500",
  },
} as const;

/** What @peculiar/x509 makes of the spec (the lint copy's builder before the direct encoder). */
async function libraryTbs(spec: TbsSpec, alg: keyof typeof ALGS): Promise<Buffer> {
  const keys = (await webcrypto.subtle.generateKey(ALGS[alg].gen as EcKeyGenParams, false, ["sign", "verify"])) as CryptoKeyPair;
  const subject = new x509.Name(spec.subject);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: spec.serialHex,
    subject,
    issuer: spec.issuerSubjectDer ? new x509.Name(new Uint8Array(spec.issuerSubjectDer)) : subject,
    notBefore: spec.notBefore,
    notAfter: spec.notAfter,
    publicKey: new x509.PublicKey(new Uint8Array(spec.subjectPublicKeyDer)),
    signingKey: keys.privateKey,
    signingAlgorithm: ALGS[alg].sign as EcdsaParams,
    extensions: spec.extensions as x509.Extension[],
  });
  return tbsOf(Buffer.from(cert.rawData));
}

describe("direct TBSCertificate encoder", () => {
  const ec = generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({ type: "spki", format: "der" });
  const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey.export({ type: "spki", format: "der" });
  const issuerName = Buffer.from(new x509.Name(buildName({ commonName: "chungthu TEST Issuing CA", organization: "chungthu TEST", locality: "Hà Nội" })).toArrayBuffer());
  const ski = (spki: Buffer) => createHash("sha1").update(spki).digest("hex");
  const aki = "ab".repeat(20);
  const vietnamese: SubjectFields = {
    commonName: "Nguyễn Văn An",
    organization: "UBND tỉnh Phú Thọ",
    organizationalUnits: ["Sở Khoa học và Công nghệ", "Phòng \"Tin học\", + số 2"],
    locality: "Phú Thọ",
    email: "an.nv@phutho.gov.vn",
    country: "VN",
  };

  const cases: Array<[string, TbsSpec, keyof typeof ALGS, ExtensionInputs?]> = [];
  const sub = (profile: ExtensionInputs["profile"], subject: SubjectFields, spki: Buffer, keyType: "ec" | "rsa", dnsNames: string[] = []): ExtensionInputs => ({
    profile,
    keyType,
    subjectKeyId: ski(spki),
    authorityKeyId: aki,
    email: subject.email,
    dnsNames,
    urls,
  });
  const spec = (subject: SubjectFields, spki: Buffer, exts: ExtensionInputs, over: Partial<TbsSpec> = {}): TbsSpec => ({
    serialHex: "7a1b2c3d4e5f60718293a4b5c6d7e8f9",
    subject: buildName(subject),
    issuerSubjectDer: issuerName,
    notBefore: new Date("2026-12-07T01:02:03Z"),
    notAfter: new Date("2028-12-06T01:02:03Z"),
    subjectPublicKeyDer: spki,
    extensions: buildExtensions(exts),
    ...over,
  });
  const ind = sub("individual", vietnamese, ec, "ec");
  cases.push(["an individual (P-256 subscriber, e-mail)", spec(vietnamese, ec, ind), "p256", ind]);
  const org: SubjectFields = { commonName: "Văn phòng UBND tỉnh", organization: "UBND tỉnh Phú Thọ", organizationalUnits: [], country: "VN" };
  const orgExt = sub("organization", org, rsa, "rsa");
  cases.push(["an organisation (RSA subscriber, no e-mail, P-384 issuer)", spec(org, rsa, orgExt, { serialHex: "01" }), "p384", orgExt]);
  const dev: SubjectFields = { commonName: "cong.phutho.gov.vn", organizationalUnits: ["Trung tâm CNTT"], email: "ops@phutho.gov.vn", country: "VN" };
  const devExt = sub("device", dev, ec, "ec", ["cong.phutho.gov.vn", "www.phutho.gov.vn"]);
  cases.push(["a device (DNS names, RSA issuer, validity past 2050)", spec(dev, ec, devExt, { notAfter: new Date("2051-01-01T00:00:00Z") }), "rsa", devExt]);
  const rootExt: ExtensionInputs = { profile: "root", keyType: "ec", subjectKeyId: ski(ec), authorityKeyId: null, urls: null };
  cases.push(["a self-signed root", spec({ commonName: "chungthu TEST Root CA", organization: "chungthu TEST" }, ec, rootExt, { issuerSubjectDer: null }), "p256"]);
  const ocspExt: ExtensionInputs = { profile: "ocsp", keyType: "ec", subjectKeyId: ski(ec), authorityKeyId: aki, urls };
  cases.push(["an OCSP responder (ocsp-nocheck)", spec({ commonName: "chungthu TEST OCSP" }, ec, ocspExt), "p256"]);
  const issExt: ExtensionInputs = { profile: "issuing", keyType: "rsa", subjectKeyId: ski(rsa), authorityKeyId: aki, urls };
  cases.push(["an issuing CA", spec({ commonName: "chungthu TEST Issuing CA" }, rsa, issExt), "rsa"]);

  for (const [what, s, alg, exts] of cases) {
    it(`encodes ${what} byte for byte as the library does`, async () => {
      assert.equal(encodeTbs(s, Buffer.from(ALGS[alg].der, "hex")).toString("hex"), (await libraryTbs(s, alg)).toString("hex"));
    });
    if (exts) {
      it(`encodes the extensions of ${what} as buildExtensions does`, () => {
        const encode = createExtensionEncoder();
        const want = buildExtensions(exts).map((e) => Buffer.from(e.rawData).toString("hex"));
        // Twice: the second call comes from the cached template.
        assert.deepEqual(encode(exts).map((b) => b.toString("hex")), want);
        assert.deepEqual(encode({ ...exts, subjectKeyId: exts.subjectKeyId }).map((b) => b.toString("hex")), want);
      });
    }
  }

  it("keeps per-certificate extensions per certificate (the template does not leak one subscriber's SAN or key id)", () => {
    const encode = createExtensionEncoder();
    encode(ind);
    const other = { ...ind, subjectKeyId: "cd".repeat(20), email: "b@phutho.gov.vn" };
    assert.deepEqual(encode(other).map((b) => b.toString("hex")), buildExtensions(other).map((e) => Buffer.from(e.rawData).toString("hex")));
  });

  it("renders the subject as node's X509Certificate does (the stored subject_dn)", async () => {
    const names: SubjectFields[] = [
      vietnamese,
      { commonName: "#hash, leading", organizationalUnits: ["trailing space ", " leading space", "a;b<c>d\\e"], country: "VN" },
      { commonName: "Đặng Thị Ánh Nguyệt", email: "x@y.vn", country: "VN" },
    ];
    for (const f of names) {
      const s = spec(f, ec, ind);
      const der = await libraryTbs(s, "p256");
      // A certificate node can parse around the library's TBS (the signature is not checked here).
      const cert = new X509Certificate(assembleCertificate(der, Buffer.from(ALGS.p256.der, "hex"), Buffer.alloc(8)));
      assert.equal(formatDn(s.subject), cert.subject.split("\n").join(", "));
    }
  });
});
