// What the web and the access layer need from the administrative unit tree:
// subtrees (scoping) and the units as they stood on a date (names, the tree in
// the layout). An adapter over the unit store until the units service exposes
// the same; dates are Vietnam calendar days ('YYYY-MM-DD', UTC+7, no DST).
import type { ScopeSource } from "../access/scope";
import type { UnitStore, UnitType } from "../store/unit-store";

export interface UnitSummary {
  id: number;
  code: string;
  name: string;
  type: UnitType;
  parentId: number | null;
  taxCode: string | null;
  budgetCode: string | null;
  address: string | null;
  emailDomain: string | null;
  validFrom: string;
}

export interface UnitSource extends ScopeSource {
  /** Units holding on `at` (all of them, or only `ids`), by code. */
  unitsAsOf(at: Date, ids?: number[]): Promise<UnitSummary[]>;
  findByCode(code: string): Promise<{ id: number; code: string } | null>;
}

/** The calendar day in Vietnam (UTC+7) of an instant. */
export function vietnamDay(at: Date): string {
  return new Date(at.getTime() + 7 * 3_600_000).toISOString().slice(0, 10);
}

export function unitSourceFromStore(units: UnitStore): UnitSource {
  return {
    subtreeIds: (unitId, at) => units.subtreeIdsAsOf(unitId, vietnamDay(at)),
    async unitsAsOf(at, ids) {
      const versions = await units.versionsAsOf(vietnamDay(at), ids);
      return versions.map((v) => ({
        id: v.unitId,
        code: v.code,
        name: v.name,
        type: v.type,
        parentId: v.parentUnitId,
        taxCode: v.taxCode,
        budgetCode: v.budgetCode,
        address: v.address,
        emailDomain: v.emailDomain,
        validFrom: v.validFrom,
      }));
    },
    findByCode: (code) => units.findByCode(code),
  };
}
