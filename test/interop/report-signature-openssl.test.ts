// Report signatures checked with a tool we did not write: `openssl cms -verify`
// accepts our detached SignedData over the exact bytes with only the root as
// trust anchor, and refuses it when one byte of the content changes.
import { strict as assert } from "node:assert";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import knexFactory from "knex";
import { Core, openCore } from "../../server/core";
import { REPORT_SIGNER_CN } from "../../server/ca/report-signer";
import { forEachDatabase } from "../support/databases";
import { testConfig } from "../support/app";
import { openssl, opensslOk } from "../support/openssl";

forEachDatabase("report signature checked with openssl cms", (db) => {
  let core: Core;

  before(async function () {
    this.timeout(60_000);
    core = await openCore(testConfig(db));
    await core.hierarchy.init({ alg: "rsa2048", force: false, actor: "test" });
  });
  after(async () => {
    await core?.close();
  });

  it("a detached signature verifies with openssl cms -verify against the root, and fails after one byte changes", async function () {
    this.timeout(30_000);
    const content = Buffer.from("\ufeffBÁO CÁO;Số liệu\nchứng thư số;42\n", "utf8");
    const sig = await core.reportSigner.signDetached(content, "test");
    const dir = db.dataDir;
    writeFileSync(join(dir, "report.csv"), content);
    writeFileSync(join(dir, "report.csv.p7s"), sig.p7s);
    const root = join(dir, "pki", "root.crt.pem");
    const ok = opensslOk(["cms", "-verify", "-binary", "-inform", "DER", "-in", join(dir, "report.csv.p7s"), "-content", join(dir, "report.csv"), "-CAfile", root, "-purpose", "any", "-out", join(dir, "out.bin")]);
    assert.match(ok.stderr, /Verification successful/);
    assert.deepEqual(readFileSync(join(dir, "out.bin")), content);

    // The structure: SignedData v1, detached (no eContent), sha256, ecdsa-with-SHA256, signed attributes.
    const printed = opensslOk(["cms", "-cmsout", "-print", "-inform", "DER", "-in", join(dir, "report.csv.p7s")]).stdout;
    assert.match(printed, /contentType: pkcs7-signedData/);
    assert.match(printed, /eContent: <ABSENT>/);
    assert.match(printed, /algorithm: sha256/);
    assert.match(printed, /algorithm: ecdsa-with-SHA256/);
    assert.match(printed, /object: messageDigest/);
    assert.match(printed, /object: signingTime/);
    assert.match(printed, new RegExp(`CN=${REPORT_SIGNER_CN}`));
    assert.equal(sig.contentSha256.length, 64);

    const changed = Buffer.from(content);
    changed[changed.length - 2] = changed[changed.length - 2]! ^ 0x01;
    writeFileSync(join(dir, "changed.csv"), changed);
    const bad = openssl(["cms", "-verify", "-binary", "-inform", "DER", "-in", join(dir, "report.csv.p7s"), "-content", join(dir, "changed.csv"), "-CAfile", root, "-purpose", "any", "-out", join(dir, "out2.bin")]);
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /Verification failure|digest failure/i);
  });

  it("issues one report-signing certificate on first use, audited, with its own purpose, and reuses it", async function () {
    this.timeout(30_000);
    const a = await core.reportSigner.signDetached(Buffer.from("a"), "test");
    const b = await core.reportSigner.signDetached(Buffer.from("b"), "test");
    assert.equal(a.signerSerial, b.signerSerial);
    const rec = await core.store.certificates.findBySerial(a.signerSerial);
    assert.equal(rec?.profile, "report");
    assert.equal(rec?.status, "valid");
    const pem = join(db.dataDir, "report-signer.pem");
    writeFileSync(pem, `-----BEGIN CERTIFICATE-----\n${a.signerCertDer.toString("base64")}\n-----END CERTIFICATE-----\n`);
    const text = opensslOk(["x509", "-in", pem, "-noout", "-text"]).stdout;
    assert.match(text, /X509v3 Key Usage: critical\s+Digital Signature\s*\n/);
    assert.match(text, /X509v3 Extended Key Usage: \s+2\.999\.84\.2\.2/);
    const pki = join(db.dataDir, "pki");
    assert.match(opensslOk(["verify", "-CAfile", join(pki, "root.crt.pem"), "-untrusted", join(pki, "issuing.crt.pem"), pem]).stdout, /OK/);
    const raw = knexFactory(db.knexConfig());
    try {
      const rows = (await raw("audit_log").where({ action: "report.signer.create" }).select("object_id", "actor")) as Array<{ object_id: string; actor: string }>;
      assert.deepEqual(rows, [{ object_id: a.signerSerial, actor: "test" }]);
    } finally {
      await raw.destroy();
    }
  });
});
