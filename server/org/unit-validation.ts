// Checks and normalises what people type about units (codes, names, MST, QHNS,
// .gov.vn domains, focal points, dates) and the shape of change batches. Pure:
// knows nothing of the tree as it stands (unit-plan.ts does).
import { AppError, ErrorCode } from "../errors/app-error";
import type { UnitType } from "../store/unit-store";
import { isIsoDate } from "./unit-dates";
import { unitMessages as M } from "./unit-messages";

export const UNIT_TYPES: readonly UnitType[] = ["province", "department", "district", "commune", "central_in_province", "other"];
export const CHANGE_KINDS = ["create", "rename", "update", "move", "merge", "split", "dissolve"] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];
export const MAX_CHANGES = 5000;

export interface FocalPoint {
  name: string | null;
  email: string | null;
  phone: string | null;
}

/** A unit as created: its code and every attribute of its first version. */
export interface UnitSpec {
  code: string;
  name: string;
  type: UnitType;
  /** Code of the parent unit; null only for a province. */
  parent: string | null;
  taxCode: string | null;
  budgetCode: string | null;
  address: string | null;
  emailDomain: string | null;
  focalPoint: FocalPoint | null;
}

/** Attributes an `update` change may set (name and parent have their own kinds: rename, move). */
export interface UnitUpdate {
  type?: UnitType;
  taxCode?: string | null;
  budgetCode?: string | null;
  address?: string | null;
  emailDomain?: string | null;
  focalPoint?: FocalPoint | null;
}

export type UnitChange =
  | { kind: "create"; unit: UnitSpec }
  | { kind: "rename"; unit: string; name: string }
  | { kind: "update"; unit: string; set: UnitUpdate }
  | { kind: "move"; unit: string; parent: string }
  | { kind: "merge"; units: string[]; into: string | UnitSpec }
  | { kind: "split"; unit: string; into: Array<string | UnitSpec>; keepSource: boolean }
  | { kind: "dissolve"; unit: string };

export interface BatchInput {
  title: string;
  effectiveDate: string;
  changes: UnitChange[];
}

// ---------------------------------------------------------------------------
// Fields

type Obj = Record<string, unknown>;
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

function fail(code: ErrorCode, message: string, field?: string): never {
  throw new AppError(code, message, field ? { field } : undefined);
}

function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function onlyKeys(o: Obj, allowed: readonly string[], code: ErrorCode): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) fail(code, M.unknownField(k), k);
}

function absent(v: unknown): boolean {
  return v === undefined || v === null || (typeof v === "string" && v.trim() === "");
}

function text(v: unknown, field: string): string {
  if (typeof v !== "string") fail("UNIT_INVALID", M.notText(field), field);
  return v.normalize("NFC").trim();
}

export function parseCode(v: unknown, field = "code"): string {
  if (absent(v)) fail("UNIT_INVALID", M.required(field), field);
  const s = text(v, field).toUpperCase();
  if (!/^[A-Z0-9][A-Z0-9._-]{0,38}[A-Z0-9]$/.test(s)) fail("UNIT_INVALID", M.code(field), field);
  return s;
}

export function parseName(v: unknown, field = "name", max = 255): string {
  if (absent(v)) fail("UNIT_INVALID", M.required(field), field);
  const s = text(v, field).replace(/\s+/g, " ");
  if (s.length < 2 || s.length > max || CONTROL.test(s)) fail("UNIT_INVALID", M.name(field, max), field);
  return s;
}

export function parseType(v: unknown, field = "type"): UnitType {
  if (absent(v)) fail("UNIT_INVALID", M.required(field), field);
  if (typeof v !== "string" || !(UNIT_TYPES as readonly string[]).includes(v)) fail("UNIT_INVALID", M.type(field, UNIT_TYPES), field);
  return v as UnitType;
}

