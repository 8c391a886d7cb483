// Report downloads (issue 6): /reports/<view>.csv|.xlsx|.pdf with the same query
// as the HTML page (/reports/agency?unit=&year= …), a signed copy (POST
// /reports/sign → /reports/signed/:id with the file, its .p7s and how to verify
// it), and the download links the report page shows (res.locals.reportExports).
// Routes read the query, ask the report service, hand the result to the exporter.
import { Router, type Request, type Response } from "express";
import type { Portal } from "../directory/portal";
import { AppError } from "../errors/app-error";
import { EXPORT_FORMATS, fetchReport, type AdhocKind, type ExportFile, type ExportFormat, type ReportQuery } from "../reports/export/report-export-service";
import { intParam, q } from "./query-params";
import { callOf, requireSignIn, stateOf } from "./request-context";

/** The views as R2's pages name them (server/web/report-routes.ts) and the report kinds behind them. */
const ADHOC: Record<string, AdhocKind> = { expiring: "expiring", overdue: "overdue_requests", revocations: "revocations", holdings: "holdings" };
const VIEWS = ["agency", "province", ...Object.keys(ADHOC)] as const;
type View = (typeof VIEWS)[number];

const isView = (v: unknown): v is View => typeof v === "string" && (VIEWS as readonly string[]).includes(v);
const isFormat = (v: unknown): v is ExportFormat => typeof v === "string" && (EXPORT_FORMATS as readonly string[]).includes(v);

type Params = Record<string, string | undefined>;

/** The report a set of parameters names, checked the way the HTML page checks them. */
function queryOf(view: View, p: Params): ReportQuery {
  const text = (name: string, max: number) => {
    const v = p[name];
    if (v === undefined) return undefined;
    if (typeof v !== "string" || v.length > max) throw new AppError("INPUT_INVALID", `bad ${name} parameter`);
    return v.trim() || undefined;
  };
  const year = () => intParam(text("year", 4), "year") ?? Number.NaN;
  if (view === "agency") return { view, unit: text("unit", 40) ?? "", year: year() };
  if (view === "province") return { view, year: year() };
  return { view: ADHOC[view]!, unit: text("unit", 40) ?? null, from: text("from", 10), to: text("to", 10) };
}

const paramsOf = (req: Request): Params => ({ unit: q(req, "unit", 40), year: q(req, "year", 4), from: q(req, "from", 10), to: q(req, "to", 10) });

/** RFC 6266: an ASCII filename and the same name as filename* (our names are ASCII already). */
function sendFile(res: Response, f: ExportFile): void {
  res.set("Content-Type", f.contentType);
  res.set("Content-Disposition", `attachment; filename="${f.fileName}"; filename*=UTF-8''${encodeURIComponent(f.fileName)}`);
  // Reports carry personal data (who holds what): never kept by shared caches.
  res.set("Cache-Control", "private, no-store");
  res.send(f.body);
}

const langOf = (req: Request) => (stateOf(req).lang === "en" ? "en" : "vi");

export function reportExportRoutes(deps: { portal: Portal }): Router {
  const r = Router();
  const { portal } = deps;
  const signedIn = requireSignIn();

  // The report page's download links and sign form, for R2's view (partial report-exports).
  r.get(/^\/reports\/(agency|province|expiring|overdue|revocations|holdings)$/, (req, res, next) => {
    const view = /^\/reports\/([a-z]+)$/.exec(req.path)![1] as View;
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries({ unit: req.query.unit, year: req.query.year, from: req.query.from, to: req.query.to })) if (typeof v === "string" && v) params.set(k, v);
    const qs = params.toString() ? `?${params.toString()}` : "";
    res.locals.reportExports = {
      links: EXPORT_FORMATS.map((format) => ({ format, label: format.toUpperCase(), href: `/reports/${view}.${format}${qs}` })),
      sign: { view, fields: [...params.entries()].map(([name, value]) => ({ name, value })), formats: EXPORT_FORMATS },
    };
    next();
  });

  for (const view of VIEWS) {
    for (const format of EXPORT_FORMATS) {
      r.get(`/reports/${view}.${format}`, signedIn, async (req, res) => {
        const ctx = callOf(req);
        const report = await fetchReport(portal.reports, ctx, queryOf(view, paramsOf(req)));
        sendFile(res, await portal.reportExports.file(ctx, report, format, langOf(req)));
      });
    }
  }

  r.post("/reports/sign", signedIn, async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const view = body.view;
    const format = body.format;
    if (!isView(view) || !isFormat(format)) throw new AppError("INPUT_INVALID", "bad report or format");
    const str = (k: string) => (typeof body[k] === "string" ? (body[k] as string) : undefined);
    const ctx = callOf(req);
    const report = await fetchReport(portal.reports, ctx, queryOf(view, { unit: str("unit"), year: str("year"), from: str("from"), to: str("to") }));
    const info = await portal.reportExports.sign(ctx, report, format, langOf(req));
    res.redirect(303, `/reports/signed/${info.id}`);
  });

  r.get("/reports/signed/:id", signedIn, (req, res) => {
    const info = portal.reportExports.bundle(callOf(req), String(req.params.id));
    const base = `/reports/signed/${info.id}`;
    res.render("report-exports/signed", {
      titleKey: "reportExports.signedTitle",
      nav: "reports",
      info,
      links: { content: `${base}/${info.fileName}`, p7s: `${base}/${info.fileName}.p7s`, root: `${base}/root.pem`, rootName: "root.pem" },
      command: `openssl cms -verify -binary -inform DER -in ${info.fileName}.p7s -content ${info.fileName} -CAfile root.pem -purpose any`,
    });
  });

  r.get("/reports/signed/:id/:file", signedIn, (req, res) => {
    sendFile(res, portal.reportExports.bundleFile(callOf(req), String(req.params.id), String(req.params.file)));
  });

  return r;
}
