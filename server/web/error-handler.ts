// The one error middleware: AppError → its status and a page or JSON with the
// stable code; anything else → 500 with a request id, never a stack trace.
// The page's text comes from the i18n files by code (views/error.hbs), in the
// language the request context chose.
import { randomUUID } from "node:crypto";
import type { ErrorRequestHandler, RequestHandler } from "express";
import { isAppError } from "../errors/app-error";
import type { Logger } from "../log";
import { httpStatusFor } from "./http-error";

export function notFound(): RequestHandler {
  return (req, res) => {
    const body = { error: { code: "NOT_FOUND", message: `no route for ${req.method} ${req.path}` } };
    if (req.accepts(["html", "json"]) === "json") res.status(404).json(body);
    else res.status(404).render("error", { status: 404, code: "NOT_FOUND", message: "no such page", titleKey: "error.generic" });
  };
}

export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    if (res.headersSent) return;
    let status: number;
    let code: string;
    let message: string;
    let reference: string | null = null;
    if (isAppError(err)) {
      status = httpStatusFor(err.code);
      code = err.code;
      message = err.message;
    } else if (typeof err === "object" && err && "status" in err && typeof err.status === "number" && err.status < 500) {
      status = err.status;
      code = "INPUT_INVALID";
      message = "the request could not be read";
    } else {
      const id = randomUUID();
      log("error", "unhandled error", { id, path: req.path, error: (err as Error)?.message });
      status = 500;
      code = "INTERNAL";
      message = `internal error (reference ${id})`;
      reference = id;
    }
    if (req.accepts(["html", "json"]) === "json" || req.path.startsWith("/api/")) res.status(status).json({ error: { code, message } });
    else res.status(status).render("error", { status, code, message, reference, titleKey: "error.generic" });
  };
}
