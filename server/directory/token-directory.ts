// Reading the token registry for people: the scoped, filtered, paged list and
// one token with its holder, history and certificates, and the moves the
// caller may make on it. Scope is applied in every query; a token outside it
// does not exist for the caller (NOT_FOUND, audited). Changes nothing.
import type { CallContext } from "../access/actor";
import { inScope, narrow, NO_SCOPE, type Scoper } from "../access/scope";
import { AppError } from "../errors/app-error";
import { isTokenState, isTokenType, type TokenMove } from "../ra/token-states";
import type { TokenService } from "../ra/token-service";
import type { Store } from "../store/store";
import type { SubscriberRecord } from "../store/subscriber-store";
import type { TokenEventRecord, TokenRecord } from "../store/token-store";
import { displayStatus, toUnitFilter, type CertificateRow } from "./certificate-directory";
import type { Guard } from "./guard";
import type { UnitSource, UnitSummary } from "./unit-source";

export const TOKEN_PAGE_SIZE = 50;
/** Subscribers offered in the handover form (one unit's people). */
const MAX_HOLDERS = 500;

export interface TokenFilters {
  state?: string | undefined;
  type?: string | undefined;
  unitId?: number | undefined;
  serial?: string | undefined;
  after?: string | undefined;
}

export interface TokenRow extends TokenRecord {
  unit: UnitSummary | null;
  holder: { id: number; name: string } | null;
}

export interface TokenPageView {
  token: TokenRow;
  events: TokenEventRecord[];
  certificates: CertificateRow[];
  /** The moves the allow-list permits from here that the caller may make. */
  moves: TokenMove[];
  /** The unit's subscribers, when the caller may hand the token over. */
  holders: SubscriberRecord[];
}

export function createTokenDirectory(deps: { store: Store; units: UnitSource; guard: Guard; scoper: Scoper; tokens: TokenService; clock: () => Date }) {
  const { store, guard, clock } = deps;

  async function unitNames(ids: Array<number | null>, at: Date): Promise<Map<number, UnitSummary>> {
    const wanted = [...new Set(ids.filter((x): x is number => x !== null))];
    const units = wanted.length ? await deps.units.unitsAsOf(at, wanted) : [];
    return new Map(units.map((u) => [u.id, u]));
  }

  // One statement for the page's holders (one look-up per token was most of the page's 58 statements).
  const holderNames = (ids: Array<number | null>) => store.subscribers.namesOf(ids.filter((x): x is number => x !== null));

  return {
    async list(ctx: CallContext, f: TokenFilters) {
      const now = clock();
      let scope = await guard.scope(ctx, "tokens.view", "tokens.list");
      if (f.state !== undefined && !isTokenState(f.state)) throw new AppError("INPUT_INVALID", "unknown token state");
      if (f.type !== undefined && !isTokenType(f.type)) throw new AppError("INPUT_INVALID", "unknown token type");
      let unit: UnitSummary | null = null;
      if (f.unitId !== undefined) {
        const [current] = await deps.units.unitsAsOf(now, [f.unitId]);
        if (!current || !inScope(scope, f.unitId)) return guard.notFound(ctx, "tokens.list", "unit", String(f.unitId), current !== undefined);
        unit = current;
        scope = narrow(scope, await deps.units.subtreeIds(f.unitId, now));
      }
      const page = await store.tokens.list({ units: toUnitFilter(scope), state: f.state as TokenRecord["state"] | undefined, type: f.type as TokenRecord["type"] | undefined, serialPrefix: f.serial?.trim().toUpperCase().slice(0, 64) || undefined, limit: TOKEN_PAGE_SIZE, after: f.after });
      const names = await unitNames(page.rows.map((r) => r.unitId), now);
      const holders = await holderNames(page.rows.map((r) => r.holderSubscriberId));
      const rows: TokenRow[] = page.rows.map((r) => ({ ...r, unit: names.get(r.unitId) ?? null, holder: r.holderSubscriberId === null ? null : { id: r.holderSubscriberId, name: holders.get(r.holderSubscriberId) ?? "" } }));
      return { rows, next: page.next, unit };
    },

    async get(ctx: CallContext, id: number): Promise<TokenPageView> {
      const now = clock();
      const scope = await guard.scope(ctx, "tokens.view", "tokens.view");
      const t = await store.tokens.findById(id);
      if (!t || !inScope(scope, t.unitId)) return guard.notFound(ctx, "tokens.view", "token", String(id), t !== null);
      // Certificates follow their own scope, like on the subscriber page.
      const certScope = deps.scoper.may(ctx.actor, "certificates.view") ? await deps.scoper.scopeFor(ctx.actor, now, "certificates.view") : NO_SCOPE;
      const certs = (await store.tokens.certificatesOn(t.id)).filter((c) => inScope(certScope, c.unitId));
      const names = await unitNames([t.unitId, ...certs.map((c) => c.unitId)], now);
      const holder = t.holderSubscriberId === null ? null : await store.subscribers.findById(t.holderSubscriberId);
      const moves = await deps.tokens.movesFor(ctx.actor, t);
      const holders = moves.some((m) => m.needsHolder) ? (await store.subscribers.list({ units: { all: false, unitIds: [t.unitId] }, limit: MAX_HOLDERS })).rows : [];
      return {
        token: { ...t, unit: names.get(t.unitId) ?? null, holder: holder ? { id: holder.id, name: holder.name } : null },
        events: await store.tokens.events(t.id),
        certificates: certs.map((c) => ({ ...c, displayStatus: displayStatus(c, now), unit: c.unitId === null ? null : (names.get(c.unitId) ?? null) })),
        moves,
        holders,
      };
    },

    /** The confirmation page of "report lost": exactly the certificates that will be revoked. */
    async lostPreview(ctx: CallContext, id: number): Promise<{ token: TokenRecord; certificates: CertificateRow[] }> {
      const now = clock();
      const p = await deps.tokens.previewLost(ctx, id);
      const names = await unitNames(p.certificates.map((c) => c.unitId), now);
      return { token: p.token, certificates: p.certificates.map((c) => ({ ...c, displayStatus: displayStatus(c, now), unit: c.unitId === null ? null : (names.get(c.unitId) ?? null) })) };
    },

    /** The units the caller may register tokens for (the form's choices), by code. */
    async registrableUnits(ctx: CallContext): Promise<UnitSummary[]> {
      const scope = await guard.scope(ctx, "tokens.manage", "tokens.register");
      const now = clock();
      return scope.all ? deps.units.unitsAsOf(now) : scope.unitIds.length ? deps.units.unitsAsOf(now, scope.unitIds) : [];
    },
  };
}

export type TokenDirectory = ReturnType<typeof createTokenDirectory>;
