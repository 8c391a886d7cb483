// The request (dossier) pages: the scoped list with deadline filters, the type
// picker, one form per type (fields, CSR, signed-form PDF; save as draft or
// submit), the request page with its timeline and the actions the service
// offers, and attachment downloads. Routes read the form, call the request
// service (which decides and audits), and render or redirect; a form the
// service refuses is shown again with each message next to its field.
import { Router, type Request, type Response } from "express";
import type { CallContext } from "../access/actor";
import type { Config } from "../config/schema";
import type { Portal } from "../directory/portal";
import { AppError, isAppError } from "../errors/app-error";
import { isEditable, isRequestState, REQUEST_STATES, type RequestAction } from "../ra/request-states";
import { isRequestType, REQUEST_TYPES, type RequestType } from "../ra/request-types";
import type { AttachmentMeta, RequestRecord } from "../store/request-store";
import { httpStatusFor } from "./http-error";
import { createTranslator } from "./i18n/i18n";
import { idParam, intParam, q, urlWith } from "./query-params";
import { callOf, requireSignIn, stateOf } from "./request-context";
import { formView, rawDataOf, takesCsr, valuesOf } from "./request-form-fields";
import { pdfProblem, uploadsOf, type Uploads } from "./request-uploads";
import { deadlineOf, dmy, factsOf, filableUnits, listRows, timelineOf, typeChoices, typeInfo, visibleUnits } from "./request-views";

const STYLES = ["/static/requests.css"];
const ACTIONS: readonly RequestAction[] = ["submit", "withdraw", "forward", "return", "reject", "complete", "approve"];
const DONE = new Set<string>(["saved", "submitted", ...ACTIONS]);
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

