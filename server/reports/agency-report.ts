// The annual agency report (Decision 25/2020/QĐ-UBND of Vĩnh Phúc: each agency
// reports yearly; a district includes its communes): figures of one unit's
// subtree on the tree as it stood on 31 December. Builds sections and charts;
// scoping, metadata and audit are the report service's job.
import type { WorkingCalendar } from "../ra/working-days";
import type { Store } from "../store/store";
import type { CertificateTotals, LabelledCount, ReportCharts, ReportSection } from "./report-model";
import { certTotal, computeFigures, emptyFigures, mergeFigures, sumTokens, type Figures } from "./report-figures";
import { col, LABEL_COL } from "./report-labels";
import type { YearWindow } from "./report-period";
import { registerSections, type RegisterFigures } from "./report-registers";
import { activitySection, certificateSection, charts, reasonSection, requestSection, tokenSection, totalsOf } from "./report-sections";
import { placeOf, type TreeAsOf } from "./report-tree";

export interface EngineDeps {
  store: Store;
  calendar: () => Promise<WorkingCalendar>;
  registers?: RegisterFigures | undefined;
}

export interface Built {
  totals: CertificateTotals;
  sections: ReportSection[];
  charts: ReportCharts;
  figures: Figures;
  groups: Map<string, Figures>;
}

/** Per-month issued/revoked of the window's units. */
export async function monthly(store: Store, w: YearWindow): Promise<[Map<number, number>, Map<number, number>]> {
  const [i, r] = await Promise.all([store.reports.issuedByMonth(w, w.monthStarts), store.reports.revokedByMonth(w, w.monthStarts)]);
  return [new Map(i.map((x) => [x.month, x.n])), new Map(r.map((x) => [x.month, x.n]))];
}

export const groupName = (tree: TreeAsOf, key: string): [string, string] => {
  if (key === "none") return ["Không thuộc đơn vị nào (hoặc đơn vị đã giải thể)", "No unit (or a dissolved unit)"];
  const u = tree.units.get(Number(key));
  return u ? [u.name, u.name] : [key, key];
};

/** One row per group: the subtree figures the provincial summary and the agency's own breakdown show. */
export function byUnitSection(tree: TreeAsOf, groups: Map<string, Figures>, order: string[], titleVi: string, titleEn: string): ReportSection {
  const rows = order.map((k) => {
    const f = groups.get(k) ?? emptyFigures();
    const t = certTotal(f);
    const [vi, en] = groupName(tree, k);
    const requests = [...f.requests.values()].reduce((a, b) => a + b, 0);
    const late = [...f.late.values()].reduce((a, b) => a + b, 0);
    return { key: k, code: tree.units.get(Number(k))?.code ?? "", label: vi, labelEn: en, issued: t.issued, active: t.active, revoked: t.revoked, expired: t.expired, tokens: sumTokens(f, (_, s) => s === "issued" || s === "in_use" || s === "locked" || s === "recovered"), requests, late };
  });
  const all = mergeFigures(order.map((k) => groups.get(k) ?? emptyFigures()));
  const t = certTotal(all);
  rows.push({
    key: "total", code: "", label: "Tổng cộng", labelEn: "Total", issued: t.issued, active: t.active, revoked: t.revoked, expired: t.expired,
    tokens: rows.reduce((n, r) => n + r.tokens, 0), requests: rows.reduce((n, r) => n + r.requests, 0), late: rows.reduce((n, r) => n + r.late, 0),
  });
  return {
    key: "by_unit", titleVi, titleEn, totalRow: rows.length - 1,
    columns: [col("code", ["Mã", "Code"], "text"), LABEL_COL("Đơn vị", "Unit"), col("issued", ["Cấp mới", "Issued"]), col("active", ["Còn hiệu lực cuối năm", "Active at year end"]), col("revoked", ["Thu hồi", "Revoked"]), col("expired", ["Hết hạn", "Expired"]), col("tokens", ["Token đang giao", "Tokens held"]), col("requests", ["Hồ sơ đã giải quyết", "Requests completed"]), col("late", ["Quá hạn", "Past deadline"])],
    rows,
  };
}

export function topUnits(tree: TreeAsOf, groups: Map<string, Figures>, order: string[]): LabelledCount[] {
  return order
    .map((k) => ({ key: k, labelVi: groupName(tree, k)[0], labelEn: groupName(tree, k)[1], value: certTotal(groups.get(k) ?? emptyFigures()).active }))
    .filter((x) => x.value > 0)
    .sort((a, b) => b.value - a.value || (a.key < b.key ? -1 : 1))
    .slice(0, 10);
}

/** Figures of `unitId`'s subtree on the tree of 31 December; groups are the unit itself and each of its children's subtrees. */
export async function buildAgency(deps: EngineDeps, tree: TreeAsOf, unitId: number, subtree: Set<number>, w: YearWindow): Promise<Built> {
  const children = (tree.children.get(unitId) ?? []).map((c) => String(c.id));
  const branchCache = new Map<number | null, string | null>();
  const groupOf = (raw: number | null): string | null => {
    if (branchCache.has(raw)) return branchCache.get(raw)!;
    const place = placeOf(tree, raw);
    let g: string | null = null;
    if (place !== null && subtree.has(place)) {
      let cur = place;
      while (cur !== unitId && tree.units.get(cur)!.parentId !== unitId) cur = tree.units.get(cur)!.parentId!;
      g = String(cur);
    }
    branchCache.set(raw, g);
    return g;
  };
  const calendar = await deps.calendar();
  const [groups, [mi, mr]] = await Promise.all([computeFigures(deps.store.reports, calendar, w, groupOf), monthly(deps.store, w)]);
  const order = [String(unitId), ...children];
  const figures = mergeFigures(groups.values());
  const regs = await registerSections(deps.registers, w.unitIds ?? [], w.year);
  const sections: ReportSection[] = [
    certificateSection(figures), tokenSection(figures), activitySection(figures), reasonSection(figures), requestSection(figures),
    ...regs,
    byUnitSection(tree, groups, order, "Chi tiết theo đơn vị trực thuộc (kể cả cấp dưới)", "By subordinate unit (including its own subordinates)"),
  ];
  return { totals: totalsOf(figures), sections, charts: charts(figures, mi, mr, topUnits(tree, groups, order)), figures, groups };
}
