// The report registers' pages (issue 6): /registers (the four registers), and
// for each of trainings, inspections, incidents and demand a list filtered by
// year and unit, a page per record, and new/edit forms (GET shows, POST saves
// and redirects, or shows the form again with each field's message). Routes
// read the query or form, call the register service, and shape rows for the
// generic list and detail templates; the rules are the services'.
import { Router, type Request, type Response } from "express";
import type { Portal } from "../directory/portal";
import type { UnitSummary } from "../directory/unit-source";
import { AppError, isAppError } from "../errors/app-error";
import type { RegisterForm } from "../reports/registers/register-fields";
import { MAX_TRAINING_ROWS } from "../reports/registers/training-register";
import { DEMAND_COUNTS, type DemandRecord } from "../store/register-demand-store";
import { INCIDENT_KINDS, INCIDENT_STATES, type IncidentRecord } from "../store/register-incident-store";
import type { InspectionRecord } from "../store/register-inspection-store";
import type { TrainingRecord } from "../store/register-training-store";
import { httpStatusFor } from "./http-error";
import { idParam, intParam, q, urlWith } from "./query-params";
import { callOf, requireSignIn } from "./request-context";

type Kind = "trainings" | "inspections" | "incidents" | "demand";
type Cell = { text?: string | number | null; key?: string; href?: string; multiline?: boolean };
type Names = Map<number, UnitSummary>;
// The records differ per register; each definition below reads the fields it knows.
type Rec = Partial<TrainingRecord & InspectionRecord & IncidentRecord & DemandRecord> & { id: number; unitId: number };

const dmy = (d: string | null | undefined) => (d && /^\d{4}-\d{2}-\d{2}$/.test(d) ? `${d.slice(8, 10)}/${d.slice(5, 7)}/${d.slice(0, 4)}` : "");
const unitCell = (names: Names, id: number): Cell => ({ text: names.get(id)?.name ?? `#${id}`, href: `/units/${id}` });

interface KindDef {
  /** Form fields (one value each) and repeated ones. */
  fields: readonly string[];
  repeated?: readonly string[];
  columns: string[];
  cells(r: Rec, names: Names): Cell[];
  facts(r: Rec, names: Names): Array<{ key: string; cell: Cell }>;
  /** A record's values as the form shows them. */
  values(r: Rec): Record<string, unknown>;
  extraFilters?: readonly string[];
}

const COUNT_FIELDS = DEMAND_COUNTS;

