// Per-request state for the people-facing pages: a request id (also in the
// audit log), the language (?lang=… sticks in a cookie), the session cookie
// resolved to an Actor, and the CSRF check of every form. Sets res.locals for
// the layout; keeps the session token out of the templates.
import { randomUUID } from "node:crypto";
import type { NextFunction, Request, RequestHandler, Response } from "express";
import type { Actor, CallContext } from "../access/actor";
import type { Scoper } from "../access/scope";
import { tokensEqual } from "../access/auth-service";
import type { Config } from "../config/schema";
import type { Portal } from "../directory/portal";
import { AppError } from "../errors/app-error";
import type { SessionRecord } from "../store/session-store";
import { DEFAULT_LANG, isLang, Lang, LANGS } from "./i18n/i18n";

export const SESSION_COOKIE = "chungthu_session";
export const LANG_COOKIE = "chungthu_lang";

export interface RequestState {
  requestId: string;
  lang: Lang;
  token: string | null;
  session: SessionRecord | null;
  actor: Actor | null;
  /** This GET's scoper (CallContext.scoper); null for requests that change things. */
  scoper: Scoper | null;
}

const states = new WeakMap<Request, RequestState>();

export function stateOf(req: Request): RequestState {
  let s = states.get(req);
  if (!s) {
    s = { requestId: randomUUID(), lang: DEFAULT_LANG, token: null, session: null, actor: null, scoper: null };
    states.set(req, s);
  }
  return s;
}

/** The signed-in caller, for services; AUTH_REQUIRED if nobody is signed in. */
export function callOf(req: Request): CallContext {
  const s = stateOf(req);
  if (!s.actor) throw new AppError("AUTH_REQUIRED", "sign in first");
  return s.scoper ? { actor: s.actor, requestId: s.requestId, scoper: s.scoper } : { actor: s.actor, requestId: s.requestId };
}

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!header) return out;
  for (const part of header.split(";")) {
    const i = part.indexOf("=");
    if (i < 0) continue;
    const name = part.slice(0, i).trim();
    if (!name || name in out) continue;
    try {
      out[name] = decodeURIComponent(part.slice(i + 1).trim());
    } catch {
      // a malformed cookie is ignored
    }
  }
  return out;
}

export function cookieOptions(config: Config, maxAgeMs?: number) {
  return {
    httpOnly: true,
    sameSite: "lax" as const,
    secure: config.publicUrl.startsWith("https:"),
    path: "/",
    ...(maxAgeMs ? { maxAge: maxAgeMs } : {}),
  };
}

/** The same URL with ?lang= set to the other language (the switch in the header). */
function switchUrl(req: Request, lang: Lang): string {
  const url = new URL(req.originalUrl, "http://x");
  url.searchParams.set("lang", LANGS.find((l) => l !== lang)!);
  return url.pathname + url.search;
}

export function requestContext(deps: { portal: Portal; config: Config }): RequestHandler {
  return async (req, res, next) => {
    const s = stateOf(req);
    res.setHeader("X-Request-Id", s.requestId);
    const cookies = parseCookies(req.headers.cookie);
    const asked = typeof req.query.lang === "string" ? req.query.lang : undefined;
    if (isLang(asked)) {
      s.lang = asked;
      res.cookie(LANG_COOKIE, asked, cookieOptions(deps.config, 365 * 86_400_000));
    } else if (isLang(cookies[LANG_COOKIE])) {
      s.lang = cookies[LANG_COOKIE];
    }
    const token = cookies[SESSION_COOKIE];
    if (token) {
      const resolved = await deps.portal.auth.resolve(token);
      if (resolved) {
        s.token = token;
        s.session = resolved.session;
        s.actor = resolved.actor;
        if (req.method === "GET" || req.method === "HEAD") s.scoper = deps.portal.scoper.forOneRequest();
      } else {
        res.clearCookie(SESSION_COOKIE, cookieOptions(deps.config));
      }
    }
    res.locals.lang = s.lang;
    res.locals.htmlLang = s.lang;
    res.locals.langSwitchUrl = switchUrl(req, s.lang);
    res.locals.actor = s.actor;
    res.locals.csrfToken = s.session?.csrfToken ?? null;
    next();
  };
}

/**
 * Synchronizer-token CSRF check (OWASP): every state-changing request carries
 * the session's token in the `_csrf` field. A missing or wrong token → 403
 * CSRF_INVALID, audited. SameSite=Lax cookies are a second line, not the control.
 */
export function csrfProtection(deps: { portal: Portal }): RequestHandler {
  return async (req: Request, _res: Response, next: NextFunction) => {
    if (req.method === "GET" || req.method === "HEAD" || req.method === "OPTIONS") return next();
    const s = stateOf(req);
    const sent = (req.body as Record<string, unknown> | undefined)?._csrf;
    if (s.session && typeof sent === "string" && tokensEqual(sent, s.session.csrfToken)) return next();
    await deps.portal.accessAudit.denied({
      actor: s.actor,
      requestId: s.requestId,
      action: "csrf.refused",
      objectType: "route",
      objectId: `${req.method} ${req.path}`.slice(0, 128),
      reason: s.session ? (typeof sent === "string" ? "token_mismatch" : "token_missing") : "no_session",
      details: { ip: req.ip ?? null },
    });
    next(new AppError("CSRF_INVALID", "the form's security token is missing or wrong"));
  };
}

/** Pages for signed-in people: a signed-out visitor is sent to the sign-in page (and back afterwards). */
export function requireSignIn(): RequestHandler {
  return (req, res, next) => {
    if (stateOf(req).actor) return next();
    if (req.method === "GET" && req.accepts(["html", "json"]) === "html") {
      res.redirect(303, `/login?next=${encodeURIComponent(req.originalUrl)}`);
      return;
    }
    next(new AppError("AUTH_REQUIRED", "sign in first"));
  };
}
