// Unit tests of server/publish/crl-encoder.ts: structure, packed entry pages against a plain encoding, refusals, streaming and length boundaries.
import assert from "node:assert/strict";
import { generateKeyPairSync, verify } from "node:crypto";
import { createSigner, type Signer } from "../../../server/ca/signer";
import { children, encodedOf, parseDer, readOctetString, readOid, readSmallInteger, readTime, type DerNode } from "../../../server/asn1/der-reader";
import { encodeTime, enumerated, generalizedTime, implicit, integerFromHex, octetString, oid, sequence, set, tlv } from "../../../server/asn1/der-writer";
import { crlPem, CrlInputError, encodeCrl, RevocationReasonError, type CrlInput } from "../../../server/publish/crl-encoder";
import { openssl } from "../../interop/pki-fixture";
import { packCrlEntries as pack, type CrlEntryFields } from "../../support/crl-pack";

const keys = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
const baseSigner = createSigner(keys.privateKey, keys.publicKey);
const issuerNameDer = sequence([
  set([sequence([oid("2.5.4.6"), tlv(0x13, Buffer.from("VN"))])]),
  set([sequence([oid("2.5.4.3"), tlv(0x0c, Buffer.from("Unit CA Công vụ"))])]),
]);
const thisUpdate = new Date("2026-11-01T00:00:00Z");
const nextUpdate = new Date("2026-11-08T00:00:00Z");

/** A signer that records what it was asked to sign. */
function spySigner(): Signer & { calls: Buffer[][] } {
  const calls: Buffer[][] = [];
  return {
    algorithmIdentifier: baseSigner.algorithmIdentifier,
    publicKeyHash: baseSigner.publicKeyHash,
    calls,
    sign(parts) {
      calls.push([...parts]);
      return baseSigner.sign(parts);
    },
  };
}

function input(entries: CrlInput["entries"], over: Partial<CrlInput> = {}): CrlInput {
  return { issuerNameDer, authorityKeyId: baseSigner.publicKeyHash, crlNumber: 17, thisUpdate, nextUpdate, entries, ...over };
}

/** The entry as a plain, allocation-per-field encoding (RFC 5280 5.1, 5.3.1, 5.3.2), to compare the fast path with. */
function plainEntry(e: CrlEntryFields): Buffer {
  const exts: Buffer[] = [];
  if (e.reason !== 0) exts.push(sequence([oid("2.5.29.21"), octetString(enumerated(e.reason))]));
  if (e.invalidityDate) exts.push(sequence([oid("2.5.29.24"), octetString(generalizedTime(e.invalidityDate))]));
  return sequence([integerFromHex(e.serialHex), encodeTime(e.revokedAt), ...(exts.length ? [sequence(exts)] : [])]);
}

function decode(der: Buffer): { tbs: DerNode; fields: DerNode[]; outer: DerNode[] } {
  const outer = children(der, parseDer(der));
  return { tbs: outer[0]!, fields: children(der, outer[0]!), outer };
}

