// Keeping the subscriber registry (issue 5, "Registries"): an agency records
// its subscribers — officials, the organisation itself (its seal-keeping
// clerk), devices/services/software — under a unit in the actor's
// "subscribers.manage" scope, and corrects them. Validates every field with a
// Vietnamese message, refuses a second record of the same CCCD in one unit, and
// audits every change (before/after) and every refusal. Moving a subscriber to
// another unit or changing its kind is not an edit here: a transfer has
// certificate effects (Decree 68/2024 Art. 17) and goes through a request.
import { z } from "zod";
import type { AccessAudit } from "../access/access-audit";
import { auditActor, auditRole, type CallContext } from "../access/actor";
import { inScope, type Scope, type Scoper } from "../access/scope";
import type { UnitSource, UnitSummary } from "../directory/unit-source";
import { AppError, isAppError } from "../errors/app-error";
import type { Store } from "../store/store";
import { SUBSCRIBER_KINDS, type SubscriberInput, type SubscriberKind, type SubscriberRecord } from "../store/subscriber-store";

/** What a form posts (every value a string, as a browser sends it). */
export interface SubscriberForm {
  kind?: string | undefined;
  unitId?: string | number | undefined;
  name?: string | undefined;
  nationalId?: string | undefined;
  position?: string | undefined;
  email?: string | undefined;
  phone?: string | undefined;
  purpose?: string | undefined;
  responsiblePerson?: string | undefined;
}

type Fields = Omit<SubscriberInput, "kind" | "unitId">;

// Control and invisible characters never belong in a name (it may end up in a certificate subject).
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]/;
const EMAIL = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;
const clean = (s: string) => s.normalize("NFC").trim().replace(/\s+/g, " ");

// Text fields: required or optional (blank → null), NFC, one space, no control characters, a length
// that fits a certificate subject's attribute (RFC 5280 ub-common-name 64).
function text(label: string, max: number, required: boolean) {
  return z
    .string()
    .optional()
    .transform((s) => (s === undefined ? "" : clean(s)))
    .refine((s) => !required || s.length > 0, `${label}: bắt buộc`)
    .refine((s) => !CONTROL.test(s), `${label}: có ký tự điều khiển hoặc ký tự ẩn`)
    .refine((s) => [...s].length <= max, `${label}: dài quá ${max} ký tự`)
    .transform((s) => s || null);
}

function email(label: string, required: boolean) {
  return z
    .string()
    .optional()
    .transform((s) => (s ?? "").trim().toLowerCase())
    .refine((s) => !required || s.length > 0, `${label}: bắt buộc`)
    .refine((s) => s === "" || (s.length <= 128 && EMAIL.test(s)), `${label}: không đúng định dạng địa chỉ thư điện tử`)
    .transform((s) => s || null);
}

// The 12-digit personal identification number on the citizen identity card (Law on Identification 2023, Art. 12).
const nationalId = z
  .string()
  .optional()
  .transform((s) => (s ?? "").replace(/\s/g, ""))
  .refine((s) => s.length > 0, "Số định danh cá nhân (CCCD): bắt buộc")
  .refine((s) => s === "" || /^\d{12}$/.test(s), "Số định danh cá nhân (CCCD): phải gồm đúng 12 chữ số");

const phone = z
  .string()
  .optional()
  .transform((s) => (s ?? "").replace(/[\s.()-]/g, ""))
  .refine((s) => s === "" || /^\+?\d{9,15}$/.test(s), "Số điện thoại: chỉ gồm 9–15 chữ số")
  .transform((s) => s || null);

const FORMS = {
  // Mẫu 01's subscriber: an official of the agency.
  individual: z.object({
    name: text("Họ và tên", 64, true),
    nationalId,
    position: text("Chức vụ", 64, true),
    email: email("Thư điện tử công vụ", true),
    phone,
  }),
  // Mẫu 02's subscriber: the agency itself; its certificate is kept by the clerk who keeps the seal.
  organization: z.object({
    name: text("Tên cơ quan, tổ chức", 64, false),
    responsiblePerson: text("Người giữ con dấu (văn thư)", 64, true),
    email: email("Thư điện tử của cơ quan", false),
    phone,
  }),
  // Mẫu 03's subscriber: a device, service or software and the person answerable for it.
  device: z.object({
    name: text("Tên thiết bị, dịch vụ, phần mềm", 64, true),
    purpose: text("Mục đích sử dụng", 500, true),
    responsiblePerson: text("Người chịu trách nhiệm", 64, true),
    email: email("Thư điện tử", false),
  }),
} satisfies Record<SubscriberKind, z.ZodType>;

