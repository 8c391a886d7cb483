// The delegated OCSP responder certificate is short-lived and renewed before it
// expires; answers signed after renewal still verify with openssl.
import { strict as assert } from "node:assert";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { X509Certificate } from "node:crypto";
import { pem } from "../../server/ca/pki-files";
import { forEachDatabase } from "../support/databases";
import { startTestServer, TestServer } from "../support/app";
import { makeCsr } from "../support/csr";
import { opensslAsync } from "../support/openssl-async";

const DAY = 86_400_000;

forEachDatabase("OCSP responder renewal", (db) => {
  let server: TestServer;
  // The CA is set up "25 days ago": its 30-day responder then has 5 days left.
  let offset = -25 * DAY;
  before(async function () {
    this.timeout(30_000);
    server = await startTestServer(db, {}, () => new Date(Date.now() + offset));
    offset = 0;
  });
  after(async () => server?.close());

  it("renews the responder when fewer than 10 days are left, and the new one signs verifiable answers", async function () {
    this.timeout(30_000);
    const ring = server.core.keyRing;
    const issuing = (await ring.active("issuing"))!;
    const old = (await ring.responderFor(issuing.record.id))!;
    assert.equal(await server.core.hierarchy.ensureResponder("test"), true);
    assert.equal(await server.core.hierarchy.ensureResponder("test"), false, "a fresh responder is not renewed again");
    server.responder.reset();
    const renewed = (await ring.responderFor(issuing.record.id))!;
    assert.notEqual(renewed.record.slug, old.record.slug);
    assert.equal((await server.core.store.cas.findById(old.record.id))?.status, "retired");
    assert.ok(renewed.record.notAfter.getTime() - Date.now() > 29 * DAY);

    const csr = makeCsr(db.dataDir, "p256");
    const issued = await server.core.issuance.issue({ csr: csr.pem, profile: "individual", commonName: "Vũ Thị Mai", actor: "test" });
    const certPath = join(db.dataDir, "mai.pem");
    writeFileSync(certPath, pem("CERTIFICATE", issued.certDer));
    const pki = join(db.dataDir, "pki");
    const r = await opensslAsync(["ocsp", "-issuer", join(pki, "issuing.crt.pem"), "-cert", certPath, "-CAfile", join(pki, "chain.pem"), "-url", `${server.url}/ocsp`, "-resp_text"]);
    assert.match(r.stdout + r.stderr, /Response verify OK/);
    assert.match(r.stdout, /: good/);
    // The certificate inside the response is the renewed responder's.
    const renewedSerial = new X509Certificate(renewed.record.certDer).serialNumber.toLowerCase();
    assert.ok(r.stdout.toLowerCase().replace(/[:\s]/g, "").includes(renewedSerial.replace(/^0+/, "")), "the response carries the renewed responder certificate");
  });
});
