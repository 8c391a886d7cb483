// Reading the subscriber registry for people: the scoped, filtered, paged list
// and one subscriber with their certificates. The actor's scope (their units'
// subtrees as of today) is applied in every query; a subscriber outside it does
// not exist for them (NOT_FOUND, audited).
import type { CallContext } from "../access/actor";
import { inScope, narrow, NO_SCOPE, type Scoper } from "../access/scope";
import { AppError } from "../errors/app-error";
import type { Store } from "../store/store";
import { SUBSCRIBER_KINDS, type SubscriberKind, type SubscriberRecord } from "../store/subscriber-store";
import { displayStatus, toUnitFilter, type CertificateRow } from "./certificate-directory";
import type { Guard } from "./guard";
import type { UnitSource, UnitSummary } from "./unit-source";

export const SUBSCRIBER_PAGE_SIZE = 50;
/** More certificates than any subscriber holds in practice; the page says when there are more. */
const MAX_CERTIFICATES = 200;

export interface SubscriberFilters {
  kind?: string | undefined;
  text?: string | undefined;
  /** Only this unit's subtree (within the actor's scope, as /certificates?unit=). */
  unitId?: number | undefined;
  after?: string | undefined;
}

export interface SubscriberRow extends SubscriberRecord {
  unit: UnitSummary | null;
}

export interface SubscriberPageView {
  subscriber: SubscriberRow;
  certificates: CertificateRow[];
  /** The actor may correct this subscriber (subscribers.manage on its unit). */
  canEdit: boolean;
}

export function createSubscriberDirectory(deps: { store: Store; units: UnitSource; guard: Guard; scoper: Scoper; clock: () => Date }) {
  const { store, guard, clock } = deps;

  async function unitNames(ids: Array<number | null>, at: Date): Promise<Map<number, UnitSummary>> {
    const wanted = [...new Set(ids.filter((x): x is number => x !== null))];
    const units = wanted.length ? await deps.units.unitsAsOf(at, wanted) : [];
    return new Map(units.map((u) => [u.id, u]));
  }

  return {
    async list(ctx: CallContext, f: SubscriberFilters) {
      const now = clock();
      let scope = await guard.scope(ctx, "subscribers.view", "subscribers.list");
      let unit: UnitSummary | null = null;
      if (f.unitId !== undefined) {
        const [current] = await deps.units.unitsAsOf(now, [f.unitId]);
        if (!current || !inScope(scope, f.unitId)) return guard.notFound(ctx, "subscribers.list", "unit", String(f.unitId), current !== undefined);
        unit = current;
        scope = narrow(scope, await deps.units.subtreeIds(f.unitId, now));
      }
      if (f.kind !== undefined && !(SUBSCRIBER_KINDS as readonly string[]).includes(f.kind)) throw new AppError("INPUT_INVALID", "unknown subscriber kind");
      const page = await store.subscribers.list({ units: toUnitFilter(scope), kind: f.kind as SubscriberKind | undefined, text: f.text?.slice(0, 128), limit: SUBSCRIBER_PAGE_SIZE, after: f.after });
      const names = await unitNames(page.rows.map((r) => r.unitId), now);
      const rows: SubscriberRow[] = page.rows.map((r) => ({ ...r, unit: names.get(r.unitId) ?? null }));
      return { rows, next: page.next, unit, canCreate: deps.scoper.may(ctx.actor, "subscribers.manage") };
    },

    async get(ctx: CallContext, id: number): Promise<SubscriberPageView> {
      const now = clock();
      const scope = await guard.scope(ctx, "subscribers.view", "subscribers.view");
      const s = await store.subscribers.findById(id);
      if (!s || !inScope(scope, s.unitId)) return guard.notFound(ctx, "subscribers.view", "subscriber", String(id), s !== null);
      // Certificates follow their own scope (a certificate may have moved to another agency).
      const certScope = deps.scoper.may(ctx.actor, "certificates.view") ? await deps.scoper.scopeFor(ctx.actor, now, "certificates.view") : NO_SCOPE;
      const certs = await store.subscribers.certificatesOf(s.id, toUnitFilter(certScope), MAX_CERTIFICATES);
      const names = await unitNames([s.unitId, ...certs.map((c) => c.unitId)], now);
      return {
        subscriber: { ...s, unit: names.get(s.unitId) ?? null },
        certificates: certs.map((c) => ({ ...c, displayStatus: displayStatus(c, now), unit: c.unitId === null ? null : (names.get(c.unitId) ?? null) })),
        canEdit: deps.scoper.may(ctx.actor, "subscribers.manage") && inScope(await deps.scoper.scopeFor(ctx.actor, now, "subscribers.manage"), s.unitId),
      };
    },

    /** The subscriber a certificate belongs to, when the actor may open their page (for the certificate page's link). */
    async ofCertificate(ctx: CallContext, serial: string): Promise<{ id: number; name: string } | null> {
      const id = await store.subscribers.subscriberIdOf(serial);
      if (id === null) return null;
      const s = await store.subscribers.findById(id);
      if (!s) return null;
      // Only a link: no page refused, nothing to audit when the actor may not open it.
      if (!deps.scoper.may(ctx.actor, "subscribers.view")) return null;
      const scope = await deps.scoper.scopeFor(ctx.actor, clock(), "subscribers.view");
      return inScope(scope, s.unitId) ? { id: s.id, name: s.name } : null;
    },
  };
}

export type SubscriberDirectory = ReturnType<typeof createSubscriberDirectory>;
