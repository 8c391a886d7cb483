// The request (dossier) pages: the scoped list with state, type and deadline
// filters, the request page with its facts, attachments, timeline and the
// actions the service offers (with a reason), and attachment downloads; the
// forms are in request-form-routes.ts. Routes read the query or form, call the
// request service (which decides, scopes and audits), and render or redirect.
import { Router, type Request, type Response } from "express";
import type { Config } from "../config/schema";
import type { Portal } from "../directory/portal";
import { AppError, isAppError } from "../errors/app-error";
import { isRequestState, REQUEST_STATES, type RequestAction } from "../ra/request-states";
import { isRequestType, REQUEST_TYPES } from "../ra/request-types";
import { httpStatusFor } from "./http-error";
import { createTranslator } from "./i18n/i18n";
import { idParam, intParam, q, urlWith } from "./query-params";
import { callOf, requireSignIn, stateOf } from "./request-context";
import { requestFormRoutes } from "./request-form-routes";
import { deadlineOf, dmy, factsOf, listRows, timelineOf, typeInfo, visibleUnits } from "./request-views";

const ACTIONS: readonly RequestAction[] = ["submit", "withdraw", "forward", "return", "reject", "complete", "approve"];
const DONE = new Set<string>(["saved", "submitted", ...ACTIONS]);

const field = (body: unknown, name: string, max: number): string => {
  const v = (body as Record<string, unknown> | undefined)?.[name];
  return typeof v === "string" ? v.slice(0, max) : "";
};

/** What both halves of the request pages use: texts in the page's language, the layout's shell, the stylesheet. */
export interface PageTools {
  text(req: Request, key: string, params?: Record<string, unknown>): string;
  errorText(req: Request, code: string): string;
  withShell(req: Request, res: Response): Promise<void>;
  styles: string[];
}

export function requestRoutes(deps: { portal: Portal; config: Config }): Router {
  const r = Router();
  const { portal } = deps;
  const signedIn = requireSignIn();
  const tr = createTranslator();
  const STYLES = ["/static/requests.css"];
  const text = (req: Request, key: string, params?: Record<string, unknown>) => tr.t(stateOf(req).lang, key, params);
  const errorText = (req: Request, code: string) => text(req, tr.has(stateOf(req).lang, `error.${code}`) ? `error.${code}` : "error.generic");
  async function withShell(req: Request, res: Response) {
    res.locals.shell ??= await portal.shell.forCaller(callOf(req));
  }
  // The forms first: /requests/new must not be taken for a request id.
  r.use(requestFormRoutes({ ...deps, tools: { text, errorText, withShell, styles: STYLES } }));

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

  r.get("/requests/:id", signedIn, async (req, res) => {
    const done = q(req, "done", 16);
    await renderDetail(req, res, 200, idParam(req.params.id), { notice: done && DONE.has(done) ? `requests.done.${done}` : null });
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
