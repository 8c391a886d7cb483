// The API tokens page (/api-tokens): a unit's keys for the JSON API — list,
// create (the secret is shown once, on the answer to the form, never again),
// revoke. Routes read the form, call portal.apiTokens (which applies
// api_tokens.manage and the caller's scope), and render or redirect.
import { Router, type Request, type RequestHandler, type Response } from "express";
import { MAX_EXPIRY_DAYS } from "../access/api-tokens";
import type { Portal } from "../directory/portal";
import { isAppError } from "../errors/app-error";
import { idParam, q } from "./query-params";
import { callOf, requireSignIn, stateOf } from "./request-context";

const field = (body: unknown, name: string, max = 200): string => {
  const v = (body as Record<string, unknown> | undefined)?.[name];
  return typeof v === "string" ? v.slice(0, max) : "";
};

/** Tells the layout whether to show the nav link (the page itself checks the permission again). */
export function apiTokenNav(deps: { portal: Portal }): RequestHandler {
  return (req, res, next) => {
    const actor = stateOf(req).actor;
    res.locals.canManageApiTokens = actor !== null && deps.portal.scoper.may(actor, "api_tokens.manage");
    next();
  };
}

export function apiTokenRoutes(deps: { portal: Portal }): Router {
  const r = Router();
  const { portal } = deps;
  const signedIn = requireSignIn();

  async function render(req: Request, res: Response, status: number, form: { unitId?: string; name?: string; days?: string }, extra: Record<string, unknown>) {
    const { rows, units } = await portal.apiTokens.list(callOf(req));
    res.status(status).render("api-tokens/list", {
      titleKey: "apiTokens.title",
      nav: "api-tokens",
      rows: rows.map((t) => ({ ...t, stateKey: `apiTokens.states.${t.state}`, live: t.state === "active" })),
      // One unit: chosen already (a focal point of one agency).
      units: units.map((u) => ({ ...u, selected: units.length === 1 || String(u.id) === form.unitId })),
      form,
      maxDays: MAX_EXPIRY_DAYS,
      openapiUrl: "/api/v1/openapi.json",
      ...extra,
    });
  }

  r.get("/api-tokens", signedIn, async (req, res) => {
    const done = q(req, "done", 16);
    await render(req, res, 200, {}, { notice: done === "revoked" ? "apiTokens.done.revoked" : null });
  });

  r.post("/api-tokens", signedIn, async (req, res) => {
    const form = { unitId: field(req.body, "unitId", 12), name: field(req.body, "name", 200), days: field(req.body, "days", 6) };
    const errors: Record<string, string> = {};
    const unitId = /^\d{1,9}$/.test(form.unitId) ? Number(form.unitId) : 0;
    let expiresAt: Date | null = null;
    if (form.days.trim() !== "") {
      const days = /^\d{1,4}$/.test(form.days.trim()) ? Number(form.days.trim()) : 0;
      if (days < 1 || days > MAX_EXPIRY_DAYS) errors.days = "apiTokens.errors.days";
      else expiresAt = new Date(portal.clock().getTime() + days * 86_400_000);
    }
    if (!unitId) errors.unitId = "apiTokens.errors.unitId";
    if (Object.keys(errors).length === 0) {
      try {
        const made = await portal.apiTokens.issue(callOf(req), { unitId, name: form.name, expiresAt });
        // Shown on this answer only: the page is not cached (no-store) and the secret is stored nowhere.
        res.setHeader("Cache-Control", "no-store");
        return render(req, res, 201, {}, { created: made.token, secret: made.secret });
      } catch (e) {
        if (!isAppError(e) || e.code !== "INPUT_INVALID") throw e;
        const fields = (e.details?.fields ?? {}) as Record<string, string>;
        for (const k of Object.keys(fields)) errors[k] = k === "name" ? "apiTokens.errors.name" : k === "expiresAt" ? "apiTokens.errors.days" : "apiTokens.errors.unitId";
      }
    }
    await render(req, res, 400, form, { errors, error: "apiTokens.errors.form" });
  });

  r.post("/api-tokens/:id/revoke", signedIn, async (req, res) => {
    await portal.apiTokens.revoke(callOf(req), idParam(req.params.id));
    res.redirect(303, "/api-tokens?done=revoked");
  });

  return r;
}
