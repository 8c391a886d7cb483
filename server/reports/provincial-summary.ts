// The provincial summary for the Provincial People's Committee, the Ministry and
// the Cipher Committee: the agency figures rolled up per branch of the tree as
// it stood on 31 December (a district with its communes before the 2025 reform,
// the merged communes after it), and the previous year's figures regrouped on
// this year's tree through unit lineage (year-on-year). Scoping is the service's.
import type { ReportSection } from "./report-model";
import { byUnitSection, groupName, monthly, topUnits, type Built, type EngineDeps } from "./agency-report";
import { certTotal, computeFigures, emptyFigures, mergeFigures, type Figures } from "./report-figures";
import { col, LABEL_COL } from "./report-labels";
import { yearWindow, type YearWindow } from "./report-period";
import { registerSections } from "./report-registers";
import { activitySection, certificateSection, charts, reasonSection, requestSection, tokenSection, totalsOf } from "./report-sections";
import { branchOf, placeOf, type TreeAsOf } from "./report-tree";

export interface SummaryBuilt extends Built {
  previous: Figures;
}

/**
 * `roots`: the top units the reader may see (the province). `includeUnplaced`:
 * whole-CA readers also see certificates with no unit or of a dissolved unit.
 */
export async function buildProvince(deps: EngineDeps, tree: TreeAsOf, roots: number[], includeUnplaced: boolean, w: YearWindow): Promise<SummaryBuilt> {
  const cache = new Map<number | null, string | null>();
  const groupOf = (raw: number | null): string | null => {
    if (cache.has(raw)) return cache.get(raw)!;
    const place = placeOf(tree, raw);
    let g: string | null = null;
    if (place === null) g = includeUnplaced ? "none" : null;
    else for (const r of roots) {
      const b = branchOf(tree, r, place);
      if (b !== null) {
        g = String(b);
        break;
      }
    }
    cache.set(raw, g);
    return g;
  };
  const calendar = await deps.calendar();
  const prevWindow: YearWindow = { ...yearWindow(w.year - 1, w.unitIds) };
  // Last year's certificates on last year's units, placed on this year's tree (lineage up to 31/12 of this year).
  const prevGroups = new Map<string, Figures>();
  const [groups, [mi, mr]] = await Promise.all([computeFigures(deps.store.reports, calendar, w, groupOf, { window: prevWindow, into: prevGroups }), monthly(deps.store, w)]);
  const order: string[] = [];
  for (const r of roots) {
    order.push(String(r));
    for (const c of tree.children.get(r) ?? []) order.push(String(c.id));
  }
  if (includeUnplaced && (groups.has("none") || prevGroups.has("none"))) order.push("none");
  const figures = mergeFigures(groups.values());
  const previous = mergeFigures(prevGroups.values());
  const regs = await registerSections(deps.registers, w.unitIds ?? [...new Set([...tree.units.keys(), ...tree.lastParent.keys(), ...tree.lineage.map((e) => e.fromUnitId)])], w.year);
  const sections: ReportSection[] = [
    byUnitSection(tree, groups, order, "Tổng hợp theo đơn vị (cấp huyện gồm cả cấp xã trực thuộc)", "By unit (a district includes its communes)"),
    certificateSection(figures), tokenSection(figures), activitySection(figures), reasonSection(figures), requestSection(figures),
    yearOnYear(tree, groups, prevGroups, order, w.year),
    ...regs,
  ];
  return { totals: totalsOf(figures), sections, charts: charts(figures, mi, mr, topUnits(tree, groups, order)), figures, groups, previous };
}

function yearOnYear(tree: TreeAsOf, now: Map<string, Figures>, prev: Map<string, Figures>, order: string[], year: number): ReportSection {
  const rows = order.map((k) => {
    const a = certTotal(prev.get(k) ?? emptyFigures());
    const b = certTotal(now.get(k) ?? emptyFigures());
    const [vi, en] = groupName(tree, k);
    return { key: k, label: vi, labelEn: en, issuedPrev: a.issued, issued: b.issued, activePrev: a.active, active: b.active, activeChange: a.active === 0 ? null : Math.round(((b.active - a.active) / a.active) * 1000) / 10, revokedPrev: a.revoked, revoked: b.revoked };
  });
  const a = certTotal(mergeFigures(prev.values()));
  const b = certTotal(mergeFigures(now.values()));
  rows.push({ key: "total", label: "Tổng cộng", labelEn: "Total", issuedPrev: a.issued, issued: b.issued, activePrev: a.active, active: b.active, activeChange: a.active === 0 ? null : Math.round(((b.active - a.active) / a.active) * 1000) / 10, revokedPrev: a.revoked, revoked: b.revoked });
  const y0 = String(year - 1);
  const y1 = String(year);
  return {
    key: "year_on_year", titleVi: `So sánh với năm ${y0} (theo cơ cấu đơn vị năm ${y1})`, titleEn: `Compared with ${y0} (on the ${y1} structure)`, totalRow: rows.length - 1,
    columns: [
      LABEL_COL("Đơn vị", "Unit"),
      col("issuedPrev", [`Cấp mới ${y0}`, `Issued ${y0}`]), col("issued", [`Cấp mới ${y1}`, `Issued ${y1}`]),
      col("activePrev", [`Hiệu lực cuối ${y0}`, `Active end ${y0}`]), col("active", [`Hiệu lực cuối ${y1}`, `Active end ${y1}`]),
      col("activeChange", ["Tăng/giảm (%)", "Change (%)"], "percent"),
      col("revokedPrev", [`Thu hồi ${y0}`, `Revoked ${y0}`]), col("revoked", [`Thu hồi ${y1}`, `Revoked ${y1}`]),
    ],
    rows,
  };
}