/** MST: 10 digits, or 13 for a dependent unit, canonically written 0101234567-001. */
export function parseTaxCode(v: unknown, field = "taxCode"): string | null {
  if (absent(v)) return null;
  const s = text(v, field).replace(/\s+/g, "");
  const m = /^(\d{10})(?:-?(\d{3}))?$/.exec(s);
  if (!m) fail("UNIT_INVALID", M.taxCode(field), field);
  return m[2] ? `${m[1]}-${m[2]}` : m[1]!;
}

/** Mã QHNS (mã đơn vị có quan hệ với ngân sách): 7 digits. */
export function parseBudgetCode(v: unknown, field = "budgetCode"): string | null {
  if (absent(v)) return null;
  const s = text(v, field).replace(/\s+/g, "");
  if (!/^\d{7}$/.test(s)) fail("UNIT_INVALID", M.budgetCode(field), field);
  return s;
}

export function parseEmailDomain(v: unknown, field = "emailDomain"): string | null {
  if (absent(v)) return null;
  const s = text(v, field).toLowerCase().replace(/^@/, "").replace(/\.$/, "");
  const labels = s.split(".");
  const ok =
    s.length <= 253 &&
    s.endsWith(".gov.vn") &&
    labels.length >= 3 &&
    labels.every((l) => /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(l));
  if (!ok) fail("UNIT_INVALID", M.emailDomain(field), field);
  return s;
}

export function parseAddress(v: unknown, field = "address"): string | null {
  if (absent(v)) return null;
  const s = text(v, field).replace(/\s+/g, " ");
  if (s.length > 500 || CONTROL.test(s)) fail("UNIT_INVALID", M.address(field), field);
  return s;
}

function parseEmail(v: unknown, field: string): string | null {
  if (absent(v)) return null;
  const s = text(v, field).toLowerCase();
  if (s.length > 255 || !/^[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)+$/.test(s)) fail("UNIT_INVALID", M.email(field), field);
  return s;
}

/** Vietnamese numbers: 0 or +84 then 8-10 digits; spaces, dots and hyphens are dropped. */
function parsePhone(v: unknown, field: string): string | null {
  if (absent(v)) return null;
  const s = text(v, field).replace(/[\s.()-]/g, "");
  if (!/^(?:\+84|0)\d{8,10}$/.test(s)) fail("UNIT_INVALID", M.phone(field), field);
  return s;
}

export function parseFocalPoint(v: unknown, field = "focalPoint"): FocalPoint | null {
  if (absent(v)) return null;
  if (!isObj(v)) fail("UNIT_INVALID", M.notAnObject(field), field);
  onlyKeys(v, ["name", "email", "phone"], "UNIT_INVALID");
  const fp: FocalPoint = {
    name: absent(v.name) ? null : parseName(v.name, `${field}.name`, 128),
    email: parseEmail(v.email, `${field}.email`),
    phone: parsePhone(v.phone, `${field}.phone`),
  };
  return fp.name === null && fp.email === null && fp.phone === null ? null : fp;
}

export function parseDate(v: unknown, field: string): string {
  if (absent(v)) fail("UNIT_INVALID", M.required(field), field);
  if (!isIsoDate(v)) fail("UNIT_INVALID", M.date(field), field);
  return v;
}

const SPEC_KEYS = ["code", "name", "type", "parent", "taxCode", "budgetCode", "address", "emailDomain", "focalPoint"] as const;

export function parseUnitSpec(v: unknown, field = "unit"): UnitSpec {
  if (!isObj(v)) fail("UNIT_INVALID", M.notAnObject(field), field);
  onlyKeys(v, SPEC_KEYS, "UNIT_INVALID");
  return {
    code: parseCode(v.code),
    name: parseName(v.name),
    type: parseType(v.type),
    parent: absent(v.parent) ? null : parseCode(v.parent, "parent"),
    taxCode: parseTaxCode(v.taxCode),
    budgetCode: parseBudgetCode(v.budgetCode),
    address: parseAddress(v.address),
    emailDomain: parseEmailDomain(v.emailDomain),
    focalPoint: parseFocalPoint(v.focalPoint),
  };
}

