// Staff transfer / leaving pages on a subscriber: the form, the preview of every
// effect, the confirmation. Routes read the form, call portal.staffChanges and
// render; who may do it and what happens is decided in server/ra/staff-change.ts.
import { Router, type Request, type Response } from "express";
import type { Portal } from "../directory/portal";
import { isAppError } from "../errors/app-error";
import { STAFF_CHANGE_KINDS, type StaffChangeInput } from "../ra/staff-change";
import { httpStatusFor } from "./http-error";
import { idParam } from "./query-params";
import { callOf, requireSignIn } from "./request-context";

const field = (body: unknown, name: string, max = 300): string => {
  const v = (body as Record<string, unknown> | undefined)?.[name];
  return typeof v === "string" ? v.slice(0, max) : "";
};

function inputOf(body: unknown): StaffChangeInput & { expectDigest?: string } {
  const to = field(body, "toUnitId", 12);
  const digest = field(body, "digest", 64);
  return { kind: field(body, "kind", 16), toUnitId: /^\d{1,9}$/.test(to) ? Number(to) : null, note: field(body, "note", 300) || null, ...(digest ? { expectDigest: digest } : {}) };
}

/** Refusals a person can correct are shown on the form; the rest (404, 403) go to the error page. */
const OBJECT_KEYS = { subscriber: "changes.effects.subscriber", cert: "changes.effects.cert", token: "changes.effects.token" };

const ON_FORM = ["INPUT_INVALID", "ORG_CHANGE_INVALID", "REQUEST_CONFLICT", "CERT_ALREADY_REVOKED"];

export function staffChangeRoutes(deps: { portal: Portal }): Router {
  const r = Router();
  const { portal } = deps;
  const signedIn = requireSignIn();

  async function form(req: Request, res: Response, status: number, extra: Record<string, unknown>) {
    const page = await portal.staffChanges.form(callOf(req), idParam(req.params.id));
    const input = (extra.input as StaffChangeInput | undefined) ?? { kind: "transfer" };
    res.status(status).render("staff-change/form", {
      titleKey: "changes.staff.title",
      nav: "subscribers",
      page,
      kinds: STAFF_CHANGE_KINDS.map((k) => ({ value: k, key: `changes.staff.kinds.${k}`, checked: input.kind === k })),
      units: page.units.map((u) => ({ ...u, selected: u.id === input.toUnitId })),
      ...extra,
    });
  }

  async function refused(req: Request, res: Response, e: unknown, input: StaffChangeInput) {
    if (!isAppError(e) || !ON_FORM.includes(e.code)) throw e;
    await form(req, res, httpStatusFor(e.code), { error: e.message, input });
  }

  r.get("/subscribers/:id/staff-change", signedIn, async (req, res) => {
    await form(req, res, 200, {});
  });

  r.post("/subscribers/:id/staff-change/preview", signedIn, async (req, res) => {
    const input = inputOf(req.body);
    try {
      const preview = await portal.staffChanges.preview(callOf(req), idParam(req.params.id), input);
      res.render("staff-change/preview", { titleKey: "changes.staff.previewTitle", nav: "subscribers", preview, input, objectKeys: OBJECT_KEYS, kindKey: `changes.staff.kinds.${preview.kind}`, leaving: preview.kind !== "transfer", effects: preview.effects.map((e) => ({ ...e, actionKey: `changes.staff.actions.${e.action}` })) });
    } catch (e) {
      await refused(req, res, e, input);
    }
  });

  r.post("/subscribers/:id/staff-change", signedIn, async (req, res) => {
    const input = inputOf(req.body);
    try {
      const result = await portal.staffChanges.execute(callOf(req), idParam(req.params.id), input);
      res.render("staff-change/done", { titleKey: "changes.staff.doneTitle", nav: "subscribers", result, objectKeys: OBJECT_KEYS, effects: result.effects.map((e) => ({ ...e, actionKey: `changes.staff.actions.${e.action}` })), requests: result.requestIds.map((id) => ({ id, reference: `YC-${String(id).padStart(6, "0")}` })) });
    } catch (e) {
      await refused(req, res, e, input);
    }
  });

  return r;
}
