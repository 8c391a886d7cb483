// The JSON API under /api/v1 for the province's document-management systems:
// its OpenAPI description (no token needed), bearer-token authentication,
// rate limits, the JSON body parser with a size limit, the endpoints, and the
// API's own 404 and error shape. Mounted by server/app.ts before the web
// pages (no cookies, no CSRF: a bearer token is not sent by browsers on its own).
import express, { Router } from "express";
import type { Portal } from "../directory/portal";
import type { UnitSource } from "../directory/unit-source";
import type { Logger } from "../log";
import type { Store } from "../store/store";
import { authenticate, authFailureLimit, DEFAULT_API_LIMITS, perTokenLimit, requestIdOf, type ApiLimits } from "./api-auth";
import { apiErrorHandler, apiNotFound } from "./api-errors";
import { certificateEndpoints } from "./certificate-endpoints";
import { openApiDocument } from "./openapi";
import { requestEndpoints } from "./request-endpoints";

export interface ApiRouterDeps {
  portal: Portal;
  /** Read-only look-ups the endpoints need to find ids (never to decide access). */
  store: Pick<Store, "tokens" | "requests" | "rateLimits">;
  units: UnitSource;
  log: Logger;
  publicUrl: string;
  attachmentMaxBytes: number;
  limits?: Partial<ApiLimits>;
}

/** JSON bodies are small (a form's fields and a CSR); PDFs have their own limit on their route. */
export const JSON_BODY_LIMIT = "64kb";

export function apiRouter(deps: ApiRouterDeps): Router {
  const r = Router({ strict: false });
  const limits = { ...DEFAULT_API_LIMITS, ...deps.limits };
  const document = JSON.stringify(openApiDocument({ publicUrl: deps.publicUrl, attachmentMaxBytes: deps.attachmentMaxBytes }));

  r.use((req, res, next) => {
    res.setHeader("X-Request-Id", requestIdOf(req));
    // Answers carry a unit's dossiers: never cached by intermediaries.
    res.setHeader("Cache-Control", "no-store");
    next();
  });

  r.get("/openapi.json", (_req, res) => {
    res.setHeader("Cache-Control", "public, max-age=300");
    res.type("application/json").send(document);
  });

  r.use(authFailureLimit(limits, { counters: deps.store.rateLimits, clock: deps.portal.clock, log: deps.log }));
  r.use(authenticate({ apiTokens: deps.portal.apiTokens }));
  r.use(perTokenLimit(limits));
  r.use(express.json({ limit: JSON_BODY_LIMIT, strict: false, type: ["application/json", "application/*+json"] }));

  requestEndpoints(r, {
    portal: deps.portal,
    units: deps.units,
    findByIdempotencyKey: (unitId, key) => deps.store.requests.findByIdempotencyKey(unitId, key),
    attachmentMaxBytes: deps.attachmentMaxBytes,
  });
  certificateEndpoints(r, {
    portal: deps.portal,
    tokenBySerial: (serial) => deps.store.tokens.findBySerial(serial),
    lostRecordOf: async (tokenId) => (await deps.store.requests.openForToken(tokenId, ["token_lost"])).sort((a, b) => b.id - a.id)[0] ?? null,
  });

  r.use(apiNotFound());
  r.use(apiErrorHandler(deps.log));
  return r;
}

/** "METHOD /path" of every route the router serves, in OpenAPI's {param} form (the test compares them with the document). */
export function routesOf(router: Router): string[] {
  const out: string[] = [];
  for (const layer of router.stack as Array<{ route?: { path: string; methods: Record<string, boolean> } }>) {
    if (!layer.route) continue;
    const path = layer.route.path.replace(/:(\w+)/g, "{$1}");
    for (const m of Object.keys(layer.route.methods)) if (m !== "_all") out.push(`${m.toUpperCase()} ${path}`);
  }
  return out.sort();
}
