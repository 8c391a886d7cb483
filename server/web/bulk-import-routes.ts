// The bulk-import pages: /requests/import (upload), the template downloads,
// the preview of every row with its errors, and the confirmation that creates
// all the requests at once. Routes read the upload, call portal.bulkImport and
// render; the rules live in server/ra/bulk-import.ts.
import type { Request, RequestHandler, Response } from "express";
import { Router } from "express";
import multer from "multer";
import type { Portal } from "../directory/portal";
import { AppError, isAppError } from "../errors/app-error";
import type { BulkPreview } from "../ra/bulk-import";
import { BULK_MAX_BYTES, BULK_MAX_ROWS, templateCsv, templateXlsx } from "../ra/bulk-template";
import { referenceOf } from "../ra/request-ports";
import { callOf, requireSignIn, stateOf } from "./request-context";

/** Refusals of the upload itself, kept for the route (the CSRF check runs in between). */
const uploadErrors = new WeakMap<Request, AppError>();

const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: BULK_MAX_BYTES, files: 1, fields: 10, fieldSize: 4096 } }).single("file");

/**
 * Parses the multipart upload of POST /requests/import BEFORE the CSRF check
 * (which reads `_csrf` from the body) and only for a signed-in caller. An
 * over-size or malformed upload is remembered, not thrown: the fields before
 * the file (the form puts `_csrf` first) still reach the CSRF check.
 */
export function bulkUploadParser(): RequestHandler {
  return (req, _res, next) => {
    if (req.method !== "POST" || req.path !== "/" || !req.is("multipart/form-data") || !stateOf(req).actor) return next();
    upload(req, _res, (err: unknown) => {
      if (err) {
        const tooLarge = (err as { code?: string }).code === "LIMIT_FILE_SIZE";
        uploadErrors.set(req, new AppError("IMPORT_INVALID", tooLarge ? `Tệp lớn hơn ${BULK_MAX_BYTES / 1024 / 1024} MB` : "Không đọc được tệp tải lên", { reason: tooLarge ? "too_large" : "unreadable" }));
        req.body ??= {};
      }
      next();
    });
  };
}

/** Import refusals of the file (not of a row): shown on the upload page with this status. */
const STATUS_OF: Record<string, number> = { too_large: 413, too_many_rows: 413, type: 415 };

export function bulkImportRoutes(deps: { portal: Portal }): Router {
  const r = Router();
  const { portal } = deps;
  const signedIn = requireSignIn();
  const bulk = portal.bulkImport;

  function requireFiler(req: Request): void {
    if (!bulk.canImport(callOf(req))) throw new AppError("FORBIDDEN", "Bạn không có quyền lập hồ sơ");
  }

  function renderUpload(res: Response, status: number, extra: Record<string, unknown> = {}) {
    res.status(status).render("requests-import/upload", { titleKey: "import.title", nav: "requests", maxRows: BULK_MAX_ROWS, maxMb: BULK_MAX_BYTES / 1024 / 1024, ...extra });
  }

  function renderPreview(res: Response, status: number, preview: BulkPreview, extra: Record<string, unknown> = {}) {
    const rows = preview.rows.map((row) => ({ ...row, ok: row.errors.length === 0 }));
    res.status(status).render("requests-import/preview", {
      titleKey: "import.previewTitle",
      nav: "requests",
      preview: { ...preview, rows, rowCount: rows.length, errorCount: preview.errors.length, badRows: rows.filter((x) => !x.ok).length },
      ...extra,
    });
  }

  r.get("/requests/import", signedIn, async (req, res) => {
    requireFiler(req);
    renderUpload(res, 200);
  });

  r.get(/^\/requests\/import\/template\.(xlsx|csv)$/, signedIn, async (req, res) => {
    requireFiler(req);
    const code = await bulk.exampleUnitCode(callOf(req));
    if (req.path.endsWith(".csv")) {
      res.setHeader("Content-Type", "text/csv; charset=utf-8");
      res.setHeader("Content-Disposition", 'attachment; filename="mau-nhap-ho-so.csv"');
      res.send(templateCsv(code));
    } else {
      res.setHeader("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
      res.setHeader("Content-Disposition", 'attachment; filename="mau-nhap-ho-so.xlsx"');
      res.send(await templateXlsx(code));
    }
  });

  r.post("/requests/import", signedIn, async (req, res) => {
    requireFiler(req);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const defaultUnitCode = typeof body.unit === "string" ? body.unit.slice(0, 64) : "";
    const refused = uploadErrors.get(req);
    const file = (req as Request & { file?: Express.Multer.File }).file;
    try {
      if (refused) throw refused;
      if (!file) throw new AppError("IMPORT_INVALID", "Chọn một tệp .xlsx hoặc .csv để tải lên", { reason: "empty" });
      const filename = Buffer.from(file.originalname, "latin1").toString("utf8"); // multer hands the name over as latin1
      const preview = await bulk.preview(callOf(req), { content: file.buffer, filename }, { defaultUnitCode });
      renderPreview(res, 200, preview);
    } catch (e) {
      if (!isAppError(e) || e.code !== "IMPORT_INVALID") throw e;
      renderUpload(res, STATUS_OF[String(e.details?.reason)] ?? 400, { error: e.message, unit: defaultUnitCode });
    }
  });

  r.post("/requests/import/confirm", signedIn, async (req, res) => {
    requireFiler(req);
    const hash = typeof (req.body as Record<string, unknown>)?.hash === "string" ? String((req.body as Record<string, unknown>).hash).slice(0, 64) : "";
    try {
      const { preview, created } = await bulk.confirm(callOf(req), hash);
      if (!created.length) return renderPreview(res, 409, preview, { changed: true });
      res.status(201).render("requests-import/done", {
        titleKey: "import.doneTitle",
        nav: "requests",
        filename: preview.filename,
        count: created.length,
        created: created.map((c) => ({ id: c.id, reference: referenceOf(c.id), summary: c.summary, type: c.type })),
      });
    } catch (e) {
      if (!isAppError(e)) throw e;
      if (e.code === "IMPORT_INVALID") return renderUpload(res, 410, { error: e.message });
      if (e.code === "REQUEST_CONFLICT" || e.code === "REQUEST_INVALID") return renderUpload(res, 409, { error: `${e.message}. Không hồ sơ nào được tạo.` });
      throw e;
    }
  });

  return r;
}
