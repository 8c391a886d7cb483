// What the request pages show, built from the request service's answers: list
// rows with the deadline status, the detail page's facts and timeline, the units
// a person may file for, the type picker. Reads through the portal only (scope
// is the services' business); decides nothing about the workflow.
import type { CallContext } from "../access/actor";
import { inScope } from "../access/scope";
import type { Config } from "../config/schema";
import type { Portal } from "../directory/portal";
import type { TreeNode } from "../directory/unit-directory";
import { FINAL_STATES } from "../ra/request-states";
import { FORM_OF, REQUEST_TYPES, SLA_KEY_OF, type RequestType } from "../ra/request-types";
import type { RequestRecord } from "../store/request-store";
import { FORM_FIELDS } from "./request-form-fields";

/** 'YYYY-MM-DD' → 'dd/mm/yyyy' (the official form, both languages). */
export function dmy(day: string | null): string {
  const m = day ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(day) : null;
  return m ? `${m[3]}/${m[2]}/${m[1]}` : "";
}

function flatten(nodes: TreeNode[], depth = 0, out: Array<{ id: number; name: string; depth: number }> = []) {
  for (const n of nodes) {
    out.push({ id: n.unit.id, name: n.unit.name, depth });
    flatten(n.children, depth + 1, out);
  }
  return out;
}

/** Every unit the caller sees (today), in tree order, with its depth. */
export async function visibleUnits(portal: Portal, ctx: CallContext) {
  return flatten(await portal.units.tree(ctx));
}

/** The units the caller may file a request for (scope of requests.file), indented by depth. */
export async function filableUnits(portal: Portal, ctx: CallContext, selected?: number) {
  const scope = await portal.scoper.scopeFor(ctx.actor, portal.clock(), "requests.file");
  return (await visibleUnits(portal, ctx))
    .filter((u) => inScope(scope, u.id))
    .map((u) => ({ ...u, label: `${"— ".repeat(u.depth)}${u.name}`, selected: u.id === selected }));
}

/** The deadline as shown: the date and overdue / due today / on time / done (portal.sla). */
export function deadlineOf(portal: Portal, r: RequestRecord) {
  if (!r.dueDate) return { due: "", status: null, slaKey: null };
  const done = FINAL_STATES.includes(r.state) ? (r.completedAt ?? r.updatedAt) : null;
  const status = portal.sla.status(r.dueDate, portal.clock(), done);
  return { due: dmy(r.dueDate), status, slaKey: `requests.sla.${status}` };
}

export function typeInfo(type: RequestType) {
  return { type, form: FORM_OF[type], labelKey: `requests.types.${type}` };
}

/** The type picker: every type with its form number and deadline in working days. */
export function typeChoices(config: Config) {
  return REQUEST_TYPES.map((t) => ({
    ...typeInfo(t),
    descKey: `requests.typeDesc.${t}`,
    days: config.sla[SLA_KEY_OF[t]],
    // Mẫu 09 is opened by the token page's "report lost token" (the revocation cannot wait for a form).
    viaToken: t === "token_lost",
  }));
}

export function listRows(portal: Portal, rows: RequestRecord[], unitNames: Map<number, string>) {
  return rows.map((r) => ({
    id: r.id,
    reference: `YC-${String(r.id).padStart(6, "0")}`,
    ...typeInfo(r.type),
    summary: r.summary,
    unit: { id: r.unitId, name: unitNames.get(r.unitId) ?? `#${r.unitId}` },
    state: r.state,
    stateKey: `requests.states.${r.state}`,
    ...deadlineOf(portal, r),
  }));
}

/** The form's fields with the stored values, for the detail page (empty ones left out). */
export function factsOf(r: RequestRecord) {
  return FORM_FIELDS[r.type]
    .map((spec) => {
      const raw = r.data[spec.name];
      if (raw === undefined || raw === null || raw === "" || (Array.isArray(raw) && raw.length === 0)) return null;
      const value = Array.isArray(raw) ? raw.join(", ") : String(raw);
      const option = spec.options?.find((o) => o.value === value);
      return { label: spec.label, value, valueKey: option?.label ?? null };
    })
    .filter((x) => x !== null);
}

export function timelineOf(events: Array<{ action: string; actor: string; at: Date; reason: string | null; fromState: string | null; toState: string | null }>) {
  return events.map((e) => ({ ...e, actionKey: `requests.events.${e.action}`, toKey: e.toState !== null && e.fromState !== e.toState ? `requests.states.${e.toState}` : null }));
}
