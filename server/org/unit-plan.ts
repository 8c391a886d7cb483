// Plans a batch of structure changes against the tree as it stands on the
// effective date: what happens to every unit, the lineage, the tree afterwards.
// Pure and synchronous, so preview and apply run the very same plan; the
// plan store (unit-plan-store.ts) fetches what it needs beforehand and writes the plan afterwards.
import { createHash } from "node:crypto";
import { AppError, ErrorCode } from "../errors/app-error";
import type { LineageKind, UnitVersion } from "../store/unit-store";
import { unitMessages as M } from "./unit-messages";
import { buildTree, sameSnapshot, snapshotsOf, TreeNode, UnitSnapshot } from "./unit-tree";
import { ChangeKind, targetCode, UnitChange, UnitSpec, UnitUpdate } from "./unit-validation";

/** A unit a batch mentions that does not hold on the effective date. */
export interface OutsideUnit {
  unitId: number;
  /** Its last version (every unit has one). */
  latest: UnitVersion;
  /** First day it existed. */
  firstFrom: string;
  /** How it ended, for messages ("merged into X"), when it has ended. */
  fate: string | null;
}

export interface PlanInput {
  date: string;
  /** Every version holding on `date`: the whole tree that day. */
  base: UnitVersion[];
  /** Units mentioned by the changes that are not in `base`, by code. */
  outside: Map<string, OutsideUnit>;
  /** Mentioned units in `base` that end after the date: code → the day they end. */
  laterEnd: Map<string, string>;
  changes: UnitChange[];
  /** One change made directly (not a batch): refusals are not prefixed with "change 1 (create):". */
  single?: boolean;
}

export interface UnitEffect {
  seq: number;
  kind: ChangeKind;
  text: string;
}

/** A unit in the plan: before and after the batch. */
export interface PlannedUnit {
  code: string;
  unitId: number | null;
  /** The version holding on the date (null for a unit the batch creates). */
  base: UnitVersion | null;
  before: UnitSnapshot | null;
  after: UnitSnapshot | null;
  endedBy: number | null;
  effects: UnitEffect[];
}

export interface PlannedChange {
  seq: number;
  kind: ChangeKind;
  summary: string;
  units: Array<{ code: string; before: UnitSnapshot | null; after: UnitSnapshot | null }>;
}

export interface PlannedLineage {
  from: string;
  to: string;
  kind: LineageKind;
}

export type UnitOutcome = "created" | "ended" | "changed" | "unchanged";

export interface Plan {
  date: string;
  changes: PlannedChange[];
  units: PlannedUnit[];
  lineage: PlannedLineage[];
  treeBefore: TreeNode[];
  treeAfter: TreeNode[];
  /** sha256 over what the batch does (changes and lineage): apply can insist it is unchanged since preview. */
  digest: string;
}

export function outcomeOf(u: PlannedUnit): UnitOutcome {
  if (u.base === null) return "created";
  if (u.after === null) return "ended";
  return u.before && sameSnapshot(u.before, u.after) ? "unchanged" : "changed";
}

class Conflict extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const UPDATE_FIELDS = ["type", "taxCode", "budgetCode", "address", "emailDomain", "focalPoint"] as const;

function specSnapshot(s: UnitSpec): UnitSnapshot {
  return {
    code: s.code,
    name: s.name,
    type: s.type,
    parent: s.parent,
    taxCode: s.taxCode,
    budgetCode: s.budgetCode,
    address: s.address,
    emailDomain: s.emailDomain,
    focalPoint: s.focalPoint,
  };
}

const clone = (s: UnitSnapshot | null): UnitSnapshot | null => (s ? { ...s, focalPoint: s.focalPoint ? { ...s.focalPoint } : null } : null);

