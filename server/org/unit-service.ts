// The administrative unit register: adds units, answers "what did the tree look
// like on day D", drafts, previews and applies dated batches of structure
// changes (one transaction each, idempotent), audits every change and refusal.
// Reference data for ra/, reports/ and access scoping; never touches certificates.
import { AppError, isAppError } from "../errors/app-error";
import type { Store } from "../store/store";
import type { LineageRecord, UnitVersion } from "../store/unit-store";
import { vietnamDate } from "./unit-dates";
import { unitMessages as M } from "./unit-messages";
import { findBatch, loadChanges, planIn, writePlan } from "./unit-plan-store";
import { buildTree, snapshotsOf, TreeNode } from "./unit-tree";
import { changePayload, parseBatchInput, parseCode, parseDate, parseUnitSpec } from "./unit-validation";
import { ApplyResult, BatchPreview, BatchView, batchView, toPreview, UnitView, viewsOf } from "./unit-views";

export type { ApplyResult, BatchPreview, BatchView, PreviewUnit, UnitView } from "./unit-views";

export interface UnitServiceDeps {
  store: Store;
  clock: () => Date;
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
      return v ? (await viewsOf(store, [v]))[0]! : null;
    },

    /** Every version of a unit, oldest first. */
    async history(code: string): Promise<UnitView[]> {
      const id = await store.units.findByCode(parseCode(code));
      if (!id) throw new AppError("UNIT_NOT_FOUND", M.unitNotFound(code));
      return viewsOf(store, await store.units.history(id.id));
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
      return viewsOf(store, chain);
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