describe("crl-encoder", () => {
  it("builds RFC 5280 5.1 structure for an empty CRL: no revokedCertificates at all", async () => {
    const signer = spySigner();
    const crl = await encodeCrl(input([]), signer);
    const der = Buffer.concat(crl.chunks);
    assert.equal(der.length, crl.length);
    const { tbs, fields, outer } = decode(der);
    assert.equal(fields.length, 6); // version, signature, issuer, thisUpdate, nextUpdate, [0] crlExtensions
    assert.equal(readSmallInteger(der, fields[0]!), 1); // v2
    assert.deepEqual(encodedOf(der, fields[1]!), signer.algorithmIdentifier);
    assert.deepEqual(encodedOf(der, outer[1]!), signer.algorithmIdentifier);
    assert.deepEqual(encodedOf(der, fields[2]!), issuerNameDer);
    assert.equal(readTime(der, fields[3]!).toISOString(), thisUpdate.toISOString());
    assert.equal(readTime(der, fields[4]!).toISOString(), nextUpdate.toISOString());
    assert.equal(fields[5]!.identifier, 0xa0);

    // crlExtensions: AKI keyIdentifier only, cRLNumber; neither marked critical (DER omits DEFAULT FALSE).
    const exts = children(der, children(der, fields[5]!)[0]!).map((ext) => children(der, ext));
    assert.deepEqual(exts.map((e) => readOid(der, e[0]!)), ["2.5.29.35", "2.5.29.20"]);
    assert.ok(exts.every((e) => e.length === 2 && e[1]!.identifier === 0x04));
    assert.deepEqual(readOctetString(der, exts[0]![1]!), sequence(implicit(0, baseSigner.publicKeyHash, false)));
    assert.deepEqual(readOctetString(der, exts[1]![1]!), Buffer.from("020111", "hex"));

    // The signature covers exactly the TBS bytes, which were handed over in pieces.
    assert.equal(signer.calls.length, 1);
    assert.ok(signer.calls[0]!.length > 1);
    assert.deepEqual(Buffer.concat(signer.calls[0]!), encodedOf(der, tbs));
    const sig = encodedOf(der, outer[2]!).subarray(3); // BIT STRING header (2) + unused-bits octet
    assert.ok(verify("sha256", encodedOf(der, tbs), keys.publicKey, sig));
  });

  it("encodes each entry exactly like a plain field-by-field encoding", async () => {
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 48271) % 2147483647) % n);
    const entries: CrlEntryFields[] = [];
    for (let i = 0; i < 3000; i++) {
      const digits = 1 + rnd(40);
      let serialHex = "";
      for (let d = 0; d < digits; d++) serialHex += "0123456789abcdef"[rnd(16)];
      const ms = Date.parse("1930-01-01T00:00:00Z") + rnd(2 ** 31 - 1) * 1000 + rnd(1000);
      entries.push({
        serialHex,
        revokedAt: new Date(ms),
        reason: [0, 1, 2, 3, 4, 5, 9, 10][rnd(8)]!,
        invalidityDate: rnd(3) === 0 ? new Date(ms - rnd(10 ** 9)) : rnd(2) ? null : undefined,
      });
    }
    const crl = await encodeCrl(input([pack(entries.slice(0, 1000)), pack(entries.slice(1000))]), baseSigner);
    const der = Buffer.concat(crl.chunks);
    const revoked = decode(der).fields[5]!;
    assert.equal(revoked.identifier, 0x30);
    const list = children(der, revoked);
    assert.equal(list.length, entries.length);
    list.forEach((node, i) => assert.deepEqual(encodedOf(der, node), plainEntry(entries[i]!), `entry ${i}: ${JSON.stringify(entries[i])}`));
  });

  it("exact bytes of one entry with reasonCode and invalidityDate", async () => {
    const e: CrlEntryFields = { serialHex: "8a", revokedAt: new Date("2026-01-02T03:04:05.678Z"), reason: 1, invalidityDate: new Date("2051-01-01T00:00:00Z") };
    const der = Buffer.concat((await encodeCrl(input([pack([e])]), baseSigner)).chunks);
    const entry = encodedOf(der, children(der, decode(der).fields[5]!)[0]!);
    assert.equal(
      entry.toString("hex"),
      "303b" + "0202008a" + "170d" + Buffer.from("260102030405Z").toString("hex") +
        "3026" + "300a0603551d150403" + "0a0101" + "30180603551d180411" + "180f" + Buffer.from("20510101000000Z").toString("hex"),
    );
  });

  it("produces the same TBS however the entries are batched, from sync or async sources", async () => {
    const entries: CrlEntryFields[] = Array.from({ length: 500 }, (_, i) => ({ serialHex: (i * 7919).toString(16), revokedAt: thisUpdate, reason: i % 3 === 0 ? 0 : 4 }));
    const tbsOf = async (source: CrlInput["entries"]) => {
      const der = Buffer.concat((await encodeCrl(input(source), baseSigner)).chunks);
      return encodedOf(der, decode(der).tbs);
    };
    const one = await tbsOf([pack(entries)]);
    assert.deepEqual(await tbsOf(entries.map((e) => pack([e]))), one);
    async function* pages() {
      for (let i = 0; i < entries.length; i += 64) {
        await new Promise((r) => setImmediate(r));
        yield pack(entries.slice(i, i + 64));
        yield pack([]);
      }
    }
    assert.deepEqual(await tbsOf(pages()), one);
  });

  it("uses GeneralizedTime for thisUpdate/nextUpdate from 2050 (RFC 5280 5.1.2.4)", async () => {
    const der = Buffer.concat((await encodeCrl(input([], { thisUpdate: new Date("2049-12-31T23:00:00Z"), nextUpdate: new Date("2050-01-01T01:00:00.999Z") }), baseSigner)).chunks);
    const { fields } = decode(der);
    assert.equal(fields[3]!.identifier, 0x17);
    assert.equal(fields[4]!.identifier, 0x18);
    assert.equal(readTime(der, fields[4]!).toISOString(), "2050-01-01T01:00:00.000Z");
  });

  describe("refuses", () => {
    for (const reason of [6, 7, 8, 11]) {
      it(`reason ${reason} with RevocationReasonError, before signing anything`, async () => {
        const signer = spySigner();
        await assert.rejects(encodeCrl(input([pack([{ serialHex: "01", revokedAt: thisUpdate, reason: 1 }, { serialHex: "02", revokedAt: thisUpdate, reason }])]), signer), (e: unknown) => {
          assert.ok(e instanceof RevocationReasonError);
          assert.equal(e.code, "REASON_NOT_ALLOWED");
          return true;
        });
        assert.equal(signer.calls.length, 0);
      });
    }
    // In a packed page these are not a CRLReason number at all ("-1", "1.5", "NaN"): malformed text, refused as such.
    for (const reason of [-1, 1.5, Number.NaN]) {
      it(`reason ${reason} with CrlInputError, before signing anything`, async () => {
        const signer = spySigner();
        await assert.rejects(encodeCrl(input([pack([{ serialHex: "01", revokedAt: thisUpdate, reason: 1 }, { serialHex: "02", revokedAt: thisUpdate, reason }])]), signer), (e: unknown) => {
          assert.ok(e instanceof CrlInputError);
          assert.equal(e.code, "CRL_INPUT_INVALID");
          assert.match(e.message, /^CRL entry "02 /);
          return true;
        });
        assert.equal(signer.calls.length, 0);
      });
    }

    const bad: Array<[string, Partial<CrlInput>, RegExp]> = [
      ["nextUpdate not after thisUpdate", { nextUpdate: new Date(thisUpdate.getTime() + 999) }, /nextUpdate must be later/],
      ["an invalid thisUpdate", { thisUpdate: new Date(NaN) }, /thisUpdate is not a valid Date/],
      ["a negative CRL number", { crlNumber: -1 }, /non-negative/],
      ["a CRL number over 20 octets", { crlNumber: 2n ** 159n }, /20 octets/],
      ["an unsafe number CRL number", { crlNumber: 2 ** 60 }, /safe integer/],
      ["an issuer that is not DER", { issuerNameDer: Buffer.from("3005", "hex") }, /issuerNameDer/],
      ["an issuer that is not a SEQUENCE", { issuerNameDer: Buffer.from("0500", "hex") }, /not a SEQUENCE/],
      ["an empty authorityKeyId", { authorityKeyId: Buffer.alloc(0) }, /authorityKeyId/],
    ];
    for (const [what, over, pattern] of bad) {
      it(what, () => assert.rejects(encodeCrl(input([], over), baseSigner), (e: unknown) => e instanceof CrlInputError && pattern.test(e.message)));
    }
    it("the largest 20-octet CRL number is fine", async () => {
      const der = Buffer.concat((await encodeCrl(input([], { crlNumber: 2n ** 159n - 1n }), baseSigner)).chunks);
      assert.ok(der.includes(Buffer.from("0416" + "0214" + "7f" + "ff".repeat(19), "hex")));
    });
    // The packer writes these down as they are (an invalid Date as "0NaN-NaN-…", year 10000 as five digits): the encoder refuses the text.
    for (const [what, entry, pattern] of [
      ["an uppercase serial", { serialHex: "0A", revokedAt: thisUpdate, reason: 0 }, /entry "0A .*lowercase hex/],
      ["an empty serial", { serialHex: "", revokedAt: thisUpdate, reason: 0 }, /empty serial/],
      ["an invalid revocation date", { serialHex: "0a", revokedAt: new Date(NaN), reason: 0 }, /revocationDate is not YYYY-MM-DDTHH:MM:SSZ/],
      ["an invalid invalidity date", { serialHex: "0a", revokedAt: thisUpdate, reason: 1, invalidityDate: new Date(NaN) }, /invalidityDate is not YYYY-MM-DDTHH:MM:SSZ/],
      ["a revocation date after 9999", { serialHex: "0a", revokedAt: new Date("+010000-01-01T00:00:00Z"), reason: 0 }, /entry "0a 0 10000-01-01T00:00:00Z ": revocationDate is not/],
      ["an invalidity date after 9999", { serialHex: "0a", revokedAt: thisUpdate, reason: 0, invalidityDate: new Date("+010000-01-01T00:00:00Z") }, /invalidityDate is not/],
    ] as const) {
      it(`an entry with ${what}`, () => assert.rejects(encodeCrl(input([pack([entry])]), baseSigner), (e: unknown) => e instanceof CrlInputError && pattern.test(e.message)));
    }
  });

  describe("packed text pages (the store's form)", () => {
    it("encodes each entry exactly like the plain encoding, across UTCTime/GeneralizedTime and leap days", async () => {
      let seed = 11;
      const rnd = (n: number) => ((seed = (seed * 48271) % 2147483647) % n);
      const from = Date.parse("1900-01-01T00:00:00Z") / 1000;
      const span = Date.parse("2101-01-01T00:00:00Z") / 1000 - from;
      const at = () => new Date((from + Math.floor((rnd(65536) * 65536 + rnd(65536)) % span)) * 1000);
      const entries: CrlEntryFields[] = [
        { serialHex: "00", revokedAt: new Date("1950-01-01T00:00:00Z"), reason: 0 },
        { serialHex: "0080", revokedAt: new Date("1949-12-31T23:59:59Z"), reason: 1, invalidityDate: new Date("2000-02-29T12:00:00Z") },
        { serialHex: "7f" + "ff".repeat(19), revokedAt: new Date("2049-12-31T23:59:59Z"), reason: 10 },
        { serialHex: "ff".repeat(20), revokedAt: new Date("2050-01-01T00:00:00Z"), reason: 9, invalidityDate: new Date("2024-02-29T00:00:00Z") },
      ];
      for (let i = 0; i < 3000; i++) {
        const digits = 1 + rnd(40);
        let serialHex = "";
        for (let d = 0; d < digits; d++) serialHex += "0123456789abcdef"[rnd(16)];
        entries.push({ serialHex, revokedAt: at(), reason: [0, 1, 2, 3, 4, 5, 9, 10][rnd(8)]!, invalidityDate: rnd(3) === 0 ? at() : null });
      }
      const crl = await encodeCrl(input([pack(entries.slice(0, 1000)), pack(entries.slice(1000, 1500)), pack(entries.slice(1500)), { packed: "", count: 0 }]), baseSigner);
      assert.equal(crl.entryCount, entries.length);
      const der = Buffer.concat(crl.chunks);
      const list = children(der, decode(der).fields[5]!);
      assert.equal(list.length, entries.length);
      list.forEach((node, i) => assert.deepEqual(encodedOf(der, node), plainEntry(entries[i]!), `entry ${i}: ${pack([entries[i]!]).packed}`));
    });

    const t = "2026-01-02T03:04:05Z";
    for (const [what, packed, count, pattern] of [
      ["an uppercase serial", `0A 0 ${t} `, 1, /lowercase hex/],
      ["a non-ASCII serial", `0\u0130 0 ${t} `, 1, /lowercase hex/],
      ["an empty serial", ` 0 ${t} `, 1, /empty serial/],
      ["a serial over 20 octets", `01${"00".repeat(20)} 0 ${t} `, 1, /20 octets/],
      ["no reason", `0a  ${t} `, 1, /no CRLReason/],
      ["a month 13", `0a 1 2026-13-02T03:04:05Z `, 1, /revocationDate/],
      ["30 February", `0a 1 2026-02-30T03:04:05Z `, 1, /revocationDate/],
      ["29 February of 2100", `0a 1 2100-02-29T03:04:05Z `, 1, /revocationDate/],
      ["a second 60", `0a 1 2026-01-02T03:04:60Z `, 1, /revocationDate/],
      ["a fractional time", `0a 1 2026-01-02T03:04:05.5Z `, 1, /revocationDate|separator/],
      ["a bad invalidity date", `0a 1 ${t} 2026-01-02 03:04:05Z`, 1, /invalidityDate/],
      ["a missing separator", `0a 1 ${t}`, 1, /separator/],
      ["trailing text", `0a 1 ${t} ${t}x`, 1, /trailing/],
      ["more lines than counted", `0a 1 ${t} \n0b 1 ${t} `, 1, /more than/],
      ["fewer lines than counted", `0a 1 ${t} `, 2, /holds 1 entries/],
    ] as const) {
      it(`refuses ${what} with CrlInputError`, () =>
        assert.rejects(encodeCrl(input([{ packed, count }]), baseSigner), (e: unknown) => e instanceof CrlInputError && pattern.test(e.message)));
    }
  });

  it("handles a revokedCertificates SEQUENCE over 16 MiB (4-octet length)", async function () {
    this.timeout(20_000);
    const revokedAt = new Date("2026-10-01T00:00:00Z");
    function* batches() {
      for (let b = 0; b < 35; b++) {
        const batch: CrlEntryFields[] = [];
        for (let i = 0; i < 10_000; i++) batch.push({ serialHex: "7" + (b * 10_000 + i).toString(16).padStart(31, "0"), revokedAt, reason: 1 });
        yield pack(batch);
      }
    }
    const crl = await encodeCrl(input(batches()), baseSigner);
    assert.ok(crl.chunks.length >= 35);
    const der = Buffer.concat(crl.chunks);
    const { fields, tbs } = decode(der);
    assert.equal(der[fields[5]!.start + 1], 0x84); // SEQUENCE length in 4 octets: > 2^24
    assert.equal(der[tbs.start + 1], 0x84);
    assert.equal(children(der, fields[5]!).length, 350_000);
    const r = openssl(["crl", "-inform", "DER", "-noout"], { input: der });
    assert.equal(r.status, 0, r.stderr);
  });

  it("crlPem: RFC 7468 'X509 CRL' label, 64-column base64 that openssl reads", async () => {
    const der = Buffer.concat((await encodeCrl(input([pack([{ serialHex: "abc", revokedAt: thisUpdate, reason: 3 }])]), baseSigner)).chunks);
    const pem = crlPem(der);
    const lines = pem.trimEnd().split("\n");
    assert.equal(lines[0], "-----BEGIN X509 CRL-----");
    assert.equal(lines.at(-1), "-----END X509 CRL-----");
    assert.ok(lines.slice(1, -2).every((l) => l.length === 64));
    assert.deepEqual(Buffer.from(lines.slice(1, -1).join(""), "base64"), der);
    const r = openssl(["crl", "-noout", "-text"], { input: pem });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /Serial Number: 0ABC\n\s+Revocation Date: Nov  1 00:00:00 2026 GMT\n\s+CRL entry extensions:\n\s+X509v3 CRL Reason Code: \n\s+Affiliation Changed/);
    assert.match(r.stdout, /Issuer: C = VN, CN = Unit CA C\\C3\\B4ng v\\E1\\BB\\A5/);
  });
});
