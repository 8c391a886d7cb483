// The PDF export: a formal Vietnamese administrative report (Decree
// 30/2020/NĐ-CP, Appendix I: A4, margins, heading, title, numbered parts,
// page numbers) with every section as a table, in DejaVu Serif embedded from
// the dejavu-fonts-ttf package (full Vietnamese coverage, no system fonts).
// Renders the sections the engine produced; computes nothing.
import PDFDocument from "pdfkit";
import { drawTable } from "./pdf-table";
import { dayText, instantText, metaLines, sectionNote, sectionTitle, unitText, type ExportableReport } from "./export-format";
import type { OfficialHeading } from "./official-heading";

const FONT_DIR = "dejavu-fonts-ttf/ttf";
const FONTS = {
  regular: require.resolve(`${FONT_DIR}/DejaVuSerif.ttf`),
  bold: require.resolve(`${FONT_DIR}/DejaVuSerif-Bold.ttf`),
  italic: require.resolve(`${FONT_DIR}/DejaVuSerif-Italic.ttf`),
  condensed: require.resolve(`${FONT_DIR}/DejaVuSerifCondensed.ttf`),
  condensedBold: require.resolve(`${FONT_DIR}/DejaVuSerifCondensed-Bold.ttf`),
};

// Appendix I, I.5: top and bottom 20–25 mm, left 30–35 mm, right 15–20 mm.
const MM = 72 / 25.4;
const MARGINS = { top: 20 * MM, bottom: 22 * MM, left: 30 * MM, right: 15 * MM };
const FOOTER_SIZE = 7.5;

const ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII", "XIV", "XV", "XVI", "XVII", "XVIII", "XIX", "XX"];

type Doc = PDFKit.PDFDocument;

/** Largest size ≤ max at which `text` fits `width` on one line. */
function fitSize(doc: Doc, font: string, text: string, max: number, width: number): number {
  doc.font(font);
  let size = max;
  while (size > 7 && doc.fontSize(size).widthOfString(text) > width) size -= 0.5;
  return size;
}

/** One centred line in a column; returns the y below it. */
function centred(doc: Doc, font: string, text: string, max: number, x: number, width: number, y: number): number {
  const size = fitSize(doc, font, text, max, width);
  doc.font(font).fontSize(size).text(text, x, y, { width, align: "center", lineBreak: false });
  return y + size * 1.3;
}

/** Heading (Appendix I, II.1–II.5): body on the left, national title on the right, then number, place and date. */
function drawHeading(doc: Doc, h: OfficialHeading): void {
  const left = MARGINS.left;
  const width = doc.page.width - MARGINS.left - MARGINS.right;
  // Two columns with a gap, so a long body name never runs into the national title.
  const gap = 10;
  const leftW = width * 0.42 - gap / 2;
  const rightX = left + leftW + gap;
  const rightW = width - leftW - gap;
  const top = MARGINS.top;

  let yl = top;
  if (h.superiorBody) yl = centred(doc, "condensed", h.superiorBody, 12.5, left, leftW, yl);
  yl = centred(doc, "condensedBold", h.body, 12.5, left, leftW, yl);
  // A short rule under the body's name (II.3.b: one third to one half of the line).
  doc.moveTo(left + leftW * 0.35, yl + 2).lineTo(left + leftW * 0.65, yl + 2).lineWidth(0.6).stroke();
  yl = centred(doc, "regular", h.numberLine, 12.5, left, leftW, yl + 8);

  let yr = top;
  yr = centred(doc, "condensedBold", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 12.5, rightX, rightW, yr);
  const motto = "Độc lập - Tự do - Hạnh phúc";
  const mottoSize = fitSize(doc, "bold", motto, 13, rightW);
  yr = centred(doc, "bold", motto, mottoSize, rightX, rightW, yr);
  const mottoW = doc.font("bold").fontSize(mottoSize).widthOfString(motto);
  doc.moveTo(rightX + (rightW - mottoW) / 2, yr + 2).lineTo(rightX + (rightW + mottoW) / 2, yr + 2).lineWidth(0.6).stroke();
  yr = centred(doc, "italic", h.placeAndDate, 12.5, rightX, rightW, yr + 8);

  doc.y = Math.max(yl, yr) + 14;
  doc.x = MARGINS.left;
}

/** The abstract under "BÁO CÁO" (II.4): the title without a leading "Báo cáo", which the type line already says. */
export function abstractOf(title: string): string {
  const rest = title.replace(/^báo cáo\s+/i, "");
  return rest.charAt(0).toLocaleUpperCase("vi-VN") + rest.slice(1);
}

function drawTitle(doc: Doc, report: ExportableReport): void {
  const width = doc.page.width - MARGINS.left - MARGINS.right;
  doc.font("bold").fontSize(14).text("BÁO CÁO", MARGINS.left, doc.y, { width, align: "center" });
  doc.font("bold").fontSize(13).text(abstractOf(report.meta.titleVi), { width, align: "center" });
  const rule = Math.min(width / 3, 120);
  const y = doc.y + 4;
  doc.moveTo(MARGINS.left + (width - rule) / 2, y).lineTo(MARGINS.left + (width + rule) / 2, y).lineWidth(0.6).stroke();
  doc.y = y + 10;
}

