// Self-service for certificate holders (Decree 68/2024: the subscriber must
// report a lost token at once): where config requests.selfServiceLostReport is
// on, a user whose account is linked to a subscriber sees the tokens they hold
// and may report one lost — the same immediate revocation (keyCompromise) and
// Mẫu 09 record as the focal point's action. Nothing else; refusals audited.
import type { AccessAudit } from "../access/access-audit";
import { auditActor, type CallContext } from "../access/actor";
import type { Config } from "../config/schema";
import { AppError } from "../errors/app-error";
import type { Store } from "../store/store";
import type { TokenRecord } from "../store/token-store";
import type { TokenService } from "./token-service";

export interface SelfServiceDeps {
  config: Config;
  store: Store;
  tokens: Pick<TokenService, "reportLostAs">;
  accessAudit: AccessAudit;
}

export function createSelfService(deps: SelfServiceDeps) {
  const { store } = deps;

  async function holder(ctx: CallContext, action: string): Promise<number> {
    if (!deps.config.requests.selfServiceLostReport) {
      await deps.accessAudit.denied({ actor: ctx.actor, requestId: ctx.requestId, action, reason: "self_service_disabled" });
      throw new AppError("FORBIDDEN", "Chức năng tự báo mất token chưa được bật");
    }
    const subscriberId = await store.users.subscriberOf(ctx.actor.userId);
    if (subscriberId === null) {
      await deps.accessAudit.denied({ actor: ctx.actor, requestId: ctx.requestId, action, reason: "not_a_holder" });
      throw new AppError("FORBIDDEN", "Tài khoản của bạn chưa gắn với thuê bao nào");
    }
    return subscriberId;
  }

  return {
    enabled: () => deps.config.requests.selfServiceLostReport,

    /** The tokens the signed-in holder holds, with the certificates now valid on each. */
    async myTokens(ctx: CallContext): Promise<Array<TokenRecord & { validSerials: string[] }>> {
      const subscriberId = await holder(ctx, "self.tokens");
      const tokens = await store.tokens.heldBy(subscriberId);
      return Promise.all(tokens.map(async (t) => ({ ...t, validSerials: (await store.tokens.certificatesOn(t.id)).filter((c) => c.status === "valid").map((c) => c.serial) })));
    },

    /** The holder reports their own token lost: revoked at once, Mẫu 09 opened for the officer. */
    async reportLost(ctx: CallContext, tokenId: number, note: string | null) {
      const subscriberId = await holder(ctx, "self.report_lost");
      const token = await store.tokens.findById(tokenId);
      if (!token || token.holderSubscriberId !== subscriberId) {
        if (token) await deps.accessAudit.denied({ actor: ctx.actor, requestId: ctx.requestId, action: "self.report_lost", objectType: "token", objectId: String(tokenId), reason: "not_the_holder" });
        throw new AppError("TOKEN_NOT_FOUND", "Không có token này trong danh sách token bạn giữ");
      }
      return deps.tokens.reportLostAs(auditActor(ctx.actor), tokenId, { note: note ? `Người giữ tự báo: ${note}` : "Người giữ tự báo mất" });
    },
  };
}

export type SelfService = ReturnType<typeof createSelfService>;
