// The oversight audit page: the chain's status (from the background monitor's
// cache, never a verify in the request) and the entries, newest first, with
// filters and keyset paging. Only roles granted "audit.view" (oversight, admin);
// anyone else gets FORBIDDEN, audited like every refusal. The log is not scoped
// by unit: whoever may read it reads all of it.
import type { CallContext } from "../access/actor";
import type { AuditMonitor, AuditStatus } from "../audit/audit-monitor";
import { AppError } from "../errors/app-error";
import type { AuditRecord } from "../store/audit-store";
import { toDbTime } from "../store/db-time";
import type { Store } from "../store/store";
import type { Guard } from "./guard";
import type { UnitSource } from "./unit-source";

export const AUDIT_PAGE_SIZE = 50;

export interface AuditFilters {
  action?: string;
  actor?: string;
  outcome?: string;
  objectType?: string;
  objectId?: string;
  /** yyyy-mm-dd, Vietnam dates, inclusive. */
  from?: string;
  to?: string;
  before?: number;
}

export interface AuditEntryView extends Omit<AuditRecord, "at"> {
  at: Date;
  unitName: string | null;
}

const VN_OFFSET_MS = 7 * 3_600_000;

/** A yyyy-mm-dd Vietnam date → the UTC instant its day starts (plus `days`). */
function vnDayStart(s: string, name: string, days = 0): Date {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  const [y, mo, d] = m ? [+m[1]!, +m[2]!, +m[3]!] : [0, 0, 0];
  if (!m || mo < 1 || mo > 12 || d < 1 || new Date(Date.UTC(y, mo - 1, d)).getUTCDate() !== d) throw new AppError("INPUT_INVALID", `bad ${name} date`);
  return new Date(Date.UTC(y, mo - 1, d + days) - VN_OFFSET_MS);
}

export function createAuditDirectory(deps: { store: Store; units: UnitSource; guard: Guard; monitor: AuditMonitor; clock: () => Date }) {
  const { store, guard, monitor } = deps;

  async function withUnits(rows: AuditRecord[]): Promise<AuditEntryView[]> {
    const ids = [...new Set(rows.map((r) => r.unitId).filter((x): x is number => x !== null))];
    const names = new Map((ids.length ? await deps.units.unitsAsOf(deps.clock(), ids) : []).map((u) => [u.id, u.name]));
    return rows.map((r) => ({ ...r, at: new Date(r.at), unitName: r.unitId === null ? null : (names.get(r.unitId) ?? null) }));
  }

  return {
    async page(ctx: CallContext, f: AuditFilters): Promise<{ status: AuditStatus; checkpoints: number; rows: AuditEntryView[]; next: number | null }> {
      await guard.scope(ctx, "audit.view", "audit.view");
      if (f.outcome !== undefined && f.outcome !== "ok" && f.outcome !== "refused") throw new AppError("INPUT_INVALID", "bad outcome");
      const fromAt = f.from ? toDbTime(vnDayStart(f.from, "from")) : undefined;
      const toAt = f.to ? toDbTime(vnDayStart(f.to, "to", 1)) : undefined;
      const { rows, more } = await store.auditQueries.list({
        actionPrefix: f.action,
        actor: f.actor,
        outcome: f.outcome as "ok" | "refused" | undefined,
        objectType: f.objectType,
        objectId: f.objectId,
        fromAt,
        toAt,
        beforeId: f.before,
        limit: AUDIT_PAGE_SIZE,
      });
      return {
        status: monitor.status(),
        checkpoints: await store.auditCheckpoints.count(),
        rows: await withUnits(rows),
        next: more ? rows.at(-1)!.id : null,
      };
    },

    async entry(ctx: CallContext, id: number): Promise<AuditEntryView & { json: { details: string | null; before: string | null; after: string | null } }> {
      await guard.scope(ctx, "audit.view", "audit.view");
      const r = await store.auditQueries.byId(id);
      if (!r) throw new AppError("NOT_FOUND", `no audit entry ${id}`);
      const [view] = await withUnits([r]);
      const pretty = (o: Record<string, unknown> | null) => (o === null ? null : JSON.stringify(o, null, 2));
      return { ...view!, json: { details: pretty(r.details), before: pretty(r.before), after: pretty(r.after) } };
    },

    /** "Verify now": starts a background run (audited), returns at once. */
    async verifyNow(ctx: CallContext): Promise<void> {
      await guard.scope(ctx, "audit.view", "audit.verify");
      void monitor.verifyNow();
    },
  };
}

export type AuditDirectory = ReturnType<typeof createAuditDirectory>;
