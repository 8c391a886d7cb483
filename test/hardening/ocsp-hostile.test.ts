// Hostile OCSP requests against the running responder (issue 8; RFC 6960 2.3,
// 4.1.1, Appendix A; RFC 5019): each gets the OCSP error status RFC 6960 gives
// it (or an HTTP 4xx where the request is not OCSP at all), the responder stays
// up, and afterwards a normal request is still answered in under 50 ms.
import { strict as assert } from "node:assert";
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DerCursor, parseDer, readEnumerated } from "../../server/asn1/der-reader";
import { integerFromHex, NULL_DER, octetString, oid, sequence, tlv } from "../../server/asn1/der-writer";
import { parseOcspRequest } from "../../server/publish/ocsp-request";
import { startTestServer, type TestServer } from "../support/app";
import { makeCsr } from "../support/csr";
import { forEachDatabase } from "../support/databases";
import { opensslOk } from "../support/openssl";
import { AttackTable } from "./attack-table";

/** OCSPResponseStatus (RFC 6960 4.2.1). */
const STATUS: Record<number, string> = { 0: "successful", 1: "malformedRequest", 2: "internalError", 3: "tryLater", 5: "sigRequired", 6: "unauthorized" };

function statusOf(body: Buffer): string {
  try {
    const root = parseDer(body);
    return STATUS[readEnumerated(body, new DerCursor(body, root).expect(0x0a, "responseStatus"))] ?? "?";
  } catch {
    return `not an OCSPResponse (${body.length} bytes)`;
  }
}

const OID_SHA1 = "1.3.14.3.2.26";
const OID_MD5 = "1.2.840.113549.2.5";

function certId(hashOid: string, nameHash: Buffer, keyHash: Buffer, serialHex: string): Buffer {
  return sequence([sequence([oid(hashOid), NULL_DER]), octetString(nameHash), octetString(keyHash), integerFromHex(serialHex)]);
}

function ocspRequest(certIds: Buffer[], extensions?: Buffer): Buffer {
  return sequence([sequence([sequence(certIds.map((c) => sequence([c]))), ...(extensions ? [tlv(0xa2, [extensions])] : [])])]);
}

function nonceExtension(size: number): Buffer {
  return sequence([sequence([oid("1.3.6.1.5.5.7.48.1.2"), octetString(octetString(randomBytes(size)))])]);
}

function nested(depth: number): Buffer {
  let inner: Buffer = NULL_DER;
  for (let i = 0; i < depth; i++) inner = sequence([inner]);
  return inner;
}

