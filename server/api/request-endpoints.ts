// /api/v1/requests: file (with Idempotency-Key), list, read, submit, withdraw
// and attach the signed form (PDF body). Each handler reads and checks its
// input, calls portal.requests with the token's CallContext (the same scoping,
// rules and audit as the web), and answers JSON. No request rule lives here.
import express, { type Request, type Router } from "express";
import { z } from "zod";
import type { UnitSource } from "../directory/unit-source";
import type { Portal } from "../directory/portal";
import { AppError, isAppError } from "../errors/app-error";
import { isRequestState, type RequestState } from "../ra/request-states";
import { isRequestType, type RequestType } from "../ra/request-types";
import type { RequestRecord } from "../store/request-store";
import { callOf } from "./api-auth";
import { API_BASE, attachmentJson, requestJson, requestSummaryJson, unitRef } from "./api-json";

export interface RequestEndpointDeps {
  portal: Portal;
  units: UnitSource;
  /** The request already filed under this key for this unit (the service answers it again; we only need to know it existed). */
  findByIdempotencyKey(unitId: number, key: string): Promise<RequestRecord | null>;
  attachmentMaxBytes: number;
}

const invalid = (fields: Record<string, string>) => new AppError("REQUEST_INVALID", `Yêu cầu chưa hợp lệ: ${Object.values(fields).join("; ")}`, { fields });

/** The envelope of POST /requests; `data` is the form's fields, checked by the service per type. */
const NewRequestBody = z
  .object({
    type: z.string({ error: "Loại hồ sơ: bắt buộc" }).max(32, "Loại hồ sơ: không hợp lệ"),
    unitCode: z.string({ error: "Mã đơn vị: phải là chuỗi" }).min(1).max(64).optional(),
    unitId: z.number({ error: "Đơn vị: phải là số" }).int().positive().optional(),
    data: z.record(z.string(), z.unknown(), { error: "data: phải là một đối tượng JSON với các trường của mẫu đơn" }),
    csrPem: z.string({ error: "csrPem: phải là chuỗi PEM" }).max(16_384, "csrPem: quá dài").optional(),
    submit: z.boolean({ error: "submit: true hoặc false" }).optional(),
  }, { error: "Nội dung phải là một đối tượng JSON" })
  .strict();

const ActionBody = z.object({ reason: z.string().max(1000).optional() }, { error: "Nội dung phải là một đối tượng JSON" }).strict();

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body ?? {});
  if (r.success) return r.data;
  const fields: Record<string, string> = {};
  for (const issue of r.error.issues) {
    const key = issue.code === "unrecognized_keys" ? issue.keys.join(",") : String(issue.path[0] ?? "body");
    fields[key] ??= issue.code === "unrecognized_keys" ? "Trường không có trong API" : issue.message;
  }
  throw invalid(fields);
}

function idOf(req: Request): number {
  const v = String(req.params.id);
  if (!/^\d{1,9}$/.test(v)) throw new AppError("REQUEST_NOT_FOUND", "Không có hồ sơ này");
  return Number(v);
}

function listParam(req: Request, name: string, max = 64): string | undefined {
  const v = req.query[name];
  if (v === undefined || v === "") return undefined;
  if (typeof v !== "string" || v.length > max) throw new AppError("INPUT_INVALID", `Tham số ${name} không hợp lệ`, { fields: { [name]: "Giá trị không hợp lệ" } });
  return v;
}

