// The four register figures of the annual report (trainings, inspections,
// incidents, next-year demand) behind a small interface, so the engine does not
// depend on how the registers (helper R1, server/store/register-*.ts) store them.
// Sections only; no SQL here.
import type { ReportSection } from "./report-model";
import { col, LABEL_COL } from "./report-labels";

export interface RegisterFigures {
  trainingsIn(unitIds: readonly number[], year: number): Promise<{ sessions: number; peopleTrained: number }>;
  inspectionsIn(unitIds: readonly number[], year: number): Promise<{ count: number; withFindings: number }>;
  incidentsIn(unitIds: readonly number[], year: number): Promise<{ total: number; byKind: Record<string, number>; open: number; closed: number }>;
  /** Demand filed for `year` (the report for Y asks for Y + 1). */
  demandFor(unitIds: readonly number[], year: number): Promise<{ byQuarter: Array<{ quarter: number } & Record<string, number>>; totals: Record<string, number> }>;
}

const INCIDENT_LABEL: Record<string, [string, string]> = {
  lost_key: ["Mất thiết bị lưu khoá", "Lost key/token"],
  compromised_key: ["Lộ khoá bí mật", "Compromised key"],
  outage: ["Gián đoạn dịch vụ", "Outage"],
  misuse: ["Sử dụng sai mục đích", "Misuse"],
  other: ["Khác", "Other"],
};
const DEMAND_LABEL: Record<string, [string, string]> = {
  individual: ["Chứng thư cá nhân", "Individual certificates"],
  organization: ["Chứng thư cơ quan, tổ chức", "Organisation certificates"],
  device: ["Chứng thư thiết bị", "Device certificates"],
  usbToken: ["USB token", "USB tokens"],
  simPki: ["SIM-PKI", "SIM-PKI"],
  hsmSlot: ["Khe HSM", "HSM slots"],
};

const notWired = (key: string, titleVi: string, titleEn: string): ReportSection => ({
  key, titleVi, titleEn, columns: [LABEL_COL(), col("count", ["Số lượng", "Count"])], rows: [],
  noteVi: "Chưa có dữ liệu: sổ theo dõi chưa được kết nối với báo cáo.", noteEn: "No data: the register is not connected to the report yet.",
});

export async function registerSections(src: RegisterFigures | undefined, unitIds: readonly number[], year: number): Promise<ReportSection[]> {
  const T = {
    trainings: ["Tập huấn", "Trainings"], inspections: ["Kiểm tra việc sử dụng", "Inspections"], incidents: ["Sự cố, vướng mắc", "Incidents"], demand: [`Nhu cầu năm ${year + 1}`, `Demand for ${year + 1}`],
  } as const;
  if (!src) return (Object.keys(T) as Array<keyof typeof T>).map((k) => notWired(k, T[k][0], T[k][1]));
  const [tr, ins, inc, dem] = await Promise.all([src.trainingsIn(unitIds, year), src.inspectionsIn(unitIds, year), src.incidentsIn(unitIds, year), src.demandFor(unitIds, year + 1)]);
  const count = col("count", ["Số lượng", "Count"]);
  return [
    { key: "trainings", titleVi: T.trainings[0], titleEn: T.trainings[1], columns: [LABEL_COL(), count], rows: [
      { key: "sessions", label: "Số lớp tập huấn", labelEn: "Sessions held", count: tr.sessions },
      { key: "people", label: "Số người được tập huấn", labelEn: "People trained", count: tr.peopleTrained },
    ] },
    { key: "inspections", titleVi: T.inspections[0], titleEn: T.inspections[1], columns: [LABEL_COL(), count], rows: [
      { key: "count", label: "Số cuộc kiểm tra", labelEn: "Inspections", count: ins.count },
      { key: "with_findings", label: "Có phát hiện cần khắc phục", labelEn: "With findings", count: ins.withFindings },
    ] },
    { key: "incidents", titleVi: T.incidents[0], titleEn: T.incidents[1], columns: [LABEL_COL(), count], rows: [
      ...Object.keys(inc.byKind).map((k) => ({ key: k, label: (INCIDENT_LABEL[k] ?? [k, k])[0], labelEn: (INCIDENT_LABEL[k] ?? [k, k])[1], count: inc.byKind[k] ?? 0 })),
      { key: "closed", label: "Đã xử lý xong trong năm", labelEn: "Closed by year end", count: inc.closed },
      { key: "open", label: "Chưa xử lý xong cuối năm", labelEn: "Open at year end", count: inc.open },
      { key: "total", label: "Tổng cộng", labelEn: "Total", count: inc.total },
    ], totalRow: Object.keys(inc.byKind).length + 2 },
    { key: "demand", titleVi: T.demand[0], titleEn: T.demand[1],
      columns: [LABEL_COL("Loại", "Kind"), col("q1", ["Quý I", "Q1"]), col("q2", ["Quý II", "Q2"]), col("q3", ["Quý III", "Q3"]), col("q4", ["Quý IV", "Q4"]), col("total", ["Cả năm", "Year"])],
      rows: Object.keys(DEMAND_LABEL).map((k) => {
        const q = (n: number) => Number(dem.byQuarter.find((r) => r.quarter === n)?.[k] ?? 0);
        return { key: k, label: DEMAND_LABEL[k]![0], labelEn: DEMAND_LABEL[k]![1], q1: q(1), q2: q(2), q3: q(3), q4: q(4), total: Number(dem.totals[k] ?? 0) };
      }) },
  ];
}
