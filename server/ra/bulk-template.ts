// The bulk-import file's columns (the new-certificate forms Mẫu 01/02/03 of
// Decree 68/2024, field names of request-forms.ts) and the template people
// download: CSV (UTF-8 with BOM, so Excel shows Vietnamese) and XLSX with an
// example row and a notes sheet. Knows nothing about requests' state or storage.
import ExcelJS from "exceljs";
import type { RequestType } from "./request-types";

export interface BulkColumn {
  /** The field name of request-forms.ts, or `loai` (form number) / `unit` (unit code). */
  key: string;
  /** The Vietnamese column label; the header is "label (key)". */
  label: string;
  /** The example row's value. */
  example: string;
  /** What the notes sheet says about it. */
  note: string;
}

/** The file's row limit: a batch is one transaction and one preview page. */
export const BULK_MAX_ROWS = 2000;
/** The largest file accepted (a 2,000-row XLSX is about 150 kB). */
export const BULK_MAX_BYTES = 5 * 1024 * 1024;

/** The column `loai` holds the form number (Decree 68/2024 annex). */
export const TYPE_OF_FORM: Readonly<Record<string, RequestType>> = { "01": "new_individual", "02": "new_organization", "03": "new_device" };

export const BULK_COLUMNS: readonly BulkColumn[] = [
  { key: "loai", label: "Loại hồ sơ (Mẫu)", example: "01", note: "01 = cá nhân (Mẫu 01), 02 = cơ quan, tổ chức (Mẫu 02), 03 = thiết bị, dịch vụ, phần mềm (Mẫu 03). Bắt buộc." },
  { key: "unit", label: "Mã đơn vị", example: "", note: "Mã đơn vị quản lý thuê bao (trang Đơn vị). Phải thuộc phạm vi bạn được lập hồ sơ. Bắt buộc." },
  { key: "fullName", label: "Họ và tên", example: "Nguyễn Văn Mẫu", note: "Mẫu 01: bắt buộc, tối đa 64 ký tự." },
  { key: "nationalId", label: "Số CCCD", example: "099090001234", note: "Mẫu 01: số định danh cá nhân, đúng 12 chữ số. Trong Excel để ô ở dạng Văn bản (Text) để không mất số 0 ở đầu. Không được trùng trong tệp." },
  { key: "position", label: "Chức vụ", example: "Chuyên viên", note: "Mẫu 01: bắt buộc." },
  { key: "email", label: "Thư điện tử công vụ", example: "nguyenvanmau@thunghiem.gov.vn", note: "Mẫu 01, 02: bắt buộc; Mẫu 03: không bắt buộc." },
  { key: "phone", label: "Số điện thoại", example: "0912345678", note: "Mẫu 01, 02: không bắt buộc, 9–15 chữ số." },
  { key: "organizationName", label: "Tên cơ quan, tổ chức", example: "", note: "Mẫu 02: không bắt buộc (mặc định là tên đơn vị)." },
  { key: "clerkName", label: "Người quản lý chứng thư (văn thư)", example: "", note: "Mẫu 02: bắt buộc." },
  { key: "deviceName", label: "Tên thiết bị, dịch vụ, phần mềm", example: "", note: "Mẫu 03: bắt buộc." },
  { key: "purpose", label: "Mục đích sử dụng", example: "", note: "Mẫu 03: bắt buộc." },
  { key: "responsiblePerson", label: "Người chịu trách nhiệm", example: "", note: "Mẫu 03: bắt buộc." },
  { key: "dnsNames", label: "Tên miền", example: "", note: "Mẫu 03: không bắt buộc; nhiều tên cách nhau bởi dấu phẩy (tối đa 10)." },
  { key: "tokenSerial", label: "Số hiệu token", example: "", note: "Không bắt buộc: token đã có trong sổ token của đơn vị." },
  { key: "days", label: "Thời hạn (ngày)", example: "", note: "Không bắt buộc: số ngày hiệu lực, tối đa 1827 (5 năm)." },
];

