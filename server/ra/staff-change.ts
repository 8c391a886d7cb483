// A person's staff change (Decree 68/2024 Art. 17, ../shared/domain.md): a
// transfer inside the state sector moves the subscriber, their live certificates
// and held tokens to the new unit and opens a change-of-information request per
// certificate (they keep the certificate until it is re-issued); leaving the
// state sector (retirement, resignation, death) revokes every live certificate
// with the mapped RFC 5280 reason and opens a token-return task (Mẫu 08, 5
// working days). Preview and execution are one plan; execution refuses if the
// plan changed since the preview. Never signs; announces revocations after commit.
import { createHash } from "node:crypto";
import type { AccessAudit } from "../access/access-audit";
import { auditActor, auditRole, type CallContext } from "../access/actor";
import { inScope, type Scoper } from "../access/scope";
import { vietnamDay } from "../directory/unit-source";
import { AppError, isAppError } from "../errors/app-error";
import type { Store } from "../store/store";
import type { SubscriberRecord } from "../store/subscriber-store";
import type { DeadlinePort, RevocationPort } from "./request-ports";
import { referenceOf } from "./request-ports";
import type { RevocationNotice } from "./revocation-service";
import { TRIGGER_REASON, type CrlReasonName, type RevocationTrigger } from "./revocation-reasons";

export const STAFF_CHANGE_KINDS = ["transfer", "retired", "resigned", "deceased"] as const;
export type StaffChangeKind = (typeof STAFF_CHANGE_KINDS)[number];

/** Token states in which the holder still has the token (Mẫu 08: the agency collects it). */
export const HELD_TOKEN_STATES = ["issued", "in_use", "locked", "recovered"] as const;

export type StaffAction = "move" | "rehome_change" | "rehome" | "revoke" | "token_return" | "none";

export interface StaffEffect {
  objectKind: "subscriber" | "cert" | "token";
  objectId: string;
  /** Who or what, as people read it (a name, a serial, a token serial). */
  label: string;
  action: StaffAction;
  fromUnitId: number | null;
  toUnitId: number | null;
  reason: CrlReasonName | null;
  /** Why nothing more happens (e.g. a request already open). */
  note: string | null;
}

export interface UnitRef {
  id: number;
  code: string;
  name: string;
}

export interface StaffChangeInput {
  kind: string;
  /** The new unit of a transfer. */
  toUnitId?: number | null | undefined;
  note?: string | null | undefined;
}

export interface StaffChangePreview {
  subscriber: SubscriberRecord;
  kind: StaffChangeKind;
  trigger: RevocationTrigger;
  reason: CrlReasonName;
  fromUnit: UnitRef;
  toUnit: UnitRef | null;
  effects: StaffEffect[];
  /** sha256 of the effects: execution insists it still holds. */
  digest: string;
}

export interface StaffChangeResult extends StaffChangePreview {
  /** Change-of-information requests (transfer) or token-return tasks (leaving) opened. */
  requestIds: number[];
  revoked: string[];
}

export interface StaffChangeDeps {
  store: Store;
  scoper: Scoper;
  accessAudit: AccessAudit;
  revocation: RevocationPort;
  /** portal.requestExecutor.openTokenReturn */
  openTokenReturn: (tx: Store, actor: string, input: { tokenId: number; unitId: number; reason: string }) => Promise<number | null>;
  deadlines: DeadlinePort;
  clock: () => Date;
}

const TRIGGER_OF: Record<StaffChangeKind, RevocationTrigger> = { transfer: "transferred", retired: "retired", resigned: "resigned", deceased: "deceased" };

export function isStaffChangeKind(s: unknown): s is StaffChangeKind {
  return typeof s === "string" && (STAFF_CHANGE_KINDS as readonly string[]).includes(s);
}

export function digestOf(effects: readonly unknown[]): string {
  return createHash("sha256").update(JSON.stringify(effects)).digest("hex");
}

/**
 * Opens a change-of-information request (Mẫu 04) for a certificate whose unit
 * changed, as the system, submitted at once (its deadline runs from now). The
 * request belongs to the new unit, so the re-issued subject names it; the CSR
 * is supplied by the new agency when the province returns the dossier for it.
 */
