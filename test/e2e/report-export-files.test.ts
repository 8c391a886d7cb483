// The exporters on a hand-built report: CSV parses back (csv-parse) and XLSX
// opens (exceljs) to the same numbers; the PDF's text (pdftotext) has the
// Decree 30 heading in Vietnamese exactly and its first page renders (pdftoppm).
import { strict as assert } from "node:assert";
import { exportCsv } from "../../server/reports/export/csv-export";
import { exportXlsx, XLSX_HEADER_ROW } from "../../server/reports/export/xlsx-export";
import { abstractOf, exportPdf } from "../../server/reports/export/pdf-export";
import { officialHeading, vietnameseDate } from "../../server/reports/export/official-heading";
import { exportBaseName } from "../../server/reports/export/export-format";
import { expectedCsvRows, handBuiltReport, readPdf, sectionsFromCsv, workbookOf } from "./report-export-fixture";

const PROVINCE = { code: "SH", name: "Ủy ban nhân dân tỉnh Thử Nghiệm Sơn Hà", type: "province" };

describe("report export files", () => {
  it("CSV: UTF-8 with BOM, the meta block, and every section parses back with csv-parse to the report's numbers", () => {
    const report = handBuiltReport();
    const csv = exportCsv(report);
    const back = sectionsFromCsv(csv);
    assert.equal(back.bom, true);
    assert.match(csv.toString("utf8"), /\r\n/);
    const meta = new Map(back.meta.map(([k, v]) => [k, v]));
    assert.equal(meta.get("Báo cáo"), report.meta.titleVi);
    assert.equal(meta.get("Đơn vị"), "Sở Khoa học và Công nghệ tỉnh Thử Nghiệm Sơn Hà (SH-SKHCN)");
    assert.equal(meta.get("Năm báo cáo"), "2025");
    assert.equal(meta.get("Thời điểm lập (UTC)"), "2026-11-23T03:04:05Z");
    assert.equal(meta.get("Dấu vân tay số liệu (SHA-256)"), "ab".repeat(32));
    assert.equal(meta.get("Nhật ký kiểm toán đến mục"), "1234");
    assert.deepEqual([...back.sections.keys()], report.sections.map((s) => s.key));
    for (const s of report.sections) {
      const got = back.sections.get(s.key)!;
      assert.deepEqual(got.labels, s.columns.map((c) => c.labelVi));
      assert.deepEqual(got.rows, expectedCsvRows(s));
    }
    // Numbers unformatted: 1234 not 1.234, 2.5 not 2,5; a formula-looking text stays text.
    const certs = back.sections.get("certificates")!.rows;
    assert.equal(Number(certs[0]![1]), 1234);
    assert.equal(back.sections.get("requests")!.rows[0]![2], "2.5");
    assert.equal(back.sections.get("requests")!.rows[1]![0], "'=HYPERLINK(\"x\")");
    const en = sectionsFromCsv(exportCsv(report, "en"));
    assert.deepEqual(en.sections.get("certificates")!.labels, ["Kind", "Issued", "Active at year end", "Revoked", "Expired"]);
    assert.deepEqual(en.sections.get("certificates")!.rows[0], ["Individual", "1234", "3456", "12", "0"]);
    assert.equal(abstractOf("Báo cáo tình hình quản lý năm 2025 — Sở Y tế"), "Tình hình quản lý năm 2025 — Sở Y tế");
  });

  it("XLSX: a meta sheet and a sheet per section that exceljs reads back to the same numbers, with bold headers and number formats", async () => {
    const report = handBuiltReport();
    const wb = await workbookOf(await exportXlsx(report));
    const names = wb.worksheets.map((w) => w.name);
    assert.deepEqual(names, ["Thông tin báo cáo", "1. Chứng thư số", "2. Hồ sơ đề nghị theo loại", "3. Tập huấn, hướng dẫn sử dụng"]);
    const info = wb.worksheets[0]!;
    const infoMap = new Map<string, unknown>();
    info.eachRow((row) => infoMap.set(String(row.getCell(1).value), row.getCell(2).value));
    assert.equal(infoMap.get("Năm báo cáo"), 2025);
    assert.equal(infoMap.get("Dấu vân tay số liệu (SHA-256)"), "ab".repeat(32));
    report.sections.forEach((s, i) => {
      const ws = wb.worksheets[i + 1]!;
      assert.equal(ws.getCell(1, 1).value, s.titleVi);
      const header = ws.getRow(XLSX_HEADER_ROW);
      s.columns.forEach((c, j) => {
        assert.equal(header.getCell(j + 1).value, c.labelVi);
        assert.equal(header.getCell(j + 1).font?.bold, true);
      });
      s.rows.forEach((r, k) => {
        const row = ws.getRow(XLSX_HEADER_ROW + 1 + k);
        s.columns.forEach((c, j) => assert.deepEqual(row.getCell(j + 1).value, r[c.key] ?? null, `${s.key} row ${k} ${c.key}`));
      });
      s.columns.forEach((c, j) => {
        const fmt = ws.getRow(XLSX_HEADER_ROW + 1).getCell(j + 1).numFmt;
        if (s.rows.length) assert.equal(fmt, { int: "#,##0", days: "0.0", percent: '+0.0"%";-0.0"%";0.0"%"', text: undefined }[c.kind], `${s.key}.${c.key} format`);
        assert.ok((ws.getColumn(j + 1).width ?? 0) >= 10);
      });
    });
    assert.equal(wb.worksheets[1]!.getRow(XLSX_HEADER_ROW + 4).font?.bold, true, "the total row is bold");
  });

  it("PDF: Decree 30 heading, title and sections in Vietnamese (pdftotext), page 1 renders (pdftoppm), footer with page numbers and the data fingerprint", async function () {
    this.timeout(20_000);
    const report = handBuiltReport();
    const unit = { code: "SH-SKHCN", name: "Sở Khoa học và Công nghệ tỉnh Thử Nghiệm Sơn Hà", type: "department" };
    const heading = officialHeading({ unit, superior: PROVINCE, province: PROVINCE, generatedAt: report.meta.generatedAt });
    assert.deepEqual(heading, {
      superiorBody: "UBND TỈNH THỬ NGHIỆM SƠN HÀ",
      body: "SỞ KHOA HỌC VÀ CÔNG NGHỆ",
      numberLine: "Số:       /BC-SKHCN",
      placeAndDate: "Thử Nghiệm Sơn Hà, ngày 23 tháng 11 năm 2026",
    });
    const pdf = await exportPdf(report, heading);
    assert.equal(pdf.subarray(0, 5).toString("latin1"), "%PDF-");
    assert.match(pdf.toString("latin1"), /DejaVuSerif/, "the font is embedded");
    const { text, layoutText, png, ink } = readPdf(pdf);
    const nfc = text.normalize("NFC");
    for (const line of [
      "UBND TỈNH THỬ NGHIỆM SƠN HÀ",
      "SỞ KHOA HỌC VÀ CÔNG NGHỆ",
      "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
      "Độc lập - Tự do - Hạnh phúc",
      "Thử Nghiệm Sơn Hà, ngày 23 tháng 11 năm 2026",
      "BÁO CÁO",
      "Tình hình quản lý, sử dụng chứng thư số năm 2025",
      "I. Chứng thư số",
      "II. Hồ sơ đề nghị theo loại",
      "III. Tập huấn, hướng dẫn sử dụng",
      "Sổ theo dõi tập huấn chưa có số liệu.",
      "Thiết bị, dịch vụ, phần mềm",
      "Trang 1/",
      `Dấu vân tay số liệu (SHA-256): ${"ab".repeat(32)}`,
      "Lập lúc 10:04 23/11/2026 bởi mautt",
    ]) assert.ok(nfc.includes(line), `pdftotext has ${JSON.stringify(line)}:\n${nfc}`);
    assert.equal(text, nfc, "pdftotext gives precomposed (NFC) Vietnamese");
    assert.match(layoutText, /Số:\s+\/BC-SKHCN/);
    // Vietnamese number notation in the tables: 1.234 and 2,5.
    assert.match(layoutText, /Cá nhân\s+1\.234\s+3\.456\s+12\s+0/);
    assert.match(layoutText, /2,5\s+7,0\s+3\s+\+7,5 %/);
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.ok(ink > 0.005 && ink < 0.5, `page 1 has ink but is not black (${ink})`);
  });

  it("PDF: a long section breaks across pages with the header repeated and page numbers from page 2", async function () {
    this.timeout(20_000);
    const report = handBuiltReport();
    const s = report.sections[0]!;
    s.rows = Array.from({ length: 120 }, (_, i) => ({ label: `Đơn vị số ${i + 1}`, issued: i, active: i * 2, revoked: i % 3, expired: 1 }));
    delete s.totalRow;
    const heading = officialHeading({ unit: { code: "SH", name: PROVINCE.name, type: "province" }, superior: null, province: PROVINCE, generatedAt: "2026-02-05T01:00:00Z" });
    assert.equal(heading.superiorBody, null);
    assert.equal(heading.body, "ỦY BAN NHÂN DÂN TỈNH THỬ NGHIỆM SƠN HÀ");
    assert.equal(heading.numberLine, "Số:       /BC-UBND");
    assert.equal(vietnameseDate("2026-02-05T01:00:00Z"), "ngày 05 tháng 02 năm 2026");
    const { text, pages } = readPdf(await exportPdf(report, heading));
    assert.ok(pages >= 3, `pages: ${pages}`);
    assert.ok(text.includes(`Trang ${pages}/${pages}`));
    assert.ok(text.includes("Đơn vị số 120"));
    const withRows = text.split("\f").filter((page) => page.includes("Đơn vị số"));
    assert.ok(withRows.length >= 3);
    for (const page of withRows) assert.match(page, /Loại[\s\S]*Đơn vị số/, "every page of the table starts with its header row");
  });

  it("file names are ASCII and name the kind, unit and year", () => {
    assert.equal(exportBaseName(handBuiltReport().meta), "report-agency-SH-SKHCN-2025");
  });
});