export function requestEndpoints(r: Router, deps: RequestEndpointDeps): void {
  const { portal } = deps;

  async function unitRefs(ids: number[]) {
    const wanted = [...new Set(ids)];
    const units = wanted.length ? await deps.units.unitsAsOf(portal.clock(), wanted) : [];
    return new Map(units.map((u) => [u.id, u]));
  }

  async function full(req: Request, id: number) {
    const page = await portal.requests.get(callOf(req).ctx, id);
    return requestJson(page, unitRef(await unitRefs([page.request.unitId]), page.request.unitId));
  }

  /** unitId, unitCode, or (neither) the token's own unit. An unknown code goes to the service as unit 0, which refuses it (audited). */
  async function unitIdOf(req: Request, body: { unitId?: number | undefined; unitCode?: string | undefined }): Promise<number> {
    if (body.unitCode === undefined) return body.unitId ?? callOf(req).token.unitId;
    const unit = await deps.units.findByCode(body.unitCode.trim().toUpperCase());
    if (body.unitId !== undefined && unit?.id !== body.unitId) throw invalid({ unitCode: "unitCode và unitId chỉ hai đơn vị khác nhau" });
    return unit?.id ?? 0;
  }

  r.post("/requests", async (req, res) => {
    const call = callOf(req);
    const body = parse(NewRequestBody, req.body);
    const unitId = await unitIdOf(req, body);
    const key = typeof req.headers["idempotency-key"] === "string" ? req.headers["idempotency-key"] : undefined;
    const input = { type: body.type, unitId, data: body.data, csr: body.csrPem, submit: body.submit ?? false, source: "api" as const, idempotencyKey: key };
    // The service answers a repeated key with the request it filed then; we only need to know which it was.
    const before = key && unitId > 0 ? await deps.findByIdempotencyKey(unitId, key.trim()) : null;
    let replay = before !== null;
    let created: RequestRecord;
    try {
      created = await portal.requests.create(call.ctx, input);
    } catch (e) {
      // The caller named the unit by code: say so in the field that was wrong.
      const fields = isAppError(e) ? (e.details?.fields as Record<string, string> | undefined) : undefined;
      if (body.unitCode !== undefined && fields?.unitId && isAppError(e)) throw invalid({ unitCode: fields.unitId });
      // Two calls with one key at the same instant: the unique index lets one insert; the other answers with it.
      const again = !isAppError(e) && key ? await deps.findByIdempotencyKey(unitId, key.trim()) : null;
      if (!again) throw e;
      replay = true;
      created = await portal.requests.create(call.ctx, input);
    }
    if (replay && created.type !== body.type) throw new AppError("REQUEST_CONFLICT", "Idempotency-Key này đã dùng cho một hồ sơ loại khác");
    res.status(replay ? 200 : 201).location(`${API_BASE}/requests/${created.id}`).json(await full(req, created.id));
  });

  r.get("/requests", async (req, res) => {
    const call = callOf(req);
    const state = listParam(req, "state");
    const type = listParam(req, "type");
    const due = listParam(req, "due");
    const page = listParam(req, "page", 9);
    const fields: Record<string, string> = {};
    if (state !== undefined && !isRequestState(state)) fields.state = "Trạng thái không hợp lệ";
    if (type !== undefined && !isRequestType(type)) fields.type = "Loại hồ sơ không hợp lệ";
    if (due !== undefined && due !== "overdue" && due !== "due_today") fields.due = "Chỉ nhận overdue hoặc due_today";
    if (page !== undefined && !/^[1-9]\d{0,8}$/.test(page)) fields.page = "Số trang từ 1";
    if (Object.keys(fields).length) throw new AppError("INPUT_INVALID", `Tham số không hợp lệ: ${Object.values(fields).join("; ")}`, { fields });
    const result = await portal.requests.list(call.ctx, {
      ...(state ? { states: [state as RequestState] } : {}),
      ...(type ? { types: [type as RequestType] } : {}),
      ...(due ? { due: due as "overdue" | "due_today" } : {}),
      sort: "newest",
      page: page ? Number(page) : 1,
    });
    const units = await unitRefs(result.rows.map((x) => x.unitId));
    const next = new URL(req.originalUrl, "http://x");
    next.searchParams.set("page", String(result.page + 1));
    res.json({
      items: result.rows.map((x) => requestSummaryJson(x, unitRef(units, x.unitId), result.today)),
      page: result.page,
      today: result.today,
      links: { next: result.more ? next.pathname + next.search : null },
    });
  });

  r.get("/requests/:id", async (req, res) => {
    res.json(await full(req, idOf(req)));
  });

  for (const action of ["submit", "withdraw"] as const) {
    r.post(`/requests/:id/${action}`, async (req, res) => {
      const id = idOf(req);
      const body = parse(ActionBody, req.body);
      await portal.requests.act(callOf(req).ctx, id, action, body.reason ?? null);
      res.json(await full(req, id));
    });
  }

  // The scanned, signed form: the PDF itself as the body (Content-Type: application/pdf),
  // ?filename=…&kind=signed_form|other. No base64: 33% smaller and streamed as is.
  r.post("/requests/:id/attachments", express.raw({ type: "application/pdf", limit: deps.attachmentMaxBytes + 1 }), async (req, res) => {
    const id = idOf(req);
    const filename = listParam(req, "filename", 200) ?? "mau-don.pdf";
    const kind = listParam(req, "kind", 16) ?? "signed_form";
    if (kind !== "signed_form" && kind !== "other") throw new AppError("INPUT_INVALID", "kind: signed_form hoặc other", { fields: { kind: "signed_form hoặc other" } });
    if (!Buffer.isBuffer(req.body)) throw new AppError("ATTACHMENT_INVALID", "Gửi tệp PDF với Content-Type: application/pdf", { fields: { body: "Content-Type phải là application/pdf" } });
    const meta = await portal.requests.attach(callOf(req).ctx, id, { kind, filename, contentType: "application/pdf", content: req.body });
    res.status(201).json(attachmentJson(meta));
  });
}