export async function openChangeRequest(
  tx: Store,
  deadlines: DeadlinePort,
  by: { actor: string; userId: number | null; role: string | null; unitId: number | null; requestId: string | null },
  input: { serial: string; unitId: number; subscriberId: number; tokenId: number | null; summary: string; reasonText: string },
  at: Date,
): Promise<number> {
  const id = await tx.requests.insert(
    {
      type: "change",
      state: "submitted",
      unitId: input.unitId,
      subscriberId: input.subscriberId,
      targetSerial: input.serial,
      tokenId: input.tokenId,
      data: { targetSerial: input.serial, reasonText: input.reasonText.slice(0, 1000) },
      summary: input.summary.slice(0, 255),
      csrDer: null,
      source: "system",
      idempotencyKey: null,
      createdByUserId: by.userId,
      createdBy: by.actor,
      submittedAt: at,
      dueDate: await deadlines.dueDate("change", at, tx),
    },
    at,
  );
  await tx.requests.appendEvent({ requestId: id, action: "create", fromState: null, toState: "submitted", actor: by.actor, userId: by.userId, role: by.role, reason: input.reasonText.slice(0, 1000), at });
  await tx.audit.append(
    { actor: by.actor, role: by.role, unitId: by.unitId, action: "request.create", objectType: "request", objectId: String(id), outcome: "ok", requestId: by.requestId, details: { type: "change", source: "system", targetSerial: input.serial, unitId: input.unitId } },
    at,
  );
  return id;
}

