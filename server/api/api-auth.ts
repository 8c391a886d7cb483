// Who calls the API: `Authorization: Bearer <token>` (RFC 6750 2.1) resolved to
// the token's Actor and a CallContext per request, plus rate limits (per token,
// per process; per address for refused tokens, shared through the database).
// Decides nothing about objects: the services do, exactly as for the web.
import { randomUUID } from "node:crypto";
import type { Request, RequestHandler } from "express";
import { ipKeyGenerator, rateLimit } from "express-rate-limit";
import type { CallContext } from "../access/actor";
import type { ApiTokens } from "../access/api-tokens";
import { AppError } from "../errors/app-error";
import type { Logger } from "../log";
import type { ApiTokenRecord } from "../store/api-token-store";
import type { RateLimitStore } from "../store/rate-limit-store";

export interface ApiCall {
  ctx: CallContext;
  token: ApiTokenRecord;
}

export interface ApiLimits {
  /** Requests per token per minute. */
  perTokenPerMinute: number;
  /** Refused tokens (401) per client address per 10 minutes. */
  authFailuresPerAddress: number;
}

export const DEFAULT_API_LIMITS: ApiLimits = { perTokenPerMinute: 600, authFailuresPerAddress: 100 };
const AUTH_FAILURE_WINDOW_MS = 10 * 60_000;

const calls = new WeakMap<Request, ApiCall>();
const requestIds = new WeakMap<Request, string>();

/** The request id (X-Request-Id, also in the audit log). */
export function requestIdOf(req: Request): string {
  let id = requestIds.get(req);
  if (!id) {
    id = randomUUID();
    requestIds.set(req, id);
  }
  return id;
}

/** The authenticated caller; only after authenticate() ran. */
export function callOf(req: Request): ApiCall {
  const c = calls.get(req);
  if (!c) throw new AppError("API_TOKEN_INVALID", "Thiếu khoá API (Authorization: Bearer …)");
  return c;
}

/** RFC 6750 2.1: the scheme is case-insensitive, the token is one b64token. */
function bearerOf(header: string | undefined): string | null {
  const m = /^Bearer +([A-Za-z0-9._~+/-]+=*) *$/i.exec(header ?? "");
  return m ? m[1]! : null;
}

export function authenticate(deps: { apiTokens: ApiTokens }): RequestHandler {
  return async (req, res, next) => {
    const requestId = requestIdOf(req);
    const secret = bearerOf(req.headers.authorization);
    // RFC 6750 3: a refused bearer token is answered with a WWW-Authenticate challenge.
    if (!secret) {
      res.setHeader("WWW-Authenticate", 'Bearer realm="chungthu"');
      return next(new AppError("API_TOKEN_INVALID", "Thiếu khoá API (Authorization: Bearer …)"));
    }
    try {
      const { token, actor } = await deps.apiTokens.verify(secret, requestId);
      calls.set(req, { ctx: { actor, requestId }, token });
      next();
    } catch (e) {
      res.setHeader("WWW-Authenticate", 'Bearer realm="chungthu", error="invalid_token"');
      next(e);
    }
  };
}

const tooMany = (message: string): RequestHandler => (_req, _res, next) => next(new AppError("RATE_LIMITED", message));

/** Per token: one client can't starve the others (and the database). After authenticate(). */
export function perTokenLimit(limits: ApiLimits): RequestHandler {
  return rateLimit({
    windowMs: 60_000,
    limit: limits.perTokenPerMinute,
    standardHeaders: "draft-8",
    legacyHeaders: false,
    keyGenerator: (req) => `token:${callOf(req).token.id}`,
    handler: tooMany("Quá nhiều yêu cầu với khoá API này; thử lại sau ít phút"),
  });
}

/**
 * Per client address, counting only refused tokens: guessing costs time, honest
 * clients never notice. Counted in the database (server/store/rate-limit-store.ts)
 * so the limit holds for every process of the deployment; an honest call costs
 * one indexed read, a refused one a write. Before authenticate().
 */
export function authFailureLimit(limits: ApiLimits, deps: { counters: RateLimitStore; clock: () => Date; log: Logger }): RequestHandler {
  return (req, res, next) => {
    const key = `api-auth:${ipKeyGenerator(req.ip ?? "unknown")}`;
    deps.counters
      .peek(key, deps.clock().getTime())
      .then((refused) => {
        if (refused >= limits.authFailuresPerAddress) return next(new AppError("RATE_LIMITED", "Quá nhiều lần dùng khoá API không hợp lệ từ địa chỉ này; thử lại sau"));
        res.on("finish", () => {
          if (res.statusCode !== 401) return;
          deps.counters.hit(key, deps.clock().getTime(), AUTH_FAILURE_WINDOW_MS).catch((e: Error) => deps.log("error", "API refused-token counter failed", { error: e.message }));
        });
        next();
      })
      .catch(next);
  };
}