forEachDatabase("hardening: hostile OCSP requests", (db) => {
  let server: TestServer;
  let good: Buffer;
  let nameHash: Buffer, keyHash: Buffer, serial: string;
  const table = new AttackTable(`Hostile OCSP requests [${db.kind}]`);

  before(async function () {
    this.timeout(60_000);
    server = await startTestServer(db);
    const issued = await server.core.issuance.issue({ csr: makeCsr(db.dataDir, "p256").pem, profile: "individual", commonName: "Nguyễn Văn Ốc", actor: "test:hardening" });
    serial = issued.serial;
    const certPath = join(db.dataDir, "leaf.pem");
    writeFileSync(certPath, `-----BEGIN CERTIFICATE-----\n${issued.certDer.toString("base64")}\n-----END CERTIFICATE-----\n`);
    const reqPath = join(db.dataDir, "good.req");
    // openssl builds the reference request (a tool we did not write); -no_nonce makes it cacheable.
    opensslOk(["ocsp", "-issuer", join(db.dataDir, "pki", "issuing.crt.pem"), "-cert", certPath, "-no_nonce", "-reqout", reqPath]);
    good = readFileSync(reqPath);
    const parsed = parseOcspRequest(good).certIds[0]!;
    nameHash = parsed.issuerNameHash;
    keyHash = parsed.issuerKeyHash;
  });

  after(async () => {
    table.print();
    await server?.close();
  });

  async function post(body: Buffer, type = "application/ocsp-request"): Promise<{ http: number; status: string; ms: number }> {
    const t0 = performance.now();
    const res = await fetch(`${server.url}/ocsp`, { method: "POST", headers: { "content-type": type }, body: new Uint8Array(body) });
    const bytes = Buffer.from(await res.arrayBuffer());
    return { http: res.status, status: res.status === 200 ? statusOf(bytes) : `HTTP ${res.status}`, ms: performance.now() - t0 };
  }

  async function get(path: string): Promise<{ http: number; status: string }> {
    const res = await fetch(`${server.url}/ocsp/${path}`);
    const bytes = Buffer.from(await res.arrayBuffer());
    return { http: res.status, status: res.status === 200 ? statusOf(bytes) : `HTTP ${res.status}` };
  }

  it("answers every hostile request with the right error status, stays up, and answers a normal request in < 50 ms afterwards", async function () {
    this.timeout(60_000);
    const thousand = Array.from({ length: 1000 }, (_, i) => certId(OID_SHA1, nameHash, keyHash, (BigInt(`0x${serial}`) + BigInt(i)).toString(16)));
    const posts: Array<[string, Buffer, string]> = [
      ["empty body", Buffer.alloc(0), "malformedRequest"],
      ["truncated (last 5 bytes cut)", good.subarray(0, good.length - 5), "malformedRequest"],
      ["garbage (random 512 bytes)", randomBytes(512), "malformedRequest"],
      ["trailing bytes after the request", Buffer.concat([good, Buffer.from([0, 0])]), "malformedRequest"],
      ["1 MB body", Buffer.concat([good, randomBytes(1024 * 1024)]), "malformedRequest"],
      ["DER nested 10,000 deep", nested(10_000), "malformedRequest"],
      ["1,001 CertIDs (over the limit)", ocspRequest([...thousand, thousand[0]!]), "malformedRequest"],
      ["unknown issuer", ocspRequest([certId(OID_SHA1, randomBytes(20), randomBytes(20), serial)]), "unauthorized"],
      ["MD5 CertID hash", ocspRequest([certId(OID_MD5, randomBytes(16), randomBytes(16), serial)]), "malformedRequest"],
      ["unknown OID as CertID hash", ocspRequest([certId("1.3.6.1.4.1.99999.7", nameHash, keyHash, serial)]), "malformedRequest"],
      ["SHA-1 OID with 32-byte hashes", ocspRequest([certId(OID_SHA1, randomBytes(32), randomBytes(32), serial)]), "malformedRequest"],
      ["nonce of 33 octets (RFC 8954: 1..32)", ocspRequest([certId(OID_SHA1, nameHash, keyHash, serial)], nonceExtension(33)), "malformedRequest"],
      ["unknown critical request extension", ocspRequest([certId(OID_SHA1, nameHash, keyHash, serial)], sequence([sequence([oid("1.3.6.1.4.1.99999.8"), Buffer.from([0x01, 0x01, 0xff]), octetString(NULL_DER)])])), "malformedRequest"],
      ["a certificate instead of a request", readFileSync(join(db.dataDir, "pki", "issuing.crt.pem")), "malformedRequest"],
    ];
    for (const [label, body, expected] of posts) {
      const r = await post(body);
      table.add("OCSP POST", label, expected, r.status);
      assert.equal(r.status, expected, label);
    }
    const big = await post(ocspRequest(thousand));
    table.add("OCSP POST", "1,000 CertIDs (the limit)", "successful", big.status);
    assert.equal(big.status, "successful", "1,000 CertIDs are within maxCertIds and answered");
    console.log(`      1,000 CertIDs answered in ${big.ms.toFixed(0)} ms`);

    const b64 = good.toString("base64");
    const gets: Array<[string, string, string[]]> = [
      ["bad base64", "!!!not-base64!!!", ["malformedRequest"]],
      ["base64 of the wrong length", encodeURIComponent(b64.slice(0, -3)), ["malformedRequest"]],
      ["bad URL encoding (%zz)", `%zz${b64}`, ["malformedRequest"]],
      ["valid base64 of garbage", randomBytes(90).toString("base64url"), ["malformedRequest"]],
      ["over-long path (9,000 chars)", "A".repeat(9000), ["malformedRequest"]],
      ["over-long path (70,000 chars)", "A".repeat(70_000), ["HTTP 414", "HTTP 431", "malformedRequest"]],
      ["path traversal", "..%2F..%2Fetc%2Fpasswd", ["malformedRequest"]],
    ];
    for (const [label, path, expected] of gets) {
      const r = await get(path);
      table.add("OCSP GET", label, expected.join(" or "), expected.includes(r.status) ? expected.join(" or ") : r.status);
      assert.ok(expected.includes(r.status), `${label}: ${r.status}`);
    }
    const put = await fetch(`${server.url}/ocsp`, { method: "PUT", body: "x" });
    table.add("OCSP PUT", "wrong method", "HTTP 405", `HTTP ${put.status}`);
    assert.equal(put.status, 405);

    // Still up and fast: the same GET as a relying party, then fresh (nonce) answers signed now.
    const ok = await get(encodeURIComponent(b64));
    assert.equal(ok.status, "successful");
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await post(ocspRequest([certId(OID_SHA1, nameHash, keyHash, serial)], nonceExtension(16)));
      assert.equal(r.status, "successful");
      times.push(r.ms);
    }
    const median = [...times].sort((a, b) => a - b)[2]!;
    table.add("OCSP POST", "normal request after the barrage", "successful < 50 ms", median < 50 ? "successful < 50 ms" : `${median.toFixed(1)} ms`);
    assert.ok(median < 50, `median ${median.toFixed(1)} ms (${times.map((t) => t.toFixed(1)).join(", ")})`);
    // openssl agrees the answer is a good, verified response.
    const respPath = join(db.dataDir, "after.resp");
    writeFileSync(respPath, Buffer.from(await (await fetch(`${server.url}/ocsp`, { method: "POST", headers: { "content-type": "application/ocsp-request" }, body: new Uint8Array(good) })).arrayBuffer()));
    const v = opensslOk(["ocsp", "-respin", respPath, "-CAfile", join(db.dataDir, "pki", "root.crt.pem"), "-verify_other", join(db.dataDir, "pki", "issuing.crt.pem"), "-issuer", join(db.dataDir, "pki", "issuing.crt.pem"), "-serial", `0x${serial}`]);
    assert.match(v.stdout + v.stderr, /Response verify OK/);
    assert.match(v.stdout, /: good/);
    for (const line of server.logs) assert.doesNotMatch(line, /"level":"error"/, `no server error: ${line}`);
  });
});
