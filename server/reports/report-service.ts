// The reports people ask for (issue 6): checks who may see which unit (a focal
// point only its subtree, whole-CA roles the province), stamps each report with
// when, by whom and from which data it was generated, and audits the
// generation. Figures come from agency-report / provincial-summary / adhoc-views.
import { createHash } from "node:crypto";
import type { AccessAudit } from "../access/access-audit";
import { auditActor, auditRole, type CallContext } from "../access/actor";
import type { Scope } from "../access/scope";
import type { Guard } from "../directory/guard";
import { AppError } from "../errors/app-error";
import { vnDate, type WorkingCalendar } from "../ra/working-days";
import { toDbTime } from "../store/db-time";
import type { Store } from "../store/store";
import { buildAgency } from "./agency-report";
import { buildProvince } from "./provincial-summary";
import { adhocExpiring, adhocHoldings, adhocOverdue, adhocRevocations } from "./adhoc-views";
import type { AdhocReport, AgencyReport, ProvincialSummary, ReportKind, ReportMeta, ReportSection, ReportUnitRef } from "./report-model";
import { loadTree, yearWindow } from "./report-period";
import { totalsOf } from "./report-sections";
import type { RegisterFigures } from "./report-registers";
import { rootsOf, sourceUnitsFor, subtreeOf, type TreeAsOf } from "./report-tree";

/** Every role reads reports, each on its own scope (a focal point its subtree, whole-CA roles the province). */
export const REPORT_PERMISSION = "reports.view" as const;
export const FIRST_YEAR = 2015;

export interface ReportServiceDeps {
  store: Store;
  guard: Guard;
  accessAudit: AccessAudit;
  clock: () => Date;
  calendar: () => Promise<WorkingCalendar>;
  registers?: RegisterFigures | undefined;
}

/** SHA-256 of the figures alone (not of when or by whom): the same period with unchanged history hashes the same. */
export function figuresHash(sections: ReportSection[]): string {
  const canon = sections.map((s) => ({ key: s.key, columns: s.columns.map((c) => c.key), rows: s.rows.map((r) => s.columns.map((c) => r[c.key] ?? null)) }));
  return createHash("sha256").update(JSON.stringify(canon)).digest("hex");
}