const KEYS = new Set(BULK_COLUMNS.map((c) => c.key));
const fold = (s: string) => s.normalize("NFC").trim().toLowerCase().replace(/\s+/g, " ");
const BY_LABEL = new Map(BULK_COLUMNS.map((c) => [fold(c.label), c.key]));
const BY_KEY = new Map(BULK_COLUMNS.map((c) => [c.key.toLowerCase(), c.key]));

export const headerOf = (c: BulkColumn) => `${c.label} (${c.key})`;
export const labelOf = (key: string) => BULK_COLUMNS.find((c) => c.key === key)?.label ?? key;

/** The column a header names: "label (key)", the key alone, or the label alone; null if none. */
export function columnOf(header: string): string | null {
  const h = header.normalize("NFC").trim();
  const m = /\(([A-Za-z]+)\)\s*$/.exec(h);
  if (m && KEYS.has(m[1]!)) return m[1]!;
  return BY_KEY.get(h.toLowerCase()) ?? BY_LABEL.get(fold(h)) ?? null;
}

const exampleRow = (unitCode: string) => BULK_COLUMNS.map((c) => (c.key === "unit" ? unitCode : c.example));

/** RFC 4180 field: quoted when it holds a separator, a quote or a line break. */
const csvField = (v: string) => (/[",\r\n;]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/** The CSV template: UTF-8 with a BOM (Excel otherwise reads it as the local code page), CRLF lines. */
export function templateCsv(exampleUnitCode: string): Buffer {
  const lines = [BULK_COLUMNS.map(headerOf), exampleRow(exampleUnitCode)].map((r) => r.map(csvField).join(","));
  return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(lines.join("\r\n") + "\r\n", "utf8")]);
}

/** The XLSX template: the "Hồ sơ" sheet (header, one example row, text-formatted cells) and a "Hướng dẫn" notes sheet. */
export async function templateXlsx(exampleUnitCode: string): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = "chungthu";
  const sheet = wb.addWorksheet("Hồ sơ", { views: [{ state: "frozen", ySplit: 1 }] });
  sheet.columns = BULK_COLUMNS.map((c) => ({ header: headerOf(c), key: c.key, width: Math.max(14, Math.min(40, headerOf(c).length + 2)) }));
  // Text format (@) everywhere but `days`: a CCCD or phone number typed as a number loses its leading zero.
  for (const c of BULK_COLUMNS) if (c.key !== "days") sheet.getColumn(c.key).numFmt = "@";
  sheet.getRow(1).font = { bold: true };
  sheet.addRow(exampleRow(exampleUnitCode));
  const notes = wb.addWorksheet("Hướng dẫn");
  notes.columns = [{ header: "Cột", key: "col", width: 42 }, { header: "Ghi chú", key: "note", width: 100 }];
  notes.getRow(1).font = { bold: true };
  for (const c of BULK_COLUMNS) notes.addRow([headerOf(c), c.note]);
  notes.addRow([]);
  for (const line of [
    "Mỗi dòng của trang «Hồ sơ» là một hồ sơ đề nghị cấp chứng thư số mới (Mẫu 01, 02 hoặc 03, Nghị định 68/2024/NĐ-CP).",
    "Dòng thứ 2 là dòng ví dụ: xóa hoặc sửa lại trước khi nhập.",
    `Tối đa ${BULK_MAX_ROWS} dòng mỗi tệp. Mọi dòng được kiểm tra trước; chỉ khi không còn lỗi mới xác nhận được, và tất cả hồ sơ được tạo cùng lúc (hoặc không hồ sơ nào).`,
    "Hồ sơ được tạo ở trạng thái nháp: mỗi hồ sơ vẫn cần CSR tạo trên token (và bản scan mẫu đơn đã ký nếu được yêu cầu) trước khi gửi.",
  ]) notes.addRow(["", line]);
  return Buffer.from(await wb.xlsx.writeBuffer());
}
