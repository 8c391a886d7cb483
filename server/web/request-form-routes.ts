// The request forms: the type picker, one form per type (its fields, the CSR
// as a file or pasted PEM, the signed-form PDF) to save as a draft or submit,
// and the edit page of a draft or returned request. Routes read the form, call
// the request service (which decides and audits) and redirect, or show the
// form again with each refusal next to its field and the values kept. A PDF the
// service would refuse is refused before anything is saved.
import { Router, type Request, type Response } from "express";
import type { CallContext } from "../access/actor";
import type { Config } from "../config/schema";
import type { Portal } from "../directory/portal";
import { AppError, isAppError } from "../errors/app-error";
import { isEditable } from "../ra/request-states";
import { isRequestType, type RequestType } from "../ra/request-types";
import type { AttachmentMeta, RequestRecord } from "../store/request-store";
import { httpStatusFor } from "./http-error";
import { idParam, intParam, q } from "./query-params";
import { callOf, requireSignIn } from "./request-context";
import { formView, rawDataOf, takesCsr, valuesOf } from "./request-form-fields";
import type { PageTools } from "./request-routes";
import { pdfProblem, uploadsOf, type Uploads } from "./request-uploads";
import { filableUnits, typeChoices, typeInfo, visibleUnits } from "./request-views";

/** Refusals that are not about the form: the error page answers them. */
const NOT_FORM = new Set<string>(["FORBIDDEN", "NOT_FOUND", "REQUEST_NOT_FOUND", "AUTH_REQUIRED", "CSRF_INVALID", "REQUEST_STATE_INVALID"]);

const field = (body: unknown, name: string, max: number): string => {
  const v = (body as Record<string, unknown> | undefined)?.[name];
  return typeof v === "string" ? v.slice(0, max) : "";
};

interface FormState {
  mode: "new" | "edit";
  type: RequestType;
  values: Record<string, string>;
  errors: Record<string, string>;
  unitId?: number;
  request?: RequestRecord;
  attachments?: AttachmentMeta[];
  general?: string | null;
  notice?: string | null;
}