/** The period and data facts as a short opening paragraph, so the printed copy says what it covers. */
function drawFacts(doc: Doc, report: ExportableReport): void {
  const m = report.meta;
  const width = doc.page.width - MARGINS.left - MARGINS.right;
  doc.font("regular").fontSize(11);
  const period = `Kỳ báo cáo: từ ngày ${dayText(m.periodFrom)} đến ngày ${dayText(m.periodTo)}; đơn vị: ${unitText(m, "vi")}; cây đơn vị hành chính tại ngày ${dayText(m.asOf)}.`;
  doc.text(period, MARGINS.left, doc.y, { width, align: "justify", indent: 28 });
  doc.moveDown(0.6);
}

function drawSections(doc: Doc, report: ExportableReport): void {
  const width = doc.page.width - MARGINS.left - MARGINS.right;
  report.sections.forEach((s, i) => {
    if (doc.y > doc.page.height - MARGINS.bottom - 80) doc.addPage();
    doc.font("bold").fontSize(12).text(`${ROMAN[i] ?? String(i + 1)}. ${sectionTitle(s, "vi")}`, MARGINS.left, doc.y, { width });
    doc.moveDown(0.3);
    drawTable(doc, s, { x: MARGINS.left, width, bottom: () => doc.page.height - MARGINS.bottom });
    const note = sectionNote(s, "vi");
    if (note) doc.font("italic").fontSize(10).text(note, MARGINS.left, doc.y + 2, { width });
    doc.moveDown(0.8);
  });
}

/** Closing block (II.7–II.9): recipients on the left, who made it on the right; the signature is the .p7s. */
function drawClosing(doc: Doc, report: ExportableReport): void {
  const width = doc.page.width - MARGINS.left - MARGINS.right;
  if (doc.y > doc.page.height - MARGINS.bottom - 90) doc.addPage();
  const y = doc.y + 6;
  doc.font("bolditalic").fontSize(11).text("Nơi nhận:", MARGINS.left, y, { width: width * 0.45 });
  doc.font("regular").fontSize(10).text("- Như trên;\n- Lưu: VT.", { width: width * 0.45 });
  const rx = MARGINS.left + width * 0.5;
  doc.font("bold").fontSize(12).text("NGƯỜI LẬP BÁO CÁO", rx, y, { width: width * 0.5, align: "center" });
  doc.font("italic").fontSize(10).text("(Ký số: tệp chữ ký .p7s kèm theo)", rx, doc.y, { width: width * 0.5, align: "center" });
  doc.font("bold").fontSize(12).text(report.meta.generatedBy, rx, doc.y + 30, { width: width * 0.5, align: "center" });
}

/** Page numbers (I.6: from page 2, centred at the top) and on every page the generation and data footer. */
function drawPageFurniture(doc: Doc, report: ExportableReport): void {
  const m = report.meta;
  const f = m.fingerprint;
  const range = doc.bufferedPageRange();
  const width = doc.page.width - MARGINS.left - MARGINS.right;
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    // Writing in the margins must not start a new page.
    const saved = doc.page.margins;
    doc.page.margins = { top: 0, bottom: 0, left: 0, right: 0 };
    const n = i - range.start + 1;
    if (n > 1) doc.font("regular").fontSize(11).text(String(n), MARGINS.left, MARGINS.top / 2, { width, align: "center", lineBreak: false });
    const y = doc.page.height - MARGINS.bottom + 10;
    doc.moveTo(MARGINS.left, y - 3).lineTo(MARGINS.left + width, y - 3).lineWidth(0.3).stroke();
    doc.font("condensed").fontSize(FOOTER_SIZE);
    doc.text(`Lập lúc ${instantText(m.generatedAt)} bởi ${m.generatedBy} · Dữ liệu: nhật ký đến mục ${f.auditHighId}, ${f.certificateCount} chứng thư, hồ sơ đến số ${f.requestHighId}`, MARGINS.left, y, { width: width - 60, lineBreak: false });
    doc.text(`Trang ${n}/${range.count}`, MARGINS.left + width - 60, y, { width: 60, align: "right", lineBreak: false });
    doc.text(`Dấu vân tay số liệu (SHA-256): ${f.figuresSha256}`, MARGINS.left, y + FOOTER_SIZE * 1.4, { width, lineBreak: false });
    doc.page.margins = saved;
  }
}

export function exportPdf(report: ExportableReport, heading: OfficialHeading): Promise<Buffer> {
  const generated = new Date(report.meta.generatedAt);
  const doc = new PDFDocument({
    size: "A4",
    margins: MARGINS,
    bufferPages: true,
    // The report's own time, not now, so the document says when its figures were taken.
    info: { Title: `Báo cáo: ${report.meta.titleVi}`, Author: heading.body, Subject: metaLines(report.meta, "vi").map(([k, v]) => `${k}: ${v}`).join("; "), Creator: "chungthu", CreationDate: generated, ModDate: generated },
    lang: "vi-VN",
  });
  doc.registerFont("regular", FONTS.regular);
  doc.registerFont("bold", FONTS.bold);
  doc.registerFont("italic", FONTS.italic);
  doc.registerFont("bolditalic", require.resolve(`${FONT_DIR}/DejaVuSerif-BoldItalic.ttf`));
  doc.registerFont("condensed", FONTS.condensed);
  doc.registerFont("condensedBold", FONTS.condensedBold);
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on("data", (c: Buffer) => chunks.push(c));
    doc.on("end", () => resolve(Buffer.concat(chunks)));
    doc.on("error", reject);
  });
  drawHeading(doc, heading);
  drawTitle(doc, report);
  drawFacts(doc, report);
  drawSections(doc, report);
  drawClosing(doc, report);
  drawPageFurniture(doc, report);
  doc.end();
  return done;
}
