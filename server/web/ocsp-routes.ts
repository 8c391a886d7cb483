// OCSP over HTTP (RFC 6960 Appendix A, RFC 5019 5–6): POST with the DER
// request as body, GET with the URL-encoded base64 request as the last path
// segment. Error statuses are OCSP responses with HTTP 200.
import { Router, raw, type NextFunction, type Request, type Response } from "express";
import type { OcspAnswer, OcspResponder } from "../publish/ocsp-responder";
import { encodeOcspError } from "../publish/ocsp-response";

const MAX_BODY = 128 * 1024;
const MAX_GET = 8 * 1024;
const MALFORMED = encodeOcspError("malformedRequest");

function send(res: Response, answer: OcspAnswer | null, cacheable: boolean, now: Date): void {
  res.type("application/ocsp-response");
  if (!answer) {
    res.set("Cache-Control", "no-store").send(MALFORMED);
    return;
  }
  if (cacheable && answer.thisUpdate && answer.nextUpdate) {
    // RFC 5019 6.2: let HTTP caches keep a GET answer until its nextUpdate.
    const maxAge = Math.max(0, Math.floor((answer.nextUpdate.getTime() - now.getTime()) / 1000));
    res.set("Cache-Control", `max-age=${maxAge}, public, no-transform, must-revalidate`);
    res.set("Last-Modified", answer.thisUpdate.toUTCString());
    res.set("Expires", answer.nextUpdate.toUTCString());
  } else {
    res.set("Cache-Control", "no-store");
  }
  res.send(answer.body);
}

function decodeGet(path: string): Buffer | null {
  if (path.length === 0 || path.length > MAX_GET) return null;
  let text: string;
  try {
    text = decodeURIComponent(path);
  } catch {
    return null;
  }
  // Standard base64 (RFC 6960 A.1); tolerate the URL-safe alphabet some clients use.
  text = text.replace(/-/g, "+").replace(/_/g, "/");
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return null;
  const unpadded = text.replace(/=+$/, "");
  if (unpadded.length % 4 === 1 || (text.length !== unpadded.length && text.length % 4 !== 0)) return null;
  return Buffer.from(text, "base64");
}

export function ocspRoutes(deps: { responder: OcspResponder; clock: () => Date }): Router {
  const r = Router();
  r.post(
    "/ocsp",
    raw({ type: () => true, limit: MAX_BODY }),
    async (req: Request, res: Response) => {
      const body = Buffer.isBuffer(req.body) ? req.body : null;
      send(res, body && body.length ? await deps.responder.respond(body) : null, false, deps.clock());
    },
    // A body over the limit or unreadable: still an OCSP answer, not an HTML error page.
    (_err: unknown, _req: Request, res: Response, _next: NextFunction) => send(res, null, false, deps.clock()),
  );
  r.get(/^\/ocsp\/(.+)$/, async (req: Request, res: Response) => {
    const path = req.originalUrl.slice(req.originalUrl.indexOf("/ocsp/") + 6).split("?")[0]!;
    const der = decodeGet(path);
    const answer = der ? await deps.responder.respond(der) : null;
    send(res, answer, answer?.status === "successful", deps.clock());
  });
  return r;
}
