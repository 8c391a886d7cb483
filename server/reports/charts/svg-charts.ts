// Inline SVG charts for the report pages: issued/revoked per month, status mix,
// device mix, top units. Strings built from numbers and escaped labels only —
// no script, no style attribute (the CSP forbids inline styles; SVG
// presentation attributes are allowed). Knows nothing about where figures come from.
import type { LabelledCount, MonthlyPoint } from "../report-model";

export type Lang = "vi" | "en";

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
const PALETTE = ["#1f5fa8", "#c0392b", "#7f8c8d", "#27ae60", "#8e44ad", "#d35400", "#16a085", "#2c3e50", "#b7950b", "#6d4c41"];
const fmt = (n: number, lang: Lang) => n.toLocaleString(lang === "vi" ? "vi-VN" : "en-US");

/** A round axis maximum ≥ `max` (1, 2, 5 × 10^k). */
function niceMax(max: number): number {
  if (max <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 5, 10]) if (m * p >= max) return m * p;
  return 10 * p;
}

/** Grouped bars: issued and revoked per month. */
export function monthlyChart(points: MonthlyPoint[], lang: Lang): string {
  const W = 640, H = 260, L = 48, B = 36, T = 28, R = 12;
  const max = niceMax(Math.max(0, ...points.map((p) => Math.max(p.issued, p.revoked))));
  const plotW = W - L - R, plotH = H - T - B;
  const slot = plotW / 12, bw = Math.max(2, slot / 2 - 4);
  const y = (v: number) => T + plotH - (v / max) * plotH;
  const title = lang === "vi" ? "Cấp mới và thu hồi theo tháng" : "Issued and revoked per month";
  const parts: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="chart-monthly-title" class="chart"><title id="chart-monthly-title">${esc(title)}</title>`];
  for (let i = 0; i <= 4; i++) {
    const v = (max / 4) * i;
    parts.push(`<line x1="${L}" x2="${W - R}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#ddd" stroke-width="1"/><text x="${L - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" font-size="11" fill="#555">${fmt(Math.round(v), lang)}</text>`);
  }
  points.forEach((p, i) => {
    const x0 = L + i * slot + 2;
    parts.push(`<rect x="${x0.toFixed(1)}" y="${y(p.issued).toFixed(1)}" width="${bw.toFixed(1)}" height="${(T + plotH - y(p.issued)).toFixed(1)}" fill="${PALETTE[0]}"><title>${esc(`${lang === "vi" ? "Tháng" : "Month"} ${p.month}: ${fmt(p.issued, lang)}`)}</title></rect>`);
    parts.push(`<rect x="${(x0 + bw + 2).toFixed(1)}" y="${y(p.revoked).toFixed(1)}" width="${bw.toFixed(1)}" height="${(T + plotH - y(p.revoked)).toFixed(1)}" fill="${PALETTE[1]}"><title>${esc(`${lang === "vi" ? "Tháng" : "Month"} ${p.month}: ${fmt(p.revoked, lang)}`)}</title></rect>`);
    parts.push(`<text x="${(L + i * slot + slot / 2).toFixed(1)}" y="${H - B + 16}" text-anchor="middle" font-size="11" fill="#333">${p.month}</text>`);
  });
  const legend = [[lang === "vi" ? "Cấp mới" : "Issued", PALETTE[0]], [lang === "vi" ? "Thu hồi" : "Revoked", PALETTE[1]]] as const;
  legend.forEach(([label, color], i) => parts.push(`<rect x="${L + i * 110}" y="6" width="12" height="12" fill="${color}"/><text x="${L + i * 110 + 16}" y="16" font-size="12" fill="#333">${esc(label)}</text>`));
  parts.push("</svg>");
  return parts.join("");
}

/** Horizontal bars with labels and values (status mix, device mix, top units). */
export function barList(id: string, title: string, items: LabelledCount[], lang: Lang): string {
  const rowH = 24, L = 220, R = 70, W = 640;
  const H = 30 + Math.max(1, items.length) * rowH;
  const max = Math.max(1, ...items.map((i) => i.value));
  const parts: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="chart-${esc(id)}-title" class="chart"><title id="chart-${esc(id)}-title">${esc(title)}</title>`];
  if (items.length === 0) parts.push(`<text x="8" y="40" font-size="12" fill="#555">${lang === "vi" ? "Không có số liệu" : "No figures"}</text>`);
  items.forEach((it, i) => {
    const y0 = 20 + i * rowH;
    const w = ((W - L - R) * it.value) / max;
    const label = lang === "vi" ? it.labelVi : it.labelEn;
    parts.push(`<text x="${L - 8}" y="${y0 + 15}" text-anchor="end" font-size="12" fill="#333">${esc(label.length > 34 ? label.slice(0, 33) + "…" : label)}</text>`);
    parts.push(`<rect x="${L}" y="${y0 + 3}" width="${w.toFixed(1)}" height="${rowH - 8}" fill="${PALETTE[i % PALETTE.length]}"><title>${esc(`${label}: ${fmt(it.value, lang)}`)}</title></rect>`);
    parts.push(`<text x="${(L + w + 6).toFixed(1)}" y="${y0 + 15}" font-size="12" fill="#333">${fmt(it.value, lang)}</text>`);
  });
  parts.push("</svg>");
  return parts.join("");
}
