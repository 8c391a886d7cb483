// Field and batch-shape validation for units: what is accepted, how it is
// normalised, and that each refusal carries its stable code and names the field.
import { strict as assert } from "node:assert";
import { AppError } from "../../../server/errors/app-error";
import { dayBefore, isIsoDate, vietnamDate } from "../../../server/org/unit-dates";
import {
  parseBatchInput,
  parseBudgetCode,
  parseCode,
  parseEmailDomain,
  parseFocalPoint,
  parseTaxCode,
  parseUnitSpec,
} from "../../../server/org/unit-validation";

function refused(fn: () => unknown, code: string, match?: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof AppError, `expected AppError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (match) assert.match(e.message, match);
    return true;
  });
}

describe("unit validation", () => {
  it("MST: 10 digits, or 13 for a dependent unit (written 0101234567-001)", () => {
    assert.equal(parseTaxCode("0101234567"), "0101234567");
    assert.equal(parseTaxCode(" 0101234567001 "), "0101234567-001");
    assert.equal(parseTaxCode("0101234567-001"), "0101234567-001");
    assert.equal(parseTaxCode(""), null);
    assert.equal(parseTaxCode(undefined), null);
    for (const bad of ["010123456", "01012345678", "010123456700", "0101234567-01", "01012345AB", "0101234567_001"]) {
      refused(() => parseTaxCode(bad), "UNIT_INVALID", /MST/);
    }
    // A number in a JSON file has already lost its leading zero.
    refused(() => parseTaxCode(101234567), "UNIT_INVALID", /text/);
  });

  it("QHNS: exactly 7 digits", () => {
    assert.equal(parseBudgetCode("1099001"), "1099001");
    assert.equal(parseBudgetCode(null), null);
    for (const bad of ["109900", "10990012", "10990a1"]) refused(() => parseBudgetCode(bad), "UNIT_INVALID", /QHNS/);
  });

  it("e-mail domain: a real domain ending .gov.vn, lower-cased", () => {
    assert.equal(parseEmailDomain("SoTTTT.Example.GOV.VN"), "sotttt.example.gov.vn");
    assert.equal(parseEmailDomain("@snv.example.gov.vn"), "snv.example.gov.vn");
    for (const bad of ["gov.vn", "example.com.vn", "example.gov.vn.evil.com", "a..gov.vn", "-a.gov.vn", "ex ample.gov.vn", "xn--.gov.vn.", "example.edu.vn"]) {
      refused(() => parseEmailDomain(bad), "UNIT_INVALID", /\.gov\.vn/);
    }
  });

  it("codes are upper-cased; names NFC-normalised with spaces collapsed", () => {
    assert.equal(parseCode(" sh-snv "), "SH-SNV");
    for (const bad of ["S", "-SH", "SH-", "SH SNV", "SỞ", "A".repeat(41)]) refused(() => parseCode(bad), "UNIT_INVALID");
    const decomposed = "Sở Nội vụ".normalize("NFD");
    const spec = parseUnitSpec({ code: "x1", name: `  ${decomposed}   tỉnh  `, type: "department", parent: "x0" });
    assert.equal(spec.name, "Sở Nội vụ tỉnh");
    assert.equal(spec.name, spec.name.normalize("NFC"));
    refused(() => parseUnitSpec({ code: "x1", name: "Sở\u0007", type: "department" }), "UNIT_INVALID");
    refused(() => parseUnitSpec({ code: "x1", name: "Sở", type: "ministry" }), "UNIT_INVALID", /province, department/);
    refused(() => parseUnitSpec({ code: "x1", name: "Sở", type: "department", emailDomian: "a.gov.vn" }), "UNIT_INVALID", /unknown field "emailDomian"/);
  });

  it("focal point: e-mail and Vietnamese phone checked; an empty one is none", () => {
    assert.deepEqual(parseFocalPoint({ name: "Lê Văn Số", email: "SoLV@stttt.example.gov.vn", phone: "0211 3862.123" }), {
      name: "Lê Văn Số",
      email: "solv@stttt.example.gov.vn",
      phone: "02113862123",
    });
    assert.equal(parseFocalPoint({ name: "", email: null }), null);
    assert.equal(parseFocalPoint({ phone: "+84 912 345 678" })?.phone, "+84912345678");
    refused(() => parseFocalPoint({ email: "not-an-email" }), "UNIT_INVALID", /focalPoint.email/);
    refused(() => parseFocalPoint({ phone: "12345" }), "UNIT_INVALID", /focalPoint.phone/);
  });

  it("dates: real calendar days written YYYY-MM-DD; today is Vietnam's day", () => {
    for (const ok of ["2024-12-31", "2024-02-29", "2025-07-01"]) assert.ok(isIsoDate(ok), ok);
    for (const bad of ["2025-02-29", "2025-13-01", "2025-7-1", "31/12/2024", "2025-07-01T00:00:00Z", "1899-12-31", ""]) assert.ok(!isIsoDate(bad), bad);
    assert.equal(vietnamDate(new Date("2025-06-30T16:59:59Z")), "2025-06-30");
    assert.equal(vietnamDate(new Date("2025-06-30T17:00:00Z")), "2025-07-01");
    assert.equal(dayBefore("2025-03-01"), "2025-02-28");
    assert.equal(dayBefore("2024-03-01"), "2024-02-29");
  });

  it("batches: title, date, known kinds, well-formed changes; refusals name the change", () => {
    const ok = parseBatchInput(" Sắp xếp ", "2025-07-01", [
      { kind: "merge", units: ["a1", "a2"], into: { code: "a3", name: "Xã Mới", type: "commune", parent: "p1" } },
      { kind: "dissolve", unit: "d1" },
    ]);
    assert.equal(ok.title, "Sắp xếp");
    assert.deepEqual(ok.changes[0], {
      kind: "merge",
      units: ["A1", "A2"],
      into: { code: "A3", name: "Xã Mới", type: "commune", parent: "P1", taxCode: null, budgetCode: null, address: null, emailDomain: null, focalPoint: null },
    });
    refused(() => parseBatchInput("T", "2025-07-01", [{ kind: "dissolve", unit: "A1" }]), "BATCH_INVALID", /title/);
    refused(() => parseBatchInput("Title", "2025-02-30", [{ kind: "dissolve", unit: "A1" }]), "UNIT_INVALID", /effectiveDate/);
    refused(() => parseBatchInput("Title", "2025-07-01", []), "BATCH_INVALID", /at least one change/);
    refused(() => parseBatchInput("Title", "2025-07-01", [{ kind: "dissolve", unit: "A1" }, { kind: "abolish", unit: "A2" }]), "BATCH_INVALID", /^change 2 \(abolish\): unknown kind/);
    refused(() => parseBatchInput("Title", "2025-07-01", [{ kind: "merge", units: ["A1", "A1"], into: "B" }]), "BATCH_INVALID", /listed twice/);
    refused(() => parseBatchInput("Title", "2025-07-01", [{ kind: "merge", units: ["A1"], into: "A1" }]), "BATCH_INVALID", /into itself/);
    refused(() => parseBatchInput("Title", "2025-07-01", [{ kind: "split", unit: "A1", into: ["B1"] }]), "BATCH_INVALID", /at least two/);
    refused(() => parseBatchInput("Title", "2025-07-01", [{ kind: "update", unit: "A1", set: {} }]), "BATCH_INVALID", /at least one field/);
    refused(() => parseBatchInput("Title", "2025-07-01", [{ kind: "update", unit: "A1", set: { taxCode: "123" } }]), "UNIT_INVALID", /^change 1 \(update\): taxCode \(MST\)/);
    refused(
      () => parseBatchInput("Title", "2025-07-01", [{ kind: "create", unit: { code: "N1", name: "Xã", type: "commune", parent: "P1" } }, { kind: "split", unit: "A1", into: [{ code: "N1", name: "Xã", type: "commune", parent: "P1" }, "B1"] }]),
      "BATCH_INVALID",
      /^change 2 \(split\): unit N1 is already created by change 1/,
    );
  });
});
