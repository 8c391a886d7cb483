// The shape of a report (Decision 25/2020/QĐ-UBND annual agency report, the
// provincial summary, ad-hoc views) as plain data: the engine (R2) produces it,
// the pages and every exporter (R3: CSV, XLSX, PDF, signature) render it.
// Types only — no functions, no imports of services — so exporters stay generic.

/** How a column's values are written: counts, text, working days (1 decimal), percent (0–100). */
export type ReportColumnKind = "int" | "text" | "days" | "percent";

export interface ReportColumn {
  key: string;
  labelVi: string;
  labelEn: string;
  kind: ReportColumnKind;
}

export type ReportCell = string | number | null;

/**
 * One table of a report. Every figure of every report lives in sections, so an
 * exporter that renders sections renders every report. `rows` are keyed by
 * column key; a total row, if any, is the last row and carries `isTotal` info in
 * `totalRow` (index into rows) rather than a magic label.
 */
export interface ReportSection {
  key: string;
  titleVi: string;
  titleEn: string;
  columns: ReportColumn[];
  /**
   * Beside the column keys a row may carry `key` (a stable row id: a profile,
   * a unit id, "total") and `labelEn` (the English text of its `label` column);
   * neither is a column.
   */
  rows: Record<string, ReportCell>[];
  /** Index in `rows` of the total line, when the section has one. */
  totalRow?: number;
  /** Free text under the table (e.g. "register not available"), both languages. */
  noteVi?: string;
  noteEn?: string;
}

export type ReportKind =
  | "agency"
  | "province"
  | "expiring"
  | "overdue_requests"
  | "revocations"
  | "holdings";

/** Which data the figures were computed from, so a reader can tell two runs apart. */
export interface ReportFingerprint {
  /** Highest audit_log id at generation time (the state of the journal the report saw). */
  auditHighId: number;
  /** Certificates in the database at generation time (all units, all states). */
  certificateCount: number;
  /** Highest requests id at generation time. */
  requestHighId: number;
  /**
   * SHA-256 (hex) of the canonical JSON of the sections (keys, columns, rows),
   * independent of generatedAt: the same period regenerated later gives the same
   * figures hash when history is unchanged.
   */
  figuresSha256: string;
}

export interface ReportUnitRef {
  id: number;
  code: string;
  /** Name as it stood at the end of the period (the tree as it stood). */
  name: string;
  type: string;
}

export interface ReportMeta {
  kind: ReportKind;
  titleVi: string;
  titleEn: string;
  /** The unit reported on; null for the province-wide summary of the whole tree. */
  unit: ReportUnitRef | null;
  /** Reporting year (annual reports); null for ad-hoc views. */
  year: number | null;
  /** Period covered, 'YYYY-MM-DD' inclusive Vietnam calendar days. */
  periodFrom: string;
  periodTo: string;
  /** The date the tree, units and states are taken "as of" ('YYYY-MM-DD'). */
  asOf: string;
  /** ISO timestamp (UTC, whole seconds) of generation. */
  generatedAt: string;
  /** Username of who generated it. */
  generatedBy: string;
  fingerprint: ReportFingerprint;
}

/** Monthly series for the issued/revoked chart (12 entries, month 1–12). */
export interface MonthlyPoint {
  month: number;
  issued: number;
  revoked: number;
}

/** A labelled count for the pie/bar charts (status mix, device mix, top units). */
export interface LabelledCount {
  key: string;
  labelVi: string;
  labelEn: string;
  value: number;
}

export interface ReportCharts {
  monthly: MonthlyPoint[];
  statusMix: LabelledCount[];
  deviceMix: LabelledCount[];
  topUnits: LabelledCount[];
}

/** The headline figures of an annual report (also present in the sections). */
export interface CertificateTotals {
  issued: number;
  activeAtYearEnd: number;
  revoked: number;
  expired: number;
}

/**
 * Annual agency report. Section keys, in order:
 * "certificates" (issued/active/revoked/expired × individual/organisation/device/total),
 * "tokens" (type × state at year end), "activity" (new/renewed/changed/revoked/recovered),
 * "revocation_reasons", "requests" (type, count, median/worst working days, past deadline),
 * "trainings", "inspections", "incidents", "demand" (R1's registers; a note when not wired).
 */
export interface AgencyReport {
  meta: ReportMeta;
  totals: CertificateTotals;
  sections: ReportSection[];
  charts: ReportCharts;
}

/**
 * Provincial summary: the agency figures rolled up per top-level subtree of the
 * tree as it stood at year end (a district includes its communes), plus the
 * year-on-year comparison against the previous year (grouped on this year's tree
 * through lineage). Section keys: "by_unit", "certificates", "tokens",
 * "activity", "revocation_reasons", "requests", "year_on_year", and the registers.
 */
export interface ProvincialSummary {
  meta: ReportMeta;
  totals: CertificateTotals;
  previousTotals: CertificateTotals;
  sections: ReportSection[];
  charts: ReportCharts;
}

/** An ad-hoc view: one or more sections, no charts required. */
export interface AdhocReport {
  meta: ReportMeta;
  sections: ReportSection[];
}

export type AnyReport = AgencyReport | ProvincialSummary | AdhocReport;
