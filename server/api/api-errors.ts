// The API's one error shape: { "error": { "code", "message", "fields"?, … } }
// with the status of server/web/http-error.ts. Body-parser failures become
// stable codes too; anything unexpected is a 500 with a reference, never internals.
import { randomUUID } from "node:crypto";
import type { ErrorRequestHandler, RequestHandler, Response } from "express";
import { AppError, isAppError, type ErrorCode } from "../errors/app-error";
import type { Logger } from "../log";
import { httpStatusFor } from "../web/http-error";

export interface ApiErrorBody {
  error: {
    code: string;
    message: string;
    /** Per-field messages (Vietnamese) for REQUEST_INVALID / INPUT_INVALID. */
    fields?: Record<string, string>;
    /** REQUEST_STATE_INVALID: the state the request is in now. */
    state?: string;
    /** REQUEST_DUPLICATE: the open requests in the way. */
    requestIds?: number[];
    /** 500 only: quote it to the operator. */
    reference?: string;
  };
}

// Only these details are meant for callers; others may carry internals.
function publicDetails(e: AppError): Omit<ApiErrorBody["error"], "code" | "message"> {
  const d = e.details ?? {};
  const out: Omit<ApiErrorBody["error"], "code" | "message"> = {};
  if (d.fields && typeof d.fields === "object") out.fields = d.fields as Record<string, string>;
  if (typeof d.state === "string") out.state = d.state;
  if (Array.isArray(d.requestIds)) out.requestIds = d.requestIds as number[];
  return out;
}

export function sendError(res: Response, status: number, code: ErrorCode | "INTERNAL", message: string, extra: Omit<ApiErrorBody["error"], "code" | "message"> = {}): void {
  const body: ApiErrorBody = { error: { code, message, ...extra } };
  res.status(status).type("application/json").send(JSON.stringify(body));
}

/** A body-parser failure (bad JSON, too large, bad encoding) as one of our codes. */
function parserError(err: unknown, path: string): AppError | null {
  if (typeof err !== "object" || err === null || !("type" in err) || typeof err.type !== "string") return null;
  switch (err.type) {
    case "entity.parse.failed":
      return new AppError("INPUT_INVALID", "Nội dung không phải JSON hợp lệ", { fields: { body: "JSON không đọc được" } });
    case "entity.too.large":
      return path.endsWith("/attachments") ? new AppError("ATTACHMENT_TOO_LARGE", "Tệp đính kèm quá lớn") : new AppError("PAYLOAD_TOO_LARGE", "Nội dung gửi lên quá lớn");
    case "encoding.unsupported":
    case "charset.unsupported":
      return new AppError("INPUT_INVALID", "Chỉ nhận nội dung UTF-8");
    default:
      return null;
  }
}

export function apiNotFound(): RequestHandler {
  return (req, res) => sendError(res, 404, "NOT_FOUND", `Không có ${req.method} ${req.baseUrl}${req.path.slice(0, 200)}`);
}

export function apiErrorHandler(log: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    if (res.headersSent) return;
    const e = isAppError(err) ? err : parserError(err, req.path);
    if (e) return sendError(res, httpStatusFor(e.code), e.code, e.message, publicDetails(e));
    const reference = randomUUID();
    log("error", "api: unhandled error", { reference, path: req.path, error: (err as Error)?.message });
    sendError(res, 500, "INTERNAL", `Lỗi hệ thống (mã tham chiếu ${reference})`, { reference });
  };
}
