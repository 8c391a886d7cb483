// Ad-hoc views (issue 6): certificates expiring in 30/60/90 days by unit,
// requests past their working-day deadline, revocations by reason over any
// period, and "who holds what" in a unit. Sections from the report store's
// aggregate queries; scoping is the report service's (it passes `keep`).
import { referenceOf } from "../ra/request-ports";
import { addCalendarDays, vnDate, type WorkingCalendar } from "../ra/working-days";
import { toDbTime } from "../store/db-time";
import type { Store } from "../store/store";
import type { ReportCell, ReportSection } from "./report-model";
import { emptyFigures } from "./report-figures";
import { col, PROFILE_LABEL, REQUEST_TYPE_LABEL, TOKEN_TYPE_LABEL } from "./report-labels";
import { dayWindow } from "./report-period";
import { reasonSection } from "./report-sections";
import { placeOf, sourceUnitsFor, type TreeAsOf } from "./report-tree";

export interface AdhocDeps {
  store: Store;
  tree: TreeAsOf;
  calendar: () => Promise<WorkingCalendar>;
  now: Date;
}

export interface AdhocBuilt {
  titleVi: string;
  titleEn: string;
  periodFrom: string;
  periodTo: string;
  sections: ReportSection[];
}

const ids = (keep: Set<number> | null): number[] | null => (keep === null ? null : [...keep].sort((a, b) => a - b));
const unitLabel = (tree: TreeAsOf, id: number | null): { code: string; name: string } => {
  const u = id === null ? undefined : tree.units.get(id);
  return u ? { code: u.code, name: u.name } : { code: "", name: id === null ? "Không thuộc đơn vị nào" : `#${id}` };
};
const LIMIT = 5000;

export async function adhocExpiring(d: AdhocDeps, keep: Set<number> | null): Promise<AdhocBuilt> {
  const day = (n: number) => toDbTime(new Date(d.now.getTime() + n * 86_400_000));
  const rows = await d.store.reports.expiring(toDbTime(d.now), day(30), day(60), day(90), ids(keep));
  const out: Array<Record<string, ReportCell>> = rows
    .map((r) => ({ key: String(r.unitId ?? "none"), ...unitLabel(d.tree, r.unitId), d30: r.within30, d60: r.within60, d90: r.within90 }))
    .sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
  out.push({ key: "total", code: "", name: "Tổng cộng", d30: rows.reduce((n, r) => n + r.within30, 0), d60: rows.reduce((n, r) => n + r.within60, 0), d90: rows.reduce((n, r) => n + r.within90, 0) });
  const today = vnDate(d.now);
  return {
    titleVi: "Chứng thư số sắp hết hạn", titleEn: "Certificates expiring soon", periodFrom: today, periodTo: addCalendarDays(today, 90),
    sections: [{
      key: "expiring", titleVi: "Sắp hết hạn trong 30/60/90 ngày theo đơn vị", titleEn: "Expiring within 30/60/90 days by unit", totalRow: out.length - 1,
      columns: [col("code", ["Mã", "Code"], "text"), col("name", ["Đơn vị", "Unit"], "text"), col("d30", ["Trong 30 ngày", "Within 30 days"]), col("d60", ["Trong 60 ngày", "Within 60 days"]), col("d90", ["Trong 90 ngày", "Within 90 days"])],
      rows: out,
    }],
  };
}

