// Unit plans against the store: reads what planBatch needs (and stored batches), and writes a plan (identities, versions, lineage, audit) in a transaction.
import { AppError } from "../errors/app-error";
import type { Store } from "../store/store";
import type { BatchRecord } from "../store/unit-store";
import { unitMessages as M } from "./unit-messages";
import { OutsideUnit, outcomeOf, Plan, planBatch } from "./unit-plan";
import { mentionedCodes, parseChange, UnitChange } from "./unit-validation";

/** Reads what planBatch needs (the tree on `date`, the mentioned units outside it) and plans. */
export async function planIn(s: Store, date: string, changes: UnitChange[], single = false): Promise<Plan> {
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
export async function writePlan(tx: Store, plan: Plan, batchId: number | null, actor: string, now: Date): Promise<void> {
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

/** A stored batch's changes, parsed again, in order. */
export async function loadChanges(s: Store, batchId: number): Promise<UnitChange[]> {
  return (await s.units.changesOf(batchId)).map((c) => parseChange({ kind: c.kind, ...(c.payload as object) }, c.seq));
}

/** The batch with `batchId`; BATCH_NOT_FOUND otherwise. */
export async function findBatch(s: Store, batchId: number): Promise<BatchRecord> {
  const b = Number.isSafeInteger(batchId) && batchId > 0 ? await s.units.findBatch(batchId) : null;
  if (!b) throw new AppError("BATCH_NOT_FOUND", M.batchNotFound(batchId));
  return b;
}
