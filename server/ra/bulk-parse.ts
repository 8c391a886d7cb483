// Reads an uploaded bulk-import file (XLSX through exceljs, CSV through
// csv-parse) into rows of text cells keyed by column, with their spreadsheet
// row numbers. Refuses what it cannot read with IMPORT_INVALID and a clear
// Vietnamese message; validates no field (bulk-import.ts does, with the forms).
import ExcelJS from "exceljs";
import { parse as parseCsv } from "csv-parse/sync";
import { AppError } from "../errors/app-error";
import { BULK_MAX_BYTES, BULK_MAX_ROWS, columnOf } from "./bulk-template";

export interface BulkRow {
  /** The row number as the spreadsheet shows it (the header is row 1). */
  row: number;
  /** Non-empty cells by column key, as text. */
  cells: Record<string, string>;
  /** Columns whose cell was a number in the XLSX (a CCCD stored as a number has lost its leading zeros). */
  numeric: string[];
}

export interface BulkSheet {
  format: "csv" | "xlsx";
  rows: BulkRow[];
}

export type BulkReason = "empty" | "type" | "too_large" | "unreadable" | "encoding" | "header" | "no_rows" | "too_many_rows";

const invalid = (reason: BulkReason, message: string, extra: Record<string, unknown> = {}): AppError => new AppError("IMPORT_INVALID", message, { reason, ...extra });

const ZIP = Buffer.from([0x50, 0x4b, 0x03, 0x04]);
const OLE = Buffer.from([0xd0, 0xcf, 0x11, 0xe0]); // Excel 97–2003 (.xls), compound file

/** The format by content; the name's extension must agree (a renamed PDF is not a CSV). */
function formatOf(content: Buffer, filename: string): "csv" | "xlsx" {
  const ext = /\.([A-Za-z0-9]+)$/.exec(filename)?.[1]?.toLowerCase() ?? "";
  if (content.subarray(0, 4).equals(OLE) || ext === "xls") throw invalid("type", "Tệp Excel 97–2003 (.xls) không được hỗ trợ: hãy lưu lại dưới dạng .xlsx hoặc .csv");
  if (content.subarray(0, 4).equals(ZIP)) {
    if (ext !== "xlsx") throw invalid("type", "Chỉ nhận tệp .xlsx hoặc .csv (theo mẫu tải về)");
    return "xlsx";
  }
  if (ext !== "csv" && ext !== "txt") throw invalid("type", "Chỉ nhận tệp .xlsx hoặc .csv (theo mẫu tải về)");
  if (content.includes(0)) throw invalid("type", "Tệp không phải văn bản CSV");
  return "csv";
}

function cellText(v: ExcelJS.CellValue): { text: string; numeric: boolean } {
  if (v === null || v === undefined) return { text: "", numeric: false };
  if (typeof v === "number") return { text: Number.isInteger(v) ? v.toFixed(0) : String(v), numeric: true };
  if (typeof v === "string" || typeof v === "boolean") return { text: String(v), numeric: false };
  if (v instanceof Date) return { text: v.toISOString().slice(0, 10), numeric: false };
  if ("richText" in v) return { text: v.richText.map((r) => r.text).join(""), numeric: false };
  if ("formula" in v || "sharedFormula" in v) return cellText((v as ExcelJS.CellFormulaValue).result as ExcelJS.CellValue);
  if ("text" in v) return cellText((v as ExcelJS.CellHyperlinkValue).text as ExcelJS.CellValue);
  if ("error" in v) return { text: String(v.error), numeric: false };
  return { text: "", numeric: false };
}

/** The header row mapped to column keys; unknown or repeated headers are refused (a shifted template). */
function columnsOf(headers: string[]): Array<string | null> {
  const seen = new Set<string>();
  const out = headers.map((h, i) => {
    const text = h.trim();
    if (!text) return null;
    const key = columnOf(text);
    if (!key) throw invalid("header", `Cột ${i + 1} «${text.slice(0, 60)}» không có trong mẫu: hãy dùng tệp mẫu tải về`, { column: i + 1 });
    if (seen.has(key)) throw invalid("header", `Cột «${text.slice(0, 60)}» xuất hiện hai lần`, { column: i + 1 });
    seen.add(key);
    return key;
  });
  if (!seen.has("loai")) throw invalid("header", "Thiếu cột «Loại hồ sơ (loai)» ở dòng đầu: hãy dùng tệp mẫu tải về");
  return out;
}

