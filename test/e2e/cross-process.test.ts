// The CLI and the running server share one database: a revocation made with
// the CLI shows in the server's OCSP answers within a second and in its
// published CRL within seconds (the revocation feed), on both databases.
import { strict as assert } from "node:assert";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { pem } from "../../server/ca/pki-files";
import { forEachDatabase } from "../support/databases";
import { eventually, startTestServer, TestServer, TEST_PASSPHRASE, TEST_PUBLIC_URL } from "../support/app";
import { runCli } from "../support/cli";
import { makeCsr } from "../support/csr";
import { opensslOk } from "../support/openssl";
import { opensslAsync } from "../support/openssl-async";

forEachDatabase("CLI revocation seen by a running server", (db) => {
  let server: TestServer;

  before(async function () {
    this.timeout(30_000);
    server = await startTestServer(db);
  });
  after(async () => server?.close());

  it("OCSP says revoked within 1 s of the CLI's revocation, the CRL lists it within 5 s", async function () {
    this.timeout(30_000);
    const csr = makeCsr(db.dataDir, "p256");
    const issued = await server.core.issuance.issue({ csr: csr.pem, profile: "individual", commonName: "Đỗ Thị Lan", actor: "test" });
    const certPath = join(db.dataDir, "lan.pem");
    writeFileSync(certPath, pem("CERTIFICATE", issued.certDer));
    const pki = join(db.dataDir, "pki");
    const ask = () => opensslAsync(["ocsp", "-issuer", join(pki, "issuing.crt.pem"), "-cert", certPath, "-CAfile", join(pki, "chain.pem"), "-url", `${server.url}/ocsp`, "-no_nonce"]);
    assert.match((await ask()).stdout, /: good/); // now cached as a pre-signed "good"

    const r = await runCli(["cert", "revoke", "--serial", issued.serial, "--reason", "keyCompromise", "--no-publish"], db.env({ CA_KEY_PASSPHRASE: TEST_PASSPHRASE, PUBLIC_URL: TEST_PUBLIC_URL }));
    assert.equal(r.status, 0, r.stderr);
    const revokedAt = Date.now();
    await eventually(async () => /: revoked/.test((await ask()).stdout), 1_000, "OCSP revoked");
    const seenAfter = Date.now() - revokedAt;
    assert.ok(seenAfter <= 1_000, `OCSP lagged ${seenAfter} ms`);

    await eventually(async () => {
      const res = await fetch(`${server.url}/pki/crl/issuing.crl`);
      const text = opensslOk(["crl", "-inform", "DER", "-noout", "-text"], { input: Buffer.from(await res.arrayBuffer()) }).stdout;
      return text.includes(issued.serial.toUpperCase());
    }, 5_000, "the CRL to list the CLI's revocation");
  });
});
