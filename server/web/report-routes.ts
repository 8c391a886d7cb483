// The report pages (issue 6): /reports (choose a report, unit, year),
// /reports/agency?unit=&year=, /reports/province?year=, and the ad-hoc views.
// Routes read the query, call the report service, and render one generic page:
// meta (when, by whom, from which data), inline SVG charts, the sections.
import { Router, type Request, type Response } from "express";
import type { Portal } from "../directory/portal";
import { barList, monthlyChart, type Lang } from "../reports/charts/svg-charts";
import type { AnyReport, ReportCell, ReportColumn, ReportSection } from "../reports/report-model";
import { intParam, q } from "./query-params";
import { callOf, requireSignIn, stateOf } from "./request-context";

const fmtCell = (v: ReportCell, c: ReportColumn, lang: Lang): string => {
  if (v === null || v === undefined) return "—";
  if (typeof v === "string") return v;
  const loc = lang === "vi" ? "vi-VN" : "en-US";
  if (c.kind === "days") return v.toLocaleString(loc, { maximumFractionDigits: 1 });
  if (c.kind === "percent") return `${v > 0 ? "+" : ""}${v.toLocaleString(loc, { maximumFractionDigits: 1 })} %`;
  return v.toLocaleString(loc);
};

/** A section as the page shows it, in the reader's language. */
export function sectionView(s: ReportSection, lang: Lang) {
  return {
    key: s.key,
    title: lang === "vi" ? s.titleVi : s.titleEn,
    note: lang === "vi" ? s.noteVi : s.noteEn,
    columns: s.columns.map((c) => ({ key: c.key, label: lang === "vi" ? c.labelVi : c.labelEn, numeric: c.kind !== "text" })),
    rows: s.rows.map((r, i) => ({
      total: s.totalRow === i,
      key: String(r.key ?? i),
      cells: s.columns.map((c) => {
        const v = c.key === "label" && lang === "en" && typeof r.labelEn === "string" ? r.labelEn : r[c.key];
        return { text: fmtCell(v ?? null, c, lang), numeric: c.kind !== "text", key: c.key };
      }),
    })),
  };
}

/** The page's view of a report: texts in the reader's language, charts as SVG strings. */
export function reportView(report: AnyReport, lang: Lang) {
  const m = report.meta;
  const charts = "charts" in report
    ? [
        monthlyChart(report.charts.monthly, lang),
        barList("status", lang === "vi" ? "Tình trạng chứng thư" : "Certificate status", report.charts.statusMix, lang),
        barList("device", lang === "vi" ? "Thiết bị lưu khoá theo loại" : "Tokens by type", report.charts.deviceMix, lang),
        barList("top", lang === "vi" ? "Đơn vị nhiều chứng thư còn hiệu lực nhất" : "Units with most active certificates", report.charts.topUnits, lang),
      ]
    : [];
  return {
    title: lang === "vi" ? m.titleVi : m.titleEn,
    meta: m,
    totals: "totals" in report ? report.totals : null,
    previousTotals: "previousTotals" in report ? report.previousTotals : null,
    charts,
    sections: report.sections.map((s) => sectionView(s, lang)),
  };
}

export function reportRoutes(deps: { portal: Portal }): Router {
  const r = Router();
  const { portal } = deps;
  const signedIn = requireSignIn();
  const langOf = (req: Request): Lang => (stateOf(req).lang === "en" ? "en" : "vi");

  const show = async (req: Request, res: Response, report: AnyReport, back: Record<string, string | number | undefined>) => {
    res.render("reports/report", { titleKey: "reports.title", nav: "reports", styles: ["/static/reports.css"], report: reportView(report, langOf(req)), back });
  };

  r.get("/reports", signedIn, async (req, res) => {
    const choices = await portal.reports.choices(callOf(req));
    res.render("reports/index", { titleKey: "reports.title", nav: "reports", styles: ["/static/reports.css"], choices, lastYear: choices.years[1] ?? choices.years[0], today: new Date(portal.clock().getTime() + 7 * 3_600_000).toISOString().slice(0, 10) });
  });

  r.get("/reports/agency", signedIn, async (req, res) => {
    const unit = q(req, "unit", 40) ?? "";
    const year = intParam(q(req, "year", 4), "year") ?? Number.NaN;
    await show(req, res, await portal.reports.agency(callOf(req), { unit, year }), { unit, year });
  });

  r.get("/reports/province", signedIn, async (req, res) => {
    const year = intParam(q(req, "year", 4), "year") ?? Number.NaN;
    await show(req, res, await portal.reports.province(callOf(req), { year }), { year });
  });

  const adhoc = { expiring: "expiring", overdue: "overdue_requests", revocations: "revocations", holdings: "holdings" } as const;
  for (const [path, kind] of Object.entries(adhoc)) {
    r.get(`/reports/${path}`, signedIn, async (req, res) => {
      const unit = q(req, "unit", 40) ?? null;
      const from = q(req, "from", 10);
      const to = q(req, "to", 10);
      await show(req, res, await portal.reports.adhoc(callOf(req), kind, { unit, ...(from ? { from } : {}), ...(to ? { to } : {}) }), { unit: unit ?? undefined });
    });
  }
  return r;
}
