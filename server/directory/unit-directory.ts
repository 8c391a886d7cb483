// Reading administrative units for people: the scoped list with search, one
// unit's page (parent, sub-units, certificate counts, people), and the tree the
// layout shows. All as of today; a unit outside the actor's scope does not exist for them.
import type { CallContext } from "../access/actor";
import { inScope, narrow, Scoper } from "../access/scope";
import { AppError } from "../errors/app-error";
import type { StatusCounts } from "../store/certificate-query-store";
import type { Store } from "../store/store";
import { searchKey } from "../store/search-key";
import type { UnitType } from "../store/unit-store";
import { toUnitFilter } from "./certificate-directory";
import type { Guard } from "./guard";
import type { UnitSource, UnitSummary } from "./unit-source";

export const UNIT_TYPES: readonly UnitType[] = ["province", "department", "district", "commune", "central_in_province", "other"];
const PAGE_SIZE = 50;

export interface TreeNode {
  unit: UnitSummary;
  children: TreeNode[];
}

export interface UnitPage {
  unit: UnitSummary;
  parent: { unit: UnitSummary; visible: boolean } | null;
  children: UnitSummary[];
  counts: StatusCounts;
  people: Array<{ userId: number; username: string; displayName: string; role: string }> | null;
}

/** Nests units under their parents; a unit whose parent is not in the list becomes a root. */
export function buildTree(units: UnitSummary[]): TreeNode[] {
  const nodes = new Map(units.map((u) => [u.id, { unit: u, children: [] as TreeNode[] }]));
  const roots: TreeNode[] = [];
  for (const node of nodes.values()) {
    const parent = node.unit.parentId === null ? undefined : nodes.get(node.unit.parentId);
    (parent ? parent.children : roots).push(node);
  }
  const byName = (a: TreeNode, b: TreeNode) => a.unit.name.localeCompare(b.unit.name, "vi");
  const sort = (list: TreeNode[]) => {
    list.sort(byName);
    for (const n of list) sort(n.children);
  };
  sort(roots);
  return roots;
}

export function createUnitDirectory(deps: { store: Store; units: UnitSource; guard: Guard; scoper: Scoper; clock: () => Date }) {
  const { store, guard, clock } = deps;

  async function unitsInScope(ctx: CallContext, action: string): Promise<UnitSummary[]> {
    const scope = await guard.scope(ctx, "units.view", action);
    if (scope.all) return deps.units.unitsAsOf(clock());
    return scope.unitIds.length ? deps.units.unitsAsOf(clock(), scope.unitIds) : [];
  }

  return {
    async list(ctx: CallContext, f: { text?: string | undefined; type?: string | undefined; page?: number | undefined }) {
      if (f.type !== undefined && !(UNIT_TYPES as readonly string[]).includes(f.type)) throw new AppError("INPUT_INVALID", "unknown unit type");
      const page = f.page ?? 1;
      if (!Number.isInteger(page) || page < 1 || page > 100_000) throw new AppError("INPUT_INVALID", "bad page number");
      let units = await unitsInScope(ctx, "units.list");
      const key = searchKey(f.text ?? "");
      if (key) units = units.filter((u) => searchKey(u.name).includes(key) || u.code.toLowerCase().includes(key.replace(/ /g, "")));
      if (f.type) units = units.filter((u) => u.type === f.type);
      const rows = units.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE);
      const parents = new Map((await deps.units.unitsAsOf(clock(), [...new Set(rows.map((u) => u.parentId).filter((x): x is number => x !== null))])).map((u) => [u.id, u]));
      return {
        rows: rows.map((u) => ({ unit: u, parent: u.parentId === null ? null : (parents.get(u.parentId) ?? null) })),
        page,
        more: units.length > page * PAGE_SIZE,
        total: units.length,
      };
    },

    async get(ctx: CallContext, id: number): Promise<UnitPage> {
      const now = clock();
      const scope = await guard.scope(ctx, "units.view", "units.view");
      const [unit] = Number.isSafeInteger(id) ? await deps.units.unitsAsOf(now, [id]) : [];
      if (!unit || !inScope(scope, id)) return guard.notFound(ctx, "units.view", "unit", String(id), unit !== undefined);
      const subtree = await deps.units.subtreeIds(id, now);
      const [parent] = unit.parentId === null ? [] : await deps.units.unitsAsOf(now, [unit.parentId]);
      const children = (await deps.units.unitsAsOf(now, subtree)).filter((u) => u.parentId === id && inScope(scope, u.id));
      const certScope = await deps.scoper.scopeFor(ctx.actor, now, "certificates.view");
      const counts = await store.certificateQueries.countByStatus(toUnitFilter(narrow(certScope, inScope(certScope, id) ? subtree : [])), now);
      let people: UnitPage["people"] = null;
      if (deps.scoper.may(ctx.actor, "users.view")) {
        const userScope = await deps.scoper.scopeFor(ctx.actor, now, "users.view");
        if (inScope(userScope, id)) {
          const page = await store.users.list({ units: { all: false, unitIds: [id] }, limit: 200, offset: 0 });
          const grants = await store.users.rolesOf(page.rows.map((u) => u.id));
          people = [];
          for (const g of grants) {
            if (g.unitId !== id) continue;
            const u = page.rows.find((x) => x.id === g.userId)!;
            people.push({ userId: u.id, username: u.username, displayName: u.displayName, role: g.role });
          }
        }
      }
      return { unit, parent: parent ? { unit: parent, visible: inScope(scope, parent.id) } : null, children, counts, people };
    },

    /** The units the actor may see, as a tree (for the layout's side panel). */
    async tree(ctx: CallContext): Promise<TreeNode[]> {
      return buildTree(await unitsInScope(ctx, "units.tree"));
    },
  };
}

export type UnitDirectory = ReturnType<typeof createUnitDirectory>;
