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

export const EXPIRING_DAYS = 30;

export function createDashboard(deps: { store: Store; units: UnitSource; guard: Guard; scoper: Scoper; requests: RequestService; clock: () => Date }) {
  const { store, guard, clock } = deps;
  const waiting = createWaitingPanel(deps);
  return {
    async summary(ctx: CallContext) {
      const now = clock();
      const certScope = await guard.scope(ctx, "dashboard.view", "dashboard.view");
      const units = toUnitFilter(certScope);
      const counts = await store.certificateQueries.countByStatus(units, now);
      const expiring = await store.certificateQueries.expiring(units, now, new Date(now.getTime() + EXPIRING_DAYS * 86_400_000), 10);
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
        waiting: await waiting.forCaller(ctx),
      };
    },
  };
}

export type Dashboard = ReturnType<typeof createDashboard>;
