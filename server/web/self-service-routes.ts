// The certificate holder's own page (/my-tokens): the tokens they hold and
// «Báo mất token» for each, when self-service is enabled. Routes read the form,
// call the self-service, and redirect or show the page with the refusal.
import { Router } from "express";
import type { Portal } from "../directory/portal";
import { isAppError } from "../errors/app-error";
import { idParam } from "./query-params";
import { callOf, requireSignIn } from "./request-context";

export function selfServiceRoutes(deps: { portal: Portal }): Router {
  const r = Router();
  const { portal } = deps;
  const signedIn = requireSignIn();

  r.get("/my-tokens", signedIn, async (req, res) => {
    try {
      const tokens = await portal.selfService.myTokens(callOf(req));
      const reported = typeof req.query.reported === "string" ? req.query.reported.slice(0, 64) : null;
      res.render("self-service/tokens", { titleKey: "self.title", nav: "my-tokens", tokens, reported });
    } catch (e) {
      if (!isAppError(e) || e.code !== "FORBIDDEN") throw e;
      res.status(403).render("self-service/tokens", { titleKey: "self.title", nav: "my-tokens", tokens: [], unavailable: e.message });
    }
  });

  r.post("/my-tokens/:id/lost", signedIn, async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const ctx = callOf(req);
    const id = idParam(req.params.id);
    if (body.confirm !== "yes") {
      const tokens = await portal.selfService.myTokens(ctx);
      res.status(400).render("self-service/tokens", { titleKey: "self.title", nav: "my-tokens", tokens, errorKey: "self.confirmRequired" });
      return;
    }
    const note = typeof body.note === "string" ? body.note.slice(0, 500) : null;
    const result = await portal.selfService.reportLost(ctx, id, note);
    res.redirect(303, `/my-tokens?reported=${encodeURIComponent(result.token.serial)}`);
  });

  return r;
}