export function requestFormRoutes(deps: { portal: Portal; config: Config; tools: PageTools }): Router {
  const r = Router();
  const { portal, config } = deps;
  const { text, errorText, withShell, styles: STYLES } = deps.tools;
  const signedIn = requireSignIn();
  const maxBytes = config.requests.attachmentMaxBytes;
  const maxMb = Math.round((maxBytes / 1024 / 1024) * 10) / 10;

  async function mayFile(ctx: CallContext, action: string) {
    if (portal.scoper.may(ctx.actor, "requests.file")) return;
    await portal.accessAudit.denied({ actor: ctx.actor, requestId: ctx.requestId, action, reason: "forbidden" });
    throw new AppError("FORBIDDEN", "you may not file requests");
  }

  /** A type that has a web form (Mẫu 09 is opened from the token page). */
  function formType(v: string | string[] | undefined): RequestType {
    if (!isRequestType(v) || v === "token_lost") throw new AppError("NOT_FOUND", "no such form");
    return v;
  }

  async function editable(ctx: CallContext, page: { request: RequestRecord; actions: string[] }) {
    if (!isEditable(page.request.state)) throw new AppError("REQUEST_STATE_INVALID", "only a draft or a returned request can be changed");
    if (page.actions.includes("edit")) return;
    await portal.accessAudit.denied({ actor: ctx.actor, requestId: ctx.requestId, action: "request.edit", objectType: "request", objectId: String(page.request.id), reason: "forbidden" });
    throw new AppError("FORBIDDEN", "you may not change this request");
  }

  async function renderForm(req: Request, res: Response, status: number, o: FormState) {
    const ctx = callOf(req);
    await withShell(req, res);
    const rq = o.request;
    const units = o.mode === "new" ? await filableUnits(portal, ctx, o.unitId) : null;
    const unitName = rq ? ((await visibleUnits(portal, ctx)).find((u) => u.id === rq.unitId)?.name ?? `#${rq.unitId}`) : null;
    res.status(status).render("requests/form", {
      titleKey: o.mode === "new" ? "requests.newTitle" : "requests.editTitle",
      nav: "requests",
      styles: STYLES,
      isNew: o.mode === "new",
      action: o.mode === "new" ? `/requests/new/${o.type}` : `/requests/${rq!.id}/edit`,
      type: typeInfo(o.type),
      reference: rq ? `YC-${String(rq.id).padStart(6, "0")}` : null,
      requestId: rq?.id ?? null,
      returnedReason: rq?.state === "returned" ? rq.lastReason : null,
      units,
      unitName,
      fields: formView(o.type, o.values, o.errors),
      takesCsr: takesCsr(o.type),
      hasCsr: rq?.hasCsr ?? false,
      csrPem: o.values.csrPem ?? "",
      errors: o.errors,
      attachments: o.attachments ?? [],
      maxMb,
      signedFormRequired: config.requests.signedFormRequired,
      general: o.general ?? null,
      notice: o.notice ?? null,
    });
  }

  /** The service's refusal of a form → messages next to the fields; anything else is thrown to the error page. */
  function formFailure(req: Request, e: unknown): { status: number; fields: Record<string, string>; general: string | null } {
    if (!isAppError(e) || NOT_FORM.has(e.code)) throw e;
    const fields: Record<string, string> = {};
    let general: string | null = null;
    const given = e.details?.fields;
    if (e.code === "REQUEST_INVALID" && given && typeof given === "object") Object.assign(fields, given);
    else if (/^(CSR_|KEY_)/.test(e.code)) fields.csr = `${text(req, "requests.errors.csrRefused")} (${e.message})`;
    else if (e.code.startsWith("ATTACHMENT_")) fields.signedForm = e.message;
    else general = `${errorText(req, e.code)} ${e.message}`;
    if (Object.keys(fields).length) general ??= text(req, "requests.errors.checkFields");
    return { status: httpStatusFor(e.code), fields, general };
  }

  /** A refused PDF before anything is saved: audited, with the message for the field. */
  async function refusedPdf(req: Request, up: Uploads, requestId: number | null): Promise<{ status: number; message: string } | null> {
    const problem = up.problem ? { code: "ATTACHMENT_TOO_LARGE" as const, key: "requests.errors.pdfTooLarge" } : up.signedForm ? pdfProblem(up.signedForm, maxBytes) : null;
    if (!problem) return null;
    const ctx = callOf(req);
    await portal.accessAudit.denied({
      actor: ctx.actor,
      requestId: ctx.requestId,
      action: "request.attach",
      objectType: "request",
      objectId: requestId === null ? null : String(requestId),
      reason: problem.code.toLowerCase(),
      details: { filename: up.signedForm?.filename ?? null, size: up.signedForm?.size ?? null },
    });
    return { status: httpStatusFor(problem.code), message: text(req, problem.key, { mb: maxMb }) };
  }

  const csrOf = (up: Uploads, pasted: string) => (up.csrFile ? up.csrFile.content : pasted.trim() ? pasted : undefined);

  async function attachForm(ctx: CallContext, id: number, up: Uploads) {
    if (up.signedForm) await portal.requests.attach(ctx, id, { kind: "signed_form", filename: up.signedForm.filename, contentType: up.signedForm.contentType, content: up.signedForm.content });
  }

  /** Submits a saved dossier; if it is still incomplete, shows the saved draft's form with what is missing. */
  async function submitOrShow(req: Request, res: Response, id: number) {
    const ctx = callOf(req);
    try {
      await portal.requests.act(ctx, id, "submit");
    } catch (e) {
      const f = formFailure(req, e);
      const page = await portal.requests.get(ctx, id);
      const reference = `YC-${String(id).padStart(6, "0")}`;
      return renderForm(req, res, f.status, { mode: "edit", type: page.request.type, values: valuesOf(page.request.data), errors: f.fields, request: page.request, attachments: page.attachments, general: f.general, notice: text(req, "requests.notices.savedNotSubmitted", { ref: reference }) });
    }
    res.redirect(303, `/requests/${id}?done=submitted`);
  }

  r.get("/requests/new", signedIn, async (req, res) => {
    await mayFile(callOf(req), "request.new");
    res.render("requests/new", { titleKey: "requests.newTitle", nav: "requests", styles: STYLES, types: typeChoices(config) });
  });

  r.get("/requests/new/:type", signedIn, async (req, res) => {
    const type = formType(req.params.type);
    await mayFile(callOf(req), "request.new");
    const values: Record<string, string> = {};
    const target = q(req, "target", 64);
    if (target) values.targetSerial = target;
    const token = q(req, "token", 64);
    if (token) values.tokenSerial = token;
    await renderForm(req, res, 200, { mode: "new", type, values, errors: {}, unitId: intParam(q(req, "unit", 9), "unit") });
  });

  r.post("/requests/new/:type", signedIn, async (req, res) => {
    const ctx = callOf(req);
    const type = formType(req.params.type);
    const values = rawDataOf(type, req.body);
    const pasted = field(req.body, "csrPem", 20_000);
    const unitId = Number(field(req.body, "unitId", 9)) || 0;
    const up = uploadsOf(req);
    const again = (status: number, errors: Record<string, string>, general: string | null = null) =>
      renderForm(req, res, status, { mode: "new", type, values: { ...values, csrPem: pasted }, errors, unitId, general });
    const pdf = await refusedPdf(req, up, null);
    if (pdf) return again(pdf.status, { signedForm: pdf.message }, text(req, "requests.errors.checkFields"));
    let created: RequestRecord;
    try {
      created = await portal.requests.create(ctx, { type, unitId, data: values, csr: csrOf(up, pasted), source: "web" });
    } catch (e) {
      const f = formFailure(req, e);
      return again(f.status, f.fields, f.general);
    }
    await attachForm(ctx, created.id, up);
    if (field(req.body, "intent", 8) === "submit") return submitOrShow(req, res, created.id);
    res.redirect(303, `/requests/${created.id}?done=saved`);
  });

  r.get("/requests/:id/edit", signedIn, async (req, res) => {
    const ctx = callOf(req);
    const page = await portal.requests.get(ctx, idParam(req.params.id));
    await editable(ctx, page);
    await renderForm(req, res, 200, { mode: "edit", type: page.request.type, values: valuesOf(page.request.data), errors: {}, request: page.request, attachments: page.attachments });
  });

  r.post("/requests/:id/edit", signedIn, async (req, res) => {
    const ctx = callOf(req);
    const id = idParam(req.params.id);
    const page = await portal.requests.get(ctx, id);
    await editable(ctx, page);
    const type = page.request.type;
    const values = rawDataOf(type, req.body);
    const pasted = field(req.body, "csrPem", 20_000);
    const up = uploadsOf(req);
    const again = (status: number, errors: Record<string, string>, general: string | null = null) =>
      renderForm(req, res, status, { mode: "edit", type, values: { ...values, csrPem: pasted }, errors, request: page.request, attachments: page.attachments, general });
    // The PDF first: a refused file leaves the dossier exactly as it was.
    const pdf = await refusedPdf(req, up, id);
    if (pdf) return again(pdf.status, { signedForm: pdf.message }, text(req, "requests.errors.checkFields"));
    try {
      await portal.requests.edit(ctx, id, { data: values, csr: csrOf(up, pasted) });
    } catch (e) {
      const f = formFailure(req, e);
      return again(f.status, f.fields, f.general);
    }
    await attachForm(ctx, id, up);
    if (field(req.body, "intent", 8) === "submit") return submitOrShow(req, res, id);
    res.redirect(303, `/requests/${id}?done=saved`);
  });

  return r;
}
