// API tokens: issue (a random 32-byte secret shown once; only its SHA-256 is
// kept), verify (the token becomes an Actor holding agency_focal_point on its
// unit, so the API gets exactly the web's scoping and audit), list and revoke.
// Who may manage tokens is api_tokens.manage on the token's unit. Knows nothing
// of HTTP (server/api/ and server/web/api-token-routes.ts call it).
import { createHash } from "node:crypto";
import type { AccessAudit } from "./access-audit";
import { auditActor, auditRole, type Actor, type CallContext } from "./actor";
import { inScope, type Scoper } from "./scope";
import type { UnitSource, UnitSummary } from "../directory/unit-source";
import { AppError } from "../errors/app-error";
import type { ApiTokenRecord } from "../store/api-token-store";
import type { Store } from "../store/store";

/** "ct_" + 43 base64url characters (32 random bytes). */
const SECRET = /^ct_[A-Za-z0-9_-]{43}$/;
const PREFIX_LENGTH = 11; // "ct_" + 8: enough to tell tokens apart, useless for guessing
export const MAX_EXPIRY_DAYS = 730;
// Writing last_used_at on every call would turn each read into a write; a minute is precise enough.
const TOUCH_GAP_SECONDS = 60;
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]/;

export type ApiTokenState = "active" | "expired" | "revoked";

export interface ApiTokenView extends ApiTokenRecord {
  state: ApiTokenState;
  unit: { id: number; code: string; name: string } | null;
}

export interface NewApiToken {
  unitId: number;
  name: string;
  /** null: never expires (until revoked). */
  expiresAt: Date | null;
}

export interface ApiTokenDeps {
  store: Store;
  scoper: Scoper;
  accessAudit: AccessAudit;
  units: UnitSource;
  clock: () => Date;
  random: (n: number) => Buffer;
}

export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

export function stateOf(t: ApiTokenRecord, now: Date): ApiTokenState {
  if (t.revokedAt) return "revoked";
  return t.expiresAt && t.expiresAt <= now ? "expired" : "active";
}

/** The actor an API token acts as: the unit's focal point (Decree 68/2024: the agency files through its focal point). */
export function actorOf(t: ApiTokenRecord): Actor {
  return { userId: 0, username: `api:${t.prefix}`, displayName: t.name, roles: [{ role: "agency_focal_point", unitId: t.unitId }] };
}

