// One register's service built from its definition: the scoped list (year,
// unit and its subtree), one record, the form's units, create and update.
// Reading needs "reports.view" and a record with any of its units in scope;
// changing needs "registers.manage" over every unit the record concerns; both
// on the tree as it stood on the record's date (register-scope.ts).
// Every change is audited with before/after, every refusal too (a record out
// of scope is NOT_FOUND, as for a page the actor may not see). Field rules
// live in each register's definition; SQL in server/store/register-*.ts.
import type { AccessAudit } from "../../access/access-audit";
import { auditActor, auditRole, type CallContext } from "../../access/actor";
import { inScope, type Scoper } from "../../access/scope";
import { vietnamDay, type UnitSource, type UnitSummary } from "../../directory/unit-source";
import { AppError, isAppError } from "../../errors/app-error";
import type { RegisterListQuery, RegisterPage } from "../../store/register-common";
import type { Store } from "../../store/store";
import type { RegisterForm } from "./register-fields";
import { dayAt, historicScope } from "./register-scope";

export const REGISTER_PAGE_SIZE = 50;

export interface RegisterServiceDeps {
  store: Store;
  units: UnitSource;
  scoper: Scoper;
  accessAudit: AccessAudit;
  clock: () => Date;
}

/** What a definition's parser may ask: today's date, and a unit id the actor may record under. */
export interface ParseEnv {
  today: string;
  /**
   * The unit's id if the text names a unit that existed on `asOf` (the record's date; today if
   * not given or later) inside the actor's manage scope of that day; a field message if nothing
   * was chosen; NOT_FOUND (audited) for a unit out of scope.
   */
  unit(field: string, text: string, label: string, fields: Record<string, string>, asOf?: string | null): Promise<number | null>;
}

export interface RegisterDef<I, R extends I & { id: number }> {
  /** Audit object type and action prefix: "training" → training.create, trainings.view… */
  objectType: string;
  plural: string;
  /** Vietnamese, for NOT_FOUND: "buổi tập huấn". */
  noun: string;
  store(s: Store): {
    insert(i: I, now: Date): Promise<number>;
    update(id: number, i: I, now: Date): Promise<void>;
    findById(id: number): Promise<R | null>;
    list(q: RegisterListQuery & Record<string, unknown>): Promise<RegisterPage<R>>;
  };
  /** Validates the form; throws REGISTER_INVALID (per-field Vietnamese messages). */
  parse(form: RegisterForm, env: ParseEnv): Promise<I>;
  /** Every unit the record concerns (scope is decided on these). */
  unitsOf(r: I): number[];
  /** The record's date 'YYYY-MM-DD': the tree of that day decides its scope. */
  dateOf(r: I): string;
  /** The audit log's view of the fields. */
  summary(i: I): Record<string, unknown>;
  /** A conflicting record (unique key), checked inside the transaction before writing. */
  conflict?(tx: Store, i: I, selfId: number | null): Promise<AppError | null>;
}

export interface ListFilters {
  year?: number | undefined;
  unitId?: number | undefined;
  page?: number | undefined;
  /** Register-specific filters passed to the store (the incidents' state). */
  extra?: Record<string, unknown>;
}

