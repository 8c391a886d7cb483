// The dashboard: what the actor's scope holds today — certificates by status,
// what expires in the next 30 days, how many units (and, for admins, users) —
// and what waits for the actor (dashboard-waiting.ts). Reads only.
import type { CallContext } from "../access/actor";
import type { Scoper } from "../access/scope";
import type { Store } from "../store/store";
import { CertificateRow, displayStatus, toUnitFilter } from "./certificate-directory";
import type { RequestService } from "../ra/request-service";
import { createWaitingPanel } from "./dashboard-waiting";
import type { Guard } from "./guard";
import type { UnitSource } from "./unit-source";
import { createScopeFiguresCache } from "./scope-figures-cache";
import type { StatusCounts } from "../store/certificate-query-store";
import type { CertificateSummary } from "../store/unit-scope-sql";

export const EXPIRING_DAYS = 30;
/** How old the certificate figures may be (scope-figures-cache.ts: the same bound in every process). */
export const FIGURES_TTL_MS = 15_000;

export function createDashboard(deps: {
  store: Store;
  units: UnitSource;
  guard: Guard;
  scoper: Scoper;
  requests: RequestService;
  clock: () => Date;
  /** Milliseconds from a clock that only moves forward (the figures' age); default performance.now. */
  monotonicMs?: () => number;
  figuresTtlMs?: number;
}) {
  const { store, guard, clock } = deps;
  const waiting = createWaitingPanel(deps);
  // Per scope: counts by status and what expires soon, at most FIGURES_TTL_MS old.
  const figures = createScopeFiguresCache<{ counts: StatusCounts; expiring: { count: number; rows: CertificateSummary[] } }>({
    ttlMs: deps.figuresTtlMs ?? FIGURES_TTL_MS,
    maxEntries: 1000,
    monotonicMs: deps.monotonicMs ?? (() => performance.now()),
  });
  return {
    async summary(ctx: CallContext) {
      const now = clock();
      // One scoper for the whole page (the call's, shared with the side panel): the unit subtree is read once.
      const scoper = ctx.scoper ?? deps.scoper.forOneRequest();
      const certScope = await guard.scope(ctx, "dashboard.view", "dashboard.view", scoper);
      const units = toUnitFilter(certScope);
      const { counts, expiring } = await figures.get(units.all ? "all" : units.unitIds.join(","), async () => ({
        counts: await store.certificateQueries.countByStatus(units, now),
        expiring: await store.certificateQueries.expiring(units, now, new Date(now.getTime() + EXPIRING_DAYS * 86_400_000), 10),
      }));
      const unitIds = [...new Set(expiring.rows.map((r) => r.unitId).filter((x): x is number => x !== null))];
      const names = new Map((unitIds.length ? await deps.units.unitsAsOf(now, unitIds) : []).map((u) => [u.id, u]));
      const expiringRows: CertificateRow[] = expiring.rows.map((r) => ({ ...r, displayStatus: displayStatus(r, now), unit: r.unitId === null ? null : (names.get(r.unitId) ?? null) }));
      const unitCount = certScope.all ? (await deps.units.unitsAsOf(now)).length : certScope.unitIds.length;
      const userCount = ctx.actor.roles.some((r) => r.role === "admin") ? await store.users.count() : null;
      return {
        counts,
        total: counts.active + counts.expired + counts.revoked + counts.pending + counts.failed,
        expiring: { count: expiring.count, rows: expiringRows, days: EXPIRING_DAYS },
        unitCount,
        userCount,
        wholeCa: certScope.all,
        canSeeUsers: deps.scoper.may(ctx.actor, "users.view"),
        waiting: await waiting.forCaller(ctx, scoper),
      };
    },
  };
}

export type Dashboard = ReturnType<typeof createDashboard>;
