// Our certificates, CRL and OCSP answers checked with GnuTLS (certtool, ocsptool), a stack we did
// not write, on the RSA, P-256 and P-384 hierarchies (leaves RSA, P-256 and P-384) served by the running service.
import { strict as assert } from "node:assert";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { goodLeaves, INTEROP_CA_ALGS, revokedLeaves, run, runOk, sharedProfilePki, type Leaf, type ProfilePki } from "./profile-fixture";

const EKU = { serverAuth: "1.3.6.1.5.5.7.3.1", clientAuth: "1.3.6.1.5.5.7.3.2", emailProtection: "1.3.6.1.5.5.7.3.4" };

for (const caAlg of INTEROP_CA_ALGS) {
  describe(`interop: GnuTLS certtool and ocsptool [${caAlg} CA]`, function () {
    this.timeout(30_000);
    let pki: ProfilePki;

    before(async function () {
      pki = await sharedProfilePki(caAlg);
    });

    /** leaf → issuing → root in one PEM file, the order --verify-chain wants (RFC 5246 7.4.2). */
    const chainOf = (leaf: Leaf) => {
      const path = join(pki.dir, `${leaf.name}-chain.pem`);
      writeFileSync(path, Buffer.concat([readFileSync(leaf.pemPath), readFileSync(pki.issuing.pemPath), readFileSync(pki.root.pemPath)]));
      return path;
    };
    const verdict = (text: string) => /Chain verification output: (.*)/.exec(text)?.[1] ?? text;

    it("certtool --verify-chain accepts root → issuing → leaf for every profile, with the profile's purpose", async () => {
      for (const leaf of Object.values(pki.leaves)) {
        // --verify-profile=medium: 112-bit security, i.e. RSA ≥ 2048 and the P-curves (GnuTLS's profile table).
        const purpose = leaf.profile === "device" ? EKU.serverAuth : EKU.emailProtection;
        const r = await runOk("certtool", ["--verify-chain", "--verify-profile=medium", `--verify-purpose=${purpose}`, "--infile", chainOf(leaf)]);
        assert.match(verdict(r.all), /^Verified\. The certificate is trusted\./, `${leaf.name}: ${r.all}`);
      }
      const device = await runOk("certtool", ["--verify-chain", "--verify-hostname", "dichvucong.phutho.gov.vn", "--infile", chainOf(pki.leaves.device)]);
      assert.match(verdict(device.all), /^Verified/);
    });

    it("certtool --verify-chain refuses a purpose or host name the certificate does not carry (negative controls)", async () => {
      const wrongPurpose = await run("certtool", ["--verify-chain", `--verify-purpose=${EKU.serverAuth}`, "--infile", chainOf(pki.leaves.individual)]);
      assert.notEqual(wrongPurpose.status, 0);
      assert.match(verdict(wrongPurpose.all), /does not match the intended purpose/);
      const wrongHost = await run("certtool", ["--verify-chain", "--verify-hostname", "khac.phutho.gov.vn", "--infile", chainOf(pki.leaves.device)]);
      assert.notEqual(wrongHost.status, 0);
      assert.match(verdict(wrongHost.all), /name in the certificate does not match/);
    });

    it("certtool --crl-info reads our CRL and --verify-crl verifies it with the issuing CA, not with the root", async () => {
      const info = await runOk("certtool", ["--crl-info", "--inder", "--infile", pki.crl.derPath]);
      assert.match(info.stdout, /Version: 2/);
      assert.match(info.stdout, /Authority Key Identifier \(not critical\)/);
      assert.match(info.stdout, /CRL Number \(not critical\)/);
      assert.match(info.stdout, /Next at: /);
      assert.match(info.stdout, /Revoked certificates \(2\)/);
      for (const l of revokedLeaves(pki)) assert.match(info.stdout, new RegExp(`Serial Number \\(hex\\): ${l.serial}`, "i"));
      for (const l of goodLeaves(pki)) assert.doesNotMatch(info.stdout, new RegExp(l.serial, "i"));

      const ok = await runOk("certtool", ["--verify-crl", "--load-ca-certificate", pki.issuing.pemPath, "--infile", pki.crl.pemPath]);
      assert.match(ok.all, /Verification output: Verified\./);
      const wrongCa = await run("certtool", ["--verify-crl", "--load-ca-certificate", pki.root.pemPath, "--infile", pki.crl.pemPath]);
      assert.notEqual(wrongCa.status, 0);
      assert.match(wrongCa.all, /Verification output: Not verified/);
    });

    it("certtool --verify with our CRL loaded: revoked leaves are revoked, the others trusted", async () => {
      for (const leaf of Object.values(pki.leaves)) {
        const chain = join(pki.dir, `${leaf.name}-li.pem`);
        writeFileSync(chain, Buffer.concat([readFileSync(leaf.pemPath), readFileSync(pki.issuing.pemPath)]));
        const r = await run("certtool", ["--verify", "--load-ca-certificate", pki.root.pemPath, "--load-crl", pki.crl.pemPath, "--infile", chain]);
        if (leaf.revoked) {
          assert.notEqual(r.status, 0, leaf.name);
          assert.match(verdict(r.all), /The certificate chain is revoked/, leaf.name);
        } else {
          assert.equal(r.status, 0, `${leaf.name}: ${r.all}`);
          assert.match(verdict(r.all), /^Verified\./, leaf.name);
        }
      }
    });

    it("ocsptool --ask at the AIA URL: good, or revoked, with a verified delegated-responder signature and the nonce echoed", async () => {
      for (const leaf of Object.values(pki.leaves)) {
        const out = join(pki.dir, `${leaf.name}.ocsp`);
        // No --url: ocsptool takes the responder from the certificate's AIA (RFC 5280 4.2.2.1).
        // --load-trust: the responder certificate in the answer must chain to root + issuing (RFC 6960 4.2.2.2).
        const r = await runOk("ocsptool", ["--ask", "--nonce", "--load-issuer", pki.issuing.pemPath, "--load-cert", leaf.pemPath, "--load-trust", pki.chainPath, "--outfile", out]);
        assert.match(r.all, new RegExp(`Connecting to OCSP server: 127\\.0\\.0\\.1`), leaf.name);
        assert.match(r.all, /Verifying OCSP Response: Success\./, `${leaf.name}: ${r.all}`);
        assert.match(r.all, new RegExp(`Serial Number: ${leaf.serial}`, "i"));
        assert.match(r.all, /Nonce: [0-9a-f]+/);
        assert.match(r.all, leaf.revoked ? /Certificate Status: revoked\n\s+Revocation time: / : /Certificate Status: good\n/, `${leaf.name}: ${r.all}`);
        // The saved answer reads back the same with -j and verifies offline against the issuer.
        const saved = await runOk("ocsptool", ["-j", "--infile", out]);
        assert.match(saved.stdout, leaf.revoked ? /Certificate Status: revoked/ : /Certificate Status: good/);
        const offline = await runOk("ocsptool", ["-e", "--load-trust", pki.chainPath, "--infile", out]);
        assert.match(offline.all, /Verifying OCSP Response: Success\./);
      }
    });

    it("ocsptool --url with the issuer as the only trust anchor (direct delegation check)", async () => {
      const out = join(pki.dir, "direct.ocsp");
      const r = await runOk("ocsptool", [`--ask=${pki.url}/ocsp`, "--load-issuer", pki.issuing.pemPath, "--load-cert", pki.leaves.revokedKeyCompromise.pemPath, "--outfile", out]);
      assert.match(r.all, /Certificate Status: revoked/);
      assert.match(r.all, /Verifying OCSP Response: Success\./);
    });
  });
}
