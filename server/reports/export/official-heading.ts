// The heading of an official report as Decree 30/2020/NĐ-CP (Appendix I, part
// II) lays it out: the issuing body under its direct superior, the number and
// symbol, place and date. Derived from unit names of the report's tree; pure.
import { vnParts } from "./export-format";

export interface OfficialHeading {
  /** Line 1, upper case, regular: the direct superior body ("UBND TỈNH THỬ NGHIỆM SƠN HÀ"); null for a top body. */
  superiorBody: string | null;
  /** Line 2, upper case, bold: the issuing body ("SỞ KHOA HỌC VÀ CÔNG NGHỆ"). */
  body: string;
  /** "Số:      /BC-SKHCN": the number is left blank for the clerk's register (Appendix I, II.4). */
  numberLine: string;
  /** "Thử Nghiệm Sơn Hà, ngày 23 tháng 11 năm 2026" (II.5). */
  placeAndDate: string;
}

export interface HeadingUnit {
  code: string;
  name: string;
  type: string;
}

const UBND = /^(ủy|uỷ) ban nhân dân\s+/i;
// The administrative level word before a place name: dropped in the place line (II.5.a: "Hà Nội", "Ba Vì").
const LEVEL = /^(tỉnh|thành phố|huyện|quận|thị xã|thị trấn|xã|phường|đặc khu)\s+/i;

const upper = (s: string) => s.normalize("NFC").toLocaleUpperCase("vi-VN");

/** "Ủy ban nhân dân tỉnh Thử Nghiệm Sơn Hà" → "tỉnh Thử Nghiệm Sơn Hà". */
function localityOf(name: string): string {
  return name.replace(UBND, "").trim();
}

/** The superior's short form on line 1: "Ủy ban nhân dân" may be written "UBND" (Appendix I, II.3 example). */
function superiorLine(name: string): string {
  return UBND.test(name) ? `UBND ${upper(localityOf(name))}` : upper(name);
}

/**
 * Line 2 drops the trailing locality the superior already names:
 * "Sở Khoa học và Công nghệ tỉnh Thử Nghiệm Sơn Hà" under "UBND tỉnh Thử Nghiệm Sơn Hà" → "SỞ KHOA HỌC VÀ CÔNG NGHỆ".
 */
function bodyLine(name: string, superior: HeadingUnit | null): string {
  if (superior && UBND.test(superior.name)) {
    const loc = localityOf(superior.name);
    if (name.toLowerCase().endsWith(` ${loc.toLowerCase()}`) && name.length > loc.length + 1) return upper(name.slice(0, name.length - loc.length - 1).trim());
  }
  return upper(name);
}

/** The symbol's body abbreviation: the last part of the unit code ("SH-SKHCN" → "SKHCN"); "UBND" for a People's Committee. */
function abbreviation(unit: HeadingUnit): string {
  if (UBND.test(unit.name)) return "UBND";
  return (unit.code.split("-").pop() ?? unit.code).toUpperCase();
}

const p2 = (n: number) => String(n).padStart(2, "0");

/** "ngày 05 tháng 02 năm 2026": day below 10 and months 1–2 with a leading zero (II.5.b). */
export function vietnameseDate(iso: string): string {
  const x = vnParts(iso);
  return `ngày ${p2(x.day)} tháng ${x.month < 3 ? p2(x.month) : String(x.month)} năm ${x.year}`;
}

/**
 * The heading for a report issued by `unit` (the reporting body), whose direct
 * superior is `superior`; `province` names the place when the body is
 * provincial or central-in-province. `generatedAt` gives the date.
 */
export function officialHeading(input: { unit: HeadingUnit; superior: HeadingUnit | null; province: HeadingUnit | null; generatedAt: string }): OfficialHeading {
  const { unit, superior } = input;
  // II.5.a: the place is the district or commune for bodies there, otherwise the province.
  const local = unit.type === "district" || unit.type === "commune" ? unit : input.province ?? unit;
  const place = localityOf(local.name).replace(LEVEL, "").trim() || localityOf(local.name);
  return {
    superiorBody: superior ? superiorLine(superior.name) : null,
    body: bodyLine(unit.name, superior),
    numberLine: `Số:       /BC-${abbreviation(unit)}`,
    placeAndDate: `${place}, ${vietnameseDate(input.generatedAt)}`,
  };
}
