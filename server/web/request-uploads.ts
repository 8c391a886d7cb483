// Reads the multipart request forms (the CSR made on the token, the scanned
// signed form as PDF) BEFORE the CSRF check, so that the one CSRF control sees
// the form's `_csrf` field like on every other form. Only for signed-in
// sessions and only on the request form URLs. Files are kept in memory up to
// one byte past their limit and the rest is read and dropped, so an over-large
// file is refused by the request service with a clear message (audited) and the
// other fields of the form are still there to show again. Decides nothing else.
import type { Request, RequestHandler } from "express";
import multer, { MulterError } from "multer";
import type { Config } from "../config/schema";
import { AppError } from "../errors/app-error";
import { stateOf } from "./request-context";

/** The paths whose POST is a multipart request form. */
export const UPLOAD_PATHS = /^\/requests\/(?:new\/[a-z_]{1,32}|\d{1,9}\/edit)$/;

/** A CSR is a few kilobytes; 64 KB is far more than any real one (csr-check refuses > 16 KB anyway). */
export const CSR_MAX_BYTES = 64 * 1024;

export interface UploadedFile {
  filename: string;
  contentType: string;
  /** At most the field's limit + 1 byte: enough to tell that it is too large. */
  content: Buffer;
  /** The whole size as sent. */
  size: number;
}

export interface Uploads {
  csrFile: UploadedFile | null;
  signedForm: UploadedFile | null;
  /** The body could not be read whole (a file beyond the hard cap): what is missing, for the message. */
  problem: "too_large" | null;
}

const uploads = new WeakMap<Request, Uploads>();

/** The files of this request's form (none if it was not a multipart form). */
export function uploadsOf(req: Request): Uploads {
  return uploads.get(req) ?? { csrFile: null, signedForm: null, problem: null };
}

interface KeptFile {
  kept: Buffer;
  total: number;
}

/** Keeps the first `keep(field)` bytes of each file and counts the rest. */
function boundedStorage(keep: (field: string) => number): multer.StorageEngine {
  return {
    _handleFile(_req, file, cb) {
      const limit = keep(file.fieldname);
      const chunks: Buffer[] = [];
      let kept = 0;
      let total = 0;
      file.stream.on("data", (chunk: Buffer) => {
        total += chunk.length;
        if (kept < limit) {
          const part = chunk.subarray(0, limit - kept);
          chunks.push(part);
          kept += part.length;
        }
      });
      file.stream.on("error", (e) => cb(e));
      file.stream.on("end", () => cb(null, { kept: Buffer.concat(chunks), total } as Partial<Express.Multer.File> & KeptFile));
    },
    _removeFile(_req, _file, cb) {
      cb(null);
    },
  };
}

export function requestUploads(deps: { config: Config }): RequestHandler {
  const pdfMax = deps.config.requests.attachmentMaxBytes;
  const parse = multer({
    storage: boundedStorage((field) => (field === "csrFile" ? CSR_MAX_BYTES + 1 : pdfMax + 1)),
    // A hard cap on what is read at all: beyond it the body is dropped and the form refused.
    limits: { fileSize: pdfMax * 2 + 1024 * 1024, files: 2, fields: 40, fieldSize: 64 * 1024, parts: 45 },
  }).fields([
    { name: "csrFile", maxCount: 1 },
    { name: "signedForm", maxCount: 1 },
  ]);

  return (req, res, next) => {
    if (req.method !== "POST" || !UPLOAD_PATHS.test(req.path) || !req.is("multipart/form-data")) return next();
    // Nobody signed in: nothing is read; the CSRF check refuses the form.
    if (!stateOf(req).session) return next();
    parse(req, res, (err: unknown) => {
      const files = (req.files ?? {}) as Record<string, Array<Express.Multer.File & KeptFile>>;
      const one = (name: string): UploadedFile | null => {
        const f = files[name]?.[0];
        // An empty file input is sent as a part with no name and no bytes: no file chosen.
        if (!f || (f.total === 0 && !f.originalname)) return null;
        return { filename: f.originalname.normalize("NFC"), contentType: f.mimetype, content: f.kept, size: f.total };
      };
      const out: Uploads = { csrFile: one("csrFile"), signedForm: one("signedForm"), problem: null };
      if (err) {
        if (!(err instanceof MulterError)) return next(err);
        if (err.code !== "LIMIT_FILE_SIZE") return next(new AppError("INPUT_INVALID", `the form could not be read (${err.code})`));
        out.problem = "too_large";
      }
      uploads.set(req, out);
      next();
    });
  };
}

/**
 * The same checks the request service makes on an attachment (size, then "%PDF-"
 * by content, ISO 32000-1 7.5.2), made before anything is saved so that a
 * refused file leaves the dossier exactly as it was. The service checks again.
 */
export function pdfProblem(file: UploadedFile, maxBytes: number): { code: "ATTACHMENT_TOO_LARGE" | "ATTACHMENT_INVALID"; key: string } | null {
  if (file.size > maxBytes) return { code: "ATTACHMENT_TOO_LARGE", key: "requests.errors.pdfTooLarge" };
  if (file.size === 0) return { code: "ATTACHMENT_INVALID", key: "requests.errors.pdfEmpty" };
  if (!file.content.subarray(0, 5).equals(Buffer.from("%PDF-"))) return { code: "ATTACHMENT_INVALID", key: "requests.errors.pdfNotPdf" };
  return null;
}
