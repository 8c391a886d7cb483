// The request workflow (Decree 68/2024): the agency's focal point files and
// submits, the provincial officer checks (forward, return with a reason, reject,
// or complete a delegated type), the CA operator approves, and execution runs
// through the PKI core (request-execution.ts). Every step is a conditional state
// change recorded with who, when and why, in one transaction with its audit
// entry; every refusal is audited. Scope is enforced here, not in the pages.
import type { AccessAudit } from "../access/access-audit";
import { auditActor, auditRole, type CallContext } from "../access/actor";
import { inScope, type Scope, type Scoper } from "../access/scope";
import type { Config } from "../config/schema";
import { AppError, isAppError } from "../errors/app-error";
import type { RequestRecord } from "../store/request-store";
import type { Store } from "../store/store";
import type { RequestExecutor } from "./request-execution";
import type { DeadlinePort, NoticeSink, RequestNoticeOut } from "./request-ports";
import { referenceOf } from "./request-ports";
import { createRequestAccess } from "./request-access";
import { createRequestAttachments } from "./request-attachments";
import { createRequestReads } from "./request-reads";
import { checkRequestCsr, resolveRequest } from "./request-resolve";
import { canTransition, isEditable, permissionsFor, TRANSITIONS, type RequestAction, type RequestState } from "./request-states";
import { issuesCertificate, isRequestType, type RequestType } from "./request-types";

export interface RequestServiceDeps {
  config: Config;
  store: Store;
  scoper: Scoper;
  accessAudit: AccessAudit;
  deadlines: DeadlinePort;
  executor: RequestExecutor;
  notify: NoticeSink;
  clock: () => Date;
}

export interface NewRequest {
  type: string;
  unitId: number;
  data: unknown;
  csr?: Buffer | string | null | undefined;
  /** Submit at once (API, or a form with every part attached). */
  submit?: boolean | undefined;
  source?: "web" | "api" | "bulk" | undefined;
  idempotencyKey?: string | undefined;
}

export type { NewAttachment } from "./request-attachments";
export type { RequestPageAction } from "./request-reads";

