// The CLI as an operator uses it: ca init, cert issue/revoke/show, crl publish.
// Every refusal is one line with a stable code, a non-zero exit, and no change.
import { strict as assert } from "node:assert";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { forEachDatabase } from "../support/databases";
import { lastLine, runCli } from "../support/cli";
import { breakSignature, makeCsr } from "../support/csr";
import { TEST_PASSPHRASE, TEST_PUBLIC_URL } from "../support/app";
import { opensslOk } from "../support/openssl";

forEachDatabase("CLI", (db) => {
  let env: NodeJS.ProcessEnv;
  const cli = (...args: string[]) => runCli(args, env);
  let serial = "";

  before(() => {
    env = db.env({ CA_KEY_PASSPHRASE: TEST_PASSPHRASE, PUBLIC_URL: TEST_PUBLIC_URL });
  });

  const refusal = (r: { status: number; stderr: string }, code: string) => {
    assert.notEqual(r.status, 0, `expected a refusal, got exit 0`);
    const lines = r.stderr.trim().split("\n");
    assert.equal(lines.length, 1, `expected one line on stderr, got:\n${r.stderr}`);
    assert.match(lines[0]!, new RegExp(`^error \\[${code}\\]: `));
    assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
  };

  it("refuses to issue before the CA exists", async () => {
    const csr = makeCsr(db.dataDir, "p256");
    refusal(await cli("cert", "issue", "--csr", csr.csrPath, "--profile", "individual", "--cn", "A"), "CA_NOT_INITIALISED");
  });

  it("ca init creates the hierarchy once, is idempotent, and --alg is validated", async function () {
    this.timeout(60_000);
    refusal(await cli("ca", "init", "--alg", "rsa1024"), "INPUT_INVALID");
    const first = await cli("ca", "init", "--alg", "p256");
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /created: root, issuing, ocsp responder/);
    const again = await cli("ca", "init");
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /nothing to do/);
    const root = join(db.dataDir, "pki", "root.crt.pem");
    const text = opensslOk(["x509", "-in", root, "-noout", "-text"]).stdout;
    assert.match(text, /Subject: .*CN ?= ?chungthu TEST Root CA/);
    assert.match(text, /ecdsa-with-SHA256/);
    assert.match(text, /CA:TRUE/);
  });

  it("cert issue prints the serial last; the certificate verifies with openssl", async function () {
    this.timeout(30_000);
    const csr = makeCsr(db.dataDir, "rsa2048");
    const out = join(db.dataDir, "issued.pem");
    const r = await cli("cert", "issue", "--csr", csr.csrPath, "--profile", "individual", "--cn", "Phạm Minh Tuấn", "--o", "UBND tỉnh Phú Thọ", "--ou", "Văn phòng", "--l", "Phú Thọ", "--email", "tuan.pm@phutho.gov.vn", "--days", "365", "--out", out);
    assert.equal(r.status, 0, r.stderr);
    serial = lastLine(r.stdout);
    assert.match(serial, /^[0-9a-f]{32}$/);
    const v = opensslOk(["verify", "-CAfile", join(db.dataDir, "pki", "root.crt.pem"), "-untrusted", join(db.dataDir, "pki", "issuing.crt.pem"), out]);
    assert.match(v.stdout, /: OK/);
    const x = opensslOk(["x509", "-in", out, "-noout", "-serial", "-enddate"]).stdout;
    assert.match(x, new RegExp(`serial=${serial.toUpperCase()}`));
  });

  it("refuses bad CSRs and bad input with a clear one-line error and stores nothing", async function () {
    this.timeout(60_000);
    const dir = db.dataDir;
    const good = makeCsr(dir, "p256");
    const broken = join(dir, "broken.der");
    writeFileSync(broken, breakSignature(good.der));
    const garbage = join(dir, "garbage.csr");
    writeFileSync(garbage, "-----BEGIN CERTIFICATE REQUEST-----\nbm90IGEgY3Ny\n-----END CERTIFICATE REQUEST-----\n");
    const cases: Array<[string[], string]> = [
      [["--csr", broken, "--profile", "individual", "--cn", "A"], "CSR_BAD_SIGNATURE"],
      [["--csr", makeCsr(dir, "rsa1024").csrPath, "--profile", "individual", "--cn", "A"], "KEY_WEAK"],
      [["--csr", makeCsr(dir, "rsa2048e3").csrPath, "--profile", "individual", "--cn", "A"], "KEY_WEAK"],
      [["--csr", makeCsr(dir, "secp256k1").csrPath, "--profile", "individual", "--cn", "A"], "KEY_UNSUPPORTED"],
      [["--csr", makeCsr(dir, "p521").csrPath, "--profile", "individual", "--cn", "A"], "KEY_UNSUPPORTED"],
      [["--csr", garbage, "--profile", "individual", "--cn", "A"], "CSR_MALFORMED"],
      [["--csr", join(dir, "missing.csr"), "--profile", "individual", "--cn", "A"], "INPUT_INVALID"],
      [["--csr", good.csrPath, "--profile", "server", "--cn", "A"], "PROFILE_UNKNOWN"],
      [["--csr", good.csrPath, "--profile", "individual", "--cn", "A", "--days", "4000"], "VALIDITY_INVALID"],
      [["--csr", good.csrPath, "--profile", "individual", "--cn", "x".repeat(65)], "SUBJECT_INVALID"],
      [["--csr", good.csrPath, "--profile", "individual", "--cn", "A\u0007B"], "SUBJECT_INVALID"],
      [["--csr", good.csrPath, "--profile", "individual", "--cn", "A", "--email", "not-an-email"], "SUBJECT_INVALID"],
      [["--csr", good.csrPath, "--profile", "individual", "--cn", "A", "--dns", "a.example.vn"], "SUBJECT_INVALID"],
    ];
    for (const [args, code] of cases) refusal(await cli("cert", "issue", ...args), code);
    // The one certificate issued so far is still the only one; the good CSR still works.
    const ok = await cli("cert", "issue", "--csr", good.csrPath, "--profile", "device", "--cn", "Máy chủ một cửa", "--dns", "motcua.phutho.gov.vn");
    assert.equal(ok.status, 0, ok.stderr);
    refusal(await cli("cert", "issue", "--csr", good.csrPath, "--profile", "device", "--cn", "Máy chủ một cửa"), "KEY_DUPLICATE");
  });

  it("cert revoke refuses certificateHold and unknown serials, revokes once, and publishes a CRL openssl accepts", async function () {
    this.timeout(30_000);
    refusal(await cli("cert", "revoke", "--serial", serial, "--reason", "certificateHold"), "REASON_INVALID");
    refusal(await cli("cert", "revoke", "--serial", "abcdef", "--reason", "keyCompromise"), "CERT_NOT_FOUND");
    refusal(await cli("cert", "revoke", "--serial", "xyz", "--reason", "keyCompromise"), "INPUT_INVALID");
    refusal(await cli("cert", "revoke", "--serial", serial, "--reason", "keyCompromise", "--invalidity-date", "yesterday"), "INPUT_INVALID");
    const shown = await cli("cert", "show", "--serial", serial);
    assert.match(shown.stdout, /status:\s+valid/);
    const r = await cli("cert", "revoke", "--serial", serial, "--reason", "affiliationChanged");
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /CRL #\d+ published with 1 entries/);
    refusal(await cli("cert", "revoke", "--serial", serial, "--reason", "keyCompromise"), "CERT_ALREADY_REVOKED");
    const after = await cli("cert", "show", "--serial", serial.toUpperCase());
    assert.match(after.stdout, /status:\s+revoked \(affiliationChanged\)/);
    const crl = join(db.dataDir, "pki", "issuing.crl");
    const v = opensslOk(["crl", "-inform", "DER", "-in", crl, "-CAfile", join(db.dataDir, "pki", "chain.pem"), "-noout", "-verify", "-text"]);
    assert.match(v.stderr + v.stdout, /verify OK/);
    assert.match(v.stdout, /Affiliation Changed/);
    assert.equal((v.stdout.match(/Serial Number:/g) ?? []).length, 1);
  });

  it("crl publish numbers CRLs monotonically; ca init --force is refused once certificates exist", async function () {
    this.timeout(30_000);
    const p1 = await cli("crl", "publish");
    const p2 = await cli("crl", "publish");
    const num = (s: string) => Number(/issuing: CRL #(\d+)/.exec(s)?.[1]);
    assert.equal(num(p2.stdout), num(p1.stdout) + 1);
    refusal(await cli("ca", "init", "--force"), "CA_HAS_CERTIFICATES");
    refusal(await cli("cert", "show", "--serial", "00"), "INPUT_INVALID");
  });
});