function parseUpdate(v: unknown): UnitUpdate {
  if (!isObj(v)) fail("BATCH_INVALID", M.notAnObject("set"), "set");
  onlyKeys(v, ["type", "taxCode", "budgetCode", "address", "emailDomain", "focalPoint"], "BATCH_INVALID");
  const u: UnitUpdate = {};
  if ("type" in v) u.type = parseType(v.type);
  if ("taxCode" in v) u.taxCode = parseTaxCode(v.taxCode);
  if ("budgetCode" in v) u.budgetCode = parseBudgetCode(v.budgetCode);
  if ("address" in v) u.address = parseAddress(v.address);
  if ("emailDomain" in v) u.emailDomain = parseEmailDomain(v.emailDomain);
  if ("focalPoint" in v) u.focalPoint = parseFocalPoint(v.focalPoint);
  if (Object.keys(u).length === 0) fail("BATCH_INVALID", M.emptyUpdate(), "set");
  return u;
}

// ---------------------------------------------------------------------------
// Changes and batches

function codeList(v: unknown, field: string): string[] {
  if (!Array.isArray(v) || v.length === 0) fail("BATCH_INVALID", M.notAList(field), field);
  const out = v.map((c, i) => parseCode(c, `${field}[${i}]`));
  const seen = new Set<string>();
  for (const c of out) {
    if (seen.has(c)) fail("BATCH_INVALID", M.duplicateInChange(c), field);
    seen.add(c);
  }
  return out;
}

function codeOrSpec(v: unknown, field: string): string | UnitSpec {
  return isObj(v) ? parseUnitSpec(v, field) : parseCode(v, field);
}

export function targetCode(t: string | UnitSpec): string {
  return typeof t === "string" ? t : t.code;
}

function parseChangeBody(v: Obj): UnitChange {
  const kind = v.kind;
  if (typeof kind !== "string" || !(CHANGE_KINDS as readonly string[]).includes(kind)) {
    fail("BATCH_INVALID", M.unknownKind(String(kind ?? ""), CHANGE_KINDS), "kind");
  }
  switch (kind as ChangeKind) {
    case "create":
      onlyKeys(v, ["kind", "unit"], "BATCH_INVALID");
      return { kind: "create", unit: parseUnitSpec(v.unit) };
    case "rename":
      onlyKeys(v, ["kind", "unit", "name"], "BATCH_INVALID");
      return { kind: "rename", unit: parseCode(v.unit, "unit"), name: parseName(v.name) };
    case "update":
      onlyKeys(v, ["kind", "unit", "set"], "BATCH_INVALID");
      return { kind: "update", unit: parseCode(v.unit, "unit"), set: parseUpdate(v.set) };
    case "move":
      onlyKeys(v, ["kind", "unit", "parent"], "BATCH_INVALID");
      return { kind: "move", unit: parseCode(v.unit, "unit"), parent: parseCode(v.parent, "parent") };
    case "merge": {
      onlyKeys(v, ["kind", "units", "into"], "BATCH_INVALID");
      const units = codeList(v.units, "units");
      if (absent(v.into)) fail("BATCH_INVALID", M.required("into"), "into");
      const into = codeOrSpec(v.into, "into");
      if (units.includes(targetCode(into))) fail("BATCH_INVALID", M.targetAmongSources(targetCode(into)), "into");
      return { kind: "merge", units, into };
    }
    case "split": {
      onlyKeys(v, ["kind", "unit", "into", "keepSource"], "BATCH_INVALID");
      const unit = parseCode(v.unit, "unit");
      if (!Array.isArray(v.into) || v.into.length === 0) fail("BATCH_INVALID", M.notAList("into"), "into");
      const into = v.into.map((t, i) => codeOrSpec(t, `into[${i}]`));
      const keepSource = v.keepSource === true;
      if (v.keepSource !== undefined && typeof v.keepSource !== "boolean") fail("BATCH_INVALID", M.notText("keepSource"), "keepSource");
      const codes = into.map(targetCode);
      if (codes.includes(unit)) fail("BATCH_INVALID", M.splitIntoSelf(unit), "into");
      if (new Set(codes).size !== codes.length) fail("BATCH_INVALID", M.duplicateInChange(codes.find((c, i) => codes.indexOf(c) !== i)!), "into");
      if (into.length < (keepSource ? 1 : 2)) fail("BATCH_INVALID", M.splitNeedsTwo(), "into");
      return { kind: "split", unit, into, keepSource };
    }
    case "dissolve":
      onlyKeys(v, ["kind", "unit"], "BATCH_INVALID");
      return { kind: "dissolve", unit: parseCode(v.unit, "unit") };
  }
}

