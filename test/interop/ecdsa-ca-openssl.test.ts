// A hierarchy on ECDSA P-384 keys (ecdsa-with-SHA384 signatures): certificates,
// CRL and OCSP with SHA-256 CertIDs, all checked with openssl.
import { strict as assert } from "node:assert";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { pem } from "../../server/ca/pki-files";
import { forEachDatabase } from "../support/databases";
import { startTestServer, TestServer } from "../support/app";
import { makeCsr } from "../support/csr";
import { opensslOk } from "../support/openssl";
import { opensslAsync } from "../support/openssl-async";

forEachDatabase("P-384 CA checked with openssl", (db) => {
  let server: TestServer;
  before(async function () {
    this.timeout(30_000);
    server = await startTestServer(db, {}, undefined, "p384");
  });
  after(async () => server?.close());

  it("issues RSA and EC subscribers under an ECDSA P-384 CA; CRL and OCSP (SHA-256 CertID) verify", async function () {
    this.timeout(30_000);
    const pki = join(db.dataDir, "pki");
    const root = join(pki, "root.crt.pem");
    assert.match(opensslOk(["x509", "-in", root, "-noout", "-text"]).stdout, /ecdsa-with-SHA384[\s\S]*NIST CURVE: P-384/);
    const paths: string[] = [];
    for (const key of ["rsa2048", "p256"] as const) {
      const issued = await server.core.issuance.issue({ csr: makeCsr(db.dataDir, key).pem, profile: "organization", commonName: `UBND phường ${key}`, actor: "test" });
      const path = join(db.dataDir, `${key}.pem`);
      writeFileSync(path, pem("CERTIFICATE", issued.certDer));
      paths.push(path);
      assert.match(opensslOk(["verify", "-CAfile", root, "-untrusted", join(pki, "issuing.crt.pem"), path]).stdout, /: OK/);
    }
    const crl = Buffer.from(await (await fetch(`${server.url}/pki/crl/issuing.crl`)).arrayBuffer());
    const v = opensslOk(["crl", "-inform", "DER", "-CAfile", join(pki, "chain.pem"), "-noout", "-verify", "-text"], { input: crl });
    assert.match(v.stderr + v.stdout, /verify OK/);
    assert.match(v.stdout, /ecdsa-with-SHA384/);
    const r = await opensslAsync(["ocsp", "-sha256", "-issuer", join(pki, "issuing.crt.pem"), "-cert", paths[0]!, "-cert", paths[1]!, "-CAfile", join(pki, "chain.pem"), "-url", `${server.url}/ocsp`]);
    assert.match(r.stdout + r.stderr, /Response verify OK/);
    assert.equal((r.stdout.match(/: good/g) ?? []).length, 2, r.stdout);
  });
});
