// Sign in, sign out (here or everywhere), my account: password change and mail language.
// Routes validate, call the auth service, render; refusals are shown on the
// form itself in the person's language, with the HTTP status of the refusal.
import { Router, type Request, type Response } from "express";
import { rateLimit } from "express-rate-limit";
import { SharedRateLimitStore } from "./shared-rate-limit";
import type { Config } from "../config/schema";
import type { Portal } from "../directory/portal";
import type { RateLimitStore } from "../store/rate-limit-store";
import { PASSWORD_MIN_LENGTH } from "../access/passwords";
import { isAppError } from "../errors/app-error";
import { httpStatusFor } from "./http-error";
import { formatDateTime } from "./i18n/i18n";
import { cookieOptions, callOf, requireSignIn, SESSION_COOKIE, stateOf } from "./request-context";

const field = (body: unknown, name: string, max = 256): string => {
  const v = (body as Record<string, unknown> | undefined)?.[name];
  return typeof v === "string" ? v.slice(0, max) : "";
};

/** Only a local path may follow sign-in (no open redirect to another site). */
function safeNext(v: unknown): string {
  return typeof v === "string" && /^\/(?![/\\])/.test(v) && v.length < 500 ? v : "/dashboard";
}

const clientOf = (req: Request) => ({ ip: req.ip ?? null, userAgent: req.get("user-agent") ?? null, requestId: stateOf(req).requestId });

export function authRoutes(deps: { portal: Portal; config: Config; counters: RateLimitStore }): Router {
  const r = Router();
  const { portal, config } = deps;

  async function showLogin(req: Request, res: Response, status: number, extra: Record<string, unknown>) {
    const s = stateOf(req);
    if (!s.session) {
      // The sign-in form needs a CSRF token, and so a (signed-out) session to hold it.
      const issued = await portal.auth.startAnonymous(clientOf(req));
      res.cookie(SESSION_COOKIE, issued.token, cookieOptions(config));
      res.locals.csrfToken = issued.csrfToken;
    }
    res.status(status).render("auth/login", { titleKey: "login.title", next: safeNext(req.query.next ?? (req.body as Record<string, unknown> | undefined)?.next), ...extra });
  }

  const limiter = rateLimit({
    // Counted in the database: one limit per address for every process of the deployment.
    store: new SharedRateLimitStore(deps.counters, "login:", portal.clock),
    windowMs: config.auth.loginRateLimit.windowSeconds * 1000,
    limit: config.auth.loginRateLimit.max,
    standardHeaders: "draft-8",
    legacyHeaders: false,
    handler: async (req, res, next) => {
      try {
        const s = stateOf(req);
        await portal.accessAudit.denied({ actor: null, requestId: s.requestId, action: "auth.login", objectType: "user", reason: "rate_limited", details: { ip: req.ip ?? null, username: field(req.body, "username", 64) } });
        await showLogin(req, res, 429, { error: "login.rateLimited" });
      } catch (e) {
        next(e);
      }
    },
  });

  r.get("/login", async (req, res) => {
    if (stateOf(req).actor) return res.redirect(303, safeNext(req.query.next));
    const notice = req.query.bye === "1" ? "login.signedOut" : req.query.bye === "all" ? "login.signedOutEverywhere" : req.query.next ? "login.needSignIn" : null;
    await showLogin(req, res, 200, { notice });
  });

  r.post("/login", limiter, async (req, res) => {
    const username = field(req.body, "username", 64);
    try {
      const signed = await portal.auth.signIn({ username, password: field(req.body, "password"), previousToken: stateOf(req).token ?? undefined }, clientOf(req));
      res.cookie(SESSION_COOKIE, signed.token, cookieOptions(config, config.auth.sessionMaxHours * 3_600_000));
      res.redirect(303, safeNext(field(req.body, "next", 500)));
    } catch (e) {
      if (!isAppError(e) || (e.code !== "LOGIN_FAILED" && e.code !== "ACCOUNT_LOCKED")) throw e;
      const until = typeof e.details?.until === "string" ? new Date(e.details.until) : null;
      await showLogin(req, res, httpStatusFor(e.code), {
        username,
        // One message for an unknown user and a wrong password: the form does not confirm usernames.
        error: e.code === "ACCOUNT_LOCKED" ? "login.locked" : "login.failed",
        errorParams: { time: until ? formatDateTime(until) : "" },
      });
    }
  });

  r.post("/logout", async (req, res) => {
    const s = stateOf(req);
    if (s.token) await portal.auth.signOut(s.token, s.actor ? callOf(req) : null);
    res.clearCookie(SESSION_COOKIE, cookieOptions(config));
    res.redirect(303, "/login?bye=1");
  });

  r.post("/logout-everywhere", requireSignIn(), async (req, res) => {
    await portal.auth.signOutEverywhere(callOf(req));
    res.clearCookie(SESSION_COOKIE, cookieOptions(config));
    res.redirect(303, "/login?bye=all");
  });

  async function showAccount(req: Request, res: Response, status: number, extra: Record<string, unknown>) {
    const ctx = callOf(req);
    const sessions = await portal.auth.sessionCount(ctx.actor.userId);
    const mailLang = await portal.mailLanguage.get(ctx);
    res.status(status).render("account/account", { titleKey: "account.title", nav: "account", me: ctx.actor, sessions, mailLang, minLength: PASSWORD_MIN_LENGTH, ...extra });
  }

  r.get("/account", requireSignIn(), async (req, res) => {
    await showAccount(req, res, 200, { changed: req.query.changed === "1", mailLangChanged: req.query.mailLang === "1" });
  });

  r.post("/account/mail-language", requireSignIn(), async (req, res) => {
    try {
      await portal.mailLanguage.set(callOf(req), field(req.body, "mailLang", 16));
      res.redirect(303, "/account?mailLang=1");
    } catch (e) {
      if (!isAppError(e) || e.code !== "MAIL_LANG_UNKNOWN") throw e;
      await showAccount(req, res, 400, { mailLangError: "account.mailLangUnknown", errorCode: e.code });
    }
  });

  r.post("/account/password", requireSignIn(), async (req, res) => {
    try {
      await portal.auth.changePassword(
        callOf(req),
        { oldPassword: field(req.body, "oldPassword"), newPassword: field(req.body, "newPassword", 1024), confirm: field(req.body, "confirm", 1024) },
        stateOf(req).token!,
      );
      res.redirect(303, "/account?changed=1");
    } catch (e) {
      if (!isAppError(e) || (e.code !== "PASSWORD_WRONG" && e.code !== "PASSWORD_POLICY")) throw e;
      const rule = String(e.details?.rule ?? "");
      const error = e.code === "PASSWORD_WRONG" ? "account.passwordWrong" : `account.policy${rule.charAt(0).toUpperCase()}${rule.slice(1)}`;
      await showAccount(req, res, 400, { error, errorCode: e.code });
    }
  });

  return r;
}

