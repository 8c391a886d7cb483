// Mounts the people-facing part of the app: the stylesheet, form parsing, the
// request context (language, session, actor), CSRF on every form, the layout's
// shell for signed-in pages, sign-in and the directory pages.
import { join } from "node:path";
import express, { Router } from "express";
import type { Config } from "../config/schema";
import type { Portal } from "../directory/portal";
import type { RateLimitStore } from "../store/rate-limit-store";
import { apiTokenNav, apiTokenRoutes } from "./api-token-routes";
import { auditRoutes } from "./audit-routes";
import { authRoutes } from "./auth-routes";
import { directoryRoutes } from "./directory-routes";
import { subscriberRoutes } from "./subscriber-routes";
import { selfServiceRoutes } from "./self-service-routes";
import { tokenRoutes } from "./token-routes";
import { holidayRoutes } from "./holiday-routes";
import { reportExportRoutes } from "./report-export-routes";
import { reportRoutes } from "./report-routes";
import { registerRoutes } from "./register-routes";
import { orgChangeRoutes } from "./org-change-routes";
import { staffChangeRoutes } from "./staff-change-routes";
import { callOf, csrfProtection, requestContext, stateOf } from "./request-context";
import { requestRoutes } from "./request-routes";
import { requestUploads } from "./request-uploads";
import { bulkImportRoutes, bulkUploadParser } from "./bulk-import-routes";

const PUBLIC_DIR = join(__dirname, "..", "..", "public");

/** `counters`: the database's hit counters, for the sign-in rate limit shared by every process. */
export function portalRoutes(deps: { portal: Portal; config: Config; counters: RateLimitStore }): Router {
  const r = Router();
  r.use("/static", express.static(PUBLIC_DIR, { index: false, maxAge: "1h" }));
  r.use(express.urlencoded({ extended: false, limit: "32kb", parameterLimit: 50 }));
  r.use(requestContext(deps));
  // Multipart request forms (CSR, signed PDF) are read first, so the CSRF check below sees their _csrf.
  r.use(requestUploads(deps));
  r.use("/requests/import", bulkUploadParser());
  r.use(csrfProtection(deps));
  // The layout's side panel and header for signed-in pages.
  r.use(async (req, res, next) => {
    if (stateOf(req).actor && req.method === "GET" && !/\/(pem|der)$/.test(req.path)) res.locals.shell = await deps.portal.shell.forCaller(callOf(req));
    next();
  });
  r.use(apiTokenNav(deps));
  r.use(authRoutes(deps));
  // Before the directory: its /subscribers/:id would otherwise take /subscribers/new.
  r.use(subscriberRoutes(deps));
  r.use(directoryRoutes(deps));
  r.use(tokenRoutes(deps));
  r.use(selfServiceRoutes(deps));
  r.use(auditRoutes(deps));
  r.use(holidayRoutes(deps));
  // Before the report pages: it sets their download links (res.locals.reportExports).
  r.use(reportExportRoutes(deps));
  r.use(reportRoutes(deps));
  r.use(registerRoutes(deps));
  r.use(apiTokenRoutes(deps));
  r.use(staffChangeRoutes(deps));
  r.use(orgChangeRoutes(deps));
  // Before the request pages: their /requests/:id would otherwise take /requests/import.
  r.use(bulkImportRoutes(deps));
  r.use(requestRoutes(deps));
  return r;
}
