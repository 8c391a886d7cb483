// Bulk import of new-certificate requests (Mẫu 01/02/03, Decree 68/2024): every
// row of a CSV/XLSX is checked with the forms' own validation and the request
// service's checks (scope, references), plus the file's own rules (unit codes,
// the same CCCD twice); a preview lists each row's errors; confirm creates every
// request as a draft in one transaction (request service createMany) or none.
// Keeps each preview in the database, per user and the file's SHA-256, so the
// rows confirmed are exactly the rows previewed, whichever process (node:cluster
// worker, another server on the same database, the server after a restart)
// receives the confirmation. Writes nothing else itself but one audit entry.
import { createHash } from "node:crypto";
import type { CallContext } from "../access/actor";
import { auditActor, auditRole } from "../access/actor";
import type { Scoper } from "../access/scope";
import type { UnitSource } from "../directory/unit-source";
import { AppError, isAppError } from "../errors/app-error";
import type { AuditStore } from "../store/audit-store";
import type { BulkImportPreviewStore } from "../store/bulk-import-preview-store";
import type { RequestRecord } from "../store/request-store";
import { readBulkFile, type BulkRow } from "./bulk-parse";
import { BULK_COLUMNS, labelOf, TYPE_OF_FORM } from "./bulk-template";
import { fieldsOf, parseRequestData } from "./request-forms";
import type { NewRequest, RequestService } from "./request-service";
import { FORM_OF, type RequestType } from "./request-types";

export interface BulkError {
  row: number;
  /** Column key (`loai`, `unit`, a form field) or "" for the row as a whole. */
  field: string;
  /** The column's Vietnamese label. */
  column: string;
  message: string;
}

export interface BulkPreviewRow {
  row: number;
  form: string | null;
  unitCode: string;
  summary: string;
  errors: BulkError[];
}

export interface BulkPreview {
  /** SHA-256 of the file (hex): what confirm names. */
  hash: string;
  filename: string;
  format: "csv" | "xlsx";
  rows: BulkPreviewRow[];
  errors: BulkError[];
  /** True when no row has an error (confirm is allowed). */
  ok: boolean;
}

interface Pending {
  filename: string;
  format: "csv" | "xlsx";
  rows: BulkRow[];
  defaultUnitCode: string | null;
}

export interface BulkImportDeps {
  requests: Pick<RequestService, "checkMany" | "createMany">;
  units: UnitSource;
  scoper: Scoper;
  audit: Pick<AuditStore, "append">;
  previews: BulkImportPreviewStore;
  clock: () => Date;
  /** How long a preview can be confirmed (default 30 minutes). */
  ttlMs?: number;
}

const DATA_KEYS = BULK_COLUMNS.map((c) => c.key).filter((k) => k !== "loai" && k !== "unit");

/** What a file's preview keeps (the web's preview and the CLI's import alike). */
function pendingOf(filename: string, sheet: { format: "csv" | "xlsx"; rows: BulkRow[] }, defaultUnitCode: string | null | undefined): Pending {
  return { filename: filename.normalize("NFC").slice(0, 200), format: sheet.format, rows: sheet.rows, defaultUnitCode: defaultUnitCode?.trim() || null };
}

/** "01", "1", "Mẫu 01", "mau 1" → "01"; null if not a new-certificate form. */
function formOf(cell: string | undefined): string | null {
  const m = /^(?:m[ẫa]u\s*)?0?([123])$/i.exec((cell ?? "").normalize("NFC").trim());
  return m ? `0${m[1]}` : null;
}

function summaryOf(cells: Record<string, string>): string {
  return (cells.fullName ?? cells.organizationName ?? cells.clerkName ?? cells.deviceName ?? "").slice(0, 120);
}

