// "Effects on certificates and tokens" of a unit batch (merger, split,
// dissolution): the list of batches, one batch's preview of every object and
// what will happen to it, the run with its progress. Routes read, call
// portal.orgChanges and render; the runner decides and audits.
import { Router, type Request, type Response } from "express";
import type { Portal } from "../directory/portal";
import { isAppError } from "../errors/app-error";
import { ORG_CHANGE_MODES } from "../ra/org-change-effects";
import { httpStatusFor } from "./http-error";
import { idParam, q } from "./query-params";
import { callOf, requireSignIn } from "./request-context";

const field = (body: unknown, name: string, max = 80): string => {
  const v = (body as Record<string, unknown> | undefined)?.[name];
  return typeof v === "string" ? v.slice(0, max) : "";
};

export function orgChangeRoutes(deps: { portal: Portal }): Router {
  const r = Router();
  const { portal } = deps;
  const signedIn = requireSignIn();

  async function show(req: Request, res: Response, status: number, mode: string | undefined, error: string | null) {
    const view = await portal.orgChanges.view({ ctx: callOf(req) }, idParam(req.params.batchId), mode);
    const running = view.run !== null && view.run.state === "running" && !view.resumable;
    res.status(status).render("org-change/show", {
      titleKey: "changes.org.title",
      nav: "units",
      view,
      error,
      running,
      runStateKey: view.run ? `changes.org.runStates.${view.run.state}` : null,
      // A plain refresh while the run goes on (the CSP allows no script).
      refreshSeconds: running ? 2 : null,
      percent: view.run && view.run.total ? Math.floor(((view.run.done + view.run.failed) * 100) / view.run.total) : 100,
      modes: ORG_CHANGE_MODES.map((m) => ({ value: m, key: `changes.org.modes.${m}`, checked: (view.plan?.mode ?? view.run?.mode) === m })),
      effects: (view.plan?.effects ?? []).map((e) => ({ ...e, actionKey: `changes.org.actions.${e.action}` })),
      items: view.items.map((i) => ({ ...i, actionKey: `changes.org.actions.${i.action}`, statusKey: `changes.org.status.${i.status}` })),
      units: (view.plan?.units ?? []).map((u) => ({ ...u, fateKey: `changes.org.fates.${u.fate}` })),
    });
  }

  r.get("/org-changes", signedIn, async (req, res) => {
    const batches = await portal.orgChanges.batches({ ctx: callOf(req) });
    res.render("org-change/list", { titleKey: "changes.org.listTitle", nav: "units", batches: batches.map((b) => ({ ...b, stateKey: b.run ? `changes.org.runStates.${b.run.state}` : b.status === "applied" ? "changes.org.runStates.none" : "changes.org.runStates.draft" })) });
  });

  r.get("/org-changes/:batchId", signedIn, async (req, res) => {
    await show(req, res, 200, q(req, "mode", 16), null);
  });

  r.post("/org-changes/:batchId/run", signedIn, async (req, res) => {
    const batchId = idParam(req.params.batchId);
    const caller = { ctx: callOf(req) };
    try {
      const { run } = await portal.orgChanges.start(caller, batchId, { mode: field(req.body, "mode", 16) || "rehome", expectDigest: field(req.body, "digest", 64) });
      // The items are processed in the background; the page shows the progress.
      portal.orgChanges.finish(caller, run.id).catch(() => undefined);
      res.redirect(303, `/org-changes/${batchId}`);
    } catch (e) {
      if (!isAppError(e) || e.code !== "ORG_CHANGE_INVALID") throw e;
      await show(req, res, httpStatusFor(e.code), field(req.body, "mode", 16), e.message);
    }
  });

  return r;
}