export function createRegisterService<I, R extends I & { id: number }>(deps: RegisterServiceDeps, def: RegisterDef<I, R>) {
  const { store, scoper, accessAudit, clock } = deps;
  const now = () => new Date(Math.floor(clock().getTime() / 1000) * 1000);
  const act = (verb: string) => `${def.objectType}.${verb}`;

  const today = () => vietnamDay(clock());

  /** FORBIDDEN (audited) unless a role grants `permission`; then the actor's scope for it, day by day. */
  async function scopeOf(ctx: CallContext, permission: "reports.view" | "registers.manage", action: string) {
    if (!scoper.may(ctx.actor, permission)) {
      await accessAudit.denied({ actor: ctx.actor, requestId: ctx.requestId, action, reason: "forbidden", details: { permission } });
      throw new AppError("FORBIDDEN", "Bạn không có quyền thay đổi sổ theo dõi này");
    }
    return historicScope({ store, units: deps.units, scoper }, ctx.actor, permission, today());
  }

  /** Whether the actor may change a record (no audit: for showing the edit link). */
  function editCheck(ctx: CallContext): (r: I) => Promise<boolean> {
    if (!scoper.may(ctx.actor, "registers.manage")) return async () => false;
    // One per call: the scope of each day is computed once for all the rows of a page.
    const history = historicScope({ store, units: deps.units, scoper }, ctx.actor, "registers.manage", today());
    return async (r) => {
      const scope = await history.on(def.dateOf(r));
      return def.unitsOf(r).every((u) => inScope(scope, u));
    };
  }

  async function refuse(ctx: CallContext, action: string, e: AppError, objectId: string | null, details: Record<string, unknown> = {}): Promise<never> {
    await store.audit.append(
      { actor: auditActor(ctx.actor), ...auditRole(ctx.actor), action, objectType: def.objectType, objectId, outcome: "refused", requestId: ctx.requestId, details: { code: e.code, message: e.message.slice(0, 500), ...details } },
      clock(),
    );
    throw e;
  }

  /** The record if any of its units is in the actor's read scope; NOT_FOUND (audited) otherwise. */
  async function visible(ctx: CallContext, id: number, action: string): Promise<R> {
    const history = await scopeOf(ctx, "reports.view", action);
    const r = await def.store(store).findById(id);
    const scope = r ? await history.on(def.dateOf(r)) : null;
    if (!r || !scope || !def.unitsOf(r).some((u) => inScope(scope, u))) {
      await accessAudit.denied({ actor: ctx.actor, requestId: ctx.requestId, action, objectType: def.objectType, objectId: String(id), reason: r ? "out_of_scope" : "not_found" });
      throw new AppError("NOT_FOUND", `Không có ${def.noun} ${id}`);
    }
    return r;
  }

  /** The record if the actor may change it: visible, and every unit it concerns in the manage scope (else FORBIDDEN, audited). */
  async function managed(ctx: CallContext, id: number, action: string): Promise<{ r: R; history: Awaited<ReturnType<typeof scopeOf>> }> {
    const r = await visible(ctx, id, action);
    const history = await scopeOf(ctx, "registers.manage", action);
    const scope = await history.on(def.dateOf(r));
    if (!def.unitsOf(r).every((u) => inScope(scope, u))) {
      await accessAudit.denied({ actor: ctx.actor, requestId: ctx.requestId, action, objectType: def.objectType, objectId: String(id), reason: "forbidden", details: { permission: "registers.manage", units: def.unitsOf(r) } });
      throw new AppError("FORBIDDEN", `Bạn chỉ được xem ${def.noun} này, không được sửa`);
    }
    return { r, history };
  }

  function envFor(ctx: CallContext, history: Awaited<ReturnType<typeof scopeOf>>, action: string): ParseEnv {
    return {
      today: today(),
      async unit(field, text, label, fields, asOf) {
        const t = text.trim();
        if (!/^\d{1,9}$/.test(t)) {
          fields[field] ??= `${label}: chọn một đơn vị`;
          return null;
        }
        const id = Number(t);
        const day = asOf && asOf < today() ? asOf : today();
        const [unit] = await deps.units.unitsAsOf(dayAt(day), [id]);
        const scope = await history.on(day);
        if (!unit || !inScope(scope, id)) {
          // A unit the actor may not record under does not exist for them (as on every page): 404, audited.
          await accessAudit.denied({ actor: ctx.actor, requestId: ctx.requestId, action, objectType: "unit", objectId: String(id), reason: unit ? "out_of_scope" : "not_found" });
          throw new AppError("NOT_FOUND", `Không có đơn vị ${id}`);
        }
        return id;
      },
    };
  }

  async function parse(ctx: CallContext, history: Awaited<ReturnType<typeof scopeOf>>, action: string, form: RegisterForm, objectId: string | null): Promise<I> {
    try {
      return await def.parse(form, envFor(ctx, history, action));
    } catch (e) {
      if (isAppError(e) && e.code === "REGISTER_INVALID") await refuse(ctx, action, e, objectId, { fields: e.details?.fields });
      throw e;
    }
  }

  /** Writes in one transaction with its audit entry; a unique-key conflict (also a concurrent one) is refused and audited. */
  async function write(ctx: CallContext, action: string, i: I, self: R | null): Promise<number> {
    const at = now();
    try {
      return await store.transaction(async (tx) => {
        const clash = def.conflict ? await def.conflict(tx, i, self?.id ?? null) : null;
        if (clash) throw clash;
        const s = def.store(tx);
        const id = self ? (await s.update(self.id, i, at), self.id) : await s.insert(i, at);
        const before = self ? def.summary(self) : null;
        const after = def.summary(i);
        const changed = before ? Object.keys(after).filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k])) : Object.keys(after);
        const pick = (o: Record<string, unknown> | null) => (o ? Object.fromEntries(changed.map((k) => [k, o[k] ?? null])) : null);
        await tx.audit.append(
          { actor: auditActor(ctx.actor), ...auditRole(ctx.actor), action, objectType: def.objectType, objectId: String(id), outcome: "ok", requestId: ctx.requestId, details: { units: def.unitsOf(i) }, before: pick(before), after: pick(after) },
          at,
        );
        return id;
      });
    } catch (e) {
      let err = e;
      // Two people saving the same line at once: the database's unique index decides, the loser is told as if checked first.
      if (!isAppError(e) && def.conflict && /unique|duplicate/i.test(String((e as Error)?.message))) err = (await def.conflict(store, i, self?.id ?? null)) ?? e;
      if (isAppError(err) && err.code === "REGISTER_DUPLICATE") await refuse(ctx, action, err, self ? String(self.id) : null, { fields: err.details?.fields });
      throw err;
    }
  }

  /** Unit names for records: as they are today, or as they were on the record's date for units gone since. */
  async function unitMap(records: readonly I[]): Promise<Map<number, UnitSummary>> {
    const ids = [...new Set(records.flatMap((r) => def.unitsOf(r)))];
    if (ids.length === 0) return new Map();
    const out = new Map((await deps.units.unitsAsOf(clock(), ids)).map((u) => [u.id, u]));
    const missing = new Map<string, Set<number>>();
    for (const r of records) {
      for (const u of def.unitsOf(r)) {
        if (out.has(u)) continue;
        const day = def.dateOf(r) < today() ? def.dateOf(r) : today();
        missing.set(day, (missing.get(day) ?? new Set()).add(u));
      }
    }
    for (const [day, set] of missing) for (const u of await deps.units.unitsAsOf(dayAt(day), [...set])) if (!out.has(u.id)) out.set(u.id, u);
    return out;
  }

  return {
    def,

    /** The scoped list, newest first, REGISTER_PAGE_SIZE a page; a unit filter reaches that unit's subtree. */
    async list(ctx: CallContext, f: ListFilters) {
      const action = `${def.plural}.view`;
      const history = await scopeOf(ctx, "reports.view", action);
      const periods = await history.periods(f.unitId);
      if (f.unitId !== undefined && periods !== null && periods.every((p) => p.unitIds !== null && p.unitIds.length === 0)) {
        // A unit never in the actor's subtree is not found (ids cannot be probed), audited.
        await accessAudit.denied({ actor: ctx.actor, requestId: ctx.requestId, action, objectType: "unit", objectId: String(f.unitId), reason: "out_of_scope" });
        throw new AppError("NOT_FOUND", `Không có đơn vị ${f.unitId}`);
      }
      const page = Math.max(1, f.page ?? 1);
      const result = await def.store(store).list({ units: { all: true }, periods: periods ?? undefined, year: f.year, limit: REGISTER_PAGE_SIZE, offset: (page - 1) * REGISTER_PAGE_SIZE, ...(f.extra ?? {}) });
      const names = await unitMap(result.rows);
      const now = await history.on(today());
      const filterUnits = await deps.units.unitsAsOf(clock(), now.all ? undefined : now.unitIds);
      const mayEdit = editCheck(ctx);
      const rows = [];
      for (const r of result.rows) rows.push({ ...r, unit: names.get(def.unitsOf(r)[0]!) ?? null, canEdit: await mayEdit(r) });
      return { rows, more: result.more, page, canCreate: scoper.may(ctx.actor, "registers.manage"), units: filterUnits.sort((a, b) => a.name.localeCompare(b.name, "vi")), names };
    },

    /** One record with its units' names and whether the actor may edit it; NOT_FOUND (audited) out of scope. */
    async get(ctx: CallContext, id: number) {
      const r = await visible(ctx, id, `${def.plural}.view`);
      return { record: r, names: await unitMap([r]), canEdit: await editCheck(ctx)(r) };
    },

    /** The units the actor may record under on `asOf` (today if not given): the form's choices, by name. */
    async formUnits(ctx: CallContext, asOf?: string): Promise<UnitSummary[]> {
      const day = asOf && asOf < today() ? asOf : today();
      const scope = await (await scopeOf(ctx, "registers.manage", act("form"))).on(day);
      const units = await deps.units.unitsAsOf(dayAt(day), scope.all ? undefined : scope.unitIds);
      return units.sort((a, b) => a.name.localeCompare(b.name, "vi"));
    },

    /** A record to edit; NOT_FOUND out of scope, FORBIDDEN if only readable (both audited). */
    async forEdit(ctx: CallContext, id: number): Promise<R> {
      return (await managed(ctx, id, act("update"))).r;
    },

    async create(ctx: CallContext, form: RegisterForm): Promise<R> {
      const action = act("create");
      const history = await scopeOf(ctx, "registers.manage", action);
      const i = await parse(ctx, history, action, form, null);
      const id = await write(ctx, action, i, null);
      return (await def.store(store).findById(id))!;
    },

    async update(ctx: CallContext, id: number, form: RegisterForm): Promise<R> {
      const action = act("update");
      const { r, history } = await managed(ctx, id, action);
      const i = await parse(ctx, history, action, form, String(id));
      await write(ctx, action, i, r);
      return (await def.store(store).findById(id))!;
    },
  };
}

export type RegisterService<I, R extends I & { id: number }> = ReturnType<typeof createRegisterService<I, R>>;