export function createApiTokens(deps: ApiTokenDeps) {
  const { store, clock } = deps;
  const now = () => new Date(Math.floor(clock().getTime() / 1000) * 1000);

  function invalidInput(fields: Record<string, string>): AppError {
    return new AppError("INPUT_INVALID", Object.values(fields).join("; "), { fields });
  }

  function checkInput(input: NewApiToken): { name: string; expiresAt: Date | null } {
    const name = String(input.name ?? "").normalize("NFC").trim().replace(/\s+/g, " ");
    const fields: Record<string, string> = {};
    if (!name) fields.name = "Tên: bắt buộc";
    else if ([...name].length > 100) fields.name = "Tên: dài quá 100 ký tự";
    else if (CONTROL.test(name)) fields.name = "Tên: có ký tự điều khiển hoặc ký tự ẩn";
    const at = now();
    if (input.expiresAt) {
      const days = (input.expiresAt.getTime() - at.getTime()) / 86_400_000;
      if (Number.isNaN(days) || days <= 0 || days > MAX_EXPIRY_DAYS + 1) fields.expiresAt = `Hạn dùng: từ 1 đến ${MAX_EXPIRY_DAYS} ngày`;
    }
    if (Object.keys(fields).length) throw invalidInput(fields);
    return { name, expiresAt: input.expiresAt ? new Date(Math.floor(input.expiresAt.getTime() / 1000) * 1000) : null };
  }

  async function unitsById(ids: number[]): Promise<Map<number, UnitSummary>> {
    const wanted = [...new Set(ids)];
    return new Map((wanted.length ? await deps.units.unitsAsOf(clock(), wanted) : []).map((u) => [u.id, u]));
  }

  async function views(rows: ApiTokenRecord[]): Promise<ApiTokenView[]> {
    const units = await unitsById(rows.map((r) => r.unitId));
    const at = clock();
    return rows.map((r) => {
      const u = units.get(r.unitId);
      return { ...r, state: stateOf(r, at), unit: u ? { id: u.id, code: u.code, name: u.name } : null };
    });
  }

  /** Creates the token; the secret is in the answer and nowhere else, ever. */
  async function create(who: { actor: string; role: string | null; roleUnitId: number | null; userId: number | null; requestId: string | null }, input: NewApiToken) {
    const checked = checkInput(input);
    const secret = `ct_${deps.random(32).toString("base64url")}`;
    const prefix = secret.slice(0, PREFIX_LENGTH);
    const at = now();
    const id = await store.transaction(async (tx) => {
      const newId = await tx.apiTokens.insert({ unitId: input.unitId, name: checked.name, prefix, secretHash: hashSecret(secret), createdByUserId: who.userId, createdBy: who.actor, expiresAt: checked.expiresAt }, at);
      await tx.audit.append(
        { actor: who.actor, role: who.role, unitId: who.roleUnitId, action: "api_token.create", objectType: "api_token", objectId: String(newId), outcome: "ok", requestId: who.requestId, details: { unitId: input.unitId, name: checked.name, prefix, expiresAt: checked.expiresAt?.toISOString() ?? null } },
        at,
      );
      return newId;
    });
    const [view] = await views([(await store.apiTokens.findById(id))!]);
    return { token: view!, secret };
  }

  async function revokeToken(who: { actor: string; role: string | null; roleUnitId: number | null; requestId: string | null }, t: ApiTokenRecord): Promise<ApiTokenView> {
    const at = now();
    await store.transaction(async (tx) => {
      if (!(await tx.apiTokens.revoke(t.id, who.actor, at))) return; // already revoked: nothing to do, nothing to log
      await tx.audit.append({ actor: who.actor, role: who.role, unitId: who.roleUnitId, action: "api_token.revoke", objectType: "api_token", objectId: String(t.id), outcome: "ok", requestId: who.requestId, details: { unitId: t.unitId, prefix: t.prefix } }, at);
    });
    return (await views([(await store.apiTokens.findById(t.id))!]))[0]!;
  }

  const whoOf = (ctx: CallContext) => {
    const r = auditRole(ctx.actor);
    return { actor: auditActor(ctx.actor), role: r.role, roleUnitId: r.unitId, userId: ctx.actor.userId > 0 ? ctx.actor.userId : null, requestId: ctx.requestId };
  };

  async function manageScope(ctx: CallContext, action: string) {
    if (!deps.scoper.may(ctx.actor, "api_tokens.manage")) {
      await deps.accessAudit.denied({ actor: ctx.actor, requestId: ctx.requestId, action, reason: "forbidden", details: { permission: "api_tokens.manage" } });
      throw new AppError("FORBIDDEN", "Bạn không có quyền quản lý khoá API");
    }
    return deps.scoper.scopeFor(ctx.actor, clock(), "api_tokens.manage");
  }

  async function visibleToken(ctx: CallContext, id: number, action: string): Promise<ApiTokenRecord> {
    const scope = await manageScope(ctx, action);
    const t = await store.apiTokens.findById(id);
    if (!t || !inScope(scope, t.unitId)) {
      if (t) await deps.accessAudit.denied({ actor: ctx.actor, requestId: ctx.requestId, action, objectType: "api_token", objectId: String(id), reason: "out_of_scope" });
      throw new AppError("NOT_FOUND", `Không có khoá API ${id}`);
    }
    return t;
  }

  return {
    /** A token for a unit in the caller's scope (api_tokens.manage). */
    async issue(ctx: CallContext, input: NewApiToken) {
      const scope = await manageScope(ctx, "api_token.create");
      if (!inScope(scope, input.unitId)) {
        await deps.accessAudit.denied({ actor: ctx.actor, requestId: ctx.requestId, action: "api_token.create", objectType: "unit", objectId: String(input.unitId), reason: "out_of_scope" });
        throw invalidInput({ unitId: "Chọn một đơn vị bạn quản lý" });
      }
      return create(whoOf(ctx), input);
    },

    /** The console operator (CLI): any existing unit, no scope. */
    async issueAs(actor: string, input: NewApiToken) {
      if (!(await store.units.findById(input.unitId))) throw new AppError("UNIT_NOT_FOUND", `no unit ${input.unitId}`);
      return create({ actor, role: null, roleUnitId: null, userId: null, requestId: null }, input);
    },

    /** The caller's tokens and the units they may make one for. */
    async list(ctx: CallContext) {
      const scope = await manageScope(ctx, "api_token.list");
      const rows = await views(await store.apiTokens.list(scope, 500));
      const units = (scope.all ? await deps.units.unitsAsOf(clock()) : scope.unitIds.length ? await deps.units.unitsAsOf(clock(), scope.unitIds) : []).sort((a, b) => a.code.localeCompare(b.code));
      return { rows, units };
    },

    /** Every token (CLI), or those of one unit. */
    async listAll(unitId?: number): Promise<ApiTokenView[]> {
      return views(await store.apiTokens.list(unitId === undefined ? { all: true } : { all: false, unitIds: [unitId] }, 10_000));
    },

    async revoke(ctx: CallContext, id: number): Promise<ApiTokenView> {
      return revokeToken(whoOf(ctx), await visibleToken(ctx, id, "api_token.revoke"));
    },

    async revokeAs(actor: string, id: number): Promise<ApiTokenView> {
      const t = await store.apiTokens.findById(id);
      if (!t) throw new AppError("NOT_FOUND", `no API token ${id}`);
      return revokeToken({ actor, role: null, roleUnitId: null, requestId: null }, t);
    },

    /**
     * The bearer secret → its token and the actor it acts as; API_TOKEN_INVALID
     * (audited, with the prefix only) for an unknown, revoked or expired token.
     * The look-up is by the secret's SHA-256: equality on a hash of 256 random
     * bits leaks nothing usable through timing (OWASP API key guidance).
     */
    async verify(secret: string, requestId: string | null): Promise<{ token: ApiTokenRecord; actor: Actor }> {
      const t = SECRET.test(secret) ? await store.apiTokens.findByHash(hashSecret(secret)) : null;
      const state = t ? stateOf(t, clock()) : "unknown";
      if (!t || state !== "active") {
        await deps.accessAudit.denied({ actor: null, requestId, action: "api.auth", objectType: "api_token", objectId: t ? String(t.id) : null, reason: state, details: { prefix: secret.slice(0, PREFIX_LENGTH).replace(/[^A-Za-z0-9_-]/g, "?") } });
        throw new AppError("API_TOKEN_INVALID", state === "unknown" ? "Khoá API không hợp lệ" : state === "revoked" ? "Khoá API đã bị thu hồi" : "Khoá API đã hết hạn");
      }
      await store.apiTokens.touch(t.id, now(), TOUCH_GAP_SECONDS);
      return { token: t, actor: actorOf(t) };
    },
  };
}

export type ApiTokens = ReturnType<typeof createApiTokens>;
