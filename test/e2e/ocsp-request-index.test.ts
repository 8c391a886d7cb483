// The responder's index of repeated requests (server/publish/response-cache.ts
// byRequest): the same request bytes, POSTed or in a GET URL, are answered from
// the pre-signed answer without parsing. These tests make sure the shortcut
// never outlives the answer it points at: a revocation, the half-life refresh
// and a responder reset all reach it. Every answer is read by openssl.
import { strict as assert } from "node:assert";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pem } from "../../server/ca/pki-files";
import { eventually, startTestServer, testConfig, type TestServer } from "../support/app";
import { makeCsr } from "../support/csr";
import { forEachDatabase } from "../support/databases";
import { opensslOk } from "../support/openssl";

const HOUR = 3_600_000;

forEachDatabase("OCSP: repeated requests answered from the request index", (db) => {
  let server: TestServer;
  let offset = 0;
  const pki = () => join(db.dataDir, "pki");

  before(async function () {
    this.timeout(60_000);
    server = await startTestServer(db, {}, () => new Date(Date.now() + offset));
  });
  after(async () => server?.close());

  /** A certificate and openssl's own -no_nonce request for it (cacheable, RFC 5019 2.1.1). */
  async function certAndRequest(name: string): Promise<{ serial: string; certPath: string; req: Buffer }> {
    const issued = await server.core.issuance.issue({ csr: makeCsr(db.dataDir, "p256").pem, profile: "individual", commonName: name, actor: "test" });
    const certPath = join(db.dataDir, `${issued.serial}.pem`);
    writeFileSync(certPath, pem("CERTIFICATE", issued.certDer));
    const reqPath = join(db.dataDir, `${issued.serial}.req`);
    opensslOk(["ocsp", "-issuer", join(pki(), "issuing.crt.pem"), "-cert", certPath, "-no_nonce", "-reqout", reqPath]);
    return { serial: issued.serial, certPath, req: readFileSync(reqPath) };
  }

  async function post(req: Buffer): Promise<Buffer> {
    const res = await fetch(`${server.url}/ocsp`, { method: "POST", headers: { "content-type": "application/ocsp-request" }, body: new Uint8Array(req) });
    assert.equal(res.status, 200);
    return Buffer.from(await res.arrayBuffer());
  }
  async function get(segment: string): Promise<{ body: Buffer; cacheControl: string | null }> {
    const res = await fetch(`${server.url}/ocsp/${segment}`);
    assert.equal(res.status, 200);
    return { body: Buffer.from(await res.arrayBuffer()), cacheControl: res.headers.get("cache-control") };
  }

  /**
   * POSTs until the answer is indexed, returning it. An answer whose status was read while any
   * revocation was being announced (a test's own, and the revocation feed's copy of it moments
   * later) is sent but deliberately not cached (ocsp-responder.ts, the cache generation).
   */
  async function postUntilIndexed(req: Buffer): Promise<Buffer> {
    const key = "P" + req.toString("latin1");
    return eventually(async () => {
      const body = await post(req);
      return server.responder.answerFor(key)?.body.equals(body) ? body : null;
    }, 5_000, "the answer to be indexed");
  }

  /** openssl verifies the signature and chain and prints the status. */
  function statusByOpenssl(body: Buffer, certPath: string, leewaySeconds = 300): string {
    const path = join(db.dataDir, "answer.der");
    writeFileSync(path, body);
    const r = opensslOk(["ocsp", "-respin", path, "-CAfile", join(pki(), "chain.pem"), "-issuer", join(pki(), "issuing.crt.pem"), "-cert", certPath, "-no_nonce", "-validity_period", String(leewaySeconds)]);
    assert.match(r.stderr + r.stdout, /Response verify OK/);
    const m = /: (good|revoked|unknown)/.exec(r.stdout);
    assert.ok(m, r.stdout);
    return m[1]!;
  }

  it("answers the same bytes again with the same pre-signed answer, by POST, by GET and by a differently encoded GET", async function () {
    this.timeout(30_000);
    const { certPath, req } = await certAndRequest("Lê Văn Chỉ Mục");
    const first = await postUntilIndexed(req);
    assert.equal(statusByOpenssl(first, certPath), "good");
    const b64 = req.toString("base64");
    const indexed = () => ({ post: server.responder.answerFor("P" + req.toString("latin1")), get: server.responder.answerFor("G" + encodeURIComponent(b64)) });
    assert.ok(indexed().post, "the POSTed bytes are indexed");
    assert.equal(indexed().get, undefined, "the GET form is indexed only once it is asked for");
    assert.deepEqual(await post(req), first, "a repeated POST gets the pre-signed bytes");
    const g1 = await get(encodeURIComponent(b64));
    assert.deepEqual(g1.body, first, "the GET gets the same answer");
    assert.match(g1.cacheControl ?? "", /max-age=\d+, public/, "RFC 5019 6.2 caching headers on a GET served from the index");
    assert.ok(indexed().get, "now the GET's URL segment is indexed too");
    assert.deepEqual((await get(encodeURIComponent(b64))).body, first);
    // The same request with '+' and '/' left unescaped: another key, the same answer.
    assert.deepEqual((await get(b64)).body, first);
  });

  it("a revocation reaches every indexed form at once: the next identical request is answered 'revoked'", async function () {
    this.timeout(30_000);
    const { serial, certPath, req } = await certAndRequest("Trần Thị Thu Hồi");
    const b64 = encodeURIComponent(req.toString("base64"));
    assert.equal(statusByOpenssl(await post(req), certPath), "good");
    assert.equal(statusByOpenssl((await get(b64)).body, certPath), "good");
    await server.core.revocation.revoke({ serial, reason: "keyCompromise", actor: "test" });
    assert.equal(server.responder.answerFor("P" + req.toString("latin1")), undefined, "the indexed good answer is gone the moment the revocation is known");
    assert.equal(server.responder.answerFor("G" + b64), undefined);
    assert.equal(statusByOpenssl(await post(req), certPath), "revoked");
    assert.equal(statusByOpenssl((await get(b64)).body, certPath), "revoked");
  });

  it("past half-life the indexed answer is not served: the request is signed anew and indexed again", async function () {
    this.timeout(30_000);
    const { certPath, req } = await certAndRequest("Phạm Văn Nửa Đời");
    const key = "P" + req.toString("latin1");
    const first = await postUntilIndexed(req);
    offset += (testConfig(db).ocsp.validityHours / 2) * HOUR + 1_000;
    assert.equal(server.responder.answerFor(key), undefined, "too old to serve from the index");
    const fresh = await postUntilIndexed(req);
    assert.notDeepEqual(fresh, first, "a newly signed answer");
    // Signed on the moved clock: let openssl accept a thisUpdate that far ahead of its own.
    assert.equal(statusByOpenssl(fresh, certPath, offset / 1000 + 300), "good");
    assert.deepEqual(server.responder.answerFor(key)?.body, fresh, "the new answer is indexed");
  });

  it("a responder reset (new responder certificate) empties the index", async function () {
    this.timeout(30_000);
    const { req } = await certAndRequest("Hoàng Văn Đặt Lại");
    await postUntilIndexed(req);
    const key = "P" + req.toString("latin1");
    server.responder.reset();
    assert.equal(server.responder.answerFor(key), undefined);
  });
});