export function createBulkImport(deps: BulkImportDeps) {
  const ttl = deps.ttlMs ?? 30 * 60_000;
  const oldestValid = () => new Date(deps.clock().getTime() - ttl);

  async function loadPending(ctx: CallContext, hash: string): Promise<Pending | null> {
    const s = await deps.previews.get(ctx.actor.userId, hash, oldestValid());
    return s ? { filename: s.filename, format: s.format, rows: s.rows as BulkRow[], defaultUnitCode: s.defaultUnitCode } : null;
  }

  /** The rows as requests, with every error the file, the forms and the request service find. */
  async function analyse(ctx: CallContext, hash: string, rows: BulkRow[], defaultUnitCode: string | null) {
    const codes = [...new Set(rows.map((r) => r.cells.unit ?? defaultUnitCode ?? "").filter(Boolean))];
    const found = new Map<string, number>();
    for (const code of codes) {
      const u = (await deps.units.findByCode(code)) ?? (await deps.units.findByCode(code.toUpperCase()));
      if (u) found.set(code, u.id);
    }
    const current = new Set((await deps.units.unitsAsOf(deps.clock(), [...new Set(found.values())])).map((u) => u.id));
    const out: BulkPreviewRow[] = [];
    const inputs: Array<{ index: number; input: NewRequest }> = [];
    const firstSeen = new Map<string, number>();
    for (const r of rows) {
      const errors: BulkError[] = [];
      const err = (field: string, message: string) => errors.push({ row: r.row, field, column: field ? labelOf(field) : "", message });
      const form = formOf(r.cells.loai);
      const type: RequestType | null = form ? TYPE_OF_FORM[form]! : null;
      if (!type) err("loai", r.cells.loai ? `Loại hồ sơ «${r.cells.loai.slice(0, 20)}» không hợp lệ: chỉ nhận 01, 02 hoặc 03 (hồ sơ cấp chứng thư mới)` : "Loại hồ sơ: bắt buộc (01, 02 hoặc 03)");
      const unitCode = r.cells.unit ?? defaultUnitCode ?? "";
      const unitId = found.get(unitCode);
      if (!unitCode) err("unit", "Mã đơn vị: bắt buộc");
      else if (unitId === undefined) err("unit", `Không có đơn vị mã «${unitCode.slice(0, 40)}»`);
      else if (!current.has(unitId)) err("unit", `Đơn vị «${unitCode}» không còn hoạt động (đã giải thể, sáp nhập hoặc chưa có hiệu lực)`);
      const data: Record<string, string> = {};
      if (type) {
        const fields = fieldsOf(type);
        for (const k of DATA_KEYS) {
          if (r.cells[k] === undefined) continue;
          if (fields.includes(k)) data[k] = r.cells[k]!;
          else err(k, `Cột này không dùng cho Mẫu ${FORM_OF[type]}: để trống`);
        }
        // The same person, device or seal twice in one file is a typing mistake, never two certificates.
        const dup =
          type === "new_individual" && data.nationalId ? `cccd:${data.nationalId.trim()}` :
          type === "new_device" && data.deviceName ? `device:${unitCode}:${data.deviceName.normalize("NFC").trim().toLowerCase()}` :
          type === "new_organization" && data.email ? `org:${unitCode}:${data.email.trim().toLowerCase()}` : null;
        if (dup) {
          const first = firstSeen.get(dup);
          if (first !== undefined) err(type === "new_individual" ? "nationalId" : type === "new_device" ? "deviceName" : "email", `Trùng với dòng ${first} trong tệp`);
          else firstSeen.set(dup, r.row);
        }
      }
      if (type && unitId !== undefined && errors.length === 0) {
        inputs.push({ index: out.length, input: { type, unitId, data, source: "bulk", idempotencyKey: `bulk:${hash.slice(0, 40)}:${r.row}` } });
      } else if (type) {
        // The unit is wrong: still show every field the form would refuse.
        try {
          parseRequestData(type, data);
        } catch (e) {
          if (!isAppError(e)) throw e;
          for (const [f, m] of Object.entries((e.details?.fields as Record<string, string>) ?? {})) if (!errors.some((x) => x.field === f)) err(f, m);
        }
      }
      for (const k of r.numeric) {
        if ((k === "nationalId" || k === "phone") && errors.some((x) => x.field === k)) errors.find((x) => x.field === k)!.message += " (ô đang ở dạng số nên đã mất số 0 ở đầu: định dạng cột là Văn bản/Text)";
      }
      out.push({ row: r.row, form, unitCode, summary: summaryOf(r.cells), errors });
    }
    const checks = inputs.length ? await deps.requests.checkMany(ctx, inputs.map((i) => i.input)) : [];
    checks.forEach((e, i) => {
      if (!e) return;
      const row = out[inputs[i]!.index]!;
      const fields = (e.code === "REQUEST_INVALID" ? (e.details?.fields as Record<string, string> | undefined) : undefined) ?? {};
      const named = Object.entries(fields);
      if (named.length === 0) row.errors.push({ row: row.row, field: "", column: "", message: e.message });
      for (const [f, m] of named) {
        const field = f === "unitId" ? "unit" : f === "type" ? "loai" : f;
        row.errors.push({ row: row.row, field, column: labelOf(field), message: f === "unitId" ? `${m} (đơn vị «${row.unitCode}» không thuộc phạm vi bạn được lập hồ sơ)` : m });
      }
    });
    return { rows: out, inputs: inputs.map((i) => i.input) };
  }

  const previewOf = (hash: string, p: Pending, rows: BulkPreviewRow[]): BulkPreview => {
    const errors = rows.flatMap((r) => r.errors);
    return { hash, filename: p.filename, format: p.format, rows, errors, ok: errors.length === 0 };
  };

  /** FORBIDDEN unless the actor may file requests somewhere (the request service audits the refusal). */
  function requireFiler(ctx: CallContext): void {
    if (!deps.scoper.may(ctx.actor, "requests.file")) throw new AppError("FORBIDDEN", "Bạn không có quyền lập hồ sơ");
  }

  async function createAll(ctx: CallContext, hash: string, p: Pending): Promise<{ preview: BulkPreview; created: RequestRecord[] }> {
    const a = await analyse(ctx, hash, p.rows, p.defaultUnitCode);
    const preview = previewOf(hash, p, a.rows);
    if (!preview.ok) {
      await deps.audit.append({ actor: auditActor(ctx.actor), ...auditRole(ctx.actor), action: "request.bulk_import", objectType: "request", objectId: null, outcome: "refused", requestId: ctx.requestId, details: { sha256: hash, filename: p.filename, rows: p.rows.length, errors: preview.errors.length } }, deps.clock());
      return { preview, created: [] };
    }
    const created = await deps.requests.createMany(ctx, a.inputs);
    await deps.audit.append(
      { actor: auditActor(ctx.actor), ...auditRole(ctx.actor), action: "request.bulk_import", objectType: "request", objectId: null, outcome: "ok", requestId: ctx.requestId, details: { sha256: hash, filename: p.filename, rows: p.rows.length, requestIds: created.map((r) => r.id) } },
      deps.clock(),
    );
    return { preview, created };
  }

  return {
    /** Whether the actor may use the import at all (the page and the template). */
    canImport: (ctx: CallContext) => deps.scoper.may(ctx.actor, "requests.file"),

    /** A unit code for the template's example row: the first unit the actor files for. */
    async exampleUnitCode(ctx: CallContext): Promise<string> {
      requireFiler(ctx);
      const scope = await deps.scoper.scopeFor(ctx.actor, deps.clock(), "requests.file");
      const units = await deps.units.unitsAsOf(deps.clock(), scope.all ? undefined : scope.unitIds);
      return units[0]?.code ?? "";
    },

    /** Reads and checks a file; the preview can be confirmed (by the same user, within the TTL) while the file is unchanged. */
    async preview(ctx: CallContext, file: { content: Buffer; filename: string }, opts: { defaultUnitCode?: string | null } = {}): Promise<BulkPreview> {
      requireFiler(ctx);
      const sheet = await readBulkFile(file.content, file.filename);
      const hash = createHash("sha256").update(file.content).digest("hex");
      const p = pendingOf(file.filename, sheet, opts.defaultUnitCode);
      const a = await analyse(ctx, hash, p.rows, p.defaultUnitCode);
      await deps.previews.removeOlderThan(oldestValid());
      await deps.previews.put({ userId: ctx.actor.userId, sha256: hash, filename: p.filename, format: p.format, defaultUnitCode: p.defaultUnitCode, rows: p.rows, createdAt: deps.clock() });
      return previewOf(hash, p, a.rows);
    },

    /**
     * Creates every previewed row (as drafts, source "bulk") in one transaction.
     * Everything is checked again first: if anything changed since the preview
     * (a unit dissolved, a token taken), nothing is created and the new preview
     * is returned with `created` empty. IMPORT_INVALID if the preview is unknown or expired.
     */
    async confirm(ctx: CallContext, hash: string): Promise<{ preview: BulkPreview; created: RequestRecord[] }> {
      requireFiler(ctx);
      const p = /^[0-9a-f]{64}$/.test(hash) ? await loadPending(ctx, hash) : null;
      if (!p) throw new AppError("IMPORT_INVALID", `Bản xem trước không còn (quá ${Math.round(ttl / 60_000)} phút hoặc đã được xác nhận): hãy tải tệp lên lại`, { reason: "expired" });
      const result = await createAll(ctx, hash, p);
      if (result.created.length) await deps.previews.remove(ctx.actor.userId, hash);
      return result;
    },

    /** Preview and, if every row is right, create at once (the CLI). */
    async importFile(ctx: CallContext, file: { content: Buffer; filename: string }, opts: { defaultUnitCode?: string | null; dryRun?: boolean } = {}): Promise<{ preview: BulkPreview; created: RequestRecord[] }> {
      requireFiler(ctx);
      const sheet = await readBulkFile(file.content, file.filename);
      const hash = createHash("sha256").update(file.content).digest("hex");
      const p = pendingOf(file.filename, sheet, opts.defaultUnitCode);
      if (opts.dryRun) return { preview: previewOf(hash, p, (await analyse(ctx, hash, p.rows, p.defaultUnitCode)).rows), created: [] };
      return createAll(ctx, hash, p);
    },
  };
}

export type BulkImport = ReturnType<typeof createBulkImport>;