const KINDS: Record<Kind, KindDef> = {
  trainings: {
    fields: ["unitId", "heldOn", "topic", "organiser", "notes"],
    repeated: ["participantUnit", "participantPeople"],
    columns: ["registers.trainings.heldOn", "registers.trainings.topic", "registers.trainings.organiser", "registers.trainings.units", "registers.trainings.people"],
    cells: (r, names) => [{ text: dmy(r.heldOn) }, { text: r.topic }, { text: r.organiser }, { text: (r.participants ?? []).map((p) => names.get(p.unitId)?.name ?? `#${p.unitId}`).join("; ") }, { text: r.peopleTrained }],
    facts: (r, names) => [
      { key: "registers.trainings.heldOn", cell: { text: dmy(r.heldOn) } },
      { key: "registers.trainings.topic", cell: { text: r.topic } },
      { key: "registers.trainings.organiser", cell: { text: r.organiser } },
      { key: "registers.trainings.recordedBy", cell: unitCell(names, r.unitId) },
      ...(r.participants ?? []).map((p) => ({ key: "registers.trainings.trained", cell: { ...unitCell(names, p.unitId), text: `${names.get(p.unitId)?.name ?? `#${p.unitId}`}: ${p.people}` } })),
      { key: "registers.trainings.people", cell: { text: r.peopleTrained } },
      { key: "registers.notes", cell: { text: r.notes, multiline: true } },
    ],
    values: (r) => r,
  },
  inspections: {
    fields: ["unitId", "inspectedOn", "inspector", "hasFindings", "findings", "followUp"],
    columns: ["registers.inspections.inspectedOn", "registers.inspections.unit", "registers.inspections.inspector", "registers.inspections.hasFindings"],
    cells: (r, names) => [{ text: dmy(r.inspectedOn) }, unitCell(names, r.unitId), { text: r.inspector }, { key: r.hasFindings ? "registers.yes" : "registers.no" }],
    facts: (r, names) => [
      { key: "registers.inspections.inspectedOn", cell: { text: dmy(r.inspectedOn) } },
      { key: "registers.inspections.unit", cell: unitCell(names, r.unitId) },
      { key: "registers.inspections.inspector", cell: { text: r.inspector } },
      { key: "registers.inspections.hasFindings", cell: { key: r.hasFindings ? "registers.yes" : "registers.no" } },
      { key: "registers.inspections.findings", cell: { text: r.findings, multiline: true } },
      { key: "registers.inspections.followUp", cell: { text: r.followUp, multiline: true } },
    ],
    values: (r) => ({ ...r, hasFindings: r.hasFindings ? "1" : "" }),
  },
  incidents: {
    fields: ["unitId", "kind", "occurredOn", "description", "handling", "state", "closedOn"],
    columns: ["registers.incidents.occurredOn", "registers.incidents.unit", "registers.incidents.kind", "registers.incidents.state", "registers.incidents.closedOn"],
    cells: (r, names) => [{ text: dmy(r.occurredOn) }, unitCell(names, r.unitId), { key: `registers.incidents.kinds.${r.kind}` }, { key: `registers.incidents.states.${r.state}` }, { text: dmy(r.closedOn) }],
    facts: (r, names) => [
      { key: "registers.incidents.occurredOn", cell: { text: dmy(r.occurredOn) } },
      { key: "registers.incidents.unit", cell: unitCell(names, r.unitId) },
      { key: "registers.incidents.kind", cell: { key: `registers.incidents.kinds.${r.kind}` } },
      { key: "registers.incidents.description", cell: { text: r.description, multiline: true } },
      { key: "registers.incidents.handling", cell: { text: r.handling, multiline: true } },
      { key: "registers.incidents.state", cell: { key: `registers.incidents.states.${r.state}` } },
      { key: "registers.incidents.closedOn", cell: { text: dmy(r.closedOn) } },
    ],
    values: (r) => r,
    extraFilters: ["state"],
  },
  demand: {
    fields: ["unitId", "year", "quarter", "notes", ...COUNT_FIELDS],
    columns: ["registers.demand.year", "registers.demand.quarter", "registers.demand.unit", ...COUNT_FIELDS.map((k) => `registers.demand.counts.${k}`)],
    cells: (r, names) => [{ text: r.year }, { text: r.quarter }, unitCell(names, r.unitId), ...COUNT_FIELDS.map((k) => ({ text: r[k] }))],
    facts: (r, names) => [
      { key: "registers.demand.year", cell: { text: r.year } },
      { key: "registers.demand.quarter", cell: { text: r.quarter } },
      { key: "registers.demand.unit", cell: unitCell(names, r.unitId) },
      ...COUNT_FIELDS.map((k) => ({ key: `registers.demand.counts.${k}`, cell: { text: r[k] } })),
      { key: "registers.notes", cell: { text: r.notes, multiline: true } },
    ],
    values: (r) => r,
  },
};

const isKind = (s: string | string[] | undefined): s is Kind => typeof s === "string" && s in KINDS;

function formOf(def: KindDef, body: unknown): RegisterForm {
  const b = (body ?? {}) as Record<string, unknown>;
  const out: RegisterForm = {};
  for (const f of def.fields) if (typeof b[f] === "string") out[f] = (b[f] as string).slice(0, 4500);
  for (const f of def.repeated ?? []) {
    const v = b[f];
    const list = Array.isArray(v) ? v : v === undefined ? [] : [v];
    out[f] = list.filter((x): x is string => typeof x === "string").slice(0, MAX_TRAINING_ROWS).map((x) => x.slice(0, 16));
  }
  return out;
}

/** The form's rows of units trained: what was posted (or saved), then empty rows up to a few more. */
function participantRows(values: Record<string, unknown>, units: UnitSummary[]) {
  let rows: Array<{ unitId: string; people: string }>;
  if (Array.isArray(values.participants)) rows = (values.participants as Array<{ unitId: number; people: number }>).map((p) => ({ unitId: String(p.unitId), people: String(p.people) }));
  else {
    const u = ([] as unknown[]).concat(values.participantUnit ?? []);
    const p = ([] as unknown[]).concat(values.participantPeople ?? []);
    rows = u.map((x, i) => ({ unitId: String(x ?? ""), people: String(p[i] ?? "") })).filter((r) => r.unitId || r.people);
  }
  const target = Math.min(MAX_TRAINING_ROWS, Math.max(rows.length + 3, 5));
  while (rows.length < target) rows.push({ unitId: "", people: "" });
  return rows.map((r, i) => ({ n: i + 1, people: r.people, units: units.map((x) => ({ id: x.id, name: x.name, selected: String(x.id) === r.unitId })) }));
}

export function registerRoutes(deps: { portal: Portal }): Router {
  const r = Router();
  const { portal } = deps;
  const signedIn = requireSignIn();
  const service = (kind: Kind) => portal.registers[kind];
  const thisYear = () => Number(new Date(portal.clock().getTime() + 7 * 3_600_000).toISOString().slice(0, 4));

  r.get("/registers", signedIn, (_req, res) => {
    res.render("registers/index", { titleKey: "registers.title", nav: "registers", kinds: Object.keys(KINDS).map((k) => ({ href: `/registers/${k}`, titleKey: `registers.${k}.title`, introKey: `registers.${k}.intro` })) });
  });

  r.get("/registers/:kind", signedIn, async (req, res, next) => {
    const kind = req.params.kind;
    if (!isKind(kind)) return next();
    const def = KINDS[kind];
    const year = intParam(q(req, "year", 4), "year");
    const unitId = intParam(q(req, "unit", 9), "unit");
    const page = intParam(q(req, "page", 6), "page");
    const extra: Record<string, unknown> = {};
    const state = def.extraFilters?.includes("state") ? q(req, "state", 8) : undefined;
    if (state !== undefined) {
      if (!(INCIDENT_STATES as readonly string[]).includes(state)) throw new AppError("INPUT_INVALID", "bad state parameter");
      extra.state = state;
    }
    const result = await service(kind).list(callOf(req), { year, unitId, page, extra });
    const y = thisYear();
    res.render("registers/list", {
      titleKey: `registers.${kind}.title`,
      nav: "registers",
      kind,
      columns: def.columns,
      rows: result.rows.map((row) => ({ id: row.id, canEdit: row.canEdit, cells: def.cells(row as unknown as Rec, result.names) })),
      canCreate: result.canCreate,
      years: Array.from({ length: y + 2 - 2020 + 1 }, (_, i) => y + 2 - i).map((v) => ({ value: v, selected: v === year })),
      units: result.units.map((u) => ({ id: u.id, name: u.name, selected: u.id === unitId })),
      states: def.extraFilters?.includes("state") ? INCIDENT_STATES.map((s) => ({ value: s, key: `registers.incidents.states.${s}`, selected: s === state })) : null,
      page: result.page,
      prevUrl: result.page > 1 ? urlWith(req, { page: result.page - 1 }) : null,
      nextUrl: result.more ? urlWith(req, { page: result.page + 1 }) : null,
    });
  });

  async function renderForm(req: Request, res: Response, kind: Kind, status: number, view: { editing?: Rec; values: Record<string, unknown>; errors: Record<string, unknown>; errorCode?: string }) {
    res.locals.shell ??= await portal.shell.forCaller(callOf(req));
    // Editing an old record: the units as they stood on its date.
    const svc = service(kind) as unknown as { formUnits(ctx: ReturnType<typeof callOf>, asOf?: string): Promise<UnitSummary[]>; def: { dateOf(r: Rec): string } };
    const units = await svc.formUnits(callOf(req), view.editing ? svc.def.dateOf(view.editing) : undefined);
    const values = { ...view.values };
    if (!view.editing && !values.unitId && units.length === 1) values.unitId = String(units[0]!.id);
    if (!view.editing && kind === "demand" && !values.year) values.year = String(thisYear() + 1);
    for (const k of COUNT_FIELDS) if (kind === "demand" && values[k] === undefined) values[k] = "0";
    res.status(status).render(`registers/${kind}-form`, {
      titleKey: view.editing ? `registers.${kind}.editTitle` : `registers.${kind}.newTitle`,
      nav: "registers",
      kind,
      ...view,
      values,
      action: view.editing ? `/registers/${kind}/${view.editing.id}/edit` : `/registers/${kind}/new`,
      cancel: view.editing ? `/registers/${kind}/${view.editing.id}` : `/registers/${kind}`,
      units: units.map((u) => ({ id: u.id, name: u.name, selected: String(u.id) === String(values.unitId ?? "") })),
      rows: kind === "trainings" ? participantRows(values, units) : null,
      kinds: INCIDENT_KINDS.map((k) => ({ value: k, key: `registers.incidents.kinds.${k}`, selected: k === values.kind })),
      states: INCIDENT_STATES.map((s) => ({ value: s, key: `registers.incidents.states.${s}`, selected: s === (values.state ?? "open") })),
      quarters: [1, 2, 3, 4].map((n) => ({ value: n, selected: String(n) === String(values.quarter ?? "") })),
      counts: COUNT_FIELDS.map((k) => ({ name: k, key: `registers.demand.counts.${k}`, value: values[k], error: view.errors[k] })),
    });
  }

  /** A refusal the form shows next to its fields; anything else goes to the error page. */
  function formError(e: unknown): { status: number; fields: Record<string, unknown>; code: string } | null {
    if (!isAppError(e) || (e.code !== "REGISTER_INVALID" && e.code !== "REGISTER_DUPLICATE")) return null;
    return { status: httpStatusFor(e.code), fields: (e.details?.fields as Record<string, unknown> | undefined) ?? {}, code: e.code };
  }

  r.get("/registers/:kind/new", signedIn, async (req, res, next) => {
    const kind = req.params.kind;
    if (!isKind(kind)) return next();
    await renderForm(req, res, kind, 200, { values: { unitId: q(req, "unit", 9) }, errors: {} });
  });

  r.post("/registers/:kind/new", signedIn, async (req, res, next) => {
    const kind = req.params.kind;
    if (!isKind(kind)) return next();
    const form = formOf(KINDS[kind], req.body);
    try {
      const rec = await service(kind).create(callOf(req), form);
      res.redirect(303, `/registers/${kind}/${rec.id}`);
    } catch (e) {
      const err = formError(e);
      if (!err) throw e;
      await renderForm(req, res, kind, err.status, { values: form, errors: err.fields, errorCode: err.code });
    }
  });

  r.get("/registers/:kind/:id", signedIn, async (req, res, next) => {
    const kind = req.params.kind;
    if (!isKind(kind)) return next();
    const page = await service(kind).get(callOf(req), idParam(req.params.id));
    res.render("registers/detail", {
      titleKey: `registers.${kind}.one`,
      listKey: `registers.${kind}.title`,
      nav: "registers",
      kind,
      id: page.record.id,
      canEdit: page.canEdit,
      facts: KINDS[kind].facts(page.record as unknown as Rec, page.names).filter((f) => f.cell.key || (f.cell.text !== null && f.cell.text !== undefined && f.cell.text !== "")),
    });
  });

  r.get("/registers/:kind/:id/edit", signedIn, async (req, res, next) => {
    const kind = req.params.kind;
    if (!isKind(kind)) return next();
    const rec = (await service(kind).forEdit(callOf(req), idParam(req.params.id))) as unknown as Rec;
    await renderForm(req, res, kind, 200, { editing: rec, values: KINDS[kind].values(rec), errors: {} });
  });

  r.post("/registers/:kind/:id/edit", signedIn, async (req, res, next) => {
    const kind = req.params.kind;
    if (!isKind(kind)) return next();
    const id = idParam(req.params.id);
    const form = formOf(KINDS[kind], req.body);
    try {
      await service(kind).update(callOf(req), id, form);
      res.redirect(303, `/registers/${kind}/${id}`);
    } catch (e) {
      const err = formError(e);
      if (!err) throw e;
      const rec = (await service(kind).forEdit(callOf(req), id)) as unknown as Rec;
      await renderForm(req, res, kind, err.status, { editing: rec, values: form, errors: err.fields, errorCode: err.code });
    }
  });

  return r;
}