export async function adhocOverdue(d: AdhocDeps, keep: Set<number> | null): Promise<AdhocBuilt> {
  const today = vnDate(d.now);
  const [rows, calendar] = await Promise.all([d.store.reports.overdueRequests(today, ids(keep), LIMIT), d.calendar()]);
  const out: Array<Record<string, ReportCell>> = rows.map((r) => ({
    key: String(r.id), reference: referenceOf(r.id), type: REQUEST_TYPE_LABEL[r.type]?.[0] ?? r.type, unit: unitLabel(d.tree, r.unitId).name, state: r.state, summary: r.summary,
    submitted: r.submittedAt ? vnDate(new Date(r.submittedAt)) : null, due: r.dueDate,
    // Working days past the deadline, the deadline itself not counted (Decree 68/2024 deadlines are in working days).
    late: calendar.workingDaysInRange(addCalendarDays(r.dueDate, 1), today),
  }));
  return {
    titleVi: "Hồ sơ quá hạn giải quyết", titleEn: "Requests past deadline", periodFrom: today, periodTo: today,
    sections: [{
      key: "overdue_requests", titleVi: `Hồ sơ quá hạn đến ngày ${today}`, titleEn: `Requests past deadline on ${today}`,
      columns: [col("reference", ["Số hồ sơ", "Reference"], "text"), col("type", ["Loại", "Type"], "text"), col("unit", ["Đơn vị", "Unit"], "text"), col("state", ["Trạng thái", "State"], "text"), col("summary", ["Nội dung", "For"], "text"), col("submitted", ["Ngày nộp", "Submitted"], "text"), col("due", ["Hạn", "Due"], "text"), col("late", ["Quá hạn (ngày làm việc)", "Late (working days)"], "days")],
      rows: out,
      ...(rows.length === LIMIT ? { noteVi: `Chỉ hiện ${LIMIT} hồ sơ đầu tiên.`, noteEn: `Only the first ${LIMIT} requests are shown.` } : {}),
    }],
  };
}

export async function adhocRevocations(d: AdhocDeps, keep: Set<number> | null, from: string, to: string): Promise<AdhocBuilt> {
  const w = dayWindow(from, to, keep === null ? null : sourceUnitsFor(d.tree, keep));
  const rows = await d.store.reports.revocationsByReason(w);
  const f = emptyFigures();
  const perUnit = new Map<number | null, number>();
  for (const r of rows) {
    f.reasons.set(r.reason, (f.reasons.get(r.reason) ?? 0) + r.n);
    const u = placeOf(d.tree, r.unitId);
    perUnit.set(u, (perUnit.get(u) ?? 0) + r.n);
  }
  const units = [...perUnit.entries()].map(([id, n]) => ({ key: String(id ?? "none"), ...unitLabel(d.tree, id), count: n })).sort((a, b) => b.count - a.count || (a.code < b.code ? -1 : 1));
  return {
    titleVi: `Thu hồi theo lý do từ ${from} đến ${to}`, titleEn: `Revocations by reason, ${from} to ${to}`, periodFrom: from, periodTo: to,
    sections: [
      reasonSection(f),
      { key: "revocations_by_unit", titleVi: "Thu hồi theo đơn vị", titleEn: "Revocations by unit", columns: [col("code", ["Mã", "Code"], "text"), col("name", ["Đơn vị", "Unit"], "text"), col("count", ["Số lượng", "Count"])], rows: units },
    ],
  };
}

export async function adhocHoldings(d: AdhocDeps, keep: Set<number>): Promise<AdhocBuilt> {
  const rows = await d.store.reports.holdings(toDbTime(d.now), ids(keep)!, LIMIT);
  const today = vnDate(d.now);
  return {
    titleVi: "Ai đang giữ chứng thư số, thiết bị nào", titleEn: "Who holds what", periodFrom: today, periodTo: today,
    sections: [{
      key: "holdings", titleVi: `Chứng thư số còn hiệu lực ngày ${today}`, titleEn: `Valid certificates on ${today}`,
      columns: [col("holder", ["Thuê bao", "Subscriber"], "text"), col("kind", ["Loại", "Kind"], "text"), col("commonName", ["Tên trên chứng thư", "Common name"], "text"), col("serial", ["Số hiệu", "Serial"], "text"), col("notAfter", ["Hết hạn", "Expires"], "text"), col("token", ["Thiết bị", "Token"], "text")],
      rows: rows.map((r) => ({
        key: r.serial, holder: r.name ?? "—", kind: (PROFILE_LABEL[r.profile] ?? [r.profile])[0], commonName: r.commonName, serial: r.serial, notAfter: vnDate(new Date(r.notAfter)),
        token: r.tokenSerial ? `${(TOKEN_TYPE_LABEL[r.tokenType ?? ""] ?? [r.tokenType ?? ""])[0]} ${r.tokenSerial}` : null,
      })),
      ...(rows.length === LIMIT ? { noteVi: `Chỉ hiện ${LIMIT} dòng đầu tiên.`, noteEn: `Only the first ${LIMIT} rows are shown.` } : {}),
    }],
  };
}
