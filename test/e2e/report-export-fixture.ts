// A hand-built report (the shape server/reports/report-model.ts defines) for the
// exporter tests, and readers that take an export back apart with tools we did
// not write: csv-parse, exceljs, pdftotext, pdftoppm.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseCsv } from "csv-parse/sync";
import ExcelJS from "exceljs";
import type { ReportSection } from "../../server/reports/report-model";
import type { ExportableReport } from "../../server/reports/export/export-format";

export function handBuiltReport(): ExportableReport {
  return {
    meta: {
      kind: "agency",
      titleVi: "Tình hình quản lý, sử dụng chứng thư số năm 2025",
      titleEn: "Management and use of digital certificates in 2025",
      unit: { id: 4, code: "SH-SKHCN", name: "Sở Khoa học và Công nghệ tỉnh Thử Nghiệm Sơn Hà", type: "department" },
      year: 2025,
      periodFrom: "2025-01-01",
      periodTo: "2025-12-31",
      asOf: "2025-12-31",
      generatedAt: "2026-11-23T03:04:05Z",
      generatedBy: "mautt",
      fingerprint: { auditHighId: 1234, certificateCount: 5678, requestHighId: 90, figuresSha256: "ab".repeat(32) },
    },
    sections: [
      {
        key: "certificates",
        titleVi: "Chứng thư số",
        titleEn: "Certificates",
        columns: [
          { key: "label", labelVi: "Loại", labelEn: "Kind", kind: "text" },
          { key: "issued", labelVi: "Cấp mới trong năm", labelEn: "Issued", kind: "int" },
          { key: "active", labelVi: "Còn hiệu lực cuối năm", labelEn: "Active at year end", kind: "int" },
          { key: "revoked", labelVi: "Thu hồi", labelEn: "Revoked", kind: "int" },
          { key: "expired", labelVi: "Hết hạn", labelEn: "Expired", kind: "int" },
        ],
        rows: [
          { label: "Cá nhân", labelEn: "Individual", issued: 1234, active: 3456, revoked: 12, expired: 0 },
          { label: "Cơ quan, tổ chức", issued: 7, active: 20, revoked: 1, expired: 2 },
          { label: "Thiết bị, dịch vụ, phần mềm", issued: 0, active: 3, revoked: 0, expired: null },
          { label: "Tổng cộng", issued: 1241, active: 3479, revoked: 13, expired: 2 },
        ],
        totalRow: 3,
      },
      {
        key: "requests",
        titleVi: "Hồ sơ đề nghị theo loại",
        titleEn: "Requests by type",
        columns: [
          { key: "type", labelVi: "Loại hồ sơ", labelEn: "Type", kind: "text" },
          { key: "count", labelVi: "Số hồ sơ", labelEn: "Requests", kind: "int" },
          { key: "median", labelVi: "Trung vị (ngày làm việc)", labelEn: "Median (working days)", kind: "days" },
          { key: "worst", labelVi: "Lâu nhất (ngày làm việc)", labelEn: "Worst (working days)", kind: "days" },
          { key: "late", labelVi: "Quá hạn", labelEn: "Past deadline", kind: "int" },
          { key: "lateShare", labelVi: "Tỷ lệ quá hạn", labelEn: "Share late", kind: "percent" },
        ],
        rows: [
          { type: "Cấp mới cho cá nhân (Mẫu 01)", count: 40, median: 2.5, worst: 7, late: 3, lateShare: 7.5 },
          { type: "=HYPERLINK(\"x\")", count: 1, median: null, worst: null, late: 0, lateShare: 0 },
        ],
      },
      {
        key: "trainings",
        titleVi: "Tập huấn, hướng dẫn sử dụng",
        titleEn: "Trainings",
        columns: [{ key: "topic", labelVi: "Nội dung", labelEn: "Topic", kind: "text" }, { key: "people", labelVi: "Số người", labelEn: "People", kind: "int" }],
        rows: [],
        noteVi: "Sổ theo dõi tập huấn chưa có số liệu.",
        noteEn: "The training register has no entries.",
      },
    ],
  };
}

/** Sections read back from our CSV layout with csv-parse: key → { labels, rows of raw strings }. */
export function sectionsFromCsv(buf: Buffer): { bom: boolean; meta: string[][]; sections: Map<string, { labels: string[]; rows: string[][] }> } {
  const bom = buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf;
  const records = parseCsv(buf, { bom: true, relax_column_count: true, skip_empty_lines: false }) as string[][];
  const meta: string[][] = [];
  const sections = new Map<string, { labels: string[]; rows: string[][] }>();
  let i = 0;
  for (; i < records.length && records[i]!.some((c) => c !== ""); i++) meta.push(records[i]!);
  for (; i < records.length; i++) {
    const r = records[i]!;
    if (r[0] !== "#") continue;
    const labels = records[++i]!;
    const rows: string[][] = [];
    for (i++; i < records.length && records[i]!.some((c) => c !== "") && records[i]![0] !== "#note"; i++) rows.push(records[i]!);
    sections.set(r[1]!, { labels, rows });
  }
  return { bom, meta, sections };
}

/** A section's figures as the CSV must carry them: numbers unformatted, empty for null. */
export function expectedCsvRows(s: ReportSection): string[][] {
  return s.rows.map((r) => s.columns.map((c) => {
    const v = r[c.key] ?? null;
    if (v === null) return "";
    if (typeof v === "number") return String(v);
    return /^[=+\-@]/.test(v) ? `'${v}` : v;
  }));
}

export async function workbookOf(buf: Buffer): Promise<ExcelJS.Workbook> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(buf as unknown as ExcelJS.Buffer);
  return wb;
}

/** Share of dark pixels (below mid-grey) in a binary PGM (P5, 8-bit) image. */
function darkShare(pgm: Buffer): number {
  const header = pgm.toString("latin1", 0, 64).match(/^P5\s+(\d+)\s+(\d+)\s+(\d+)\s/);
  if (!header) throw new Error("not a binary PGM");
  const [w, h] = [Number(header[1]), Number(header[2])];
  const pixels = pgm.subarray(header[0].length, header[0].length + w * h);
  let dark = 0;
  for (const p of pixels) if (p < 128) dark++;
  return dark / (w * h);
}

/** pdftotext's reading of a PDF, pdftoppm's first page as PNG, and the share of ink on it. */
export function readPdf(buf: Buffer): { text: string; layoutText: string; png: Buffer; ink: number; pages: number } {
  const dir = mkdtempSync(join(tmpdir(), "chungthu-pdf-"));
  try {
    const file = join(dir, "report.pdf");
    writeFileSync(file, buf);
    const text = execFileSync("pdftotext", ["-enc", "UTF-8", file, "-"], { encoding: "utf8" });
    const layoutText = execFileSync("pdftotext", ["-layout", "-enc", "UTF-8", file, "-"], { encoding: "utf8" });
    execFileSync("pdftoppm", ["-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", file, join(dir, "page1")]);
    execFileSync("pdftoppm", ["-gray", "-r", "60", "-f", "1", "-l", "1", "-singlefile", file, join(dir, "page1")]);
    const pages = Number(/Pages:\s+(\d+)/.exec(execFileSync("pdfinfo", [file], { encoding: "utf8" }))?.[1] ?? 0);
    return { text, layoutText, png: readFileSync(join(dir, "page1.png")), ink: darkShare(readFileSync(join(dir, "page1.pgm"))), pages };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
