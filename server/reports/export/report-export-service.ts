// Exports a report as CSV, XLSX or PDF and signs an export (detached CMS by the
// CA's report signer). It is handed a report the report service computed (which
// scoped the caller and audited the generation); it only renders it, records
// every export and signature in the audit log, and keeps signed bundles for their owner.
import { createHash } from "node:crypto";
import { auditActor, auditRole, type CallContext } from "../../access/actor";
import type { UnitSource, UnitSummary } from "../../directory/unit-source";
import { AppError } from "../../errors/app-error";
import type { Store } from "../../store/store";
import type { ReportKind } from "../report-model";
import { exportCsv } from "./csv-export";
import { exportBaseName, type ExportableReport, type ExportLang } from "./export-format";
import { officialHeading, type HeadingUnit, type OfficialHeading } from "./official-heading";
import { exportPdf } from "./pdf-export";
import type { SignedBundleInfo, SignedExportStore } from "./signed-exports";
import { exportXlsx } from "./xlsx-export";

/** Asks the report service for the report a query names (the same call the HTML page makes). */
export function fetchReport(source: ReportSource, ctx: CallContext, q: ReportQuery): Promise<ExportableReport> {
  if (q.view === "agency") return source.agency(ctx, { unit: q.unit, year: q.year });
  if (q.view === "province") return source.province(ctx, { year: q.year });
  return source.adhoc(ctx, q.view, { unit: q.unit, ...(q.from ? { from: q.from } : {}), ...(q.to ? { to: q.to } : {}) });
}

export type ExportFormat = "csv" | "xlsx" | "pdf";
export const EXPORT_FORMATS: readonly ExportFormat[] = ["csv", "xlsx", "pdf"];
export type AdhocKind = Exclude<ReportKind, "agency" | "province">;

/** Which report, as the HTML pages ask for it (/reports/agency?unit=&year= …). */
export type ReportQuery =
  | { view: "agency"; unit: string; year: number }
  | { view: "province"; year: number }
  | { view: AdhocKind; unit: string | null; from?: string | undefined; to?: string | undefined };

/** The report service's reads (server/reports/report-service.ts): they scope, and audit generation and refusals. */
export interface ReportSource {
  agency(ctx: CallContext, input: { unit: number | string; year: number }): Promise<ExportableReport>;
  province(ctx: CallContext, input: { year: number }): Promise<ExportableReport>;
  adhoc(ctx: CallContext, kind: AdhocKind, input: { unit?: number | string | null; from?: string; to?: string }): Promise<ExportableReport>;
}

/** What this needs of the CA's report signer (server/ca/report-signer.ts): bytes in, .p7s out. */
export interface DetachedSigner {
  signDetached(content: Buffer, actor: string): Promise<{ p7s: Buffer; signerSerial: string; rootCertDer: Buffer | null; contentSha256: string }>;
}

export interface ExportFile {
  fileName: string;
  contentType: string;
  body: Buffer;
}

export interface ReportExportDeps {
  units: Pick<UnitSource, "unitsAsOf">;
  signer: DetachedSigner;
  signed: SignedExportStore;
  store: Pick<Store, "audit">;
  clock: () => Date;
  random: (n: number) => Buffer;
  /** Who issues a report over several provinces (no single body): the CA's organisation and locality (config.ca). */
  operator: { name: string; locality: string };
}

export const CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: "text/csv; charset=utf-8",
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  pdf: "application/pdf",
};

// A signed bundle is for downloading now, not an archive: the audit log keeps its hashes.
const SIGNED_KEEP_MS = 7 * 86_400_000;

const pem = (der: Buffer) => `-----BEGIN CERTIFICATE-----\n${der.toString("base64").replace(/.{64}/g, "$&\n").replace(/\n$/, "")}\n-----END CERTIFICATE-----\n`;

