// A lost token, end to end, checked with openssl against the running server on
// sqlite and PostgreSQL: the focal point reports it lost on the web page; the
// server's OCSP URL answers "revoked, keyCompromise" for every certificate on
// the token (`openssl ocsp`, measured: must be < 60 s), and the CRL fetched
// over HTTP lists them (`openssl crl`, `openssl verify -crl_check`, measured:
// must be < 5 minutes) — issue 5, "Revocation when it matters".
import { strict as assert } from "node:assert";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { pem } from "../../server/ca/pki-files";
import { AccessFixture, PASSWORD, seedAccessFixture } from "../support/access-fixture";
import { eventually, startTestServer, TestServer } from "../support/app";
import { makeCsr } from "../support/csr";
import { forEachDatabase } from "../support/databases";
import { openssl, opensslOk } from "../support/openssl";
import { opensslAsync } from "../support/openssl-async";
import { WebClient } from "../support/web-client";

const OCSP_LIMIT_MS = 60_000;
const CRL_LIMIT_MS = 5 * 60_000;

forEachDatabase("interop: lost token → OCSP and CRL with openssl", (db) => {
  let server: TestServer;
  let fx: AccessFixture;
  let pki: { root: string; issuing: string; chain: string };
  const onToken: Array<{ serial: string; path: string }> = [];
  let bystander: string;
  let tokenId: number;

  const certFile = async (serial: string) => {
    const c = (await server.core.store.certificates.findBySerial(serial))!;
    const path = join(db.dataDir, `${serial}.pem`);
    writeFileSync(path, pem("CERTIFICATE", c.certDer!));
    return path;
  };
  const ocsp = (certPath: string) => opensslAsync(["ocsp", "-issuer", pki.issuing, "-CAfile", pki.chain, "-url", `${server.url}/ocsp`, "-cert", certPath]);
  const fetchCrl = async () => {
    const res = await fetch(`${server.url}/pki/crl/issuing.crl`);
    assert.equal(res.status, 200);
    const der = join(db.dataDir, `issuing-${Date.now()}.crl`);
    writeFileSync(der, Buffer.from(await res.arrayBuffer()));
    return { der, text: opensslOk(["crl", "-inform", "DER", "-in", der, "-noout", "-text"]).stdout };
  };

  before(async function () {
    this.timeout(90_000);
    server = await startTestServer(db);
    fx = await seedAccessFixture(server, db.dataDir);
    const dir = join(db.dataDir, "pki");
    pki = { root: join(dir, "root.crt.pem"), issuing: join(dir, "issuing.crt.pem"), chain: join(dir, "chain.pem") };
    const { store, issuance } = server.core;
    const holder = await store.subscribers.insert({ kind: "individual", unitId: fx.units.DEPT_A, name: "Lê Văn Mất Token" }, new Date());
    tokenId = (await store.tokens.insert({ serial: "TK-LOST-0001", type: "usb_token", unitId: fx.units.DEPT_A, state: "in_use", holderSubscriberId: holder }, new Date())) as number;
    // Signing and encryption certificates on one token, as the real service issues them.
    for (const [cn, alg] of [["Lê Văn Mất Token", "rsa2048"], ["Lê Văn Mất Token (mã hóa)", "p256"]] as const) {
      const serial = (await issuance.issue({ csr: makeCsr(db.dataDir, alg).pem, profile: "individual", commonName: cn, organization: "UBND tỉnh Thử Nghiệm", email: "mat.token@thunghiem.gov.vn", actor: "test:fixture", unitId: fx.units.DEPT_A })).serial;
      await store.tokens.attachCertificate(serial, tokenId);
      onToken.push({ serial, path: await certFile(serial) });
    }
    bystander = await certFile(fx.certs.a);
  });
  after(async () => server?.close());

  it("reported lost on the page: OCSP answers revoked (keyCompromise) within 60 s and the CRL lists every certificate within 5 minutes", async function () {
    this.timeout(CRL_LIMIT_MS + 60_000);
    // Before: good, and cached as a pre-signed "good" answer — the cache must not outlive the revocation.
    for (const c of onToken) assert.match((await ocsp(c.path)).stdout, /: good/);
    const crlBefore = await fetchCrl();
    for (const c of onToken) assert.ok(!crlBefore.text.includes(c.serial.toUpperCase()));

    const focal = new WebClient(server.url);
    assert.equal((await focal.signIn("focal_a", PASSWORD)).status, 303);
    const preview = await focal.get(`/tokens/${tokenId}/lost`);
    for (const c of onToken) assert.ok(preview.text.includes(c.serial), "the confirmation page lists the certificate");
    const reportedAt = Date.now();
    assert.equal((await focal.post(`/tokens/${tokenId}/lost`, { note: "Mất trên đường đi công tác" })).status, 303);

    const ocspMs: number[] = [];
    for (const c of onToken) {
      const answer = await eventually(async () => {
        const r = await ocsp(c.path);
        return /: revoked/.test(r.stdout) ? r : null;
      }, OCSP_LIMIT_MS, `OCSP revoked for ${c.serial}`);
      ocspMs.push(Date.now() - reportedAt);
      assert.match(answer.stdout + answer.stderr, /Response verify OK/);
      assert.match(answer.stdout, /Reason: keyCompromise/);
    }
    assert.match((await ocsp(bystander)).stdout, /: good/, "another certificate of the agency is untouched");

    const crl = await eventually(async () => {
      const c = await fetchCrl();
      return onToken.every((x) => c.text.includes(x.serial.toUpperCase())) ? c : null;
    }, CRL_LIMIT_MS, "the CRL to list every certificate on the lost token");
    const crlMs = Date.now() - reportedAt;
    assert.match(crl.text, /Key Compromise/);
    const crlPem = join(db.dataDir, "issuing-after.crl.pem");
    opensslOk(["crl", "-inform", "DER", "-in", crl.der, "-out", crlPem]);
    for (const c of onToken) {
      const v = openssl(["verify", "-crl_check", "-CAfile", pki.root, "-untrusted", pki.issuing, "-CRLfile", crlPem, c.path]);
      assert.notEqual(v.status, 0);
      assert.match(v.stdout + v.stderr, /certificate revoked/);
    }
    assert.match(opensslOk(["verify", "-crl_check", "-CAfile", pki.root, "-untrusted", pki.issuing, "-CRLfile", crlPem, bystander]).stdout, /: OK/);

    const worstOcsp = Math.max(...ocspMs);
    console.log(`      [${db.kind}] lost token: OCSP revoked after ${worstOcsp} ms (limit ${OCSP_LIMIT_MS} ms), CRL listed after ${crlMs} ms (limit ${CRL_LIMIT_MS} ms)`);
    assert.ok(worstOcsp < OCSP_LIMIT_MS, `OCSP took ${worstOcsp} ms`);
    assert.ok(crlMs < CRL_LIMIT_MS, `CRL took ${crlMs} ms`);
    assert.equal((await server.core.store.tokens.findById(tokenId))!.state, "lost");
  });
});