/** The fields each kind's form has, in order (the page shows these). */
export const FORM_FIELDS: Readonly<Record<SubscriberKind, readonly string[]>> = {
  individual: ["name", "nationalId", "position", "email", "phone"],
  organization: ["name", "responsiblePerson", "email", "phone"],
  device: ["name", "purpose", "responsiblePerson", "email"],
};

function isKind(s: unknown): s is SubscriberKind {
  return typeof s === "string" && (SUBSCRIBER_KINDS as readonly string[]).includes(s);
}

/** Validates one kind's fields; SUBSCRIBER_INVALID lists each wrong field with its Vietnamese message. */
export function parseSubscriberFields(kind: SubscriberKind, form: SubscriberForm): Fields {
  const result = FORMS[kind].safeParse(form);
  if (result.success) return result.data as Fields;
  const fields: Record<string, string> = {};
  for (const issue of result.error.issues) fields[String(issue.path[0] ?? "_")] ??= issue.message;
  throw new AppError("SUBSCRIBER_INVALID", `Thông tin thuê bao chưa hợp lệ: ${Object.values(fields).join("; ")}`, { fields });
}

// Personal data in the audit log is kept to what an auditor needs (Decree 13/2023 on personal
// data protection, Art. 3 "minimisation"): the CCCD shows its last four digits only.
const mask = (k: string, v: unknown) => (k === "nationalId" && typeof v === "string" ? `********${v.slice(-4)}` : v);
const summary = (f: Partial<Fields>) => Object.fromEntries(Object.entries(f).map(([k, v]) => [k, mask(k, v)]));

export interface SubscriberServiceDeps {
  store: Store;
  units: UnitSource;
  scoper: Scoper;
  accessAudit: AccessAudit;
  clock: () => Date;
}

