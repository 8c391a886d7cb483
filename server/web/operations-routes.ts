// The operators' freshness dashboard (GET /operations: admin, CA operator,
// oversight; others 403, audited) and the readiness probe (GET /readyz: no
// sign-in, 200 or 503 with fixed-word JSON). Routes only read and render;
// the figures come from server/ops/.
import { Router, type RequestHandler } from "express";
import type { Operations } from "../ops/operations";
import { metricText } from "../ops/metric-text";
import type { Portal } from "../directory/portal";
import { createTranslator } from "./i18n/i18n";
import { callOf, requireSignIn, stateOf } from "./request-context";

/** GET /readyz for load balancers and orchestrators: cheap enough to poll every few seconds. */
export function readinessRoute(operations: Operations): RequestHandler {
  return (_req, res, next) => {
    operations.readiness().then((r) => {
      res.status(r.ready ? 200 : 503).set("Cache-Control", "no-store").json({ status: r.ready ? "ready" : "not ready", ...r });
    }, next);
  };
}

export function operationsRoutes(deps: { portal: Portal; operations: Operations; amberFraction: number }): Router {
  const r = Router();
  const t = createTranslator();

  r.get("/operations", requireSignIn(), async (req, res) => {
    const report = await deps.operations.dashboard(callOf(req));
    const lang = stateOf(req).lang;
    const slugs = new Map(report.cas.map((c) => [c.id, c.slug]));
    res.set("Cache-Control", "no-store");
    res.render("operations/dashboard", {
      titleKey: "operations.title",
      nav: "operations",
      styles: ["/static/operations.css"],
      percent: Math.round(deps.amberFraction * 100),
      report,
      overallText: t.t(lang, `operations.level.${report.level}`),
      metrics: report.metrics.map((m) => ({ ...m, hasValue: m.value !== null, text: metricText(t, lang, m) })),
      publications: report.publications.map((p) => ({
        ...p,
        kindText: t.t(lang, `operations.kind.${p.kind}`) + (p.caId === null ? "" : ` (${slugs.get(p.caId) ?? `#${p.caId}`})`),
        outcomeText: t.t(lang, `operations.outcome.${p.outcome}`),
      })),
      today: report.requests.today.split("-").reverse().join("/"),
      auditBroken: report.audit.intact === false,
    });
  });

  return r;
}
