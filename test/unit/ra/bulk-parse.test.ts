// Reading bulk-import files: the templates round-trip; headers by "label (key)",
// key or label; CSV with BOM, ";" or "," and quoted line breaks; blank rows keep
// the spreadsheet's row numbers; numbers in an XLSX are flagged (a CCCD that
// lost its leading zero); and every unreadable file is refused with its reason.
import { strict as assert } from "node:assert";
import ExcelJS from "exceljs";
import { readBulkFile } from "../../../server/ra/bulk-parse";
import { BULK_COLUMNS, BULK_MAX_ROWS, columnOf, templateCsv, templateXlsx } from "../../../server/ra/bulk-template";
import { isAppError } from "../../../server/errors/app-error";

async function reason(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    assert.ok(isAppError(e) && e.code === "IMPORT_INVALID", String(e));
    return String(e.details?.reason);
  }
  assert.fail("expected IMPORT_INVALID");
}

describe("bulk import file reading", () => {
  it("reads both templates back: one example row with the unit code", async () => {
    for (const [name, content] of [["mau.xlsx", await templateXlsx("SO_TC")], ["mau.csv", templateCsv("SO_TC")]] as const) {
      const sheet = await readBulkFile(content, name);
      assert.equal(sheet.rows.length, 1, name);
      assert.equal(sheet.rows[0]!.row, 2);
      assert.equal(sheet.rows[0]!.cells.unit, "SO_TC");
      assert.equal(sheet.rows[0]!.cells.loai, "01");
      assert.equal(sheet.rows[0]!.cells.nationalId, "099090001234", `${name}: text, not a number`);
    }
  });

  it("knows a column by 'label (key)', by its key or by its label", () => {
    assert.equal(columnOf("Họ và tên (fullName)"), "fullName");
    assert.equal(columnOf("nationalid"), "nationalId");
    assert.equal(columnOf("  Số  CCCD "), "nationalId");
    assert.equal(columnOf("Loại hồ sơ (Mẫu)"), "loai");
    assert.equal(columnOf("Ghi chú"), null);
    assert.equal(new Set(BULK_COLUMNS.map((c) => c.key)).size, BULK_COLUMNS.length);
  });

  it("reads CSV with a BOM, ';' separators, quoted line breaks and blank rows, keeping row numbers", async () => {
    const text = "\ufeffloai;unit;fullName;purpose\r\n01;DEPT_A;Nguyễn Văn A;\r\n;;;\r\n\r\n03;DEPT_A;;\"dòng 1\ndòng 2; có chấm phẩy\"\r\n";
    const sheet = await readBulkFile(Buffer.from(text, "utf8"), "a.CSV");
    assert.equal(sheet.format, "csv");
    assert.deepEqual(sheet.rows.map((r) => r.row), [2, 5]);
    assert.equal(sheet.rows[0]!.cells.fullName, "Nguyễn Văn A");
    assert.equal(sheet.rows[1]!.cells.purpose, "dòng 1\ndòng 2; có chấm phẩy");
    assert.equal(sheet.rows[1]!.cells.fullName, undefined, "empty cells are left out");
  });

  it("normalises text to NFC (a decomposed Vietnamese name reads as the composed one)", async () => {
    const decomposed = "Nguye\u0302\u0303n";
    const sheet = await readBulkFile(Buffer.from(`loai,fullName\n01,${decomposed}\n`), "a.csv");
    assert.equal(sheet.rows[0]!.cells.fullName, "Nguyễn");
  });

  it("flags numbers in an XLSX and reads formulas, rich text and hyperlinks as their text", async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet("x");
    ws.addRow(["loai", "unit", "nationalId", "fullName", "email", "days"]);
    ws.addRow([1, { formula: "\"DEPT\"&\"_A\"", result: "DEPT_A" }, 99090001234, { richText: [{ text: "Trần " }, { text: "Thị B", font: { bold: true } }] }, { text: "b@x.gov.vn", hyperlink: "mailto:b@x.gov.vn" }, 365]);
    const sheet = await readBulkFile(Buffer.from(await wb.xlsx.writeBuffer()), "x.xlsx");
    const r = sheet.rows[0]!;
    assert.deepEqual(r.cells, { loai: "1", unit: "DEPT_A", nationalId: "99090001234", fullName: "Trần Thị B", email: "b@x.gov.vn", days: "365" });
    assert.deepEqual(r.numeric.sort(), ["days", "loai", "nationalId"]);
  });

  it("refuses what it cannot read, each with its reason", async () => {
    const rows = (n: number) => Buffer.from(["loai,unit", ...Array.from({ length: n }, () => "01,A")].join("\n"));
    assert.equal(await reason(readBulkFile(Buffer.alloc(0), "a.csv")), "empty");
    assert.equal(await reason(readBulkFile(Buffer.from("%PDF-1.4"), "a.pdf")), "type");
    assert.equal(await reason(readBulkFile(Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0, 0]), "a.xls")), "type");
    assert.equal(await reason(readBulkFile(Buffer.from("loai\n01\n"), "a.xlsx")), "type", "a CSV renamed .xlsx");
    assert.equal(await reason(readBulkFile(Buffer.from([0x50, 0x4b, 0x03, 0x04, 1, 2, 3]), "a.xlsx")), "unreadable");
    assert.equal(await reason(readBulkFile(Buffer.from([0x6c, 0x6f, 0x61, 0x69, 0x0a, 0xe0, 0x31]), "a.csv")), "encoding");
    assert.equal(await reason(readBulkFile(Buffer.from('loai,unit\n"01,A\n'), "a.csv")), "unreadable");
    assert.equal(await reason(readBulkFile(Buffer.from("unit,fullName\nA,B\n"), "a.csv")), "header", "no loai column");
    assert.equal(await reason(readBulkFile(Buffer.from("loai,Ghi chú\n01,x\n"), "a.csv")), "header", "unknown column");
    assert.equal(await reason(readBulkFile(Buffer.from("loai,loai\n01,01\n"), "a.csv")), "header", "a column twice");
    assert.equal(await reason(readBulkFile(Buffer.from("loai,unit\n01,A,extra\n"), "a.csv")), "header", "data under no header");
    assert.equal(await reason(readBulkFile(Buffer.from("loai,unit\n\n,\n"), "a.csv")), "no_rows");
    assert.equal((await readBulkFile(rows(BULK_MAX_ROWS), "a.csv")).rows.length, BULK_MAX_ROWS);
    assert.equal(await reason(readBulkFile(rows(BULK_MAX_ROWS + 1), "a.csv")), "too_many_rows");
    assert.equal(await reason(readBulkFile(Buffer.alloc(5 * 1024 * 1024 + 1, 0x61), "a.csv")), "too_large");
  });
});