export function createSubscriberService(deps: SubscriberServiceDeps) {
  const { store, scoper, accessAudit, clock } = deps;
  const now = () => new Date(Math.floor(clock().getTime() / 1000) * 1000);

  async function manageScope(ctx: CallContext, action: string): Promise<Scope> {
    if (!scoper.may(ctx.actor, "subscribers.manage")) {
      await accessAudit.denied({ actor: ctx.actor, requestId: ctx.requestId, action, reason: "forbidden", details: { permission: "subscribers.manage" } });
      throw new AppError("FORBIDDEN", "Bạn không có quyền quản lý thuê bao");
    }
    return scoper.scopeFor(ctx.actor, clock(), "subscribers.manage");
  }

  async function refuse(ctx: CallContext, action: string, e: AppError, objectId: string | null, details: Record<string, unknown> = {}): Promise<never> {
    await store.audit.append(
      { actor: auditActor(ctx.actor), ...auditRole(ctx.actor), action, objectType: "subscriber", objectId, outcome: "refused", requestId: ctx.requestId, details: { code: e.code, message: e.message.slice(0, 500), ...details } },
      clock(),
    );
    throw e;
  }

  /** The subscriber if the actor may manage it; NOT_FOUND (audited) otherwise, as for a page they may not see. */
  async function managed(ctx: CallContext, id: number, action: string): Promise<{ s: SubscriberRecord; scope: Scope }> {
    const scope = await manageScope(ctx, action);
    const s = await store.subscribers.findById(id);
    if (!s || !inScope(scope, s.unitId)) {
      await accessAudit.denied({ actor: ctx.actor, requestId: ctx.requestId, action, objectType: "subscriber", objectId: String(id), reason: s ? "out_of_scope" : "not_found" });
      throw new AppError("NOT_FOUND", `Không có thuê bao ${id}`);
    }
    return { s, scope };
  }

  /** The same CCCD twice in one unit is one person recorded twice: refused. */
  async function checkDuplicate(ctx: CallContext, action: string, unitId: number, f: Fields, selfId: number | null): Promise<void> {
    if (!f.nationalId) return;
    const other = await store.subscribers.findIndividual(unitId, f.nationalId);
    if (other && other.id !== selfId) {
      const e = new AppError("SUBSCRIBER_DUPLICATE", `Đơn vị đã có thuê bao với số CCCD này (${other.name})`, { fields: { nationalId: `Số CCCD này đã có trong đơn vị: thuê bao «${other.name}»` }, existingId: other.id });
      await refuse(ctx, action, e, selfId === null ? null : String(selfId), { unitId, existingId: other.id });
    }
  }

  return {
    /** The units the actor may record subscribers under (for the form's choice), by name. */
    async formUnits(ctx: CallContext): Promise<UnitSummary[]> {
      const scope = await manageScope(ctx, "subscriber.form");
      const units = await deps.units.unitsAsOf(clock(), scope.all ? undefined : scope.unitIds);
      return units.sort((a, b) => a.name.localeCompare(b.name, "vi"));
    },

    /** A subscriber to edit, with its unit; NOT_FOUND (audited) out of scope. */
    async forEdit(ctx: CallContext, id: number): Promise<SubscriberRecord & { unit: UnitSummary | null }> {
      const { s } = await managed(ctx, id, "subscriber.update");
      const [unit] = await deps.units.unitsAsOf(clock(), [s.unitId]);
      return { ...s, unit: unit ?? null };
    },

    /** Records a new subscriber. Refusals change nothing and are audited. */
    async create(ctx: CallContext, form: SubscriberForm): Promise<SubscriberRecord> {
      const action = "subscriber.create";
      const scope = await manageScope(ctx, action);
      try {
        const bad = (field: string, message: string) => new AppError("SUBSCRIBER_INVALID", `Thông tin thuê bao chưa hợp lệ: ${message}`, { fields: { [field]: message } });
        if (!isKind(form.kind)) throw bad("kind", "Loại thuê bao: chọn cá nhân, tổ chức hoặc thiết bị, dịch vụ, phần mềm");
        const kind = form.kind;
        const unitText = String(form.unitId ?? "").trim();
        if (!/^\d{1,9}$/.test(unitText)) throw bad("unitId", "Cơ quan quản lý trực tiếp: chọn một đơn vị");
        const unitId = Number(unitText);
        const [unit] = await deps.units.unitsAsOf(clock(), [unitId]);
        if (!unit || !inScope(scope, unitId)) {
          // A unit the actor may not manage does not exist for them (as on every page): 404, audited.
          await accessAudit.denied({ actor: ctx.actor, requestId: ctx.requestId, action, objectType: "unit", objectId: String(unitId), reason: unit ? "out_of_scope" : "not_found" });
          throw new AppError("NOT_FOUND", `Không có đơn vị ${unitId}`);
        }
        const f = parseSubscriberFields(kind, form);
        // Mẫu 02: the organisation's certificate names the unit itself unless the form says otherwise.
        if (kind === "organization" && !f.name) f.name = unit.name;
        await checkDuplicate(ctx, action, unitId, f, null);
        const at = now();
        const id = await store.transaction(async (tx) => {
          const newId = await tx.subscribers.insert({ kind, unitId, ...f, name: f.name! }, at);
          await tx.audit.append(
            { actor: auditActor(ctx.actor), ...auditRole(ctx.actor), action, objectType: "subscriber", objectId: String(newId), outcome: "ok", requestId: ctx.requestId, details: { kind, unitId }, before: null, after: summary(f) },
            at,
          );
          return newId;
        });
        return (await store.subscribers.findById(id))!;
      } catch (e) {
        // NOT_FOUND was audited as an access refusal, a duplicate where it was found.
        if (isAppError(e) && e.code === "SUBSCRIBER_INVALID") await refuse(ctx, action, e, null, { fields: e.details?.fields });
        throw e;
      }
    },

    /** Corrects a subscriber's details (not its unit or kind). Only changed fields are written and audited. */
    async update(ctx: CallContext, id: number, form: SubscriberForm): Promise<SubscriberRecord> {
      const action = "subscriber.update";
      const { s } = await managed(ctx, id, action);
      let f: Fields;
      try {
        f = parseSubscriberFields(s.kind, form);
      } catch (e) {
        if (isAppError(e)) await refuse(ctx, action, e, String(id), { fields: e.details?.fields });
        throw e;
      }
      if (s.kind === "organization" && !f.name) f.name = s.name;
      await checkDuplicate(ctx, action, s.unitId, f, s.id);
      const before: Partial<Fields> = {};
      const after: Partial<Fields> = {};
      for (const k of FORM_FIELDS[s.kind] as Array<keyof Fields>) {
        const old = (s as unknown as Record<string, string | null>)[k] ?? null;
        const next = f[k] ?? null;
        if (old !== next) {
          (before as Record<string, unknown>)[k] = old;
          (after as Record<string, unknown>)[k] = next;
        }
      }
      if (Object.keys(after).length === 0) return s;
      const at = now();
      await store.transaction(async (tx) => {
        await tx.subscribers.update(id, after, at);
        await tx.audit.append(
          { actor: auditActor(ctx.actor), ...auditRole(ctx.actor), action, objectType: "subscriber", objectId: String(id), outcome: "ok", requestId: ctx.requestId, details: { kind: s.kind, unitId: s.unitId }, before: summary(before), after: summary(after) },
          at,
        );
      });
      return (await store.subscribers.findById(id))!;
    },
  };
}

export type SubscriberService = ReturnType<typeof createSubscriberService>;
