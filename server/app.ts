// createApp(deps): the Express application — views, security headers, routes,
// error handling. It never listens and never opens anything itself.
import { join } from "node:path";
import express, { type Express } from "express";
import { engine } from "express-handlebars";
import helmet from "helmet";
import type { Config } from "./config/schema";
import type { Portal } from "./directory/portal";
import type { Logger } from "./log";
import type { Operations } from "./ops/operations";
import type { CrlPublisher } from "./publish/crl-publisher";
import type { Store } from "./store/store";
import { apiRouter } from "./api/api-router";
import { unitSourceFromStore } from "./directory/unit-source";
import { errorHandler, notFound } from "./web/error-handler";
import { homeRoutes } from "./web/home-routes";
import { pkiRoutes } from "./web/pki-routes";
import { createTranslator } from "./web/i18n/i18n";
import { portalRoutes } from "./web/portal-routes";
import { operationsRoutes, readinessRoute } from "./web/operations-routes";
import { viewHelpers } from "./web/view-helpers";

export interface AppDeps {
  config: Config;
  store: Store;
  publisher: CrlPublisher;
  clock: () => Date;
  log: Logger;
  /** Sign-in, scoping and the people-facing pages (server/directory/portal.ts). */
  portal: Portal;
  /** Freshness dashboard and readiness (server/ops/, issue 7); without it /readyz and /operations are absent. */
  operations?: Operations;
}

const VIEWS = join(__dirname, "..", "views");

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", false);
  app.engine("hbs", engine({ extname: ".hbs", defaultLayout: "main", layoutsDir: join(VIEWS, "layouts"), partialsDir: join(VIEWS, "partials"), helpers: viewHelpers(createTranslator()) }));
  app.set("view engine", "hbs");
  app.set("views", VIEWS);
  // Compiled templates are kept (Express does so only with NODE_ENV=production): recompiling
  // every view on every request doubled the list pages' latency. NODE_ENV=development re-reads them (config viewCache).
  app.set("view cache", deps.config.viewCache);
  // OCSP is answered before Express (server/web/ocsp-http.ts). Relying parties
  // fetch CRLs and CA certificates over plain HTTP (RFC 5280 4.2.1.13):
  // those routes come before helmet so no HSTS/upgrade headers are attached to them.
  app.use(pkiRoutes({ cas: deps.store.cas, publisher: deps.publisher }));
  // No inline scripts or styles anywhere (public/app.css). Over plain HTTP (a test
  // deployment) browsers must not be told to upgrade requests or pin HTTPS.
  const https = deps.config.publicUrl.startsWith("https:");
  app.use(
    helmet({
      contentSecurityPolicy: { directives: { "style-src": ["'self'"], "upgrade-insecure-requests": https ? [] : null } },
      strictTransportSecurity: https,
    }),
  );
  app.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  // Readiness: database, CA keys, CRL fresh; no sign-in, no secrets (server/ops/readiness.ts).
  if (deps.operations) app.get("/readyz", readinessRoute(deps.operations));
  // The JSON API authenticates with bearer tokens, not cookies: before the pages' session and CSRF handling.
  app.use("/api/v1", apiRouter({ portal: deps.portal, store: deps.store, units: unitSourceFromStore(deps.store.units), log: deps.log, publicUrl: deps.config.publicUrl, attachmentMaxBytes: deps.config.requests.attachmentMaxBytes }));
  app.use(portalRoutes({ portal: deps.portal, config: deps.config, counters: deps.store.rateLimits }));
  // After portalRoutes: its request context (session, language, CSRF, shell) has run for this request.
  if (deps.operations) app.use(operationsRoutes({ portal: deps.portal, operations: deps.operations, amberFraction: deps.config.freshness.amberFraction }));
  app.use(homeRoutes({ store: deps.store, config: deps.config }));
  app.use(notFound());
  app.use(errorHandler(deps.log));
  return app;
}