export function requestRoutes(deps: { portal: Portal; config: Config }): Router {
  const r = Router();
  const { portal, config } = deps;
  const signedIn = requireSignIn();
  const tr = createTranslator();
  const maxBytes = config.requests.attachmentMaxBytes;
  const maxMb = Math.round((maxBytes / 1024 / 1024) * 10) / 10;

  const text = (req: Request, key: string, params?: Record<string, unknown>) => tr.t(stateOf(req).lang, key, params);
  const errorText = (req: Request, code: string) => text(req, tr.has(stateOf(req).lang, `error.${code}`) ? `error.${code}` : "error.generic");

  async function withShell(req: Request, res: Response) {
    res.locals.shell ??= await portal.shell.forCaller(callOf(req));
  }

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

  r.get("/requests", signedIn, async (req, res) => {
    const ctx = callOf(req);
    const bad = (name: string) => new AppError("INPUT_INVALID", `bad ${name} parameter`);
    const state = q(req, "state", 16);
    if (state !== undefined && !isRequestState(state)) throw bad("state");
    const type = q(req, "type", 32);
    if (type !== undefined && !isRequestType(type)) throw bad("type");
    const due = q(req, "due", 16);
    if (due !== undefined && due !== "overdue" && due !== "due_today") throw bad("due");
    const sort = q(req, "sort", 8) ?? "due";
    if (sort !== "due" && sort !== "newest") throw bad("sort");
    const unitId = intParam(q(req, "unit", 9), "unit");
    const page = intParam(q(req, "page", 6), "page") ?? 1;
    const search = q(req, "q", 128);
    const result = await portal.requests.list(ctx, { states: state ? [state] : undefined, types: type ? [type] : undefined, due, text: search, sort, page, unitIds: unitId ? [unitId] : undefined });
    const units = await visibleUnits(portal, ctx);
    res.render("requests/list", {
      titleKey: "requests.title",
      nav: "requests",
      styles: STYLES,
      filters: { state, type, due, sort, unitId, text: search },
      newestFirst: sort === "newest",
      rows: listRows(portal, result.rows, new Map(units.map((u) => [u.id, u.name]))),
      page: result.page,
      today: dmy(result.today),
      states: REQUEST_STATES.map((s) => ({ value: s, labelKey: `requests.states.${s}`, selected: s === state })),
      types: REQUEST_TYPES.map((t) => ({ ...typeInfo(t), selected: t === type })),
      units: units.map((u) => ({ ...u, label: `${"— ".repeat(u.depth)}${u.name}`, selected: u.id === unitId })),
      canFile: portal.scoper.may(ctx.actor, "requests.file"),
      prevUrl: result.page > 1 ? urlWith(req, { page: result.page - 1 }) : null,
      nextUrl: result.more ? urlWith(req, { page: result.page + 1 }) : null,
    });
  });

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

  r.get("/requests/:id", signedIn, async (req, res) => {
    const done = q(req, "done", 16);
    await renderDetail(req, res, 200, idParam(req.params.id), { notice: done && DONE.has(done) ? `requests.done.${done}` : null });
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

  r.post("/requests/:id/act", signedIn, async (req, res) => {
    const ctx = callOf(req);
    const id = idParam(req.params.id);
    const action = field(req.body, "action", 16) as RequestAction;
    if (!ACTIONS.includes(action)) throw new AppError("INPUT_INVALID", "unknown action");
    const reason = field(req.body, "reason", 1000);
    try {
      await portal.requests.act(ctx, id, action, reason || null);
    } catch (e) {
      if (!isAppError(e) || ["FORBIDDEN", "NOT_FOUND", "REQUEST_NOT_FOUND"].includes(e.code)) throw e;
      const reasonError = (e.details?.fields as Record<string, string> | undefined)?.reason ?? null;
      return renderDetail(req, res, httpStatusFor(e.code), id, { error: reasonError ? text(req, "requests.errors.checkFields") : `${errorText(req, e.code)} ${e.message}`, reasonError, reason });
    }
    res.redirect(303, `/requests/${id}?done=${action}`);
  });

  r.get("/requests/:id/attachments/:aid", signedIn, async (req, res) => {
    const a = await portal.requests.attachment(callOf(req), idParam(req.params.id), idParam(req.params.aid));
    res.type("application/pdf").attachment(a.meta.filename).send(a.content);
  });

  async function renderDetail(req: Request, res: Response, status: number, id: number, extra: { notice?: string | null; error?: string | null; reasonError?: string | null; reason?: string }) {
    const ctx = callOf(req);
    await withShell(req, res);
    const page = await portal.requests.get(ctx, id);
    const rq = page.request;
    const unit = (await visibleUnits(portal, ctx)).find((u) => u.id === rq.unitId);
    let subscriber: { id: number; name: string } | null = null;
    if (rq.subscriberId !== null) {
      // The subscriber is in the request's unit, so whoever sees the request sees them.
      const s = await portal.subscribers.get(ctx, rq.subscriberId).catch(() => null);
      subscriber = s ? { id: s.subscriber.id, name: s.subscriber.name } : { id: rq.subscriberId, name: `#${rq.subscriberId}` };
    }
    const actions = ACTIONS.filter((a) => page.actions.includes(a)).map((a) => ({ action: a, labelKey: `requests.actions.${a}`, danger: a === "reject" || a === "withdraw" || a === "return" }));
    res.status(status).render("requests/detail", {
      titleKey: "requests.detailTitle",
      nav: "requests",
      styles: STYLES,
      reference: page.reference,
      request: rq,
      stateKey: `requests.states.${rq.state}`,
      type: typeInfo(rq.type),
      unit: { id: rq.unitId, name: unit?.name ?? `#${rq.unitId}` },
      subscriber,
      tokenSerial: typeof rq.data.tokenSerial === "string" ? rq.data.tokenSerial : null,
      deadline: deadlineOf(portal, rq),
      delegated: page.delegated,
      facts: factsOf(rq),
      events: timelineOf(page.events),
      attachments: page.attachments.map((a) => ({ ...a, kindKey: `requests.kinds.${a.kind}` })),
      actions,
      canEdit: page.actions.includes("edit"),
      needsReason: actions.some((a) => a.action === "return" || a.action === "reject"),
      ...extra,
    });
  }

  return r;
}
