// The token registry pages: the scoped list, registering a token, one token with
// its history and the moves the caller may make, and "report lost" with its
// confirmation page. Routes read the form, call one token service, and redirect
// or show the page again with the refusal in the reader's language.
import { Router, type Request, type Response } from "express";
import type { Portal } from "../directory/portal";
import { AppError, isAppError } from "../errors/app-error";
import { referenceOf } from "../ra/request-ports";
import { TOKEN_STATES, TOKEN_TYPES } from "../ra/token-states";
import { httpStatusFor } from "./http-error";
import { idParam, intParam, q, urlWith } from "./query-params";
import { callOf, requireSignIn } from "./request-context";

const field = (body: unknown, name: string, max = 600): string => {
  const v = (body as Record<string, unknown> | undefined)?.[name];
  return typeof v === "string" ? v.trim().slice(0, max) : "";
};

const optionalId = (v: string): number | null => (/^\d{1,9}$/.test(v) ? Number(v) : null);

/** The message key of a refusal shown on the page (tokens.errors.*), or null when the error page should answer. */
function refusalKey(e: unknown): string | null {
  if (!isAppError(e)) return null;
  const reason = typeof e.details?.reason === "string" ? e.details.reason : null;
  if (e.code === "TOKEN_CONFLICT") return "tokens.errors.conflict";
  if (e.code === "TOKEN_SERIAL_TAKEN") return "tokens.errors.taken";
  if (e.code === "FORBIDDEN" && reason === "role") return "tokens.errors.role";
  if ((e.code === "TOKEN_TRANSITION_INVALID" || e.code === "TOKEN_INVALID") && reason) return `tokens.errors.${reason}`;
  if (e.code.startsWith("CERT_")) return "tokens.errors.revocation_failed";
  return null;
}

const DONE = ["registered", "moved", "lost"];

// Label keys for the views (the state and type names live in tokens.<lang>.json).
const stateKey = (s: unknown) => (typeof s === "string" && (TOKEN_STATES as readonly string[]).includes(s) ? `tokens.states.${s}` : "common.none");
const typeKey = (s: unknown) => (typeof s === "string" && (TOKEN_TYPES as readonly string[]).includes(s) ? `tokens.types.${s}` : "common.none");
const withKeys = <T extends { state: string; type: string }>(t: T) => ({ ...t, stateKey: stateKey(t.state), typeKey: typeKey(t.type) });
const STATE_OPTIONS = TOKEN_STATES.map((value) => ({ value, key: stateKey(value) }));
const TYPE_OPTIONS = TOKEN_TYPES.map((value) => ({ value, key: typeKey(value) }));

export function tokenRoutes(deps: { portal: Portal }): Router {
  const r = Router();
  const { portal } = deps;
  const signedIn = requireSignIn();

  async function renderToken(req: Request, res: Response, id: number, status: number, extra: Record<string, unknown>) {
    const page = await portal.tokens.get(callOf(req), id);
    res.status(status).render("tokens/detail", {
      titleKey: "tokens.detail",
      nav: "tokens",
      page: { ...page, token: withKeys(page.token), events: page.events.map((e) => ({ ...e, fromKey: e.fromState ? stateKey(e.fromState) : null, toKey: stateKey(e.toState), requestRef: e.requestId === null ? null : referenceOf(e.requestId) })) },
      moves: page.moves.filter((m) => m.to !== "lost").map((m) => ({ ...m, key: `tokens.moves.${m.to}` })),
      canReportLost: page.moves.some((m) => m.to === "lost"),
      ...extra,
    });
  }

  /** Runs an action; a refusal the page can explain is shown on it, anything else goes to the error page. */
  async function act(req: Request, res: Response, id: number, run: () => Promise<unknown>, done: string) {
    try {
      await run();
      res.redirect(303, `/tokens/${id}?done=${done}`);
    } catch (e) {
      const key = refusalKey(e);
      if (!key) throw e;
      const err = e as AppError;
      await renderToken(req, res, id, httpStatusFor(err.code), { error: key, errorParams: { fromKey: stateKey(err.details?.from), toKey: stateKey(err.details?.to), serials: Array.isArray(err.details?.serials) ? (err.details.serials as string[]).join(", ") : "" } });
    }
  }

  r.get("/tokens", signedIn, async (req, res) => {
    const filters = { state: q(req, "state", 16), type: q(req, "type", 16), unitId: intParam(q(req, "unit", 9), "unit"), serial: q(req, "q", 64), after: q(req, "after", 200) };
    const result = await portal.tokens.list(callOf(req), filters);
    res.render("tokens/list", {
      titleKey: "tokens.title",
      nav: "tokens",
      filters,
      result: { ...result, rows: result.rows.map(withKeys) },
      states: STATE_OPTIONS,
      types: TYPE_OPTIONS,
      firstUrl: filters.after ? urlWith(req, { after: undefined }) : null,
      nextUrl: result.next ? urlWith(req, { after: result.next }) : null,
    });
  });

  async function renderNew(req: Request, res: Response, status: number, extra: Record<string, unknown>) {
    const units = await portal.tokens.registrableUnits(callOf(req));
    res.status(status).render("tokens/new", { titleKey: "tokens.new", nav: "tokens", units, types: TYPE_OPTIONS, form: {}, ...extra });
  }

  r.get("/tokens/new", signedIn, async (req, res) => {
    await renderNew(req, res, 200, {});
  });

  r.post("/tokens", signedIn, async (req, res) => {
    const form = { serial: field(req.body, "serial", 80), type: field(req.body, "type", 16), unitId: optionalId(field(req.body, "unit", 12)) ?? 0, note: field(req.body, "note", 500) };
    try {
      const t = await portal.tokenActions.register(callOf(req), form);
      res.redirect(303, `/tokens/${t.id}?done=registered`);
    } catch (e) {
      const key = refusalKey(e);
      if (!key) throw e;
      await renderNew(req, res, httpStatusFor((e as AppError).code), { error: key, form });
    }
  });

  r.get("/tokens/:id", signedIn, async (req, res) => {
    const done = q(req, "done", 16);
    await renderToken(req, res, idParam(req.params.id), 200, { notice: done && DONE.includes(done) ? `tokens.done.${done}` : null });
  });

  r.post("/tokens/:id/transition", signedIn, async (req, res) => {
    const id = idParam(req.params.id);
    const to = field(req.body, "to", 16);
    const holder = optionalId(field(req.body, "holder", 12));
    const reason = field(req.body, "reason", 500) || null;
    await act(req, res, id, () => portal.tokenActions.transition(callOf(req), id, { to, reason, holderSubscriberId: holder }), "moved");
  });

  r.get("/tokens/:id/lost", signedIn, async (req, res) => {
    const preview = await portal.tokens.lostPreview(callOf(req), idParam(req.params.id));
    res.render("tokens/lost", { titleKey: "tokens.lost.title", nav: "tokens", preview });
  });

  r.post("/tokens/:id/lost", signedIn, async (req, res) => {
    const id = idParam(req.params.id);
    await act(req, res, id, () => portal.tokenActions.reportLost(callOf(req), id, { note: field(req.body, "note", 500) || null }), "lost");
  });

  return r;
}
