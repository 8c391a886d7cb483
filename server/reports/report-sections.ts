// Turns grouped figures into the report's sections (report-model.ts) and charts:
// the same tables for an agency and for the province, so every exporter prints
// them alike. Labels from report-labels.ts; no SQL, no scoping.
import type { CertificateTotals, LabelledCount, MonthlyPoint, ReportCell, ReportCharts, ReportSection } from "./report-model";
import { certTotal, median, sumTokens, type Figures } from "./report-figures";
import {
  ACTIVITY_LABEL, col, LABEL_COL, PROFILE_LABEL, PROFILES, REASON_LABEL, REQUEST_TYPE_LABEL, REQUEST_TYPES, TOKEN_STATE_LABEL, TOKEN_STATES, TOKEN_TYPE_LABEL, TOKEN_TYPES,
} from "./report-labels";

type Row = Record<string, ReportCell>;
const withTotal = (s: ReportSection): ReportSection => ({ ...s, totalRow: s.rows.length - 1 });
const TOTAL: [string, string] = ["Tổng cộng", "Total"];

const CERT_COLS = [col("issued", ["Cấp mới trong năm", "Issued in the year"]), col("active", ["Còn hiệu lực cuối năm", "Active at year end"]), col("revoked", ["Thu hồi trong năm", "Revoked in the year"]), col("expired", ["Hết hạn trong năm", "Expired in the year"])];

export function certificateSection(f: Figures): ReportSection {
  const rows: Row[] = PROFILES.map((p) => {
    const c = f.certs.get(p) ?? { issued: 0, active: 0, revoked: 0, expired: 0 };
    return { key: p, label: PROFILE_LABEL[p]![0], labelEn: PROFILE_LABEL[p]![1], ...c };
  });
  const t = certTotal(f);
  rows.push({ key: "total", label: TOTAL[0], labelEn: TOTAL[1], ...t });
  return withTotal({ key: "certificates", titleVi: "Chứng thư số", titleEn: "Certificates", columns: [LABEL_COL("Loại chứng thư", "Kind"), ...CERT_COLS], rows });
}

export function tokenSection(f: Figures): ReportSection {
  const rows: Row[] = TOKEN_TYPES.map((type) => {
    const r: Row = { key: type, label: TOKEN_TYPE_LABEL[type]![0], labelEn: TOKEN_TYPE_LABEL[type]![1] };
    for (const s of TOKEN_STATES) r[s] = f.tokens.get(`${type}|${s}`) ?? 0;
    r.total = sumTokens(f, (ty) => ty === type);
    return r;
  });
  const total: Row = { key: "total", label: TOTAL[0], labelEn: TOTAL[1] };
  for (const s of TOKEN_STATES) total[s] = sumTokens(f, (_, st) => st === s);
  total.total = sumTokens(f, () => true);
  rows.push(total);
  return withTotal({
    key: "tokens", titleVi: "Thiết bị lưu khoá theo loại và trạng thái cuối năm", titleEn: "Tokens by type and state at year end",
    columns: [LABEL_COL("Loại thiết bị", "Type"), ...TOKEN_STATES.map((s) => col(s, TOKEN_STATE_LABEL[s]!)), col("total", TOTAL)], rows,
  });
}

/** New, renewed, changed (requests completed), revoked (certificates), recovered (token recovery requests). */
export function activitySection(f: Figures): ReportSection {
  const req = (...types: string[]) => types.reduce((n, t) => n + (f.requests.get(t) ?? 0), 0);
  const values: Record<string, number> = {
    new: req("new_individual", "new_organization", "new_device"),
    renewed: req("renewal"),
    changed: req("change"),
    revoked: certTotal(f).revoked,
    recovered: req("token_recovery"),
  };
  const rows: Row[] = Object.keys(ACTIVITY_LABEL).map((k) => ({ key: k, label: ACTIVITY_LABEL[k]![0], labelEn: ACTIVITY_LABEL[k]![1], count: values[k] ?? 0 }));
  return { key: "activity", titleVi: "Cấp mới, gia hạn, thay đổi, thu hồi, khôi phục trong năm", titleEn: "New, renewed, changed, revoked, recovered in the year", columns: [LABEL_COL(), col("count", ["Số lượng", "Count"])], rows };
}

