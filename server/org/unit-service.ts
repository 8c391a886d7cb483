// The administrative unit register: adds units, answers "what did the tree look
// like on day D", drafts, previews and applies dated batches of structure
// changes (one transaction each, idempotent), audits every change and refusal.
// Reference data for ra/, reports/ and access scoping; never touches certificates.
import { AppError, isAppError } from "../errors/app-error";
import type { Store } from "../store/store";
import type { BatchRecord, LineageRecord, UnitType, UnitVersion } from "../store/unit-store";
import { vietnamDate } from "./unit-dates";
import { unitMessages as M } from "./unit-messages";
import { OutsideUnit, outcomeOf, Plan, PlannedChange, PlannedLineage, planBatch, UnitOutcome } from "./unit-plan";
import { buildTree, snapshotsOf, TreeNode, UnitSnapshot } from "./unit-tree";
import { changePayload, FocalPoint, mentionedCodes, parseBatchInput, parseChange, parseCode, parseDate, parseUnitSpec, UnitChange } from "./unit-validation";

export interface UnitServiceDeps {
  store: Store;
  clock: () => Date;
}

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

/** Input of createUnit: a unit spec plus the day it starts (default: today in Vietnam). */
export interface NewUnitInput {
  code: unknown;
  name: unknown;
  type: unknown;
  parent?: unknown;
  taxCode?: unknown;
  budgetCode?: unknown;
  address?: unknown;
  emailDomain?: unknown;
  focalPoint?: unknown;
  validFrom?: unknown;
}

const MAX_DEPTH = 64;