function toRows(records: Array<{ row: number; cells: Array<{ text: string; numeric: boolean }> }>, columns: Array<string | null>): BulkRow[] {
  const rows: BulkRow[] = [];
  for (const r of records) {
    const cells: Record<string, string> = {};
    const numeric: string[] = [];
    r.cells.forEach((c, i) => {
      const key = columns[i];
      const text = c.text.normalize("NFC").trim();
      if (!text) return;
      if (!key) throw invalid("header", `Dòng ${r.row}: có dữ liệu ở cột ${i + 1} không có tiêu đề`, { row: r.row });
      cells[key] = text;
      if (c.numeric) numeric.push(key);
    });
    if (Object.keys(cells).length === 0) continue; // blank lines in between are not rows
    rows.push({ row: r.row, cells, numeric });
    if (rows.length > BULK_MAX_ROWS) throw invalid("too_many_rows", `Tệp có hơn ${BULK_MAX_ROWS} dòng hồ sơ: tối đa ${BULK_MAX_ROWS} dòng mỗi lần nhập, hãy chia thành nhiều tệp`, { max: BULK_MAX_ROWS });
  }
  if (rows.length === 0) throw invalid("no_rows", "Tệp không có dòng hồ sơ nào (chỉ có dòng tiêu đề)");
  return rows;
}

async function readXlsx(content: Buffer): Promise<BulkSheet> {
  const wb = new ExcelJS.Workbook();
  try {
    await wb.xlsx.load(content as unknown as ArrayBuffer);
  } catch {
    throw invalid("unreadable", "Không đọc được tệp .xlsx (tệp hỏng hoặc không phải bảng tính Excel)");
  }
  const sheet = wb.worksheets[0];
  if (!sheet || sheet.actualRowCount === 0) throw invalid("no_rows", "Trang tính đầu tiên của tệp trống");
  if (sheet.actualRowCount > BULK_MAX_ROWS + 1) throw invalid("too_many_rows", `Tệp có ${sheet.actualRowCount - 1} dòng hồ sơ: tối đa ${BULK_MAX_ROWS} dòng mỗi lần nhập, hãy chia thành nhiều tệp`, { max: BULK_MAX_ROWS });
  const width = sheet.columnCount;
  const line = (n: number) => Array.from({ length: width }, (_, i) => cellText(sheet.getRow(n).getCell(i + 1).value));
  const columns = columnsOf(line(1).map((c) => c.text));
  const records: Array<{ row: number; cells: Array<{ text: string; numeric: boolean }> }> = [];
  sheet.eachRow({ includeEmpty: false }, (_row, n) => {
    if (n > 1) records.push({ row: n, cells: line(n) });
  });
  return { format: "xlsx", rows: toRows(records, columns) };
}

function readCsv(content: Buffer): BulkSheet {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(content);
  } catch {
    throw invalid("encoding", "Tệp CSV phải được lưu với bảng mã UTF-8 (trong Excel: «CSV UTF-8»)");
  }
  text = text.replace(/^\ufeff/, "");
  // Excel writes ";" where the list separator is a comma in the locale: take the one the header uses.
  const first = text.split(/\r?\n/, 1)[0] ?? "";
  const delimiter = (first.match(/;/g)?.length ?? 0) > (first.match(/,/g)?.length ?? 0) ? ";" : ",";
  let records: string[][];
  try {
    records = parseCsv(text, { delimiter, relax_column_count: true, skip_empty_lines: false }) as string[][];
  } catch (e) {
    const lines = (e as { lines?: number }).lines;
    throw invalid("unreadable", `Tệp CSV sai định dạng${lines ? ` ở dòng ${lines}` : ""} (dấu ngoặc kép chưa đóng?)`);
  }
  if (records.length === 0) throw invalid("empty", "Tệp rỗng");
  const columns = columnsOf(records[0]!);
  if (records.length - 1 > BULK_MAX_ROWS * 2) throw invalid("too_many_rows", `Tệp có ${records.length - 1} dòng: tối đa ${BULK_MAX_ROWS} dòng hồ sơ mỗi lần nhập, hãy chia thành nhiều tệp`, { max: BULK_MAX_ROWS });
  const rows = records.slice(1).map((cells, i) => ({ row: i + 2, cells: cells.map((t) => ({ text: t, numeric: false })) }));
  return { format: "csv", rows: toRows(rows, columns) };
}

/** The rows of an uploaded file; IMPORT_INVALID (details.reason) for an empty, wrong, unreadable or too large file. */
export async function readBulkFile(content: Buffer, filename: string): Promise<BulkSheet> {
  if (content.length === 0) throw invalid("empty", "Tệp rỗng");
  if (content.length > BULK_MAX_BYTES) throw invalid("too_large", `Tệp lớn hơn ${BULK_MAX_BYTES / 1024 / 1024} MB`);
  return formatOf(content, filename) === "xlsx" ? readXlsx(content) : readCsv(content);
}
