// Unit snapshots and trees: turns versions into the shape people see (nested by
// parent, children ordered by code) and prints it indented. No database here.
import type { UnitVersion } from "../store/unit-store";
import type { UnitSpec } from "./unit-validation";

/** One unit as it stands on one day, its parent named by code: the same shape as the spec that creates it. */
export type UnitSnapshot = UnitSpec;

export interface TreeNode extends UnitSnapshot {
  children: TreeNode[];
}

export function snapshotOf(v: UnitVersion, codeById: (id: number) => string): UnitSnapshot {
  const hasFocal = v.focalPointName !== null || v.focalPointEmail !== null || v.focalPointPhone !== null;
  return {
    code: v.code,
    name: v.name,
    type: v.type,
    parent: v.parentUnitId === null ? null : codeById(v.parentUnitId),
    taxCode: v.taxCode,
    budgetCode: v.budgetCode,
    address: v.address,
    emailDomain: v.emailDomain,
    focalPoint: hasFocal ? { name: v.focalPointName, email: v.focalPointEmail, phone: v.focalPointPhone } : null,
  };
}

/** Snapshots of every version holding on one day, parents resolved among them. */
export function snapshotsOf(versions: UnitVersion[]): UnitSnapshot[] {
  const codes = new Map(versions.map((v) => [v.unitId, v.code]));
  return versions.map((v) => snapshotOf(v, (id) => codes.get(id) ?? `#${id}`));
}

export function sameSnapshot(a: UnitSnapshot, b: UnitSnapshot): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

const byCode = (a: { code: string }, b: { code: string }) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0);

/** Nests snapshots by parent; a unit whose parent is not among them is a root. */
export function buildTree(units: UnitSnapshot[]): TreeNode[] {
  const nodes = new Map<string, TreeNode>();
  for (const u of [...units].sort(byCode)) nodes.set(u.code, { ...u, children: [] });
  const roots: TreeNode[] = [];
  for (const n of nodes.values()) {
    const parent = n.parent === null ? undefined : nodes.get(n.parent);
    if (parent) parent.children.push(n);
    else roots.push(n);
  }
  return roots;
}

/** The subtree rooted at `code`, or [] if it is not in the tree. */
export function subtreeOf(tree: TreeNode[], code: string): TreeNode[] {
  for (const n of tree) {
    if (n.code === code) return [n];
    const found = subtreeOf(n.children, code);
    if (found.length) return found;
  }
  return [];
}

/** One line per unit, two spaces per level: `CODE Name [type]`. */
export function renderTree(tree: TreeNode[]): string {
  const lines: string[] = [];
  const walk = (ns: TreeNode[], depth: number) => {
    for (const n of ns) {
      lines.push(`${"  ".repeat(depth)}${n.code} ${n.name} [${n.type}]`);
      walk(n.children, depth + 1);
    }
  };
  walk(tree, 0);
  return lines.join("\n");
}