export function createRequestService(deps: RequestServiceDeps) {
  const { store, clock } = deps;
  const access = createRequestAccess(deps);
  const { now, userIdOf, scopeOf, refuse, visible, requirePermission, typeRefuses } = access;

  async function step(
    ctx: CallContext,
    r: RequestRecord,
    action: string,
    from: readonly RequestState[],
    to: RequestState,
    reason: string | null,
    patch: Parameters<Store["requests"]["transition"]>[3] = {},
  ): Promise<void> {
    const at = now();
    const ok = await store.transaction(async (tx) => {
      if (!(await tx.requests.transition(r.id, from, to, patch, at))) return false;
      await tx.requests.appendEvent({ requestId: r.id, action, fromState: r.state, toState: to, actor: auditActor(ctx.actor), userId: userIdOf(ctx.actor), role: auditRole(ctx.actor).role, reason, at });
      await tx.audit.append(
        { actor: auditActor(ctx.actor), ...auditRole(ctx.actor), action: `request.${action}`, objectType: "request", objectId: String(r.id), outcome: "ok", requestId: ctx.requestId, details: { type: r.type, from: r.state, to, ...(reason ? { reason } : {}) } },
        at,
      );
      return true;
    });
    if (!ok) await stale(ctx, r.id, action);
  }

  /** Another actor changed the request first: refuse with what it is now. */
  async function stale(ctx: CallContext, id: number, action: string): Promise<never> {
    const current = await store.requests.findById(id);
    return refuse(ctx, action, new AppError("REQUEST_STATE_INVALID", `Hồ sơ ${referenceOf(id)} vừa được người khác xử lý (trạng thái hiện tại: ${current?.state ?? "?"})`, { state: current?.state }), String(id));
  }

  function notice(kind: RequestNoticeOut["kind"], r: RequestRecord, reason: string | null, dueDate: string | null = r.dueDate): void {
    deps.notify({ kind, requestId: r.id, reference: referenceOf(r.id), type: r.type, unitId: r.unitId, filedByUserId: r.createdByUserId, reason, dueDate, summary: r.summary });
  }

  async function checkSubmittable(ctx: CallContext, r: RequestRecord): Promise<void> {
    if (issuesCertificate(r.type) && !r.hasCsr) {
      await refuse(ctx, "submit", new AppError("REQUEST_INVALID", "Hồ sơ cấp chứng thư phải kèm yêu cầu ký chứng thư (CSR) tạo trên token", { fields: { csr: "Chưa tải lên CSR" } }), String(r.id));
    }
    // Dossiers a person files (web, bulk import) carry the scanned signed form; the document-management
    // system (API) keeps its own signed originals, and system-opened tasks have none.
    if (deps.config.requests.signedFormRequired && (r.source === "web" || r.source === "bulk")) {
      const files = await store.requests.attachments(r.id);
      if (!files.some((f) => f.kind === "signed_form")) {
        await refuse(ctx, "submit", new AppError("REQUEST_INVALID", "Hồ sơ phải kèm bản scan mẫu đơn đã ký (PDF)", { fields: { signedForm: "Chưa tải lên bản scan mẫu đơn đã ký" } }), String(r.id));
      }
    }
  }

  async function submitNow(ctx: CallContext, r: RequestRecord, action: "submit" | "resubmit"): Promise<RequestRecord> {
    await checkSubmittable(ctx, r);
    const at = now();
    // Decree 68/2024: the deadline runs from a complete dossier, so a corrected dossier starts it again.
    const due = await deps.deadlines.dueDate(r.type, at);
    await step(ctx, r, action, ["draft", "returned"], "submitted", null, { submittedAt: at, dueDate: due, lastReason: null });
    const after = (await store.requests.findById(r.id))!;
    notice("waiting_check", after, null);
    return after;
  }

  /** create()'s checks before any look-up, in its order: the type, the right to file, the unit, the key. */
  async function precheck(ctx: CallContext, input: NewRequest, fileScope?: Scope): Promise<{ type: RequestType; scope: Scope; key: string | null }> {
    if (!isRequestType(input.type)) throw new AppError("REQUEST_INVALID", "Loại hồ sơ không hợp lệ", { fields: { type: "Chọn một loại hồ sơ (Mẫu 01–09)" } });
    const type = input.type;
    const scope = fileScope ?? (await scopeOf(ctx.actor, "requests.file"));
    if (!scope) throw new AppError("FORBIDDEN", "Bạn không có quyền lập hồ sơ");
    if (!inScope(scope, input.unitId)) throw new AppError("REQUEST_INVALID", "Đơn vị không thuộc phạm vi của bạn", { fields: { unitId: "Chọn một đơn vị bạn quản lý" } });
    if (type === "token_lost") throw new AppError("REQUEST_INVALID", "Báo mất token dùng chức năng «Báo mất token»: chứng thư trên token bị thu hồi ngay", { fields: { type: "Dùng «Báo mất token» trên trang token" } });
    const key = input.idempotencyKey?.trim() || null;
    if (key && (key.length > 80 || !/^[\x21-\x7e]+$/.test(key))) throw new AppError("REQUEST_INVALID", "Khoá chống gửi trùng (Idempotency-Key) không hợp lệ");
    return { type, scope, key };
  }

  /** The validated fields, references and CSR of a new request (reads only). */
  async function prepare(type: RequestType, scope: Scope, input: NewRequest) {
    const resolved = await resolveRequest({ store, config: deps.config, clock }, { type, unitId: input.unitId, raw: input.data, scope });
    const csrDer = await checkRequestCsr(type, input.csr);
    return { resolved, csrDer };
  }

  /** Inserts one draft with its "create" event and audit entry, inside the caller's transaction. */
  async function insertDraft(tx: Store, ctx: CallContext, input: NewRequest, type: RequestType, key: string | null, p: Awaited<ReturnType<typeof prepare>>, at: Date): Promise<number> {
    const newId = await tx.requests.insert(
      { type, state: "draft", unitId: input.unitId, ...p.resolved, csrDer: p.csrDer, source: input.source ?? "web", idempotencyKey: key, createdByUserId: userIdOf(ctx.actor), createdBy: auditActor(ctx.actor), submittedAt: null, dueDate: null },
      at,
    );
    await tx.requests.appendEvent({ requestId: newId, action: "create", fromState: null, toState: "draft", actor: auditActor(ctx.actor), userId: userIdOf(ctx.actor), role: auditRole(ctx.actor).role, reason: null, at });
    await tx.audit.append(
      { actor: auditActor(ctx.actor), ...auditRole(ctx.actor), action: "request.create", objectType: "request", objectId: String(newId), outcome: "ok", requestId: ctx.requestId, details: { type, unitId: input.unitId, source: input.source ?? "web" } },
      at,
    );
    return newId;
  }

  /** Each input checked as create() would, scope computed once; FORBIDDEN (audited) if the actor may not file at all. */
  async function checkAll(ctx: CallContext, inputs: NewRequest[]) {
    const scope = await scopeOf(ctx.actor, "requests.file");
    if (!scope) {
      await deps.accessAudit.denied({ actor: ctx.actor, requestId: ctx.requestId, action: "request.create_many", reason: "forbidden" });
      throw new AppError("FORBIDDEN", "Bạn không có quyền lập hồ sơ");
    }
    const out: Array<{ error: AppError } | { input: NewRequest; type: RequestType; key: string | null; prepared: Awaited<ReturnType<typeof prepare>> }> = [];
    for (const input of inputs) {
      try {
        const p = await precheck(ctx, input, scope);
        out.push({ input, type: p.type, key: p.key, prepared: await prepare(p.type, p.scope, input) });
      } catch (e) {
        if (!isAppError(e)) throw e;
        out.push({ error: e });
      }
    }
    return out;
  }

  return {
    /** Opens a request (a draft, or submitted at once). Refusals change nothing and are audited. */
    async create(ctx: CallContext, input: NewRequest): Promise<RequestRecord> {
      try {
        const { type, scope, key } = await precheck(ctx, input);
        if (key) {
          const existing = await store.requests.findByIdempotencyKey(input.unitId, key);
          if (existing) return existing; // the same submission again: the same request, nothing new
        }
        const prepared = await prepare(type, scope, input);
        const at = now();
        const id = await store.transaction((tx) => insertDraft(tx, ctx, input, type, key, prepared, at));
        const created = (await store.requests.findById(id))!;
        return input.submit ? submitNow(ctx, created, "submit") : created;
      } catch (e) {
        if (isAppError(e) && !["REQUEST_STATE_INVALID"].includes(e.code)) {
          if (e.code === "FORBIDDEN") await deps.accessAudit.denied({ actor: ctx.actor, requestId: ctx.requestId, action: "request.create", reason: "forbidden" });
          else await refuse(ctx, "create", e, null);
        }
        throw e;
      }
    },

    /**
     * What create() would refuse for each input, without writing anything (the
     * bulk import's preview): null where the request would be created.
     * FORBIDDEN (audited) if the actor may not file at all.
     */
    async checkMany(ctx: CallContext, inputs: NewRequest[]): Promise<Array<AppError | null>> {
      return (await checkAll(ctx, inputs)).map((c) => ("error" in c ? c.error : null));
    },

    /**
     * Creates drafts for every input in ONE transaction, or none (the bulk
     * import): everything is checked first, then each row is inserted with the
     * same event and audit entry as create(). If every input carries an
     * idempotency key that already exists, the batch was created before and is
     * returned again; a partial clash (or any failure) rolls the whole batch back.
     */
    async createMany(ctx: CallContext, inputs: NewRequest[]): Promise<RequestRecord[]> {
      const refuseMany = async (e: AppError): Promise<never> => refuse(ctx, "create_many", e, null);
      if (inputs.length === 0) return refuseMany(new AppError("REQUEST_INVALID", "Không có hồ sơ nào để tạo"));
      const replay = async (): Promise<RequestRecord[] | null> => {
        if (!inputs.every((i) => i.idempotencyKey?.trim())) return null;
        const found: RequestRecord[] = [];
        for (const i of inputs) {
          const r = await store.requests.findByIdempotencyKey(i.unitId, i.idempotencyKey!.trim());
          if (!r) return null;
          found.push(r);
        }
        return found;
      };
      const before = await replay();
      if (before) return before;
      const results = await checkAll(ctx, inputs);
      const rows = results.flatMap((c, index) => ("error" in c ? [{ index, code: c.error.code, message: c.error.message, fields: (c.error.details?.fields as Record<string, string> | undefined) ?? {} }] : []));
      if (rows.length) return refuseMany(new AppError("REQUEST_INVALID", `${rows.length}/${inputs.length} hồ sơ chưa hợp lệ: không hồ sơ nào được tạo`, { rows }));
      const checked = results.flatMap((c) => ("error" in c ? [] : [c]));
      const at = now();
      let ids: number[];
      try {
        ids = await store.transaction(async (tx) => {
          const out: number[] = [];
          for (const c of checked) out.push(await insertDraft(tx, ctx, c.input, c.type, c.key, c.prepared, at));
          return out;
        });
      } catch (e) {
        const after = await replay(); // a concurrent confirm of the same batch committed first
        if (after) return after;
        const message = isAppError(e) ? e.message : "Không tạo được lô hồ sơ: không hồ sơ nào được tạo";
        return refuseMany(new AppError("REQUEST_CONFLICT", message.slice(0, 500), { count: inputs.length }));
      }
      const created: RequestRecord[] = [];
      for (const id of ids) created.push((await store.requests.findById(id))!);
      return created;
    },

    /** Changes a draft's or returned request's fields (and CSR). */
    async edit(ctx: CallContext, id: number, input: { data: unknown; csr?: Buffer | string | null | undefined }): Promise<RequestRecord> {
      const r = await visible(ctx, id, "edit");
      await requirePermission(ctx, r, ["requests.file"], "edit");
      if (!isEditable(r.state)) return refuse(ctx, "edit", new AppError("REQUEST_STATE_INVALID", "Chỉ sửa được hồ sơ nháp hoặc hồ sơ bị trả lại"), String(id));
      try {
        const scope = (await scopeOf(ctx.actor, "requests.file"))!;
        const resolved = await resolveRequest({ store, config: deps.config, clock }, { type: r.type, unitId: r.unitId, raw: input.data, scope, selfId: r.id });
        const csrDer = input.csr === undefined ? undefined : await checkRequestCsr(r.type, input.csr);
        const at = now();
        const ok = await store.transaction(async (tx) => {
          if (!(await tx.requests.edit(id, { ...resolved, ...(csrDer ? { csrDer } : {}) }, at))) return false;
          await tx.requests.appendEvent({ requestId: id, action: "edit", fromState: r.state, toState: r.state, actor: auditActor(ctx.actor), userId: userIdOf(ctx.actor), role: auditRole(ctx.actor).role, reason: null, at });
          await tx.audit.append({ actor: auditActor(ctx.actor), ...auditRole(ctx.actor), action: "request.edit", objectType: "request", objectId: String(id), outcome: "ok", requestId: ctx.requestId, details: { type: r.type, csr: csrDer ? "replaced" : "kept" } }, at);
          return true;
        });
        if (!ok) return stale(ctx, id, "edit");
      } catch (e) {
        if (isAppError(e) && e.code !== "REQUEST_STATE_INVALID") await refuse(ctx, "edit", e, String(id));
        throw e;
      }
      return (await store.requests.findById(id))!;
    },

    /**
     * One step of the workflow. Concurrent steps on one request: exactly one
     * wins (conditional UPDATE); the others get REQUEST_STATE_INVALID.
     */
    async act(ctx: CallContext, id: number, action: RequestAction, reasonIn?: string | null): Promise<RequestRecord> {
      const r = await visible(ctx, id, action);
      if (!(action in TRANSITIONS)) return refuse(ctx, "act", new AppError("REQUEST_INVALID", "Thao tác không hợp lệ"), String(id));
      await requirePermission(ctx, r, permissionsFor(action, r.state), action);
      const reason = reasonIn?.normalize("NFC").trim().slice(0, 1000) || null;
      const t = TRANSITIONS[action];
      if (t.reason === "required" && !reason) return refuse(ctx, action, new AppError("REQUEST_INVALID", "Phải ghi rõ lý do", { fields: { reason: "Bắt buộc ghi lý do" } }), String(id));
      if (!canTransition(action, r.state)) {
        return refuse(ctx, action, new AppError("REQUEST_STATE_INVALID", `Không thể ${action} hồ sơ ở trạng thái «${r.state}»`, { state: r.state }), String(id));
      }
      // A system-opened change request (transfer, merger) has no CSR yet: the agency must add one first.
      if ((action === "forward" || action === "approve" || action === "complete") && issuesCertificate(r.type) && !r.hasCsr) {
        return refuse(ctx, action, new AppError("REQUEST_INVALID", "Hồ sơ chưa có yêu cầu ký chứng thư (CSR) tạo trên token: hãy trả lại để đơn vị bổ sung", { fields: { csr: "Chưa có CSR" } }), String(id));
      }
      const notForType = typeRefuses(r.type, action);
      if (notForType) return refuse(ctx, action, new AppError("REQUEST_STATE_INVALID", notForType), String(id));
      switch (action) {
        case "submit":
          return submitNow(ctx, r, r.state === "returned" ? "resubmit" : "submit");
        case "withdraw":
        case "forward":
        case "return":
        case "reject": {
          await step(ctx, r, action, [r.state], t.to, reason, action === "return" || action === "reject" ? { lastReason: reason } : action === "withdraw" ? { completedAt: now() } : {});
          const after = (await store.requests.findById(id))!;
          if (action === "forward") notice("waiting_approval", after, reason);
          if (action === "return") notice("returned", after, reason);
          if (action === "reject") notice("rejected", after, reason);
          return after;
        }
        case "complete":
          return deps.executor.execute(ctx, r, "complete", reason);
        case "approve":
          return deps.executor.execute(ctx, r, "approve", reason);
      }
    },

    ...createRequestAttachments({ ...deps, access }),
    ...createRequestReads({ ...deps, access }),
  };
}

export type RequestService = ReturnType<typeof createRequestService>;