export function createReportExports(deps: ReportExportDeps) {
  const { store, clock } = deps;

  /** The Decree 30 heading from the tree the report was computed on: the unit, its parent, the province at the top. */
  async function headingFor(report: ExportableReport): Promise<OfficialHeading> {
    const units = await deps.units.unitsAsOf(new Date(`${report.meta.asOf}T05:00:00Z`));
    const byId = new Map<number, UnitSummary>(units.map((u) => [u.id, u]));
    const ref = (u: UnitSummary | undefined): HeadingUnit | null => (u ? { code: u.code, name: u.name, type: u.type } : null);
    const top = (u: UnitSummary): UnitSummary => {
      let cur = u;
      for (let i = 0; i < 16 && cur.parentId !== null && byId.has(cur.parentId); i++) cur = byId.get(cur.parentId)!;
      return cur;
    };
    const roots = units.filter((u) => u.parentId === null);
    // A report on no single unit is issued by the only province there is, or else by the CA's operator.
    const unit = report.meta.unit ? byId.get(report.meta.unit.id) : roots.length === 1 ? roots[0] : undefined;
    if (!unit && !report.meta.unit) {
      const op: HeadingUnit = { code: "CA", name: deps.operator.name, type: "other" };
      return officialHeading({ unit: op, superior: null, province: { code: "CA", name: deps.operator.locality, type: "province" }, generatedAt: report.meta.generatedAt });
    }
    const own: HeadingUnit = unit ? ref(unit)! : { code: report.meta.unit!.code, name: report.meta.unit!.name, type: report.meta.unit!.type };
    const superior = unit && unit.parentId !== null ? ref(byId.get(unit.parentId)) : null;
    const province = unit ? ref(top(unit)) : null;
    return officialHeading({ unit: own, superior, province, generatedAt: report.meta.generatedAt });
  }

  async function render(report: ExportableReport, format: ExportFormat, lang: ExportLang): Promise<ExportFile> {
    const base = exportBaseName(report.meta);
    const body = format === "csv" ? exportCsv(report, lang) : format === "xlsx" ? await exportXlsx(report, lang) : await exportPdf(report, await headingFor(report));
    return { fileName: `${base}.${format}`, contentType: CONTENT_TYPES[format], body };
  }

  const objectIdOf = (r: ExportableReport) => `${r.meta.kind}:${r.meta.unit?.code ?? "province"}:${r.meta.year ?? `${r.meta.periodFrom}..${r.meta.periodTo}`}`.slice(0, 128);

  async function audit(ctx: CallContext, action: string, report: ExportableReport, details: Record<string, unknown>) {
    await store.audit.append(
      { actor: auditActor(ctx.actor), ...auditRole(ctx.actor), action, objectType: "report", objectId: objectIdOf(report), outcome: "ok", requestId: ctx.requestId, details: { kind: report.meta.kind, figuresSha256: report.meta.fingerprint.figuresSha256, ...details } },
      clock(),
    );
  }

  return {
    /** The report as a file (unsigned), audited. */
    async file(ctx: CallContext, report: ExportableReport, format: ExportFormat, lang: ExportLang = "vi"): Promise<ExportFile> {
      const file = await render(report, format, lang);
      await audit(ctx, "report.export", report, { format, bytes: file.body.length, sha256: createHash("sha256").update(file.body).digest("hex") });
      return file;
    },

    /** Generates the export once, signs exactly those bytes, keeps both for the caller; returns the bundle id. */
    async sign(ctx: CallContext, report: ExportableReport, format: ExportFormat, lang: ExportLang = "vi"): Promise<SignedBundleInfo> {
      const file = await render(report, format, lang);
      const sig = await deps.signer.signDetached(file.body, auditActor(ctx.actor));
      const info: SignedBundleInfo = {
        id: deps.random(16).toString("hex"),
        owner: ctx.actor.username,
        title: report.meta.titleVi,
        format,
        fileName: file.fileName,
        contentType: file.contentType,
        contentSha256: sig.contentSha256,
        figuresSha256: report.meta.fingerprint.figuresSha256,
        signerSerial: sig.signerSerial,
        createdAt: clock().toISOString().replace(/\.\d{3}Z$/, "Z"),
      };
      deps.signed.prune(clock(), SIGNED_KEEP_MS);
      deps.signed.save({ info, content: file.body, p7s: sig.p7s, rootPem: sig.rootCertDer ? pem(sig.rootCertDer) : null });
      await audit(ctx, "report.sign", report, { format, bundle: info.id, sha256: info.contentSha256, signer: info.signerSerial, bytes: file.body.length });
      return info;
    },

    /** A signed bundle of the caller's (NOT_FOUND for anyone else's, or one that expired). */
    bundle(ctx: CallContext, id: string): SignedBundleInfo {
      const info = deps.signed.info(id);
      if (!info || info.owner !== ctx.actor.username) throw new AppError("NOT_FOUND", "Không tìm thấy bản báo cáo đã ký (hoặc đã quá 7 ngày)");
      return info;
    },

    /** One file of a signed bundle: the report, its .p7s, or the root certificate (PEM). */
    bundleFile(ctx: CallContext, id: string, name: string): ExportFile {
      const info = this.bundle(ctx, id);
      const part = name === info.fileName ? "content" : name === `${info.fileName}.p7s` ? "p7s" : name === "root.pem" ? "root" : null;
      const body = part ? deps.signed.read(id, part) : null;
      if (!part || !body) throw new AppError("NOT_FOUND", "Không có tệp này trong bản báo cáo đã ký");
      const contentType = part === "content" ? info.contentType : part === "p7s" ? "application/pkcs7-signature" : "application/x-pem-file";
      return { fileName: name, contentType, body };
    },
  };
}

export type ReportExports = ReturnType<typeof createReportExports>;

/** For a portal built without the CA (some CLI commands): signing is refused, plain exports still work. */
export const NO_REPORT_SIGNER: DetachedSigner = {
  signDetached: () => Promise.reject(new AppError("CA_NOT_INITIALISED", "report signing is not available in this process")),
};
