import { strict as assert } from "node:assert";
import { validateSubject } from "../../../server/ra/subject-policy";

describe("subject policy", () => {
  it("normalises to NFC, trims and collapses spaces", () => {
    const s = validateSubject({ commonName: "  Nguye\u0302\u0303n   Văn  A ", organizationalUnits: ["Sở  Tài chính"] });
    assert.equal(s.commonName, "Nguyễn Văn A");
    assert.equal(s.commonName, s.commonName.normalize("NFC"));
    assert.deepEqual(s.organizationalUnits, ["Sở Tài chính"]);
  });
  it("counts characters, not bytes, against the RFC 5280 upper bounds", () => {
    assert.equal(validateSubject({ commonName: "ễ".repeat(64) }).commonName.length, 64);
    assert.throws(() => validateSubject({ commonName: "ễ".repeat(65) }), { code: "SUBJECT_INVALID" });
  });
  const bad: Array<[string, Parameters<typeof validateSubject>[0]]> = [
    ["missing CN", { commonName: "  " }],
    ["control character", { commonName: "A\nB" }],
    ["zero-width space", { commonName: "A\u200bB" }],
    ["bidi override", { commonName: "A\u202eB" }],
    ["bad e-mail", { commonName: "A", email: "a@@b" }],
    ["non-ASCII e-mail (IA5String)", { commonName: "A", email: "ân@b.gov.vn" }],
    ["five OUs", { commonName: "A", organizationalUnits: ["1", "2", "3", "4", "5"] }],
    ["bad DNS name", { commonName: "A", dnsNames: ["-bad-.vn"] }],
  ];
  for (const [what, input] of bad) {
    it(`refuses ${what}`, () => assert.throws(() => validateSubject(input), { code: "SUBJECT_INVALID" }));
  }
});
