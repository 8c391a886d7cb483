// Our certificates, CRL and OCSP answers checked with NSS (certutil, vfychain, crlutil), the
// certificate stack of Firefox and Thunderbird, against the running service.
import { strict as assert } from "node:assert";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { makeTempDir, removeTempDir } from "../support/tmp";
import { goodLeaves, INTEROP_CA_ALGS, revokedLeaves, run, runOk, sharedProfilePki, type Leaf, type ProfilePki } from "./profile-fixture";

/** vfychain -u values (certificateUsage bits, see `vfychain -h`). */
const USAGE = { sslClient: "0", sslServer: "1", emailSigner: "4" } as const;

/** The usages a profile's leaf must validate for: what its KU/EKU allow (server/ca/profiles.ts). */
function usagesOf(leaf: Leaf): string[] {
  return leaf.profile === "device" ? [USAGE.sslServer, USAGE.sslClient] : [USAGE.emailSigner, USAGE.sslClient];
}

for (const caAlg of INTEROP_CA_ALGS) {
  describe(`interop: NSS certutil, vfychain and crlutil [${caAlg} CA]`, function () {
    this.timeout(30_000);
    let pki: ProfilePki;
    let nssDir: string;
    let db: string;

    before(async function () {
      pki = await sharedProfilePki(caAlg);
      nssDir = makeTempDir("chungthu-nss-");
      db = `sql:${nssDir}`;
      await runOk("certutil", ["-N", "--empty-password", "-d", db]);
      // Trust flags SSL,S/MIME,code: "C" trusted CA for server certificates, "T" for client
      // certificates, "C" in the S/MIME slot for e-mail signers. The issuing CA is only present, not trusted.
      await runOk("certutil", ["-A", "-d", db, "-n", "chungthu test root", "-t", "CT,C,", "-a", "-i", pki.root.pemPath]);
      await runOk("certutil", ["-A", "-d", db, "-n", "chungthu test issuing", "-t", ",,", "-a", "-i", pki.issuing.pemPath]);
    });
    after(() => {
      if (nssDir) removeTempDir(nssDir);
    });

    const vfychain = (leaf: Leaf, usage: string, revocation: string[] = []) => run("vfychain", ["-v", "-pp", "-d", db, "-u", usage, ...revocation, "-a", leaf.pemPath]);

    it("certutil lists the imported root with the trust we gave it", async () => {
      const r = await runOk("certutil", ["-L", "-d", db]);
      assert.match(r.stdout, /chungthu test root\s+CT,C,/);
      assert.match(r.stdout, /chungthu test issuing\s+,,/);
    });

    it("vfychain -pp: every profile's leaf chains to the root for its usages (no revocation checking)", async () => {
      for (const leaf of Object.values(pki.leaves)) {
        for (const usage of usagesOf(leaf)) {
          const r = await vfychain(leaf, usage);
          assert.equal(r.status, 0, `${leaf.name} usage ${usage}: ${r.all}`);
          assert.match(r.all, /Root Certificate Subject:: "CN=chungthu TEST Root CA/);
        }
      }
    });

    it("vfychain refuses a usage the profile does not allow, and a root that is not trusted (negative controls)", async () => {
      const signer = await vfychain(pki.leaves.individual, USAGE.sslServer);
      assert.notEqual(signer.status, 0);
      assert.match(signer.all, /ERROR -8102: Certificate key usage inadequate|ERROR -8101: Certificate type not approved/);
      const untrusted = makeTempDir("chungthu-nss-empty-");
      try {
        await runOk("certutil", ["-N", "--empty-password", "-d", `sql:${untrusted}`]);
        const r = await run("vfychain", ["-pp", "-d", `sql:${untrusted}`, "-u", USAGE.emailSigner, "-a", pki.leaves.individual.pemPath, "-a", pki.issuing.pemPath]);
        assert.notEqual(r.status, 0);
        assert.match(r.all, /Chain is bad!/);
      } finally {
        removeTempDir(untrusted);
      }
    });

    it("vfychain with OCSP checking at the AIA URL (failIfNoInfo): good leaves pass, revoked ones fail as revoked", async () => {
      // -g leaf -m ocsp: check the leaf with OCSP only; failIfNoInfo: no answer is a failure, so a pass proves our responder answered.
      const ocsp = ["-g", "leaf", "-m", "ocsp", "-s", "failIfNoInfo"];
      for (const leaf of goodLeaves(pki)) {
        const r = await vfychain(leaf, usagesOf(leaf)[0]!, ocsp);
        assert.equal(r.status, 0, `${leaf.name}: ${r.all}`);
      }
      for (const leaf of revokedLeaves(pki)) {
        const r = await vfychain(leaf, usagesOf(leaf)[0]!, ocsp);
        assert.notEqual(r.status, 0, leaf.name);
        assert.match(r.all, /ERROR -8180: Peer's Certificate has been revoked\./, leaf.name);
      }
    });

    it("crlutil -I imports our CRL (signature checked), -L lists it with reasons; vfychain then finds the revoked leaves by CRL", async () => {
      // A CRL with one signature bit flipped is refused: proof crlutil checks the signature.
      const tampered = Buffer.from(pki.crl.der);
      tampered[tampered.length - 3]! ^= 0x01;
      const bad = join(nssDir, "tampered.crl");
      writeFileSync(bad, tampered);
      const refused = await run("crlutil", ["-I", "-d", db, "-i", bad]);
      assert.notEqual(refused.status, 0);
      assert.match(refused.all, /SEC_ERROR_CRL_BAD_SIGNATURE/);

      await runOk("crlutil", ["-I", "-d", db, "-i", pki.crl.derPath]);
      const names = await runOk("crlutil", ["-L", "-d", db]);
      assert.match(names.stdout, /chungthu test issuing\s+CRL/);
      const listing = (await runOk("crlutil", ["-L", "-d", db, "-n", "chungthu test issuing"])).stdout;
      assert.match(listing, /Version: 2 \(0x1\)/);
      assert.match(listing, /Next Update: /);
      const serials = [...listing.matchAll(/Serial Number:\s+([0-9a-f:]+)/g)].map((m) => m[1]!.replace(/:/g, ""));
      assert.deepEqual(serials.sort(), revokedLeaves(pki).map((l) => l.serial.toLowerCase()).sort());
      // keyCompromise (1) and cessationOfOperation (5), RFC 5280 5.3.1.
      assert.deepEqual([...listing.matchAll(/CRL reason code\s+Data: (\d+)/g)].map((m) => m[1]).sort(), ["1", "5"]);

      const crl = ["-g", "leaf", "-m", "crl", "-s", "forbidFetching", "-s", "failIfNoInfo"];
      for (const leaf of Object.values(pki.leaves)) {
        const r = await vfychain(leaf, usagesOf(leaf)[0]!, crl);
        if (leaf.revoked) {
          assert.notEqual(r.status, 0, leaf.name);
          assert.match(r.all, /ERROR -8180: Peer's Certificate has been revoked\./, leaf.name);
        } else {
          assert.equal(r.status, 0, `${leaf.name}: ${r.all}`);
        }
      }
    });
  });
}