function batchView(b: BatchRecord): BatchView {
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

function toPreview(batch: BatchView | null, plan: Plan): BatchPreview {
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

export function createUnitService(deps: UnitServiceDeps) {
  const { store, clock } = deps;

  async function refuse(actor: string, action: string, objectType: string, objectId: string | null, e: unknown): Promise<never> {
    if (isAppError(e)) {
      // If the surrounding transaction is already failing, its rollback takes this entry with it;
      // the refusal itself must still reach the caller.
      await store.audit
        .append({ actor, action, objectType, objectId, outcome: "refused", details: { code: e.code, message: e.message } }, clock())
        .catch(() => undefined);
    }
    throw e;
  }

  async function viewsOf(versions: UnitVersion[], s: Store = store): Promise<UnitView[]> {
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

  /** Reads what planBatch needs (the tree on `date`, the mentioned units outside it) and plans. */
  async function planIn(s: Store, date: string, changes: UnitChange[], single = false): Promise<Plan> {
    const base = await s.units.versionsAsOf(date);
    const inBase = new Set(base.map((v) => v.code));
    const mentioned = new Set(changes.flatMap(mentionedCodes));
    const missing = [...mentioned].filter((c) => !inBase.has(c));
    const outside = new Map<string, OutsideUnit>();
    for (const id of await s.units.findByCodes(missing)) {
      const history = await s.units.history(id.id);
      const latest = history.at(-1)!;
      let fate: string | null = null;
      if (latest.validTo !== null) {
        const ends = (await s.units.lineageFrom(id.id)).filter((l) => l.effectiveDate === latest.validTo && l.kind !== "renamed");
        const merged = ends.find((l) => l.kind === "merged_into");
        fate = merged ? M.fateMerged(merged.toCode) : ends.length ? M.fateSplit(ends.map((l) => l.toCode)) : M.fateDissolved();
      }
      outside.set(id.code, { unitId: id.id, latest, firstFrom: history[0]!.validFrom, fate });
    }
    const laterEnd = new Map<string, string>();
    for (const v of base) {
      if (v.validTo === null || !mentioned.has(v.code)) continue;
      const end = (await s.units.history(v.unitId)).at(-1)!.validTo;
      if (end !== null) laterEnd.set(v.code, end);
    }
    const plan = planBatch({ date, base, outside, laterEnd, changes, single });
    // A unit that ends must not have sub-units placed under it later in recorded history.
    const ended = plan.units.filter((u) => u.base !== null && u.after === null);
    if (ended.length) {
      const codeOf = new Map(ended.map((u) => [u.unitId!, u]));
      for (const v of await s.units.childVersionsLastingAfter([...codeOf.keys()], date)) {
        if (v.validFrom > date) {
          const parent = codeOf.get(v.parentUnitId!)!;
          const msg = M.futureChild(parent.code, v.code, v.validFrom);
          throw new AppError("UNIT_CONFLICT", single ? msg : M.changeAt(parent.endedBy!, parent.effects.at(-1)!.kind, msg), { seq: parent.endedBy });
        }
      }
    }
    return plan;
  }

  /** Writes a plan: new identities, closed versions, new versions, lineage, one audit entry per unit per change. */
  async function writePlan(tx: Store, plan: Plan, batchId: number | null, actor: string, now: Date): Promise<void> {
    const idByCode = new Map<string, number>();
    for (const u of plan.units) if (u.unitId !== null) idByCode.set(u.code, u.unitId);
    // New identities in the order the batch creates them.
    const created = plan.units.filter((u) => u.base === null).sort((a, b) => a.effects[0]!.seq - b.effects[0]!.seq);
    for (const u of created) idByCode.set(u.code, await tx.units.insertUnit(u.code, now));
    for (const u of plan.units) {
      const outcome = outcomeOf(u);
      if ((outcome === "ended" || outcome === "changed") && !(await tx.units.closeVersion(u.base!.id, plan.date))) {
        throw new AppError("UNIT_CONFLICT", M.raced());
      }
    }
    for (const u of plan.units) {
      const outcome = outcomeOf(u);
      if (outcome !== "created" && outcome !== "changed") continue;
      const a = u.after!;
      await tx.units.insertVersion(
        {
          unitId: idByCode.get(u.code)!,
          name: a.name,
          type: a.type,
          parentUnitId: a.parent === null ? null : idByCode.get(a.parent)!,
          taxCode: a.taxCode,
          budgetCode: a.budgetCode,
          address: a.address,
          emailDomain: a.emailDomain,
          focalPointName: a.focalPoint?.name ?? null,
          focalPointEmail: a.focalPoint?.email ?? null,
          focalPointPhone: a.focalPoint?.phone ?? null,
          validFrom: plan.date,
          batchId,
        },
        now,
      );
    }
    if (batchId !== null && plan.lineage.length) {
      await tx.units.insertLineage(
        plan.lineage.map((l) => ({ fromUnitId: idByCode.get(l.from)!, toUnitId: idByCode.get(l.to)!, kind: l.kind, effectiveDate: plan.date, batchId })),
      );
    }
    for (const c of plan.changes) {
      for (const u of c.units) {
        await tx.audit.append(
          {
            actor,
            action: `unit.${c.kind}`,
            objectType: "unit",
            objectId: u.code,
            outcome: "ok",
            details: { batchId, seq: c.seq, effectiveDate: plan.date, change: c.summary, before: u.before, after: u.after },
          },
          now,
        );
      }
    }
  }

  async function loadChanges(s: Store, batchId: number): Promise<UnitChange[]> {
    return (await s.units.changesOf(batchId)).map((c) => parseChange({ kind: c.kind, ...(c.payload as object) }, c.seq));
  }

  async function findBatch(s: Store, batchId: number): Promise<BatchRecord> {
    const b = Number.isSafeInteger(batchId) && batchId > 0 ? await s.units.findBatch(batchId) : null;
    if (!b) throw new AppError("BATCH_NOT_FOUND", M.batchNotFound(batchId));
    return b;
  }

  const service = {
    /** Today in Vietnam, by the injected clock. */
    today(): string {
      return vietnamDate(clock());
    },

    /** Adds one unit directly (outside a batch), valid from `validFrom` (default today). */
    async createUnit(input: NewUnitInput, actor: string): Promise<UnitView> {
      const objectId = typeof input.code === "string" ? input.code.trim().toUpperCase().slice(0, 40) : null;
      try {
        const { validFrom: rawFrom, ...rest } = input;
        const spec = parseUnitSpec(rest);
        const validFrom = rawFrom === undefined || rawFrom === null || rawFrom === "" ? service.today() : parseDate(rawFrom, "validFrom");
        const now = clock();
        await store.transaction(async (tx) => {
          const plan = await planIn(tx, validFrom, [{ kind: "create", unit: spec }], true);
          await writePlan(tx, plan, null, actor, now);
        });
        return (await service.findUnit(spec.code, validFrom))!;
      } catch (e) {
        return refuse(actor, "unit.create", "unit", objectId, e);
      }
    },

    /** The unit with `code` as it stood on `date` (default today); null if it did not exist that day. */
    async findUnit(code: string, date?: string): Promise<UnitView | null> {
      const day = date === undefined ? service.today() : parseDate(date, "date");
      const id = await store.units.findByCode(parseCode(code));
      if (!id) return null;
      const [v] = await store.units.versionsAsOf(day, [id.id]);
      return v ? (await viewsOf([v]))[0]! : null;
    },

    /** Every version of a unit, oldest first. */
    async history(code: string): Promise<UnitView[]> {
      const id = await store.units.findByCode(parseCode(code));
      if (!id) throw new AppError("UNIT_NOT_FOUND", M.unitNotFound(code));
      return viewsOf(await store.units.history(id.id));
    },

    /** What became of a unit (`from`: it merged/split into …) and what it came from (`to`). */
    async lineage(code: string): Promise<{ from: LineageRecord[]; to: LineageRecord[] }> {
      const id = await store.units.findByCode(parseCode(code));
      if (!id) throw new AppError("UNIT_NOT_FOUND", M.unitNotFound(code));
      return { from: await store.units.lineageFrom(id.id), to: await store.units.lineageTo(id.id) };
    },

    /** The whole forest of units as it stood on `date`, children ordered by code. */
    async treeAsOf(date: string): Promise<TreeNode[]> {
      const day = parseDate(date, "date");
      return buildTree(snapshotsOf(await store.units.versionsAsOf(day)));
    },

    /** `unitId` and every unit below it on `date` (access scoping); empty if the unit did not exist that day. */
    async subtreeIds(unitId: number, date: string): Promise<number[]> {
      return store.units.subtreeIdsAsOf(unitId, parseDate(date, "date"));
    },

    /** The units above `unitId` on `date`, nearest first (parent, grandparent, …, province). */
    async ancestors(unitId: number, date: string): Promise<UnitView[]> {
      const day = parseDate(date, "date");
      const chain: UnitVersion[] = [];
      let [v] = await store.units.versionsAsOf(day, [unitId]);
      while (v && v.parentUnitId !== null && chain.length < MAX_DEPTH) {
        [v] = await store.units.versionsAsOf(day, [v.parentUnitId]);
        if (v) chain.push(v);
      }
      return viewsOf(chain);
    },

    /**
     * Stores a batch of changes as a draft (nothing in the tree changes). The same
     * title, date and changes as an existing draft give back that draft.
     */
    async draftBatch(title: string, effectiveDate: string, changes: unknown[], actor: string): Promise<BatchView> {
      try {
        const input = parseBatchInput(title, effectiveDate, changes);
        const stored = input.changes.map((c, i) => ({ seq: i + 1, kind: c.kind, payload: changePayload(c) }));
        const wanted = JSON.stringify(stored);
        for (const d of await store.units.draftBatchesLike(input.title, input.effectiveDate)) {
          if (JSON.stringify(await store.units.changesOf(d.id)) === wanted) return batchView(d);
        }
        const now = clock();
        const id = await store.transaction(async (tx) => {
          const batchId = await tx.units.insertBatch({ title: input.title, effectiveDate: input.effectiveDate, createdBy: actor }, stored, now);
          await tx.audit.append(
            { actor, action: "unit.batch.draft", objectType: "unit_batch", objectId: String(batchId), outcome: "ok", details: { title: input.title, effectiveDate: input.effectiveDate, changes: stored.length } },
            now,
          );
          return batchId;
        });
        return batchView((await store.units.findBatch(id))!);
      } catch (e) {
        return refuse(actor, "unit.batch.draft", "unit_batch", null, e);
      }
    },

    async listBatches(): Promise<BatchView[]> {
      return (await store.units.listBatches()).map(batchView);
    },

    /** What a batch of changes would do if drafted and applied now; stores nothing. */
    async previewChanges(title: string, effectiveDate: string, changes: unknown[]): Promise<BatchPreview> {
      const input = parseBatchInput(title, effectiveDate, changes);
      return toPreview(null, await planIn(store, input.effectiveDate, input.changes));
    },

    /**
     * What applying the batch would do, against the tree as it stands now; for an
     * applied batch, what it did. Refuses (UNIT_CONFLICT, UNIT_NOT_FOUND) a batch that no longer fits.
     */
    async preview(batchId: number): Promise<BatchPreview> {
      const batch = await findBatch(store, batchId);
      if (batch.status === "applied") return batch.result as BatchPreview;
      const plan = await planIn(store, batch.effectiveDate, await loadChanges(store, batchId));
      return toPreview(batchView(batch), plan);
    },

    /**
     * Applies a draft batch in one transaction: exactly what preview shows. A batch
     * already applied is left alone (applied: false). With `expectedDigest`, refuses
     * if the batch would now do anything other than the preview that had that digest.
     */
    async apply(batchId: number, actor: string, opts: { expectedDigest?: string | undefined } = {}): Promise<ApplyResult> {
      try {
        return await store.transaction(async (tx) => {
          const batch = await findBatch(tx, batchId);
          const now = clock();
          // Claim the batch first: a second, concurrent apply waits here and then finds it applied.
          if (!(await tx.units.markApplied(batch.id, actor, now))) {
            const done = (await tx.units.findBatch(batch.id))!;
            return { batchId: batch.id, applied: false, preview: done.result as BatchPreview };
          }
          const plan = await planIn(tx, batch.effectiveDate, await loadChanges(tx, batch.id));
          if (opts.expectedDigest !== undefined && opts.expectedDigest !== plan.digest) {
            throw new AppError("UNIT_CONFLICT", M.digestMismatch(opts.expectedDigest, plan.digest));
          }
          await writePlan(tx, plan, batch.id, actor, now);
          const preview = toPreview(batchView((await tx.units.findBatch(batch.id))!), plan);
          await tx.units.saveResult(batch.id, preview);
          const counts: Record<string, number> = {};
          for (const u of preview.units) counts[u.outcome] = (counts[u.outcome] ?? 0) + 1;
          await tx.audit.append(
            {
              actor,
              action: "unit.batch.apply",
              objectType: "unit_batch",
              objectId: String(batch.id),
              outcome: "ok",
              details: { title: batch.title, effectiveDate: batch.effectiveDate, digest: plan.digest, changes: plan.changes.length, units: counts },
            },
            now,
          );
          return { batchId: batch.id, applied: true, preview };
        });
      } catch (e) {
        return refuse(actor, "unit.batch.apply", "unit_batch", String(batchId).slice(0, 32), e);
      }
    },
  };
  return service;
}

export type UnitService = ReturnType<typeof createUnitService>;
