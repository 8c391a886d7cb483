// OCSP requests made by `openssl ocsp` parsed by server/publish/ocsp-request.ts, and responses from ocsp-response.ts verified by `openssl ocsp`.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseOcspRequest, type OcspRequest } from "../../server/publish/ocsp-request";
import { encodeOcspError, encodeOcspSuccess, type SingleResponseInput } from "../../server/publish/ocsp-response";
import { makePki, openssl, opensslOk, output, signerFor, type Pki } from "./pki-fixture";

const HOUR = 3_600_000;

describe("interop: OCSP with openssl", function () {
  this.timeout(30_000);
  let pki: Pki;
  const now = new Date(Math.floor(Date.now() / 1000) * 1000);
  const nextUpdate = new Date(now.getTime() + HOUR);

  before(() => {
    pki = makePki();
  });
  after(() => pki?.remove());

  /** `openssl ocsp -issuer … <targets> -reqout`, parsed by us; also returns openssl's own -req_text. */
  function request(name: string, targets: string[], extra: string[] = []): { req: OcspRequest; path: string; text: string } {
    const path = join(pki.dir, `${name}.req`);
    opensslOk(["ocsp", "-issuer", pki.issuing.certPath, ...extra, ...targets, "-reqout", path]);
    const text = opensslOk(["ocsp", "-reqin", path, "-req_text"]).stdout;
    return { req: parseOcspRequest(readFileSync(path)), path, text };
  }

  /** The values openssl prints for each CertID of a request. */
  function opensslCertIds(text: string): Array<{ hash: string; name: string; key: string; serial: string }> {
    return [...text.matchAll(/Hash Algorithm: (\S+)\s+Issuer Name Hash: (\S+)\s+Issuer Key Hash: (\S+)\s+Serial Number: (\S+)/g)].map((m) => ({
      hash: m[1]!,
      name: m[2]!.toLowerCase(),
      key: m[3]!.toLowerCase(),
      serial: m[4]!.toLowerCase().replace(/^0+(?=.)/, ""),
    }));
  }

  function respond(name: string, responses: SingleResponseInput[], nonce: Buffer | null): string {
    const der = encodeOcspSuccess(
      { responderKeyHash: pki.responder.keyHash, producedAt: now, responses, nonceExtension: nonce, responderCertDer: pki.responder.certDer },
      signerFor(pki.responder),
    );
    const path = join(pki.dir, `${name}.resp`);
    writeFileSync(path, der);
    return path;
  }

  it("parses a request for two certificates with a nonce, field for field as openssl prints it", () => {
    const { req, text } = request("two", ["-cert", pki.leaf1.certPath, "-cert", pki.leaf2.certPath]);
    const expected = opensslCertIds(text);
    assert.equal(req.certIds.length, 2);
    req.certIds.forEach((id, i) => {
      assert.deepEqual(
        { hash: id.hashAlgorithm, name: id.issuerNameHash.toString("hex"), key: id.issuerKeyHash.toString("hex"), serial: id.serialHex },
        expected[i],
      );
    });
    assert.equal(req.certIds[0]!.serialHex, pki.leaf1.serialHex);
    assert.equal(req.certIds[1]!.serialHex, pki.leaf2.serialHex);
    // Independent of openssl: the hashes are SHA-1 of the issuer's Name DER and key bits (RFC 6960 4.1.1).
    assert.deepEqual(req.certIds[0]!.issuerNameHash, createHash("sha1").update(pki.issuing.subjectDer).digest());
    assert.deepEqual(req.certIds[0]!.issuerKeyHash, pki.issuing.keyHash);
    const nonce = /OCSP Nonce: \n\s+([0-9A-F]+)/.exec(text)?.[1];
    assert.ok(nonce, text);
    assert.equal(req.nonce?.toString("hex").toUpperCase(), nonce);
  });

  it("parses -no_nonce, -serial and -sha256 requests", () => {
    const plain = request("serials", ["-serial", "0x0", "-serial", "0xdeadbeef", "-serial", "0x00ff"], ["-no_nonce"]).req;
    assert.equal(plain.nonce, null);
    assert.deepEqual(plain.certIds.map((c) => c.serialHex), ["0", "deadbeef", "ff"]);

    const { req, text } = request("sha256", ["-cert", pki.leaf1.certPath, "-serial", "0x1234"], ["-sha256"]);
    assert.deepEqual(req.certIds.map((c) => c.hashAlgorithm), ["sha256", "sha256"]);
    assert.deepEqual(opensslCertIds(text).map((c) => c.hash), ["sha256", "sha256"]);
    assert.deepEqual(req.certIds[0]!.issuerNameHash, createHash("sha256").update(pki.issuing.subjectDer).digest());
    assert.equal(req.certIds[0]!.issuerKeyHash.length, 32);
  });

  it("response: good, revoked with reason, unknown; signed by the delegated responder; nonce echoed", () => {
    const { req, path: reqPath } = request("mixed", ["-cert", pki.leaf1.certPath, "-cert", pki.leaf2.certPath, "-serial", "0xdeadbeef"]);
    const revokedAt = new Date(now.getTime() - 5 * HOUR);
    const respPath = respond(
      "mixed",
      [
        { certIdDer: req.certIds[0]!.der, status: { kind: "revoked", revokedAt, reason: 1 }, thisUpdate: now, nextUpdate },
        { certIdDer: req.certIds[1]!.der, status: { kind: "good" }, thisUpdate: now, nextUpdate },
        { certIdDer: req.certIds[2]!.der, status: { kind: "unknown" }, thisUpdate: now, nextUpdate },
      ],
      req.nonce,
    );
    // The responder certificate is only in the response: openssl must build its chain to
    // the trusted root and accept it as a delegated responder (RFC 6960 4.2.2.2).
    const r = opensslOk(["ocsp", "-respin", respPath, "-CAfile", pki.chainPath, "-issuer", pki.issuing.certPath,
      "-cert", pki.leaf1.certPath, "-cert", pki.leaf2.certPath, "-serial", "0xdeadbeef", "-no_nonce"]);
    const all = output(r);
    assert.match(all, /Response verify OK/);
    assert.match(all, /leaf1\.pem: revoked\n\tThis Update: .*\n\tNext Update: .*\n\tReason: keyCompromise\n\tRevocation Time: /);
    assert.match(all, /leaf2\.pem: good\n/);
    assert.match(all, /0xdeadbeef: unknown\n/);

    // Nonce: openssl compares the request's nonce with the response's.
    const withReq = opensslOk(["ocsp", "-reqin", reqPath, "-respin", respPath, "-CAfile", pki.chainPath]);
    assert.match(output(withReq), /Response verify OK/);
    assert.doesNotMatch(output(withReq), /Nonce|nonce/);
    const text = opensslOk(["ocsp", "-respin", respPath, "-resp_text", "-noverify"]).stdout;
    assert.match(text, /Responder Id: [0-9A-F]{40}\n/); // byKey
    assert.match(text, new RegExp(`OCSP Nonce: \\n\\s+${req.nonce!.toString("hex").toUpperCase()}\\n`));
  });

  it("openssl notices a missing or different nonce (negative controls)", () => {
    const { req, path: reqPath } = request("nonce", ["-cert", pki.leaf2.certPath]);
    const good: SingleResponseInput = { certIdDer: req.certIds[0]!.der, status: { kind: "good" }, thisUpdate: now, nextUpdate };
    const missing = openssl(["ocsp", "-reqin", reqPath, "-respin", respond("no-nonce", [good], null), "-CAfile", pki.chainPath]);
    assert.match(output(missing), /no nonce in response/);
    const other = openssl(["ocsp", "-reqin", reqPath, "-respin", respond("other-nonce", [good], Buffer.from("0401ff", "hex")), "-CAfile", pki.chainPath]);
    assert.match(output(other), /Nonce Verify error/);
  });

  it("SHA-256 CertIDs are echoed and matched; -VAfile trust works too", () => {
    const { req } = request("sha256-resp", ["-cert", pki.leaf2.certPath], ["-sha256", "-no_nonce"]);
    const respPath = respond("sha256", [{ certIdDer: req.certIds[0]!.der, status: { kind: "revoked", revokedAt: now, reason: null }, thisUpdate: now, nextUpdate }], null);
    const r = opensslOk(["ocsp", "-respin", respPath, "-VAfile", pki.responder.certPath, "-issuer", pki.issuing.certPath, "-sha256", "-cert", pki.leaf2.certPath, "-no_nonce"]);
    assert.match(output(r), /Response verify OK/);
    assert.match(output(r), /leaf2\.pem: revoked\n\tThis Update: .*\n\tNext Update: .*\n\tRevocation Time: /);
    assert.doesNotMatch(output(r), /Reason:/);
  });

  it("a tampered response fails openssl's signature check", () => {
    const { req } = request("tamper", ["-cert", pki.leaf2.certPath], ["-no_nonce"]);
    const path = respond("tamper", [{ certIdDer: req.certIds[0]!.der, status: { kind: "good" }, thisUpdate: now, nextUpdate }], null);
    const der = readFileSync(path);
    const at = der.indexOf(Buffer.from([0x80, 0x00])); // certStatus good [0] → flip to unknown [2]
    der[at] = 0x82;
    writeFileSync(path, der);
    const r = openssl(["ocsp", "-respin", path, "-CAfile", pki.chainPath, "-issuer", pki.issuing.certPath, "-cert", pki.leaf2.certPath, "-no_nonce"]);
    assert.match(output(r), /Response Verify Failure/);
  });

  it("error responses are read by openssl with the right status", () => {
    for (const [status, code] of [["malformedRequest", 1], ["internalError", 2], ["tryLater", 3], ["sigRequired", 5], ["unauthorized", 6]] as const) {
      const path = join(pki.dir, `${status}.resp`);
      writeFileSync(path, encodeOcspError(status));
      const r = openssl(["ocsp", "-respin", path, "-resp_text"]);
      assert.notEqual(r.status, 0);
      assert.match(output(r), new RegExp(`Responder Error: ${status.toLowerCase()} \\(${code}\\)`));
    }
  });
});
