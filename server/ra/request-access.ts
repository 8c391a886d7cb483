// What every part of the request workflow checks first: may this actor see the
// request (else NOT_FOUND, audited), do they hold the permission on its unit
// (else FORBIDDEN, audited), and the audited refusal itself. Reads only.
import type { AccessAudit } from "../access/access-audit";
import { auditActor, auditRole, type Actor, type CallContext } from "../access/actor";
import type { Permission } from "../access/roles";
import { inScope, type Scope, type Scoper } from "../access/scope";
import type { Config } from "../config/schema";
import { AppError } from "../errors/app-error";
import type { RequestRecord } from "../store/request-store";
import type { Store } from "../store/store";
import { referenceOf } from "./request-ports";
import type { RequestAction } from "./request-states";
import type { RequestType } from "./request-types";

export interface RequestAccessDeps {
  config: Config;
  store: Store;
  scoper: Scoper;
  accessAudit: AccessAudit;
  clock: () => Date;
}

export function createRequestAccess(deps: RequestAccessDeps) {
  const { store, scoper, clock } = deps;
  const now = () => new Date(Math.floor(clock().getTime() / 1000) * 1000);
  const userIdOf = (a: Actor) => (a.userId > 0 ? a.userId : null);

  async function scopeOf(actor: Actor, permission: Permission): Promise<Scope | null> {
    return scoper.may(actor, permission) ? scoper.scopeFor(actor, clock(), permission) : null;
  }

  async function refuse(ctx: CallContext, action: string, e: AppError, objectId: string | null): Promise<never> {
    await store.audit.append(
      {
        actor: auditActor(ctx.actor),
        ...auditRole(ctx.actor),
        action: `request.${action}`,
        objectType: "request",
        objectId,
        outcome: "refused",
        requestId: ctx.requestId,
        details: { code: e.code, message: e.message.slice(0, 500) },
      },
      clock(),
    );
    throw e;
  }

  /** The request, if the actor may see it at all; NOT_FOUND (audited when it exists) otherwise. */
  async function visible(ctx: CallContext, id: number, action: string): Promise<RequestRecord> {
    const r = await store.requests.findById(id);
    const scope = await scopeOf(ctx.actor, "requests.view");
    if (!r || !scope || !inScope(scope, r.unitId)) {
      if (r) await deps.accessAudit.denied({ actor: ctx.actor, requestId: ctx.requestId, action: `request.${action}`, objectType: "request", objectId: String(id), reason: "out_of_scope" });
      throw new AppError("REQUEST_NOT_FOUND", `Không có hồ sơ ${referenceOf(id)}`);
    }
    return r;
  }

  /** FORBIDDEN (audited) unless the actor holds `permission` on the request's unit. */
  async function requirePermission(ctx: CallContext, r: RequestRecord, permissions: Permission[], action: string): Promise<void> {
    for (const p of permissions) {
      const scope = await scopeOf(ctx.actor, p);
      if (scope && inScope(scope, r.unitId)) return;
    }
    await deps.accessAudit.denied({ actor: ctx.actor, requestId: ctx.requestId, action: `request.${action}`, objectType: "request", objectId: String(r.id), reason: "forbidden", details: { permissions } });
    throw new AppError("FORBIDDEN", "Bạn không có quyền thực hiện thao tác này trên hồ sơ này");
  }

  function isDelegated(type: RequestType): boolean {
    // The lost-token record (Mẫu 09) is confirmed by the province: its revocation already happened.
    return type === "token_lost" || deps.config.requests.delegatedToProvince.includes(type);
  }

  /**
   * Why this request's type does not take this action at all (whatever its state), or null:
   * only delegated types are completed by the province; the lost-token record is never sent to the CA.
   */
  function typeRefuses(type: RequestType, action: RequestAction): string | null {
    if (action === "complete" && !isDelegated(type)) return "Loại hồ sơ này không được uỷ quyền cho Sở: hãy chuyển lên CA";
    if (action === "forward" && type === "token_lost") return "Biên bản mất token do Sở xác nhận, không chuyển lên CA";
    return null;
  }

  return { now, userIdOf, scopeOf, refuse, visible, requirePermission, isDelegated, typeRefuses };
}

export type RequestAccess = ReturnType<typeof createRequestAccess>;
