// The service's read models of units and batches (UnitView, BatchView, BatchPreview) and how they are built from store records and plans.
import type { Store } from "../store/store";
import type { BatchRecord, UnitType, UnitVersion } from "../store/unit-store";
import { outcomeOf, Plan, PlannedChange, PlannedLineage, UnitOutcome } from "./unit-plan";
import type { TreeNode, UnitSnapshot } from "./unit-tree";
import type { FocalPoint } from "./unit-validation";

/** One unit as it stands on one day. */
export interface UnitView {
  unitId: number;
  code: string;
  name: string;
  type: UnitType;
  parentUnitId: number | null;
  parentCode: string | null;
  taxCode: string | null;
  budgetCode: string | null;
  address: string | null;
  emailDomain: string | null;
  focalPoint: FocalPoint | null;
  validFrom: string;
  /** First day this version no longer holds; null while current. */
  validTo: string | null;
}

export interface BatchView {
  id: number;
  title: string;
  effectiveDate: string;
  status: "draft" | "applied";
  createdBy: string;
  createdAt: string;
  appliedBy: string | null;
  appliedAt: string | null;
}

export interface PreviewUnit {
  code: string;
  name: string;
  outcome: UnitOutcome;
  /** What the batch does to it, one line per change ("merged into X"); empty when nothing. */
  effects: string[];
  before: UnitSnapshot | null;
  after: UnitSnapshot | null;
}

/** What a batch does, change by change and unit by unit, and the tree on its effective date before and after. */
export interface BatchPreview {
  /** Null for changes previewed before they are stored as a batch. */
  batch: BatchView | null;
  digest: string;
  changes: PlannedChange[];
  /** Every unit that exists on the effective date before or after the batch, by code. */
  units: PreviewUnit[];
  lineage: PlannedLineage[];
  treeBefore: TreeNode[];
  treeAfter: TreeNode[];
}

export interface ApplyResult {
  batchId: number;
  /** False when the batch had already been applied: nothing was changed this time. */
  applied: boolean;
  preview: BatchPreview;
}

export function batchView(b: BatchRecord): BatchView {
  return {
    id: b.id,
    title: b.title,
    effectiveDate: b.effectiveDate,
    status: b.status,
    createdBy: b.createdBy,
    createdAt: b.createdAt,
    appliedBy: b.appliedBy,
    appliedAt: b.appliedAt,
  };
}

export function toPreview(batch: BatchView | null, plan: Plan): BatchPreview {
  return {
    batch,
    digest: plan.digest,
    changes: plan.changes,
    units: plan.units.map((u) => ({
      code: u.code,
      name: (u.after ?? u.before)!.name,
      outcome: outcomeOf(u),
      effects: u.effects.map((e) => e.text),
      before: u.before,
      after: u.after,
    })),
    lineage: plan.lineage,
    treeBefore: plan.treeBefore,
    treeAfter: plan.treeAfter,
  };
}

/** Views of unit versions, with their parents' codes (read from `s` when not among `versions`). */
export async function viewsOf(s: Store, versions: UnitVersion[]): Promise<UnitView[]> {
  const codes = new Map(versions.map((v) => [v.unitId, v.code]));
  for (const v of versions) {
    if (v.parentUnitId !== null && !codes.has(v.parentUnitId)) codes.set(v.parentUnitId, (await s.units.findById(v.parentUnitId))?.code ?? `#${v.parentUnitId}`);
  }
  return versions.map((v) => ({
    unitId: v.unitId,
    code: v.code,
    name: v.name,
    type: v.type,
    parentUnitId: v.parentUnitId,
    parentCode: v.parentUnitId === null ? null : codes.get(v.parentUnitId)!,
    taxCode: v.taxCode,
    budgetCode: v.budgetCode,
    address: v.address,
    emailDomain: v.emailDomain,
    focalPoint: v.focalPointName || v.focalPointEmail || v.focalPointPhone ? { name: v.focalPointName, email: v.focalPointEmail, phone: v.focalPointPhone } : null,
    validFrom: v.validFrom,
    validTo: v.validTo,
  }));
}