export function createStaffChangeService(deps: StaffChangeDeps) {
  const { store, clock } = deps;
  const now = () => new Date(Math.floor(clock().getTime() / 1000) * 1000);
  const today = () => vietnamDay(clock());

  async function refuse(ctx: CallContext, action: string, objectId: string, e: AppError): Promise<never> {
    await store.audit
      .append({ actor: auditActor(ctx.actor), ...auditRole(ctx.actor), action, objectType: "subscriber", objectId, outcome: "refused", requestId: ctx.requestId, details: { code: e.code, message: e.message.slice(0, 500) } }, clock())
      .catch(() => undefined);
    throw e;
  }

  async function unitRef(s: Store, id: number): Promise<UnitRef | null> {
    const [v] = await s.units.versionsAsOf(today(), [id]);
    return v ? { id: v.unitId, code: v.code, name: v.name } : null;
  }

  /** The subscriber, if the actor may file requests for their unit; 404 (audited) otherwise. */
  async function subscriberFor(ctx: CallContext, id: number, action: string): Promise<SubscriberRecord> {
    if (!deps.scoper.may(ctx.actor, "requests.file")) {
      await deps.accessAudit.denied({ actor: ctx.actor, requestId: ctx.requestId, action, objectType: "subscriber", objectId: String(id), reason: "forbidden" });
      throw new AppError("FORBIDDEN", "Bạn không có quyền lập hồ sơ cho thuê bao");
    }
    const s = Number.isSafeInteger(id) ? await store.subscribers.findById(id) : null;
    const scope = await deps.scoper.scopeFor(ctx.actor, clock(), "requests.file");
    if (!s || !inScope(scope, s.unitId)) {
      if (s) await deps.accessAudit.denied({ actor: ctx.actor, requestId: ctx.requestId, action, objectType: "subscriber", objectId: String(id), reason: "out_of_scope" });
      throw new AppError("SUBSCRIBER_NOT_FOUND", `Không có thuê bao ${String(id).slice(0, 12)} trong đơn vị của bạn`);
    }
    return s;
  }

  /** The plan, read on `s` (the store, or the executing transaction). */
  async function plan(s: Store, subscriber: SubscriberRecord, input: StaffChangeInput): Promise<StaffChangePreview> {
    if (!isStaffChangeKind(input.kind)) throw new AppError("INPUT_INVALID", "Chọn chuyển công tác, nghỉ hưu, thôi việc hoặc từ trần", { fields: { kind: "Chọn một trường hợp" } });
    const kind = input.kind;
    const trigger = TRIGGER_OF[kind];
    const reason = TRIGGER_REASON[trigger];
    const fromUnit = (await unitRef(s, subscriber.unitId)) ?? { id: subscriber.unitId, code: `#${subscriber.unitId}`, name: `#${subscriber.unitId}` };
    const at = now();
    const certs = await s.orgChanges.liveCertificatesOfSubscriber(subscriber.id, at);
    const tokens = await s.orgChanges.tokensHeldBy(subscriber.id, HELD_TOKEN_STATES);
    const effects: StaffEffect[] = [];
    let toUnit: UnitRef | null = null;
    if (kind === "transfer") {
      const to = Number(input.toUnitId);
      toUnit = Number.isSafeInteger(to) && to > 0 ? await unitRef(s, to) : null;
      if (!toUnit) throw new AppError("INPUT_INVALID", "Chọn đơn vị mới (đang tồn tại) trong khu vực nhà nước", { fields: { toUnitId: "Chọn đơn vị mới" } });
      if (toUnit.id === subscriber.unitId) throw new AppError("INPUT_INVALID", "Đơn vị mới trùng đơn vị hiện tại", { fields: { toUnitId: "Chọn một đơn vị khác" } });
      effects.push({ objectKind: "subscriber", objectId: String(subscriber.id), label: subscriber.name, action: "move", fromUnitId: subscriber.unitId, toUnitId: toUnit.id, reason: null, note: null });
      for (const c of certs) {
        const open = await s.requests.openForTarget(c.serial, ["renewal", "change", "revocation"]);
        effects.push({
          objectKind: "cert",
          objectId: c.serial,
          label: c.commonName,
          action: open.length ? "rehome" : "rehome_change",
          fromUnitId: c.unitId,
          toUnitId: toUnit.id,
          reason: null,
          note: open.length ? `Đã có hồ sơ ${open.map((r) => referenceOf(r.id)).join(", ")} đang xử lý: không mở thêm` : null,
        });
      }
      for (const t of tokens) effects.push({ objectKind: "token", objectId: String(t.id), label: t.serial, action: "rehome", fromUnitId: t.unitId, toUnitId: toUnit.id, reason: null, note: null });
    } else {
      for (const c of certs) effects.push({ objectKind: "cert", objectId: c.serial, label: c.commonName, action: "revoke", fromUnitId: c.unitId, toUnitId: null, reason, note: null });
      for (const t of tokens) {
        const open = await s.requests.openForToken(t.id, ["token_return"]);
        effects.push({
          objectKind: "token",
          objectId: String(t.id),
          label: t.serial,
          action: open.length ? "none" : "token_return",
          fromUnitId: t.unitId,
          toUnitId: null,
          reason: null,
          note: open.length ? `Đã có nhiệm vụ thu hồi token ${referenceOf(open[0]!.id)}` : null,
        });
      }
    }
    return { subscriber, kind, trigger, reason, fromUnit, toUnit, effects, digest: digestOf([kind, toUnit?.id ?? null, effects]) };
  }

  const actionName = (kind: StaffChangeKind) => (kind === "transfer" ? "staff.transfer" : "staff.leave");

  return {
    /** The form: the subscriber (if the actor may file for them) and the units a transfer may go to today. */
    async form(ctx: CallContext, subscriberId: number): Promise<{ subscriber: SubscriberRecord; fromUnit: UnitRef | null; units: UnitRef[] }> {
      const s = await subscriberFor(ctx, subscriberId, "staff.form");
      const units = (await store.units.versionsAsOf(today())).filter((v) => v.unitId !== s.unitId).map((v) => ({ id: v.unitId, code: v.code, name: v.name }));
      return { subscriber: s, fromUnit: await unitRef(store, s.unitId), units };
    },

    /** What the change would do now; changes nothing. */
    async preview(ctx: CallContext, subscriberId: number, input: StaffChangeInput): Promise<StaffChangePreview> {
      const s = await subscriberFor(ctx, subscriberId, "staff.preview");
      try {
        return await plan(store, s, input);
      } catch (e) {
        if (isAppError(e)) await refuse(ctx, "staff.preview", String(subscriberId), e);
        throw e;
      }
    },

    /**
     * Does exactly what the preview with `expectDigest` showed, in one
     * transaction; refuses (ORG_CHANGE_INVALID) if the plan differs now.
     */
    async execute(ctx: CallContext, subscriberId: number, input: StaffChangeInput & { expectDigest?: string | undefined }): Promise<StaffChangeResult> {
      const s = await subscriberFor(ctx, subscriberId, "staff.execute");
      const actor = auditActor(ctx.actor);
      const role = auditRole(ctx.actor);
      const by = { actor, userId: ctx.actor.userId > 0 ? ctx.actor.userId : null, role: role.role, unitId: role.unitId, requestId: ctx.requestId };
      const notices: RevocationNotice[] = [];
      let result: StaffChangeResult;
      try {
        // Load the holiday calendar now: inside the transaction it would need a second connection (sqlite has one).
        await deps.deadlines.dueDate("change", now());
        result = await store.transaction(async (tx) => {
          notices.length = 0;
          const fresh = (await tx.subscribers.findById(s.id))!;
          const p = await plan(tx, fresh, input);
          if (input.expectDigest !== undefined && input.expectDigest !== p.digest) {
            throw new AppError("ORG_CHANGE_INVALID", "Ảnh hưởng đã thay đổi từ lúc xem trước (có chứng thư, token hoặc hồ sơ mới): hãy xem trước lại", { expected: input.expectDigest, actual: p.digest });
          }
          const at = now();
          const requestIds: number[] = [];
          const revoked: string[] = [];
          const why = input.note?.normalize("NFC").trim().slice(0, 300) || null;
          for (let i = 0; i < p.effects.length; i++) {
            const e = p.effects[i]!;
            if (e.action === "move") {
              if (!(await tx.orgChanges.moveSubscriber(fresh.id, e.fromUnitId!, e.toUnitId!, at))) throw new AppError("REQUEST_CONFLICT", "Thuê bao vừa được chuyển bởi người khác");
            } else if (e.action === "rehome" || e.action === "rehome_change") {
              const moved = e.objectKind === "cert"
                ? e.fromUnitId === null || (await tx.orgChanges.moveCertificate(e.objectId, e.fromUnitId, e.toUnitId!))
                : await tx.orgChanges.moveToken(Number(e.objectId), e.fromUnitId!, e.toUnitId!, at);
              if (!moved) throw new AppError("REQUEST_CONFLICT", `${e.label} vừa được chuyển bởi người khác`);
              if (e.action === "rehome_change") {
                const cert = (await tx.certificates.findBySerial(e.objectId))!;
                const tokenId = await tx.requests.tokenOfCertificate(e.objectId);
                const reasonText = `Chuyển công tác từ ${p.fromUnit.name} sang ${p.toUnit!.name}: thay đổi thông tin chứng thư (Mẫu 04)${why ? `. ${why}` : ""}`;
                requestIds.push(await openChangeRequest(tx, deps.deadlines, by, { serial: e.objectId, unitId: e.toUnitId!, subscriberId: fresh.id, tokenId, summary: cert.commonName, reasonText }, at));
              }
            } else if (e.action === "revoke") {
              // The leaver's certificates (consecutive in the plan) as one set.
              let j = i;
              while (j + 1 < p.effects.length && p.effects[j + 1]!.action === "revoke") j++;
              const set = p.effects.slice(i, j + 1);
              i = j;
              notices.push(...(await deps.revocation.revokeManyWithin(tx, set.map((r) => ({ serial: r.objectId, reason: r.reason!, actor, details: { trigger: p.trigger, subscriberId: fresh.id, staffChange: p.kind } })))));
              revoked.push(...set.map((r) => r.objectId));
            } else if (e.action === "token_return") {
              const id = await deps.openTokenReturn(tx, actor, { tokenId: Number(e.objectId), unitId: e.fromUnitId!, reason: `Thu hồi token ${e.label}: thuê bao ${fresh.name} ${KIND_TEXT[p.kind]}${why ? `. ${why}` : ""}` });
              if (id === null) throw new AppError("REQUEST_CONFLICT", `Token ${e.label} vừa thay đổi trạng thái`);
              requestIds.push(id);
            }
          }
          await tx.audit.append(
            {
              actor, ...role, action: actionName(p.kind), objectType: "subscriber", objectId: String(fresh.id), outcome: "ok", requestId: ctx.requestId,
              details: { kind: p.kind, trigger: p.trigger, reason: p.reason, from: p.fromUnit.code, to: p.toUnit?.code ?? null, digest: p.digest, effects: p.effects.map((e) => `${e.objectKind}:${e.objectId}:${e.action}`), requestIds, revoked, ...(why ? { note: why } : {}) },
            },
            at,
          );
          return { ...p, requestIds, revoked };
        });
      } catch (e) {
        if (isAppError(e)) await refuse(ctx, actionName(isStaffChangeKind(input.kind) ? input.kind : "transfer"), String(subscriberId), e);
        throw e;
      }
      deps.revocation.announce(notices);
      return result;
    },
  };
}

const KIND_TEXT: Record<StaffChangeKind, string> = { transfer: "chuyển công tác", retired: "nghỉ hưu", resigned: "thôi việc", deceased: "từ trần" };

export type StaffChangeService = ReturnType<typeof createStaffChangeService>;
