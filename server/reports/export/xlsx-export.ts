// The XLSX export of any report (exceljs): a meta sheet first, then one sheet
// per section with its title, bold column labels, widths, number formats
// (counts #,##0; working days and percents one decimal). Renders the sections
// the engine produced; computes nothing.
import ExcelJS from "exceljs";
import type { ReportColumnKind } from "../report-model";
import { cellValue, columnLabel, metaLines, rowCell, pick, sectionNote, sectionTitle, type ExportableReport, type ExportLang } from "./export-format";

/** Rows above the data on a section sheet: the title, then the column labels. */
export const XLSX_HEADER_ROW = 2;

const NUM_FMT: Record<ReportColumnKind, string | undefined> = {
  int: "#,##0",
  days: "0.0",
  // Percent columns are year-on-year changes (0–100 scale, not fractions): signed.
  percent: '+0.0"%";-0.0"%";0.0"%"',
  text: undefined,
};

/** Excel sheet names: at most 31 characters, none of : \ / ? * [ ], unique in the workbook. */
function sheetName(wanted: string, used: Set<string>): string {
  const base = wanted.replace(/[:\\/?*[\]]/g, " ").replace(/\s+/g, " ").trim().slice(0, 31) || "Sheet";
  let name = base;
  for (let i = 2; used.has(name.toLowerCase()); i++) name = `${base.slice(0, 31 - String(i).length - 1)}~${i}`;
  used.add(name.toLowerCase());
  return name;
}

const textWidth = (v: unknown) => (v === null || v === undefined ? 0 : String(v).length);

export async function exportXlsx(report: ExportableReport, lang: ExportLang = "vi"): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = "chungthu";
  wb.title = pick(lang, report.meta.titleVi, report.meta.titleEn);
  // The report's own time, not now: the same report gives the same workbook properties.
  wb.created = wb.modified = new Date(report.meta.generatedAt);
  const used = new Set<string>();

  const info = wb.addWorksheet(sheetName(pick(lang, "Thông tin báo cáo", "Report information"), used));
  info.columns = [{ width: 36 }, { width: 72 }];
  for (const [label, value] of metaLines(report.meta, lang)) {
    const row = info.addRow([label, value]);
    row.getCell(1).font = { bold: true };
  }

  report.sections.forEach((s, i) => {
    const ws = wb.addWorksheet(sheetName(`${i + 1}. ${sectionTitle(s, lang)}`, used), { views: [{ state: "frozen", ySplit: XLSX_HEADER_ROW }] });
    const title = ws.getCell(1, 1);
    title.value = sectionTitle(s, lang);
    title.font = { bold: true, size: 13 };
    const header = ws.getRow(XLSX_HEADER_ROW);
    s.columns.forEach((c, j) => {
      const cell = header.getCell(j + 1);
      cell.value = columnLabel(c, lang);
      cell.font = { bold: true };
      cell.alignment = { wrapText: true, vertical: "middle", horizontal: c.kind === "text" ? "left" : "center" };
      cell.fill = { type: "pattern", pattern: "solid", fgColor: { argb: "FFE8EEF4" } };
      cell.border = { bottom: { style: "thin" } };
    });
    s.rows.forEach((r, k) => {
      const row = ws.addRow(s.columns.map((c) => cellValue(c, rowCell(c, r, lang))));
      if (s.totalRow === k) row.font = { bold: true };
    });
    s.columns.forEach((c, j) => {
      const col = ws.getColumn(j + 1);
      const fmt = NUM_FMT[c.kind];
      if (fmt) col.numFmt = fmt;
      const longest = Math.max(textWidth(columnLabel(c, lang)) * 0.6, ...s.rows.map((r) => textWidth(r[c.key])));
      col.width = Math.max(c.kind === "text" ? 16 : 10, Math.min(60, Math.ceil(longest) + 2));
    });
    const note = sectionNote(s, lang);
    if (note) {
      ws.addRow([]);
      ws.addRow([note]).getCell(1).font = { italic: true };
    }
  });
  return Buffer.from(await wb.xlsx.writeBuffer());
}
