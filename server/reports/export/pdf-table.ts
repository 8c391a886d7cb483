// Draws one report section as a ruled table in a pdfkit document: column
// widths from the content, wrapped text, numbers right-aligned in Vietnamese
// notation, the header row repeated after a page break, the total row in bold.
import type { ReportSection } from "../report-model";
import { cellText, columnLabel } from "./export-format";

type Doc = PDFKit.PDFDocument;

const PAD = 3;
const MAX_SIZE = 10;
const MIN_SIZE = 6.5;

interface Layout {
  size: number;
  widths: number[];
}

const SLACK = 2; // pdfkit wraps a line that fits to the last hundredth of a point: keep a little room

/**
 * Font size and column widths: the largest size at which numbers fit unwrapped
 * and text columns keep a readable width. Figure columns get room for their
 * label in about two lines; what is left goes to the text columns.
 */
function layout(doc: Doc, s: ReportSection, width: number): Layout {
  const texts = s.rows.map((r) => s.columns.map((c) => cellText(c, r[c.key] ?? null, "vi")));
  for (let size = MAX_SIZE; ; size -= 0.5) {
    const natural = s.columns.map((c, j) => {
      // Measured in bold: the total row is bold and must not wrap either.
      doc.font("bold").fontSize(size);
      const cells = Math.max(0, ...texts.map((t) => doc.widthOfString(t[j]!)));
      doc.font("condensedBold").fontSize(size);
      const label = columnLabel(c, "vi");
      const word = Math.max(0, ...label.split(/\s+/).map((w) => doc.widthOfString(w)));
      const want = Math.max(cells, word) + 2 * PAD + SLACK;
      const roomy = Math.max(want, Math.min(doc.widthOfString(label) / 2 + 2 * PAD + SLACK, 80));
      return { want, roomy, text: c.kind === "text" };
    });
    const textCols = natural.filter((c) => c.text).length;
    const figures = (k: "want" | "roomy") => natural.reduce((n, c) => n + (c.text ? 0 : c[k]), 0);
    const textWants = natural.reduce((n, c) => n + (c.text ? c.want : 0), 0);
    // The text columns share what the figures leave, but never below their longest word or 40 pt.
    const minText = textCols ? textCols * 40 : 0;
    for (const k of ["roomy", "want"] as const) {
      const rest = width - figures(k);
      if (rest >= Math.min(textWants, minText) || (!textCols && rest >= 0)) {
        // Text columns share the rest by how much they hold (a long name gets more than a short code).
        const weight = (c: { want: number }) => Math.min(c.want, 220);
        const weights = natural.reduce((n, c) => n + (c.text ? weight(c) : 0), 0);
        // Without text columns the spare room is spread over the figures.
        const extra = textCols ? 0 : rest / natural.length;
        return { size, widths: natural.map((c) => (c.text ? (rest * weight(c)) / weights : c[k] + extra)) };
      }
    }
    if (size <= MIN_SIZE) {
      const total = natural.reduce((n, c) => n + c.want, 0);
      return { size, widths: natural.map((c) => (c.want * width) / total) };
    }
  }
}

export function drawTable(doc: Doc, s: ReportSection, box: { x: number; width: number; bottom: () => number }): void {
  const { size, widths } = layout(doc, s, box.width);
  const xs = widths.reduce<number[]>((acc, w, i) => [...acc, acc[i]! + w], [box.x]);

  const rowHeight = (cells: string[], font: string) => {
    doc.font(font).fontSize(size);
    return Math.max(...cells.map((t, j) => doc.heightOfString(t || " ", { width: widths[j]! - 2 * PAD }))) + 2 * PAD;
  };

  const drawRow = (cells: string[], font: string, aligns: Array<"left" | "right" | "center">, fill: string | null) => {
    const h = rowHeight(cells, font);
    if (doc.y + h > box.bottom()) {
      doc.addPage();
      if (cells !== header) drawRow(header, "condensedBold", header.map(() => "center"), "#e8eef4");
    }
    const y = doc.y;
    if (fill) doc.rect(box.x, y, box.width, h).fill(fill).fillColor("black");
    cells.forEach((t, j) => {
      doc.rect(xs[j]!, y, widths[j]!, h).lineWidth(0.4).stroke();
      doc.font(font).fontSize(size).text(t, xs[j]! + PAD, y + PAD, { width: widths[j]! - 2 * PAD, align: aligns[j]! });
    });
    doc.x = box.x;
    doc.y = y + h;
  };

  const header = s.columns.map((c) => columnLabel(c, "vi"));
  drawRow(header, "condensedBold", header.map(() => "center"), "#e8eef4");
  const aligns = s.columns.map((c) => (c.kind === "text" ? "left" : "right") as "left" | "right");
  s.rows.forEach((r, k) => {
    drawRow(s.columns.map((c) => cellText(c, r[c.key] ?? null, "vi")), s.totalRow === k ? "bold" : "regular", aligns, null);
  });
  if (s.rows.length === 0) {
    doc.font("italic").fontSize(size).text("(Không có số liệu)", box.x + PAD, doc.y + PAD, { width: box.width - 2 * PAD });
  }
}
