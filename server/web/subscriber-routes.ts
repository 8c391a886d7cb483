// Recording and correcting subscribers: /subscribers/new and
// /subscribers/:id/edit (GET shows the form, POST saves). Routes read the form,
// call the subscriber service, and redirect to the subscriber's page, or show
// the form again with each field's message. Mounted before the directory's
// /subscribers/:id so "new" is never read as an id.
import { Router, type Request, type Response } from "express";
import type { Portal } from "../directory/portal";
import { isAppError } from "../errors/app-error";
import { FORM_FIELDS, type SubscriberForm } from "../ra/subscriber-service";
import { SUBSCRIBER_KINDS, type SubscriberKind } from "../store/subscriber-store";
import { httpStatusFor } from "./http-error";
import { idParam, q } from "./query-params";
import { callOf, requireSignIn } from "./request-context";

const FIELDS = ["kind", "unitId", "name", "nationalId", "position", "email", "phone", "purpose", "responsiblePerson"] as const;

function formOf(body: unknown): SubscriberForm {
  const b = (body ?? {}) as Record<string, unknown>;
  const out: Record<string, string> = {};
  for (const f of FIELDS) {
    const v = b[f];
    if (typeof v === "string") out[f] = v.slice(0, f === "purpose" ? 1000 : 300);
  }
  return out;
}

const kindOf = (v: unknown): SubscriberKind => ((SUBSCRIBER_KINDS as readonly unknown[]).includes(v) ? (v as SubscriberKind) : "individual");

/** What the form template needs for one kind: which inputs, with their labels' keys. */
function fieldsOf(kind: SubscriberKind) {
  const set = new Set(FORM_FIELDS[kind]);
  return Object.fromEntries(["name", "nationalId", "position", "email", "phone", "purpose", "responsiblePerson"].map((f) => [f, set.has(f)]));
}

export function subscriberRoutes(deps: { portal: Portal }): Router {
  const r = Router();
  const { portal } = deps;
  const signedIn = requireSignIn();

  async function renderForm(req: Request, res: Response, status: number, view: Record<string, unknown> & { kind: SubscriberKind }) {
    // The layout's shell is built for GETs only; a form shown again after a POST needs it too.
    res.locals.shell ??= await portal.shell.forCaller(callOf(req));
    res.status(status).render("subscribers/form", {
      titleKey: view.editing ? "subscribersEdit.editTitle" : "subscribersEdit.newTitle",
      nav: "subscribers",
      kinds: SUBSCRIBER_KINDS.map((k) => ({ value: k, selected: k === view.kind, href: `/subscribers/new?kind=${k}${view.unitId ? `&unit=${String(view.unitId)}` : ""}` })),
      show: fieldsOf(view.kind),
      ...view,
      units: ((view.units ?? []) as Array<{ id: number; name: string }>).map((u) => ({ id: u.id, name: u.name, selected: String(u.id) === view.unitId })),
    });
  }

  /** A refusal the form can show next to its fields (bad input, duplicate CCCD); anything else goes to the error page. */
  function formError(e: unknown): { status: number; fields: Record<string, unknown>; code: string } | null {
    if (!isAppError(e) || (e.code !== "SUBSCRIBER_INVALID" && e.code !== "SUBSCRIBER_DUPLICATE")) return null;
    return { status: httpStatusFor(e.code), fields: (e.details?.fields as Record<string, unknown> | undefined) ?? {}, code: e.code };
  }

  r.get("/subscribers/new", signedIn, async (req, res) => {
    const units = await portal.subscriberRegistry.formUnits(callOf(req));
    const kind = kindOf(q(req, "kind", 16));
    const unitId = q(req, "unit", 9);
    await renderForm(req, res, 200, { kind, units, unitId: unitId ?? (units.length === 1 ? String(units[0]!.id) : ""), values: {}, errors: {} });
  });

  r.post("/subscribers/new", signedIn, async (req, res) => {
    const form = formOf(req.body);
    try {
      const s = await portal.subscriberRegistry.create(callOf(req), form);
      res.redirect(303, `/subscribers/${s.id}`);
    } catch (e) {
      const err = formError(e);
      if (!err) throw e;
      const units = await portal.subscriberRegistry.formUnits(callOf(req));
      await renderForm(req, res, err.status, { kind: kindOf(form.kind), units, unitId: String(form.unitId ?? ""), values: form, errors: err.fields, errorCode: err.code });
    }
  });

  r.get("/subscribers/:id/edit", signedIn, async (req, res) => {
    const s = await portal.subscriberRegistry.forEdit(callOf(req), idParam(req.params.id));
    await renderForm(req, res, 200, { kind: s.kind, editing: s, values: s, errors: {} });
  });

  r.post("/subscribers/:id/edit", signedIn, async (req, res) => {
    const id = idParam(req.params.id);
    const form = formOf(req.body);
    try {
      await portal.subscriberRegistry.update(callOf(req), id, form);
      res.redirect(303, `/subscribers/${id}`);
    } catch (e) {
      const err = formError(e);
      if (!err) throw e;
      const s = await portal.subscriberRegistry.forEdit(callOf(req), id);
      await renderForm(req, res, err.status, { kind: s.kind, editing: s, values: form, errors: err.fields, errorCode: err.code });
    }
  });

  return r;
}
