// The administrative tree as it stood on a report's as-of day, and where an
// object's unit of that day lands in it: a unit merged away or split before the
// day is followed along unit_lineage to its successor (the "right grouping after
// the 2025 reform"). Pure functions over a few hundred units; no SQL, no scoping.
import type { LineageEdge } from "../store/report-store";
import type { UnitVersion } from "../store/unit-store";

export interface TreeUnit {
  id: number;
  code: string;
  name: string;
  type: string;
  parentId: number | null;
}

export interface TreeAsOf {
  day: string;
  units: Map<number, TreeUnit>;
  children: Map<number | null, TreeUnit[]>;
  lineage: LineageEdge[];
  /** Units not in the tree: the parent of their last version begun on or before the day. */
  lastParent: Map<number, number | null>;
}

export function buildTree(day: string, versions: UnitVersion[], lineage: LineageEdge[], parents: Array<{ unitId: number; parentUnitId: number | null; validFrom: string }> = []): TreeAsOf {
  const units = new Map<number, TreeUnit>();
  const lastParent = new Map<number, number | null>();
  // Ordered by unit, then start: the last one begun by the day wins.
  for (const p of parents) if (p.validFrom <= day) lastParent.set(p.unitId, p.parentUnitId);
  for (const v of versions) units.set(v.unitId, { id: v.unitId, code: v.code, name: v.name, type: v.type, parentId: v.parentUnitId });
  const children = new Map<number | null, TreeUnit[]>();
  for (const u of units.values()) {
    const p = u.parentId !== null && units.has(u.parentId) ? u.parentId : null;
    const list = children.get(p) ?? [];
    list.push(u);
    children.set(p, list);
  }
  for (const list of children.values()) list.sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
  for (const id of units.keys()) lastParent.delete(id);
  return { day, units, children, lineage, lastParent };
}

/**
 * Where unit `id` stands in the tree: itself if it held on the day, else its
 * successor along merged_into / split_into edges effective on or before the day
 * (a split follows its first successor by unit id: one place, always the same);
 * a unit dissolved without a successor rolls up to the unit it was last under
 * (a dissolved district's own certificates stay in the province's figures);
 * null if there is none.
 */
export function placeOf(tree: TreeAsOf, id: number | null): number | null {
  let cur = id;
  const seen = new Set<number>();
  while (cur !== null && !tree.units.has(cur)) {
    if (seen.has(cur)) return null;
    seen.add(cur);
    const next = tree.lineage
      .filter((e) => e.fromUnitId === cur && e.fromUnitId !== e.toUnitId && e.effectiveDate <= tree.day && (e.kind === "merged_into" || e.kind === "split_into"))
      .sort((a, b) => (a.effectiveDate < b.effectiveDate ? -1 : a.effectiveDate > b.effectiveDate ? 1 : a.toUnitId - b.toUnitId))[0];
    cur = next ? next.toUnitId : (tree.lastParent.get(cur) ?? null);
  }
  return cur;
}

/** `rootId` and every unit below it in the tree. */
export function subtreeOf(tree: TreeAsOf, rootId: number): Set<number> {
  const out = new Set<number>();
  const stack = [rootId];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (out.has(id) || !tree.units.has(id)) continue;
    out.add(id);
    for (const c of tree.children.get(id) ?? []) stack.push(c.id);
  }
  return out;
}

/** The ancestor of `id` that is a direct child of `rootId` (or `rootId` itself, or null if outside). */
export function branchOf(tree: TreeAsOf, rootId: number, id: number): number | null {
  let cur: number | null = id;
  let prev: number | null = null;
  const guard = new Set<number>();
  while (cur !== null) {
    if (cur === rootId) return prev ?? rootId;
    if (guard.has(cur)) return null;
    guard.add(cur);
    prev = cur;
    cur = tree.units.get(cur)?.parentId ?? null;
  }
  return null;
}

/** Every unit id that may hold objects landing in `keep`: the tree's own and their predecessors. */
export function sourceUnitsFor(tree: TreeAsOf, keep: Set<number>): number[] {
  const ids = new Set<number>([...keep]);
  const others = new Set<number>([...tree.lastParent.keys()]);
  for (const e of tree.lineage) others.add(e.fromUnitId).add(e.toUnitId);
  for (const id of others) {
    if (ids.has(id)) continue;
    const p = placeOf(tree, id);
    if (p !== null && keep.has(p)) ids.add(id);
  }
  return [...ids].sort((a, b) => a - b);
}

/** The roots of the tree: units whose parent does not hold on the day (the province). */
export function rootsOf(tree: TreeAsOf): TreeUnit[] {
  return tree.children.get(null) ?? [];
}
