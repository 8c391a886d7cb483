// OCSP over HTTP (RFC 6960 Appendix A, RFC 5019 5–6) on plain node:http, in
// front of Express: Express's routing and res.send cost ~150 µs per request
// (measured, scripts/bench/ocsp.ts). POST carries the DER request; GET carries
// it URL-encoded base64 as the last path segment. Error statuses are OCSP
// responses with HTTP 200. A request whose exact bytes (POST) or URL segment
// (GET) were answered before is served synchronously from the responder's
// index, without parsing or base64 decoding: that took the one-process server
// from ~0.6× to ~1× the bare-node ceiling.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { OcspAnswer, OcspResponder } from "../publish/ocsp-responder";
import { encodeOcspError } from "../publish/ocsp-response";
import { MAX_REQUEST_KEY } from "../publish/response-cache";

const MAX_BODY = 128 * 1024;
const MAX_GET = 8 * 1024;
const MALFORMED = encodeOcspError("malformedRequest");
const CONTENT_TYPE = "application/ocsp-response";

export function isOcspPath(url: string | undefined): boolean {
  return !!url && (url === "/ocsp" || url.startsWith("/ocsp/") || url.startsWith("/ocsp?"));
}

// The header list of a pre-signed answer, built once per answer (and, for a GET,
// again only when max-age changes, once a second) rather than per request: Node
// validates and joins every header it is given, and with RFC 5019's five
// headers that was a measurable part of a hot GET (flat arrays skip the object's
// key walk too). Keyed by the answer's body, which lives as long as the answer.
interface HeaderLists {
  post?: string[];
  get?: string[];
  maxAge: number;
}
const headerLists = new WeakMap<Buffer, HeaderLists>();
const MALFORMED_HEADERS = ["Content-Type", CONTENT_TYPE, "Content-Length", String(MALFORMED.length), "Cache-Control", "no-store"];

function listsFor(body: Buffer): HeaderLists {
  let lists = headerLists.get(body);
  if (!lists) headerLists.set(body, (lists = { maxAge: -1 }));
  return lists;
}

function send(res: ServerResponse, answer: OcspAnswer | null, cacheable: boolean, now: number): void {
  if (!answer) {
    res.writeHead(200, MALFORMED_HEADERS);
    res.end(MALFORMED);
    return;
  }
  const body = answer.body;
  const lists = listsFor(body);
  if (cacheable && answer.thisUpdate && answer.nextUpdate) {
    // RFC 5019 6.2: let HTTP caches keep a GET answer until its nextUpdate.
    const maxAge = Math.max(0, Math.floor((answer.nextUpdate.getTime() - now) / 1000));
    if (lists.maxAge !== maxAge || !lists.get) {
      lists.maxAge = maxAge;
      lists.get = [
        "Content-Type", CONTENT_TYPE,
        "Content-Length", String(body.length),
        "Cache-Control", `max-age=${maxAge}, public, no-transform, must-revalidate`,
        "Last-Modified", answer.thisUpdate.toUTCString(),
        "Expires", answer.nextUpdate.toUTCString(),
      ];
    }
    res.writeHead(200, lists.get);
  } else {
    lists.post ??= ["Content-Type", CONTENT_TYPE, "Content-Length", String(body.length), "Cache-Control", "no-store"];
    res.writeHead(200, lists.post);
  }
  res.end(body);
}

export function decodeGetRequest(path: string): Buffer | null {
  if (path.length === 0 || path.length > MAX_GET) return null;
  let text = path;
  if (text.includes("%")) {
    try {
      text = decodeURIComponent(path);
    } catch {
      return null;
    }
  }
  // Standard base64 (RFC 6960 A.1); tolerate the URL-safe alphabet some clients use.
  if (text.includes("-") || text.includes("_")) text = text.replace(/-/g, "+").replace(/_/g, "/");
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return null;
  const unpadded = text.replace(/=+$/, "");
  if (unpadded.length % 4 === 1 || (text.length !== unpadded.length && text.length % 4 !== 0)) return null;
  return Buffer.from(text, "base64");
}

/** Calls back once with the whole body, or null when it is over MAX_BODY or broken (callbacks, not a promise: this is the hot path). */
function readBody(req: IncomingMessage, done: (body: Buffer | null) => void): void {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > MAX_BODY) {
    req.resume();
    done(null);
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let finished = false;
  req.on("data", (c: Buffer) => {
    if (finished) return;
    size += c.length;
    if (size > MAX_BODY) {
      finished = true;
      done(null); // keep draining (no listener work) so the connection can be reused
      return;
    }
    chunks.push(c);
  });
  req.on("end", () => {
    if (finished) return;
    finished = true;
    done(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
  });
  req.on("error", () => {
    if (finished) return;
    finished = true;
    done(null);
  });
}

export function createOcspHttpHandler(deps: { responder: OcspResponder; clock: () => Date; log: (level: "error", msg: string, fields?: Record<string, unknown>) => void }) {
  const failed = (res: ServerResponse, e: Error) => {
    deps.log("error", "OCSP request failed", { error: e.message });
    if (!res.headersSent) {
      const body = encodeOcspError("internalError");
      res.writeHead(200, { "Content-Type": CONTENT_TYPE, "Content-Length": body.length, "Cache-Control": "no-store" });
      res.end(body);
    }
  };
  // A repeated request is answered synchronously from the responder's index of
  // request bytes; otherwise one promise per request (the responder's own).
  const reply = (res: ServerResponse, der: Buffer | null, key: string | undefined, get: boolean): void => {
    if (!der || der.length === 0) {
      send(res, null, false, 0);
      return;
    }
    deps.responder
      .respond(der, key)
      .then((a: OcspAnswer) => send(res, a, get && a.status === "successful", deps.clock().getTime()))
      .catch((e: Error) => failed(res, e));
  };
  const replyHot = (res: ServerResponse, key: string, get: boolean): boolean => {
    const now = deps.clock().getTime();
    const hot = deps.responder.answerFor(key, now);
    if (!hot) return false;
    send(res, hot, get, now);
    return true;
  };
  return (req: IncomingMessage, res: ServerResponse): void => {
    const url = req.url ?? "";
    if (req.method === "POST" && (url === "/ocsp" || url.startsWith("/ocsp?") || url === "/ocsp/")) {
      readBody(req, (body) => {
        // "P" + the DER as latin1 (one char per byte): the same bytes, the same key.
        const key = body && body.length <= MAX_REQUEST_KEY ? "P" + body.toString("latin1") : undefined;
        if (key === undefined || !replyHot(res, key, false)) reply(res, body, key, false);
      });
    } else if ((req.method === "GET" || req.method === "HEAD") && url.startsWith("/ocsp/")) {
      const q = url.indexOf("?");
      const segment = q < 0 ? url.slice(6) : url.slice(6, q);
      // The URL segment itself keys a GET: a repeated GET is not even base64-decoded.
      const key = segment.length <= MAX_REQUEST_KEY ? "G" + segment : undefined;
      if (key === undefined || !replyHot(res, key, true)) reply(res, decodeGetRequest(segment), key, true);
    } else {
      res.writeHead(405, { Allow: "GET, POST", "Content-Type": "text/plain; charset=utf-8" });
      res.end("OCSP: use POST /ocsp or GET /ocsp/<base64 request>\n");
    }
  };
}