/** Validates one change; refusals name the change ("change 3 (merge): …"). */
export function parseChange(v: unknown, seq: number): UnitChange {
  const kind = isObj(v) && typeof v.kind === "string" ? v.kind.slice(0, 16) : undefined;
  try {
    if (!isObj(v)) fail("BATCH_INVALID", M.notAnObject("a change"));
    return parseChangeBody(v);
  } catch (e) {
    if (e instanceof AppError) throw new AppError(e.code, M.changeAt(seq, kind, e.message), { ...e.details, seq });
    throw e;
  }
}

/** Validates a whole batch: title, effective date, and each change on its own. */
export function parseBatchInput(title: unknown, effectiveDate: unknown, changes: unknown): BatchInput {
  if (typeof title !== "string" || title.trim().length < 2 || title.trim().length > 200 || CONTROL.test(title)) {
    fail("BATCH_INVALID", M.title(), "title");
  }
  const date = parseDate(effectiveDate, "effectiveDate");
  if (!Array.isArray(changes) || changes.length === 0) fail("BATCH_INVALID", M.noChanges(), "changes");
  if (changes.length > MAX_CHANGES) fail("BATCH_INVALID", M.tooManyChanges(MAX_CHANGES), "changes");
  const parsed = changes.map((c, i) => parseChange(c, i + 1));
  // A code may be created once per batch (created units can be referenced by later changes).
  const createdAt = new Map<string, number>();
  parsed.forEach((c, i) => {
    for (const code of createdCodes(c)) {
      const first = createdAt.get(code);
      if (first !== undefined) throw new AppError("BATCH_INVALID", M.changeAt(i + 1, c.kind, M.createdTwice(code, first)), { seq: i + 1 });
      createdAt.set(code, i + 1);
    }
  });
  return { title: title.normalize("NFC").trim(), effectiveDate: date, changes: parsed };
}

/** Codes of the units a change creates. */
export function createdCodes(c: UnitChange): string[] {
  if (c.kind === "create") return [c.unit.code];
  if (c.kind === "merge") return typeof c.into === "string" ? [] : [c.into.code];
  if (c.kind === "split") return c.into.filter((t): t is UnitSpec => typeof t !== "string").map((t) => t.code);
  return [];
}

/** Every code a change mentions (created, changed, or referenced as a parent). */
export function mentionedCodes(c: UnitChange): string[] {
  const spec = (s: UnitSpec) => (s.parent ? [s.code, s.parent] : [s.code]);
  const ref = (t: string | UnitSpec) => (typeof t === "string" ? [t] : spec(t));
  switch (c.kind) {
    case "create":
      return spec(c.unit);
    case "rename":
    case "update":
    case "dissolve":
      return [c.unit];
    case "move":
      return [c.unit, c.parent];
    case "merge":
      return [...c.units, ...ref(c.into)];
    case "split":
      return [c.unit, ...c.into.flatMap(ref)];
  }
}

/** The stored payload of a change (its kind has its own column). */
export function changePayload(c: UnitChange): Record<string, unknown> {
  const { kind: _kind, ...rest } = c;
  return rest;
}
