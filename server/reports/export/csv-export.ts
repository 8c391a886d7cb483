// The CSV export of any report: one file, UTF-8 with a BOM (Excel otherwise
// reads it in the local code page and mangles Vietnamese), CRLF lines (RFC 4180).
// Renders the sections the engine produced; computes nothing.
//
// Layout (one file, so one signature covers the whole report):
//   the meta block     label,value lines (report, unit, period, generated at/by, data fingerprint)
//   blank line
//   per section        "#",<section key>,<title>   a marker line
//                      the column labels
//                      the rows; numbers unformatted (1234, 2.5), empty for no value
//                      "#note",<text>              when the section has a note
//                      blank line
import { cellValue, columnLabel, rowCell, metaLines, sectionNote, sectionTitle, type ExportableReport, type ExportLang } from "./export-format";

export const CSV_SECTION_MARK = "#";
export const CSV_NOTE_MARK = "#note";

/** RFC 4180 field: quoted when it holds the separator, a quote or a line break. */
function field(v: string | number | null): string {
  if (v === null) return "";
  if (typeof v === "number") return String(v);
  // A text starting with = + - @ would run as a formula in a spreadsheet (CSV injection): keep it text.
  const s = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\r\n;]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const line = (cells: Array<string | number | null>) => cells.map(field).join(",");

export function exportCsv(report: ExportableReport, lang: ExportLang = "vi"): Buffer {
  const lines: string[] = metaLines(report.meta, lang).map(([k, v]) => line([k, v]));
  lines.push("");
  for (const s of report.sections) {
    lines.push(line([CSV_SECTION_MARK, s.key, sectionTitle(s, lang)]));
    lines.push(line(s.columns.map((c) => columnLabel(c, lang))));
    for (const row of s.rows) lines.push(line(s.columns.map((c) => cellValue(c, rowCell(c, row, lang)))));
    const note = sectionNote(s, lang);
    if (note) lines.push(line([CSV_NOTE_MARK, note]));
    lines.push("");
  }
  return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(lines.join("\r\n"), "utf8")]);
}
