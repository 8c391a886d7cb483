// A register record belongs to the tree as it stood on its date (issue 6: "on
// the administrative tree as it stood then"): a 2024 training of a commune that
// was merged away in 2025 is still the business of the district and province
// it belonged to in 2024. The tree only changes on the effective dates of unit
// change batches, so the actor's scope is computed once per period between two
// of them; a record is in scope if its unit was in the actor's subtree on the
// record's date. Whole-CA roles see everything. No SQL here.
import type { Actor } from "../../access/actor";
import type { Permission } from "../../access/roles";
import { inScope, type Scope, type Scoper } from "../../access/scope";
import type { UnitSource } from "../../directory/unit-source";
import type { ScopePeriod } from "../../store/register-common";
import type { Store } from "../../store/store";

/** Noon in Vietnam on a calendar day (the scoper takes an instant). */
export const dayAt = (day: string) => new Date(`${day}T05:00:00Z`);

const dayBefore = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);

export interface HistoricScope {
  /** The scope on one calendar day. */
  on(day: string): Promise<Scope>;
  /** The scope per period of an unchanged tree, each narrowed to `unitId`'s subtree of that period if given; null: everything. */
  periods(unitId?: number): Promise<ScopePeriod[] | null>;
}

export function historicScope(deps: { store: Store; units: UnitSource; scoper: Scoper }, actor: Actor, permission: Permission, today: string): HistoricScope {
  const cache = new Map<string, Promise<Scope>>();
  const on = (day: string) => {
    const d = day > today ? today : day;
    if (!cache.has(d)) cache.set(d, deps.scoper.scopeFor(actor, dayAt(d), permission));
    return cache.get(d)!;
  };
  return {
    on,
    async periods(unitId) {
      const batches = (await deps.store.units.listBatches()).filter((b) => b.status === "applied").map((b) => b.effectiveDate);
      const starts = [...new Set(batches)].sort();
      const bounds: Array<{ from: string; to: string }> = [];
      let from = "0000-01-01";
      for (const s of starts) {
        if (s <= from) continue;
        bounds.push({ from, to: dayBefore(s) });
        from = s;
      }
      bounds.push({ from, to: "9999-12-31" });
      const out: ScopePeriod[] = [];
      let everything = true;
      for (const b of bounds) {
        // Within a period the tree does not change: any day of it will do; the last one, or today for the current period.
        const day = b.to > today ? (b.from > today ? b.from : today) : b.to;
        const scope = await on(day);
        let ids: number[] | null = scope.all ? null : scope.unitIds;
        if (unitId !== undefined) {
          const sub = await deps.units.subtreeIds(unitId, dayAt(day));
          ids = ids === null ? sub : sub.filter((id) => inScope(scope, id));
        }
        if (ids !== null) everything = false;
        out.push({ from: b.from, to: b.to, unitIds: ids });
      }
      return everything ? null : out;
    },
  };
}