export function reasonSection(f: Figures, key = "revocation_reasons"): ReportSection {
  const codes = [...f.reasons.keys()].sort((a, b) => a - b);
  const rows: Row[] = codes.map((c) => ({ key: String(c), label: (REASON_LABEL[c] ?? [`Mã ${c}`, `Code ${c}`])[0], labelEn: (REASON_LABEL[c] ?? [`Mã ${c}`, `Code ${c}`])[1], count: f.reasons.get(c) ?? 0 }));
  rows.push({ key: "total", label: TOTAL[0], labelEn: TOTAL[1], count: codes.reduce((n, c) => n + (f.reasons.get(c) ?? 0), 0) });
  return withTotal({ key, titleVi: "Thu hồi theo lý do (RFC 5280 5.3.1)", titleEn: "Revocations by reason (RFC 5280 5.3.1)", columns: [LABEL_COL("Lý do", "Reason"), col("count", ["Số lượng", "Count"])], rows });
}

export function requestSection(f: Figures): ReportSection {
  const types = REQUEST_TYPES.filter((t) => (f.requests.get(t) ?? 0) > 0);
  const rows: Row[] = types.map((t) => {
    const d = f.days.get(t) ?? [];
    return { key: t, label: REQUEST_TYPE_LABEL[t]![0], labelEn: REQUEST_TYPE_LABEL[t]![1], count: f.requests.get(t) ?? 0, median: median(d), worst: d.length ? Math.max(...d) : null, late: f.late.get(t) ?? 0 };
  });
  const all = types.flatMap((t) => f.days.get(t) ?? []);
  rows.push({ key: "total", label: TOTAL[0], labelEn: TOTAL[1], count: types.reduce((n, t) => n + (f.requests.get(t) ?? 0), 0), median: median(all), worst: all.length ? Math.max(...all) : null, late: types.reduce((n, t) => n + (f.late.get(t) ?? 0), 0) });
  return withTotal({
    key: "requests", titleVi: "Hồ sơ đã giải quyết theo loại, thời gian xử lý (ngày làm việc)", titleEn: "Requests completed by type, processing time (working days)",
    columns: [LABEL_COL("Loại hồ sơ", "Request type"), col("count", ["Số hồ sơ", "Completed"]), col("median", ["Trung vị (ngày)", "Median (days)"], "days"), col("worst", ["Lâu nhất (ngày)", "Worst (days)"], "days"), col("late", ["Quá hạn", "Past deadline"])],
    rows,
  });
}

export const totalsOf = (f: Figures): CertificateTotals => {
  const t = certTotal(f);
  return { issued: t.issued, activeAtYearEnd: t.active, revoked: t.revoked, expired: t.expired };
};

export function charts(f: Figures, monthlyIssued: Map<number, number>, monthlyRevoked: Map<number, number>, top: LabelledCount[]): ReportCharts {
  const monthly: MonthlyPoint[] = Array.from({ length: 12 }, (_, i) => ({ month: i + 1, issued: monthlyIssued.get(i + 1) ?? 0, revoked: monthlyRevoked.get(i + 1) ?? 0 }));
  const t = certTotal(f);
  const statusMix: LabelledCount[] = [
    { key: "active", labelVi: "Còn hiệu lực", labelEn: "Active", value: t.active },
    { key: "revoked", labelVi: "Thu hồi trong năm", labelEn: "Revoked in the year", value: t.revoked },
    { key: "expired", labelVi: "Hết hạn trong năm", labelEn: "Expired in the year", value: t.expired },
  ];
  const deviceMix: LabelledCount[] = TOKEN_TYPES.map((type) => ({ key: type, labelVi: TOKEN_TYPE_LABEL[type]![0], labelEn: TOKEN_TYPE_LABEL[type]![1], value: sumTokens(f, (ty) => ty === type) }));
  return { monthly, statusMix, deviceMix, topUnits: top };
}
