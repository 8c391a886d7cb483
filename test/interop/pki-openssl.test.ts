// The running app's certificates, CRLs and OCSP answers, checked with the
// openssl CLI (a tool we did not write), on sqlite and on PostgreSQL.
import { strict as assert } from "node:assert";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pem } from "../../server/ca/pki-files";
import type { Issued } from "../../server/ca/issue-cycle";
import { forEachDatabase } from "../support/databases";
import { eventually, startTestServer, TestServer, TEST_PUBLIC_URL } from "../support/app";
import { makeCsr } from "../support/csr";
import { openssl, opensslOk } from "../support/openssl";
import { opensslAsync } from "../support/openssl-async";

const ACTOR = "test:interop";

forEachDatabase("PKI artefacts checked with openssl", (db) => {
  let server: TestServer;
  let dir: string;
  let root: string;
  let issuing: string;
  let chain: string;
  const certs: Record<string, { issued: Issued; path: string }> = {};

  const certFile = (name: string, issued: Issued) => {
    const path = join(dir, `${name}.pem`);
    writeFileSync(path, pem("CERTIFICATE", issued.certDer));
    return path;
  };
  const fetchCrl = async (slug: string) => {
    const res = await fetch(`${server.url}/pki/crl/${slug}.crl`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "application/pkix-crl");
    const path = join(dir, `${slug}-${Date.now()}.crl`);
    writeFileSync(path, Buffer.from(await res.arrayBuffer()));
    return path;
  };
  const crlNumber = (path: string) => Number(/CRL Number:\s*\n\s*(\d+)/.exec(opensslOk(["crl", "-inform", "DER", "-in", path, "-noout", "-text"]).stdout)?.[1]);
  const ocsp = (args: string[]) => opensslAsync(["ocsp", "-issuer", issuing, "-CAfile", chain, "-url", `${server.url}/ocsp`, ...args]);

  before(async function () {
    this.timeout(60_000);
    dir = db.dataDir;
    server = await startTestServer(db);
    root = join(dir, "pki", "root.crt.pem");
    issuing = join(dir, "pki", "issuing.crt.pem");
    chain = join(dir, "pki", "chain.pem");
    const cases: Array<[string, Parameters<typeof makeCsr>[1], Record<string, unknown>]> = [
      ["individual", "rsa2048", { profile: "individual", commonName: "Nguyễn Thị Hồng Nhung", organization: "UBND tỉnh Phú Thọ", organizationalUnits: ["Sở Khoa học và Công nghệ", "Văn phòng"], locality: "Phú Thọ", email: "nhung.nth@phutho.gov.vn" }],
      ["organization", "rsa3072", { profile: "organization", commonName: "Sở Tài chính tỉnh Phú Thọ", organization: "UBND tỉnh Phú Thọ", locality: "Phú Thọ", email: "stc@phutho.gov.vn" }],
      ["device", "p256", { profile: "device", commonName: "Cổng dịch vụ công tỉnh", organization: "UBND tỉnh Phú Thọ", dnsNames: ["dichvucong.phutho.gov.vn"] }],
      ["individual-p384", "p384", { profile: "individual", commonName: "Trần Văn Đức", organization: "UBND xã Hy Cương", locality: "Phú Thọ" }],
      ["to-revoke", "p256", { profile: "individual", commonName: "Lê Văn Mất Token", organization: "UBND tỉnh Phú Thọ", email: "mat.token@phutho.gov.vn" }],
    ];
    for (const [name, key, fields] of cases) {
      const csr = makeCsr(dir, key);
      const issued = await server.core.issuance.issue({ csr: csr.pem, actor: ACTOR, ...(fields as { profile: string }) });
      certs[name] = { issued, path: certFile(name, issued) };
    }
  });

  after(async () => {
    await server?.close();
  });

  it("every profile verifies against the root with openssl verify", () => {
    for (const [name, c] of Object.entries(certs)) {
      const r = opensslOk(["verify", "-CAfile", root, "-untrusted", issuing, c.path]);
      assert.match(r.stdout, /: OK/, `${name}: ${r.stdout}`);
    }
  });

  it("encodes the subject as real Vietnamese certificates do: C PrintableString, the rest UTF8String, e-mail also in SAN", () => {
    const parsed = opensslOk(["asn1parse", "-in", certs.individual!.path]).stdout;
    assert.match(parsed, /PRINTABLESTRING\s+:VN/);
    assert.match(parsed, /UTF8STRING\s+:Nguyễn Thị Hồng Nhung/);
    assert.match(parsed, /IA5STRING\s+:nhung.nth@phutho.gov.vn/);
    const text = opensslOk(["x509", "-in", certs.individual!.path, "-noout", "-text"]).stdout;
    assert.match(text, /email:nhung.nth@phutho.gov.vn/);
    assert.match(text, /Key Usage: critical\s+Digital Signature, Non Repudiation/);
    assert.match(text, /CA:FALSE/);
    assert.match(text, new RegExp(`URI:${TEST_PUBLIC_URL}/pki/crl/issuing.crl`));
    assert.match(text, new RegExp(`OCSP - URI:${TEST_PUBLIC_URL}/ocsp`));
    assert.match(text, new RegExp(`CA Issuers - URI:${TEST_PUBLIC_URL}/pki/ca/issuing.crt`));
    assert.match(text, /Policy: 2\.999\.84\.1\.1/);
    const device = opensslOk(["x509", "-in", certs.device!.path, "-noout", "-text"]).stdout;
    assert.match(device, /DNS:dichvucong.phutho.gov.vn/);
    assert.match(device, /TLS Web Server Authentication/);
    assert.match(opensslOk(["verify", "-purpose", "sslserver", "-CAfile", root, "-untrusted", issuing, certs.device!.path]).stdout, /: OK/);
  });

  it("serves the CA certificates as DER; the issuing CA's AIA points at the root's URL", async () => {
    for (const slug of ["root", "issuing"]) {
      const res = await fetch(`${server.url}/pki/ca/${slug}.crt`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("content-type"), "application/pkix-cert");
      const der = Buffer.from(await res.arrayBuffer());
      const text = opensslOk(["x509", "-inform", "DER", "-noout", "-text"], { input: der }).stdout;
      assert.match(text, /TEST/);
      if (slug === "issuing") {
        assert.match(text, new RegExp(`CA Issuers - URI:${TEST_PUBLIC_URL}/pki/ca/root.crt`));
        assert.match(text, new RegExp(`URI:${TEST_PUBLIC_URL}/pki/crl/root.crl`));
        assert.match(text, /CA:TRUE, pathlen:0/);
      }
    }
    assert.equal((await fetch(`${server.url}/pki/ca/nope.crt`)).status, 404);
    assert.equal((await fetch(`${server.url}/pki/ca/..%2F..%2Fetc%2Fpasswd`)).status, 404);
  });

  it("publishes CRLs that openssl crl -verify accepts, for the root and the issuing CA", async () => {
    for (const slug of ["root", "issuing"]) {
      const crl = await fetchCrl(slug);
      const r = opensslOk(["crl", "-inform", "DER", "-in", crl, "-CAfile", chain, "-noout", "-verify"]);
      assert.match(r.stderr + r.stdout, /verify OK/);
    }
  });

  it("OCSP over POST: good with the nonce echoed, unknown for a serial we never issued", async () => {
    const good = await ocsp(["-cert", certs.individual!.path]);
    assert.equal(good.status, 0, good.stderr);
    assert.match(good.stdout + good.stderr, /Response verify OK/);
    assert.match(good.stdout, /: good/);
    assert.doesNotMatch(good.stdout + good.stderr, /WARNING: no nonce/);
    const unknown = await ocsp(["-serial", "0x1234567890abcdef"]);
    assert.match(unknown.stdout, /: unknown/);
  });

  it("OCSP answers several certificates in one request", async () => {
    const r = await ocsp(["-cert", certs.individual!.path, "-cert", certs.organization!.path, "-cert", certs.device!.path]);
    assert.match(r.stdout + r.stderr, /Response verify OK/);
    assert.equal((r.stdout.match(/: good/g) ?? []).length, 3, r.stdout);
  });

  it("OCSP over GET (RFC 6960 A.1, URL-encoded base64) with HTTP caching headers", async () => {
    const reqPath = join(dir, "get-req.der");
    opensslOk(["ocsp", "-issuer", issuing, "-cert", certs.organization!.path, "-no_nonce", "-reqout", reqPath]);
    const b64 = encodeURIComponent(readFileSync(reqPath).toString("base64"));
    const res = await fetch(`${server.url}/ocsp/${b64}`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "application/ocsp-response");
    assert.match(res.headers.get("cache-control") ?? "", /max-age=\d+, public, no-transform, must-revalidate/);
    assert.ok(res.headers.get("last-modified"));
    assert.ok(res.headers.get("expires"));
    const respPath = join(dir, "get-resp.der");
    writeFileSync(respPath, Buffer.from(await res.arrayBuffer()));
    const r = opensslOk(["ocsp", "-respin", respPath, "-issuer", issuing, "-cert", certs.organization!.path, "-CAfile", chain]);
    assert.match(r.stdout + r.stderr, /Response verify OK/);
    assert.match(r.stdout, /: good/);
  });

  it("after a revocation: OCSP says revoked with reason at once, the CRL lists it within seconds, openssl verify -crl_check fails", async () => {
    const target = certs["to-revoke"]!;
    const before = crlNumber(await fetchCrl("issuing"));
    await server.core.revocation.revoke({ serial: target.issued.serial, reason: "keyCompromise", invalidityDate: new Date(Date.now() - 3_600_000), actor: ACTOR });
    const r = await ocsp(["-cert", target.path]);
    assert.match(r.stdout + r.stderr, /Response verify OK/);
    assert.match(r.stdout, /: revoked/);
    assert.match(r.stdout, /Reason: keyCompromise/);
    const crl = await eventually(async () => {
      const p = await fetchCrl("issuing");
      return crlNumber(p) > before ? p : null;
    }, 5_000, "a new CRL after the revocation");
    const text = opensslOk(["crl", "-inform", "DER", "-in", crl, "-noout", "-text"]).stdout;
    assert.match(text, new RegExp(target.issued.serial.toUpperCase()));
    assert.match(text, /Key Compromise/);
    assert.match(text, /Invalidity Date/);
    const crlPem = join(dir, "issuing-crl.pem");
    opensslOk(["crl", "-inform", "DER", "-in", crl, "-out", crlPem]);
    const revoked = openssl(["verify", "-crl_check", "-CAfile", root, "-untrusted", issuing, "-CRLfile", crlPem, target.path]);
    assert.notEqual(revoked.status, 0);
    assert.match(revoked.stdout + revoked.stderr, /certificate revoked/);
    const stillGood = opensslOk(["verify", "-crl_check", "-CAfile", root, "-untrusted", issuing, "-CRLfile", crlPem, certs.individual!.path]);
    assert.match(stillGood.stdout, /: OK/);
  });

  it("refuses a second revocation and certificateHold, changing nothing", async () => {
    const serial = certs["to-revoke"]!.issued.serial;
    await assert.rejects(server.core.revocation.revoke({ serial, reason: "superseded", actor: ACTOR }), { code: "CERT_ALREADY_REVOKED" });
    await assert.rejects(server.core.revocation.revoke({ serial: certs.device!.issued.serial, reason: "certificateHold", actor: ACTOR }), { code: "REASON_INVALID" });
    const device = await server.core.store.certificates.findBySerial(certs.device!.issued.serial);
    assert.equal(device?.status, "valid");
    const rec = await server.core.store.certificates.findBySerial(serial);
    assert.equal(rec?.revocationReason, 1);
    const audit = await server.core.store.audit.forObject("certificate", serial);
    assert.deepEqual(audit.map((a) => `${a.action}:${a.outcome}`), ["cert.issue:ok", "cert.revoke:ok", "cert.revoke:refused"]);
  });

  it("answers garbage with malformedRequest and a foreign issuer with unauthorized, and keeps serving", async () => {
    const post = async (body: Buffer) => {
      const res = await fetch(`${server.url}/ocsp`, { method: "POST", body: new Uint8Array(body), headers: { "content-type": "application/ocsp-request" } });
      assert.equal(res.status, 200);
      return Buffer.from(await res.arrayBuffer()).toString("hex");
    };
    assert.equal(await post(Buffer.from("this is not DER")), "30030a0101");
    assert.equal(await post(Buffer.alloc(0)), "30030a0101");
    assert.equal(await post(Buffer.alloc(1024 * 1024, 0x30)), "30030a0101");
    const bad = await fetch(`${server.url}/ocsp/not*base64`);
    assert.equal(Buffer.from(await bad.arrayBuffer()).toString("hex"), "30030a0101");
    // A CertID for a CA we do not run: openssl's own throwaway CA.
    const foreignKey = join(dir, "foreign.key");
    const foreign = join(dir, "foreign.pem");
    opensslOk(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", foreignKey, "-subj", "/CN=Foreign CA", "-days", "2", "-out", foreign]);
    const reqPath = join(dir, "foreign-req.der");
    opensslOk(["ocsp", "-issuer", foreign, "-serial", "0x01", "-reqout", reqPath]);
    assert.equal(await post(readFileSync(reqPath)), "30030a0106");
    const after = await ocsp(["-cert", certs.individual!.path]);
    assert.match(after.stdout, /: good/);
  });
});