/** Plans `changes`; throws AppError (UNIT_CONFLICT, UNIT_NOT_FOUND) naming the change that does not fit. */
export function planBatch(input: PlanInput): Plan {
  const { date, outside } = input;
  const units = new Map<string, PlannedUnit>();
  const snaps = snapshotsOf(input.base);
  input.base.forEach((v, i) => {
    units.set(v.code, { code: v.code, unitId: v.unitId, base: v, before: snaps[i]!, after: clone(snaps[i]!), endedBy: null, effects: [] });
  });
  const lineage: PlannedLineage[] = [];
  const planned: PlannedChange[] = [];
  const refusal = (code: ErrorCode, seq: number, kind: ChangeKind, message: string) =>
    new AppError(code, input.single ? message : M.changeAt(seq, kind, message), { seq });

  // --- references -------------------------------------------------------
  const live = (code: string): PlannedUnit => {
    const u = units.get(code);
    if (u) {
      if (u.after === null && u.endedBy !== null) throw new Conflict("UNIT_CONFLICT", M.endedInBatch(code, u.endedBy));
      return u;
    }
    const o = outside.get(code);
    if (!o) throw new Conflict("UNIT_NOT_FOUND", M.unknownUnit(code));
    if (o.latest.validTo !== null && o.latest.validTo <= date) throw new Conflict("UNIT_CONFLICT", M.ended(code, date, o.latest.validTo, o.fate ?? M.fateDissolved()));
    throw new Conflict("UNIT_CONFLICT", M.notYet(code, date, o.firstFrom));
  };
  /** A unit that must not change after the date (a unit the batch changes; the new parent of a move and all above it). */
  const stable = (u: PlannedUnit): PlannedUnit => {
    if (u.base && u.base.validTo !== null) throw new Conflict("UNIT_CONFLICT", M.laterHistory(u.code, date, u.base.validTo));
    return u;
  };
  /** A parent must hold from the date on: a unit that ends later cannot take a new sub-unit now. */
  const livesOn = (p: PlannedUnit, child: string): PlannedUnit => {
    const end = input.laterEnd.get(p.code);
    if (p.base && end !== undefined) throw new Conflict("UNIT_CONFLICT", M.parentEnds(child, p.code, end));
    return p;
  };
  /** A unit the batch changes or ends: stable, and not already changed on this very day. */
  const touch = (u: PlannedUnit): PlannedUnit => {
    stable(u);
    if (u.base && u.base.validFrom >= date) throw new Conflict("UNIT_CONFLICT", M.sameDay(u.code, date));
    return u;
  };
  const state = (u: PlannedUnit): UnitSnapshot => u.after!;
  const effect = (u: PlannedUnit, seq: number, kind: ChangeKind, text: string) => u.effects.push({ seq, kind, text });

  const create = (spec: UnitSpec, seq: number, kind: ChangeKind, text: string): PlannedUnit => {
    const existing = units.get(spec.code);
    if (existing) {
      const by = existing.base === null ? existing.effects[0]?.seq : undefined;
      throw new Conflict("UNIT_CODE_TAKEN", by !== undefined ? M.codeTakenInBatch(spec.code, by) : M.codeTaken(spec.code));
    }
    if (outside.has(spec.code)) throw new Conflict("UNIT_CODE_TAKEN", M.codeTaken(spec.code));
    if (spec.parent !== null) livesOn(live(spec.parent), spec.code);
    const u: PlannedUnit = { code: spec.code, unitId: null, base: null, before: null, after: specSnapshot(spec), endedBy: null, effects: [] };
    units.set(spec.code, u);
    effect(u, seq, kind, text);
    return u;
  };
  const end = (u: PlannedUnit, seq: number, kind: ChangeKind, text: string) => {
    u.after = null;
    u.endedBy = seq;
    effect(u, seq, kind, text);
  };
  /** Codes from `code` up to the root, in the tree as planned so far. */
  const pathUp = (code: string): string[] => {
    const path: string[] = [];
    for (let c: string | null = code; c !== null && path.length <= units.size; c = units.get(c)?.after?.parent ?? null) path.push(c);
    return path;
  };

  // --- changes ------------------------------------------------------------
  input.changes.forEach((c, i) => {
    const seq = i + 1;
    const involved = involvedCodes(c);
    const before = new Map(involved.map((code) => [code, clone(units.get(code)?.after ?? null)]));
    let summary: string;
    try {
      summary = applyOne(c, seq);
    } catch (e) {
      if (e instanceof Conflict) throw refusal(e.code, seq, c.kind, e.message);
      throw e;
    }
    planned.push({
      seq,
      kind: c.kind,
      summary,
      units: involved.map((code) => ({ code, before: before.get(code) ?? null, after: clone(units.get(code)?.after ?? null) })),
    });
  });

  function applyOne(c: UnitChange, seq: number): string {
    switch (c.kind) {
      case "create": {
        create(c.unit, seq, c.kind, M.effectCreated(c.unit.parent));
        return M.summaryCreate(c.unit.code, c.unit.name);
      }
      case "rename": {
        const u = touch(live(c.unit));
        const from = state(u).name;
        if (from === c.name) throw new Conflict("UNIT_CONFLICT", M.noEffect(c.unit, "name"));
        state(u).name = c.name;
        effect(u, seq, c.kind, M.effectRenamed(from, c.name));
        if (u.base) addLineage(c.unit, c.unit, "renamed");
        return M.summaryRename(c.unit, c.name);
      }
      case "update": {
        const u = touch(live(c.unit));
        const fields = UPDATE_FIELDS.filter((f) => f in c.set && JSON.stringify(c.set[f]) !== JSON.stringify(state(u)[f]));
        if (fields.length === 0) throw new Conflict("UNIT_CONFLICT", M.noEffect(c.unit, "data"));
        applyUpdate(state(u), c.set);
        effect(u, seq, c.kind, M.effectUpdated(fields));
        return M.summaryUpdate(c.unit, fields);
      }
      case "move": {
        const u = touch(live(c.unit));
        const p = live(c.parent);
        // The new parent and everything above it must not change later either, or a later move could close a cycle.
        for (const code of pathUp(p.code)) {
          const a = units.get(code);
          if (a) stable(a);
        }
        if (state(u).parent === c.parent) throw new Conflict("UNIT_CONFLICT", M.noEffect(c.unit, "parent"));
        if (pathUp(c.parent).includes(c.unit)) throw new Conflict("UNIT_CONFLICT", M.cycle(c.unit, c.parent));
        const from = state(u).parent;
        state(u).parent = c.parent;
        effect(u, seq, c.kind, M.effectMoved(from, c.parent));
        return M.summaryMove(c.unit, c.parent);
      }
      case "merge": {
        const sources = c.units.map((code) => touch(live(code)));
        const into = targetCode(c.into);
        const target = typeof c.into === "string" ? live(c.into) : create(c.into, seq, c.kind, M.effectCreatedByMerge(c.units));
        if (typeof c.into === "string") effect(target, seq, c.kind, M.effectAbsorbs(c.units));
        for (const s of sources) {
          end(s, seq, c.kind, M.effectMergedInto(into));
          addLineage(s.code, into, "merged_into");
        }
        return M.summaryMerge(c.units, into);
      }
      case "split": {
        const source = c.keepSource ? live(c.unit) : touch(live(c.unit));
        const into = c.into.map(targetCode);
        for (const t of c.into) {
          if (typeof t === "string") effect(live(t), seq, c.kind, M.effectReceivesSplit(c.unit));
          else create(t, seq, c.kind, M.effectCreatedBySplit(c.unit));
          addLineage(c.unit, targetCode(t), "split_into");
        }
        if (c.keepSource) effect(source, seq, c.kind, M.effectSplitInto(into, true));
        else end(source, seq, c.kind, M.effectSplitInto(into, false));
        return M.summarySplit(c.unit, into);
      }
      case "dissolve": {
        end(touch(live(c.unit)), seq, c.kind, M.effectDissolved());
        return M.summaryDissolve(c.unit);
      }
    }
  }

  function addLineage(from: string, to: string, kind: LineageKind) {
    if (!lineage.some((l) => l.from === from && l.to === to && l.kind === kind)) lineage.push({ from, to, kind });
  }

  // --- the tree afterwards must hold together ---------------------------------
  const all = [...units.values()];
  const finalChildren = new Map<string, string[]>();
  for (const u of all) {
    const p = u.after?.parent;
    if (p) finalChildren.set(p, [...(finalChildren.get(p) ?? []), u.code]);
  }
  for (const u of all) {
    if (u.endedBy !== null && u.after === null) {
      const left = finalChildren.get(u.code);
      if (left?.length) throw refusal("UNIT_CONFLICT", u.endedBy, kindOf(u), M.childrenLeft(u.code, left));
    }
    if (u.after && u.effects.length && (u.base === null || !sameSnapshot(u.before!, u.after))) {
      const seq = u.effects[0]!.seq;
      if (u.after.type === "province" && u.after.parent !== null) throw refusal("UNIT_CONFLICT", seq, kindOf(u), M.provinceHasParent(u.code));
      if (u.after.type !== "province" && u.after.parent === null) throw refusal("UNIT_CONFLICT", seq, kindOf(u), M.parentRequired(u.code));
    }
  }

  const sorted = all.sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
  const treeBefore = buildTree(sorted.flatMap((u) => (u.before ? [u.before] : [])));
  const treeAfter = buildTree(sorted.flatMap((u) => (u.after ? [u.after] : [])));
  const digest = createHash("sha256").update(JSON.stringify({ date, planned, lineage })).digest("hex");
  return { date, changes: planned, units: sorted, lineage, treeBefore, treeAfter, digest };
}

function kindOf(u: PlannedUnit): ChangeKind {
  const e = u.effects.find((x) => x.seq === u.endedBy) ?? u.effects[0];
  return e!.kind;
}

function applyUpdate(s: UnitSnapshot, set: UnitUpdate): void {
  if (set.type !== undefined) s.type = set.type;
  if (set.taxCode !== undefined) s.taxCode = set.taxCode;
  if (set.budgetCode !== undefined) s.budgetCode = set.budgetCode;
  if (set.address !== undefined) s.address = set.address;
  if (set.emailDomain !== undefined) s.emailDomain = set.emailDomain;
  if (set.focalPoint !== undefined) s.focalPoint = set.focalPoint;
}

/** The units a change acts on (not parents it merely names), in the order people read them. */
function involvedCodes(c: UnitChange): string[] {
  switch (c.kind) {
    case "create":
      return [c.unit.code];
    case "rename":
    case "update":
    case "move":
    case "dissolve":
      return [c.unit];
    case "merge":
      return [...c.units, targetCode(c.into)];
    case "split":
      return [c.unit, ...c.into.map(targetCode)];
  }
}