export function createReportService(deps: ReportServiceDeps) {
  const { store, guard, clock } = deps;
  const engine = { store, calendar: deps.calendar, registers: deps.registers };

  function checkYear(year: unknown): number {
    const y = Number(year);
    const last = Number(vnDate(clock()).slice(0, 4));
    if (!Number.isInteger(y) || y < FIRST_YEAR || y > last) throw new AppError("INPUT_INVALID", `Năm báo cáo phải từ ${FIRST_YEAR} đến ${last}`, { fields: { year: `Năm từ ${FIRST_YEAR} đến ${last}` } });
    return y;
  }

  const unitRef = (tree: TreeAsOf, id: number): ReportUnitRef => {
    const u = tree.units.get(id)!;
    return { id: u.id, code: u.code, name: u.name, type: u.type };
  };

  async function stamp(ctx: CallContext, m: Omit<ReportMeta, "generatedAt" | "generatedBy" | "fingerprint">, sections: ReportSection[]): Promise<ReportMeta> {
    const now = clock();
    const marks = await store.reports.dataMarks();
    const meta: ReportMeta = { ...m, generatedAt: toDbTime(now), generatedBy: ctx.actor.username, fingerprint: { ...marks, figuresSha256: figuresHash(sections) } };
    const role = auditRole(ctx.actor);
    await store.audit.append(
      {
        actor: auditActor(ctx.actor), ...role, action: "report.generate", objectType: "report", objectId: `${m.kind}:${m.unit?.code ?? "province"}:${m.year ?? `${m.periodFrom}..${m.periodTo}`}`.slice(0, 128),
        outcome: "ok", requestId: ctx.requestId,
        details: { kind: m.kind, unitId: m.unit?.id ?? null, year: m.year, periodFrom: m.periodFrom, periodTo: m.periodTo, asOf: m.asOf, ...meta.fingerprint },
      },
      now,
    );
    return meta;
  }

  /** The unit, if the actor may report on it (404, audited, when outside the scope). */
  async function unitInScope(ctx: CallContext, scope: Scope, tree: TreeAsOf, unitId: number, action: string): Promise<number> {
    const ok = scope.all || scope.unitIds.includes(unitId);
    if (!ok || !tree.units.has(unitId)) return guard.notFound(ctx, action, "unit", String(unitId), !ok && (await store.units.findById(unitId)) !== null);
    return unitId;
  }

  /** A unit given by id or by code (the pages accept either); null if there is none such. */
  async function unitIdOf(unit: number | string | null | undefined): Promise<number | null> {
    if (unit === null || unit === undefined || unit === "") return null;
    if (typeof unit === "number" || /^\d{1,9}$/.test(unit)) return Number(unit);
    const u = await store.units.findByCode(String(unit).slice(0, 40));
    return u ? u.id : -1;
  }

  return {
    /** The units and years the report chooser offers the actor (units of today's tree in scope). */
    async choices(ctx: CallContext): Promise<{ units: Array<{ id: number; code: string; name: string; depth: number }>; years: number[]; province: boolean }> {
      const scope = await guard.scope(ctx, REPORT_PERMISSION, "report.choose");
      const today = vnDate(clock());
      const tree = await loadTree(store, today);
      const units: Array<{ id: number; code: string; name: string; depth: number }> = [];
      const walk = (list: TreeAsOf["children"] extends Map<unknown, infer V> ? V : never, depth: number) => {
        for (const u of list) {
          if (scope.all || scope.unitIds.includes(u.id)) units.push({ id: u.id, code: u.code, name: u.name, depth });
          walk(tree.children.get(u.id) ?? [], depth + 1);
        }
      };
      walk(rootsOf(tree), 0);
      const last = Number(today.slice(0, 4));
      const years = Array.from({ length: last - FIRST_YEAR + 1 }, (_, i) => last - i);
      const province = scope.all || rootsOf(tree).some((r) => scope.unitIds.includes(r.id));
      return { units, years, province };
    },

    /** The annual report of one unit (with its subtree as it stood on 31 December). */
    async agency(ctx: CallContext, input: { unit: number | string; year: number }): Promise<AgencyReport> {
      const scope = await guard.scope(ctx, REPORT_PERMISSION, "report.agency");
      const year = checkYear(input.year);
      const w0 = yearWindow(year, null);
      const tree = await loadTree(store, w0.asOfDay);
      const wanted = await unitIdOf(input.unit);
      if (wanted === null) throw new AppError("INPUT_INVALID", "Hãy chọn đơn vị", { fields: { unit: "Hãy chọn đơn vị" } });
      const unitId = await unitInScope(ctx, scope, tree, wanted, "report.agency");
      const subtree = subtreeOf(tree, unitId);
      const w = { ...w0, unitIds: sourceUnitsFor(tree, subtree) };
      const built = await buildAgency(engine, tree, unitId, subtree, w);
      const unit = unitRef(tree, unitId);
      const meta = await stamp(ctx, {
        kind: "agency", titleVi: `Báo cáo tình hình quản lý, sử dụng chứng thư số năm ${year} — ${unit.name}`, titleEn: `Annual certificate report ${year} — ${unit.name}`,
        unit, year, periodFrom: w.periodFrom, periodTo: w.periodTo, asOf: w.asOfDay,
      }, built.sections);
      return { meta, totals: built.totals, sections: built.sections, charts: built.charts };
    },

    /** The provincial summary: whole-CA roles, or an officer whose scope holds the province. */
    async province(ctx: CallContext, input: { year: number }): Promise<ProvincialSummary> {
      const scope = await guard.scope(ctx, REPORT_PERMISSION, "report.province");
      const year = checkYear(input.year);
      const w0 = yearWindow(year, null);
      const tree = await loadTree(store, w0.asOfDay);
      const roots = rootsOf(tree).map((r) => r.id).filter((id) => scope.all || scope.unitIds.includes(id));
      if (roots.length === 0) {
        await deps.accessAudit.denied({ actor: ctx.actor, requestId: ctx.requestId, action: "report.province", reason: "forbidden", details: { year } });
        throw new AppError("FORBIDDEN", "Chỉ cấp tỉnh và cơ quan giám sát xem được báo cáo tổng hợp toàn tỉnh");
      }
      const keep = new Set<number>();
      for (const r of roots) for (const id of subtreeOf(tree, r)) keep.add(id);
      const w = { ...w0, unitIds: scope.all ? null : sourceUnitsFor(tree, keep) };
      const built = await buildProvince(engine, tree, roots, scope.all, w);
      const unit = roots.length === 1 ? unitRef(tree, roots[0]!) : null;
      const meta = await stamp(ctx, {
        kind: "province", titleVi: `Báo cáo tổng hợp tình hình sử dụng chứng thư số năm ${year}${unit ? ` — ${unit.name}` : ""}`, titleEn: `Provincial certificate summary ${year}${unit ? ` — ${unit.name}` : ""}`,
        unit, year, periodFrom: w.periodFrom, periodTo: w.periodTo, asOf: w.asOfDay,
      }, built.sections);
      return { meta, totals: built.totals, previousTotals: totalsOf(built.previous), sections: built.sections, charts: built.charts };
    },

    /** Ad-hoc views on today's tree (or, for revocations, the tree on the period's last day). */
    async adhoc(ctx: CallContext, kind: Exclude<ReportKind, "agency" | "province">, input: { unit?: number | string | null; from?: string; to?: string }): Promise<AdhocReport> {
      const scope = await guard.scope(ctx, REPORT_PERMISSION, `report.${kind}`);
      const now = clock();
      const today = vnDate(now);
      let day = today;
      if (kind === "revocations") {
        const ok = (s: unknown) => typeof s === "string" && /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(s));
        if (!ok(input.from) || !ok(input.to) || input.from! > input.to!) throw new AppError("INPUT_INVALID", "Khoảng thời gian không hợp lệ", { fields: { from: "Ngày bắt đầu (YYYY-MM-DD) không sau ngày kết thúc" } });
        day = input.to! > today ? today : input.to!;
      }
      const tree = await loadTree(store, day);
      let keep: Set<number> | null = null;
      let unit: ReportUnitRef | null = null;
      const wanted = await unitIdOf(input.unit);
      if (wanted !== null) {
        const id = await unitInScope(ctx, scope, tree, wanted, `report.${kind}`);
        keep = subtreeOf(tree, id);
        unit = unitRef(tree, id);
      } else if (kind === "holdings") {
        throw new AppError("INPUT_INVALID", "Hãy chọn đơn vị", { fields: { unit: "Hãy chọn đơn vị" } });
      } else if (!scope.all) {
        keep = new Set(scope.unitIds.filter((id) => tree.units.has(id)));
      }
      const deps2 = { store, tree, calendar: deps.calendar, now };
      const built =
        kind === "expiring" ? await adhocExpiring(deps2, keep)
        : kind === "overdue_requests" ? await adhocOverdue(deps2, keep)
        : kind === "revocations" ? await adhocRevocations(deps2, keep, input.from!, input.to!)
        : await adhocHoldings(deps2, keep!);
      const meta = await stamp(ctx, { kind, titleVi: built.titleVi + (unit ? ` — ${unit.name}` : ""), titleEn: built.titleEn + (unit ? ` — ${unit.name}` : ""), unit, year: null, periodFrom: built.periodFrom, periodTo: built.periodTo, asOf: day }, built.sections);
      return { meta, sections: built.sections };
    },
  };
}

export type ReportService = ReturnType<typeof createReportService>;
