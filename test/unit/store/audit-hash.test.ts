// The audit chain's canonical form, pinned by a known-answer vector an auditor
// can reproduce with nothing but the documented netstring rules and any SHA-256
// (here: openssl dgst), plus the canonical JSON the summaries are stored as.
import { strict as assert } from "node:assert";
import { canonicalJson, CHAIN_TAG, entryHash, entryPreimage, GENESIS_HASH, HashedEntry } from "../../../server/store/audit-hash";
import { opensslOk } from "../../support/openssl";

const VECTOR: HashedEntry = {
  id: 1,
  prevHash: GENESIS_HASH,
  at: "2026-11-23T09:00:00Z",
  actor: "cli:Hà",
  role: null,
  unitId: 7,
  action: "cert.revoke",
  objectType: "certificate",
  objectId: "0a1b",
  outcome: "ok",
  requestId: null,
  details: '{"reason":"keyCompromise"}',
  before: null,
  after: null,
};

// Written out by hand from the rules in audit-hash.ts: "à" is two UTF-8 bytes, so "cli:Hà" is 7:.
const PREIMAGE =
  "16:chungthu-audit/1,1:1,64:" + "0".repeat(64) + ",20:2026-11-23T09:00:00Z,7:cli:Hà,-,1:7,11:cert.revoke,11:certificate,4:0a1b,2:ok,-," + '26:{"reason":"keyCompromise"},-,-,';

describe("audit chain canonical form (chungthu-audit/1)", () => {
  it("serialises an entry as the documented netstrings, in the documented order", () => {
    assert.equal(CHAIN_TAG, "chungthu-audit/1");
    assert.equal(entryPreimage(VECTOR).toString("utf8"), PREIMAGE);
  });

  it("hashes to the known answer, which openssl computes from the same bytes", () => {
    const known = "70eb0fb4a53e44577ec3867d3c82780bacb779fdc2a0d5b4390220a20f08e274";
    assert.equal(entryHash(VECTOR), known);
    const out = opensslOk(["dgst", "-sha256", "-r"], { input: Buffer.from(PREIMAGE, "utf8") }).stdout;
    assert.equal(out.split(" ")[0], known);
  });

  it("counts each field's UTF-8 bytes as encoded, for any text: astral characters, lone surrogates, NUL, combining marks", () => {
    // Each field on its own, as the rules say: length of the field's UTF-8, then the field.
    const netstring = (v: string | null) => (v === null ? Buffer.from("-,") : Buffer.concat([Buffer.from(`${Buffer.byteLength(v, "utf8")}:`), Buffer.from(v, "utf8"), Buffer.from(",")]));
    const odd = ["😀 Hà Nội", "\ud83d", "\ude00x", "a\u0000b", "Nguye\u0302\u0303n", "\ud83d\ude00\ud83d", ""];
    for (const actor of odd) {
      for (const details of odd) {
        const e = { ...VECTOR, actor, details };
        const fields = [CHAIN_TAG, "1", e.prevHash, e.at, actor, null, "7", e.action, e.objectType, e.objectId, e.outcome, null, details, null, null];
        assert.deepEqual(entryPreimage(e), Buffer.concat(fields.map(netstring)), JSON.stringify({ actor, details }));
      }
    }
  });

  it("tells NULL from the empty string, and every field counts", () => {
    const base = entryHash(VECTOR);
    assert.notEqual(entryHash({ ...VECTOR, role: "" }), base);
    const changes: Array<Partial<HashedEntry>> = [
      { id: 2 }, { prevHash: "1".repeat(64) }, { at: "2026-11-23T09:00:01Z" }, { actor: "cli:Ha" }, { role: "operator" }, { unitId: 8 }, { unitId: null },
      { action: "cert.issue" }, { objectType: null }, { objectId: "0a1c" }, { outcome: "refused" }, { requestId: "r1" }, { details: null }, { before: "{}" }, { after: "{}" },
    ];
    for (const c of changes) assert.notEqual(entryHash({ ...VECTOR, ...c }), base, JSON.stringify(c));
    // Field boundaries cannot be shifted: moving a character between two fields changes the hash.
    assert.notEqual(entryHash({ ...VECTOR, objectType: "certificat", objectId: "e0a1b" }), base);
  });

  it("stores summaries as canonical JSON: keys sorted at every depth, no whitespace", () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [{ f: 1, e: 2 }], c: null }, u: undefined }), '{"a":{"c":null,"d":[{"e":2,"f":1}]},"b":1}');
    assert.equal(canonicalJson({ n: 10n, s: "Hà Nội" }), '{"n":"10","s":"Hà Nội"}');
  });
});
