// CRLs from server/publish/crl-encoder.ts, judged by the openssl CLI: text dump, signature check, and revocation checking of real leaf certificates.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { createSigner } from "../../server/ca/signer";
import { crlPem, encodeCrl } from "../../server/publish/crl-encoder";
import { packCrlEntries, type CrlEntryFields } from "../support/crl-pack";
import { makePki, openssl, opensslOk, output, signerFor, type Party, type Pki } from "./pki-fixture";

const HOUR = 3_600_000;

describe("interop: CRLs checked with openssl", function () {
  this.timeout(30_000);
  let pki: Pki;
  const now = new Date(Math.floor(Date.now() / 1000) * 1000);
  const thisUpdate = new Date(now.getTime() - HOUR);
  const nextUpdate = new Date(now.getTime() + 24 * HOUR);

  before(() => {
    pki = makePki();
  });
  after(() => pki?.remove());

  /** Encodes a CRL for `ca` from the batches packed as the store pages them, writes it as DER and PEM, returns both paths. */
  async function writeCrl(name: string, ca: Party, batches: CrlEntryFields[][], crlNumber: number | bigint = 1): Promise<{ der: string; pem: string; bytes: Buffer }> {
    const entries = batches.map(packCrlEntries);
    const crl = await encodeCrl({ issuerNameDer: ca.subjectDer, authorityKeyId: ca.keyHash, crlNumber, thisUpdate, nextUpdate, entries }, signerFor(ca));
    const bytes = Buffer.concat(crl.chunks);
    assert.equal(bytes.length, crl.length);
    const der = join(pki.dir, `${name}.crl`);
    const pem = join(pki.dir, `${name}.crl.pem`);
    writeFileSync(der, bytes);
    writeFileSync(pem, crlPem(bytes));
    return { der, pem, bytes };
  }

  function crlText(path: string): string {
    return opensslOk(["crl", "-inform", "DER", "-in", path, "-noout", "-text"]).stdout;
  }

  function assertVerifies(path: string, caFile: string): void {
    const r = opensslOk(["crl", "-inform", "DER", "-in", path, "-noout", "-verify", "-CAfile", caFile]);
    assert.match(output(r), /verify OK/);
  }

  it("the CA signers' publicKeyHash is the certificates' key identifier (the CRL's AKI relies on it)", () => {
    for (const p of [pki.issuing, pki.ecP256Ca, pki.ecP384Ca, pki.responder]) {
      const ski = opensslOk(["x509", "-in", p.certPath, "-noout", "-ext", "subjectKeyIdentifier"]).stdout;
      assert.match(ski.replace(/:/g, ""), new RegExp(p.keyHash.toString("hex"), "i"));
      assert.deepEqual(createSigner(p.privateKey, p.publicKey).publicKeyHash, p.keyHash);
    }
  });

  it("empty CRL: v2, no revokedCertificates, AKI and CRL number, signature verifies", async () => {
    const { der, pem } = await writeCrl("empty", pki.issuing, [], 42);
    const text = crlText(der);
    assert.match(text, /Version 2 \(0x1\)/);
    assert.match(text, /Signature Algorithm: sha256WithRSAEncryption/);
    assert.match(text, /No Revoked Certificates\./);
    assert.match(text, /X509v3 CRL Number: \n\s+42\n/);
    const aki = pki.issuing.keyHash.toString("hex").toUpperCase().match(/../g)!.join(":");
    assert.match(text, new RegExp(`X509v3 Authority Key Identifier: \\n\\s+${aki}\\n`));
    assertVerifies(der, pki.chainPath);
    // The PEM form (label "X509 CRL") is read by openssl too.
    assert.match(output(opensslOk(["crl", "-in", pem, "-noout", "-verify", "-CAfile", pki.chainPath])), /verify OK/);
  });

  it("entries with every publishable reason, invalidity dates and post-2049 dates", async () => {
    const revokedAt = new Date(now.getTime() - 2 * HOUR);
    const entries: CrlEntryFields[] = [
      { serialHex: "10", revokedAt, reason: 0 },
      { serialHex: "11", revokedAt, reason: 1, invalidityDate: new Date("2026-03-15T08:30:00Z") },
      { serialHex: "12", revokedAt, reason: 2 },
      { serialHex: "13", revokedAt, reason: 3 },
      { serialHex: "14", revokedAt, reason: 4 },
      { serialHex: "15", revokedAt, reason: 5 },
      { serialHex: "19", revokedAt, reason: 9 },
      { serialHex: "1a", revokedAt, reason: 10 },
      { serialHex: "1b", revokedAt, reason: 0, invalidityDate: new Date("2025-01-02T03:04:05Z") },
      { serialHex: "ff00", revokedAt: new Date("2051-06-01T12:00:00Z"), reason: 1, invalidityDate: new Date("2050-01-01T00:00:00Z") },
    ];
    const { der } = await writeCrl("reasons", pki.issuing, [entries.slice(0, 4), [], entries.slice(4)], 7);
    const text = crlText(der);
    const blocks = new Map<string, string>();
    for (const block of text.split(/\n\s+Serial Number: /).slice(1)) blocks.set(block.split("\n")[0]!.trim(), block);
    assert.equal(blocks.size, entries.length);
    const expectReason: Record<string, string | null> = {
      "10": null,
      "11": "Key Compromise",
      "12": "CA Compromise",
      "13": "Affiliation Changed",
      "14": "Superseded",
      "15": "Cessation Of Operation",
      "19": "Privilege Withdrawn",
      "1A": "AA Compromise",
      "1B": null,
      FF00: "Key Compromise",
    };
    for (const [serial, reason] of Object.entries(expectReason)) {
      const block = blocks.get(serial);
      assert.ok(block, `serial ${serial} missing from\n${text}`);
      if (reason) assert.match(block, new RegExp(`CRL Reason Code: \\n\\s+${reason}(\\n|$)`), block);
      else assert.doesNotMatch(block, /CRL Reason Code/, `reason 0 must be omitted (RFC 5280 5.3.1): ${block}`);
    }
    assert.doesNotMatch(blocks.get("10")!, /CRL entry extensions/);
    assert.match(blocks.get("11")!, /Invalidity Date: \n\s+Mar 15 08:30:00 2026 GMT/);
    assert.match(blocks.get("1B")!, /Invalidity Date: \n\s+Jan  2 03:04:05 2025 GMT/);
    assert.match(blocks.get("FF00")!, /Revocation Date: Jun  1 12:00:00 2051 GMT/);
    assert.match(blocks.get("FF00")!, /Invalidity Date: \n\s+Jan  1 00:00:00 2050 GMT/);
    assertVerifies(der, pki.chainPath);
  });

  it("openssl verify -crl_check: the revoked leaf is rejected, the other one passes", async () => {
    const { pem } = await writeCrl("leaves", pki.issuing, [[{ serialHex: pki.leaf1.serialHex, revokedAt: new Date(now.getTime() - HOUR), reason: 1 }]], 9);
    const revoked = openssl(["verify", "-crl_check", "-CRLfile", pem, "-CAfile", pki.chainPath, pki.leaf1.certPath]);
    assert.notEqual(revoked.status, 0, output(revoked));
    assert.match(output(revoked), /certificate revoked/);
    const good = openssl(["verify", "-crl_check", "-CRLfile", pem, "-CAfile", pki.chainPath, pki.leaf2.certPath]);
    assert.equal(good.status, 0, output(good));
    assert.match(good.stdout, /leaf2\.pem: OK/);
  });

  it("50,000 entries in uneven batches: every entry listed, signature verifies", async () => {
    const batches: CrlEntryFields[][] = [];
    const revokedAt = new Date(now.getTime() - HOUR);
    let batch: CrlEntryFields[] = [];
    for (let i = 0; i < 50_000; i++) {
      // 16-octet serials, half of them with the top bit set.
      const serialHex = (i % 2 ? "9" : "1") + (i * 2654435761).toString(16).padStart(31, "0");
      batch.push({ serialHex, revokedAt, reason: [0, 1, 3, 4, 5][i % 5]!, invalidityDate: i % 7 === 0 ? revokedAt : null });
      if (batch.length === 1 + (i % 997)) {
        batches.push(batch);
        batch = [];
      }
    }
    batches.push(batch);
    const { der } = await writeCrl("big", pki.issuing, batches, 123456789);
    const text = crlText(der);
    assert.equal(text.match(/Serial Number: /g)?.length, 50_000);
    assert.equal(text.match(/Invalidity Date/g)?.length, Math.ceil(50_000 / 7));
    assertVerifies(der, pki.chainPath);
  });

  for (const [label, key, alg] of [
    ["P-256", "ecP256Ca", "ecdsa-with-SHA256"],
    ["P-384", "ecP384Ca", "ecdsa-with-SHA384"],
  ] as const) {
    it(`ECDSA ${label} CA signer: openssl verifies the CRL`, async () => {
      const ca = pki[key];
      const { der } = await writeCrl(`ec-${label}`, ca, [[{ serialHex: "0a1b2c", revokedAt: new Date(now.getTime() - HOUR), reason: 4 }]], 2n);
      assert.match(crlText(der), new RegExp(`Signature Algorithm: ${alg}`));
      assertVerifies(der, pki.ecChainPath);
    });
  }
});
