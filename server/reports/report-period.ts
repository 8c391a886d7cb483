// A reporting year in Vietnam time (UTC+7, no DST) as the DB-time bounds the
// report store compares with, and the tree loader. No figures here.
import type { Store } from "../store/store";
import { toDbTime } from "../store/db-time";
import type { ReportWindow } from "../store/report-store";
import { buildTree, type TreeAsOf } from "./report-tree";

const VN_OFFSET_MS = 7 * 3_600_000;

/** The instant a Vietnam calendar day begins, as DB time. */
export const vnDayStart = (y: number, m: number, d: number): string => toDbTime(new Date(Date.UTC(y, m - 1, d) - VN_OFFSET_MS));

export interface YearWindow extends ReportWindow {
  year: number;
  periodFrom: string;
  periodTo: string;
  /** Starts of months 2–12 (DB time), for the per-month charts. */
  monthStarts: string[];
}

export function yearWindow(year: number, unitIds: number[] | null): YearWindow {
  return {
    year,
    from: vnDayStart(year, 1, 1),
    to: vnDayStart(year + 1, 1, 1),
    asOfDay: `${year}-12-31`,
    unitIds,
    periodFrom: `${year}-01-01`,
    periodTo: `${year}-12-31`,
    monthStarts: Array.from({ length: 11 }, (_, i) => vnDayStart(year, i + 2, 1)),
  };
}

/** An arbitrary period of Vietnam days [fromDay, toDay] (ad-hoc views). */
export function dayWindow(fromDay: string, toDay: string, unitIds: number[] | null): ReportWindow {
  const [y1, m1, d1] = fromDay.split("-").map(Number) as [number, number, number];
  const [y2, m2, d2] = toDay.split("-").map(Number) as [number, number, number];
  return { from: vnDayStart(y1, m1, d1), to: vnDayStart(y2, m2, d2 + 1), asOfDay: toDay, unitIds };
}

export async function loadTree(store: Store, day: string): Promise<TreeAsOf> {
  const [versions, lineage, parents] = await Promise.all([store.units.versionsAsOf(day), store.reports.lineage(), store.reports.unitParents()]);
  return buildTree(day, versions, lineage, parents);
}
