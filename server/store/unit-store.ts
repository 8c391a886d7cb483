// SQL for administrative units: identities, dated versions, change batches and
// lineage. Stores what the org service decided; decides nothing itself.
// A version holds on [validFrom, validTo) ('YYYY-MM-DD'; validTo NULL = current).
import type { Knex } from "knex";
import { toDbTime } from "./db-time";

export type UnitType = "province" | "department" | "district" | "commune" | "central_in_province" | "other";
export type LineageKind = "merged_into" | "split_into" | "renamed";
export type BatchStatus = "draft" | "applied";

/** The attributes a version carries (everything but identity and dates). */
export interface UnitAttributes {
  name: string;
  type: UnitType;
  parentUnitId: number | null;
  taxCode: string | null;
  budgetCode: string | null;
  address: string | null;
  emailDomain: string | null;
  focalPointName: string | null;
  focalPointEmail: string | null;
  focalPointPhone: string | null;
}

export interface UnitVersion extends UnitAttributes {
  id: number;
  unitId: number;
  code: string;
  validFrom: string;
  validTo: string | null;
  batchId: number | null;
}

export interface NewUnitVersion extends UnitAttributes {
  unitId: number;
  validFrom: string;
  batchId: number | null;
}

export interface UnitIdentity {
  id: number;
  code: string;
}

export interface BatchRecord {
  id: number;
  title: string;
  effectiveDate: string;
  status: BatchStatus;
  createdBy: string;
  createdAt: string;
  appliedBy: string | null;
  appliedAt: string | null;
  result: unknown;
}

export interface StoredChange {
  seq: number;
  kind: string;
  payload: unknown;
}

export interface LineageRecord {
  fromUnitId: number;
  fromCode: string;
  toUnitId: number;
  toCode: string;
  kind: LineageKind;
  effectiveDate: string;
  batchId: number;
}

export interface UnitStore {
  insertUnit(code: string, now: Date): Promise<number>;
  findByCode(code: string): Promise<UnitIdentity | null>;
  findById(id: number): Promise<UnitIdentity | null>;
  findByCodes(codes: string[]): Promise<UnitIdentity[]>;
  insertVersion(v: NewUnitVersion, now: Date): Promise<number>;
  /** Ends a current version on `validTo`; false if it was not current any more. */
  closeVersion(versionId: number, validTo: string): Promise<boolean>;
  /** Every version holding on `date` (the whole tree that day), or only those of `unitIds`. */
  versionsAsOf(date: string, unitIds?: number[]): Promise<UnitVersion[]>;
  /** The versions of `parentId`'s children holding on `date`. */
  childrenAsOf(parentId: number, date: string): Promise<UnitVersion[]>;
  /** `rootId` and every unit below it on `date` (empty if `rootId` did not exist then). */
  subtreeIdsAsOf(rootId: number, date: string): Promise<number[]>;
  /** Versions that still hold after `date` (current, or ending after it) and name one of `parentIds` as parent. */
  childVersionsLastingAfter(parentIds: number[], date: string): Promise<UnitVersion[]>;
  history(unitId: number): Promise<UnitVersion[]>;

  insertBatch(b: { title: string; effectiveDate: string; createdBy: string }, changes: StoredChange[], now: Date): Promise<number>;
  findBatch(id: number): Promise<BatchRecord | null>;
  listBatches(): Promise<BatchRecord[]>;
  draftBatchesLike(title: string, effectiveDate: string): Promise<BatchRecord[]>;
  changesOf(batchId: number): Promise<StoredChange[]>;
  /** draft → applied; false if the batch was not a draft (already applied, or missing). */
  markApplied(batchId: number, appliedBy: string, now: Date): Promise<boolean>;
  saveResult(batchId: number, result: unknown): Promise<void>;

  insertLineage(rows: Array<{ fromUnitId: number; toUnitId: number; kind: LineageKind; effectiveDate: string; batchId: number }>): Promise<void>;
  /** What became of a unit (rows where it is the source), oldest first. */
  lineageFrom(unitId: number): Promise<LineageRecord[]>;
  /** What a unit came from (rows where it is the target), oldest first. */
  lineageTo(unitId: number): Promise<LineageRecord[]>;
  lineageOfBatch(batchId: number): Promise<LineageRecord[]>;
}

interface VersionRow {
  id: number;
  unit_id: number;
  code: string;
  name: string;
  type: UnitType;
  parent_unit_id: number | null;
  tax_code: string | null;
  budget_code: string | null;
  address: string | null;
  email_domain: string | null;
  focal_point_name: string | null;
  focal_point_email: string | null;
  focal_point_phone: string | null;
  valid_from: string;
  valid_to: string | null;
  batch_id: number | null;
}

interface BatchRow {
  id: number;
  title: string;
  effective_date: string;
  status: BatchStatus;
  created_by: string;
  created_at: string;
  applied_by: string | null;
  applied_at: string | null;
  result: string | null;
}

interface LineageRow {
  from_unit_id: number;
  from_code: string;
  to_unit_id: number;
  to_code: string;
  kind: LineageKind;
  effective_date: string;
  batch_id: number;
}

const VERSION_COLUMNS = [
  "v.id",
  "v.unit_id",
  "u.code",
  "v.name",
  "v.type",
  "v.parent_unit_id",
  "v.tax_code",
  "v.budget_code",
  "v.address",
  "v.email_domain",
  "v.focal_point_name",
  "v.focal_point_email",
  "v.focal_point_phone",
  "v.valid_from",
  "v.valid_to",
  "v.batch_id",
];

function toVersion(r: VersionRow): UnitVersion {
  return {
    id: Number(r.id),
    unitId: Number(r.unit_id),
    code: r.code,
    name: r.name,
    type: r.type,
    parentUnitId: r.parent_unit_id === null ? null : Number(r.parent_unit_id),
    taxCode: r.tax_code,
    budgetCode: r.budget_code,
    address: r.address,
    emailDomain: r.email_domain,
    focalPointName: r.focal_point_name,
    focalPointEmail: r.focal_point_email,
    focalPointPhone: r.focal_point_phone,
    validFrom: r.valid_from,
    validTo: r.valid_to,
    batchId: r.batch_id === null ? null : Number(r.batch_id),
  };
}

function toBatch(r: BatchRow): BatchRecord {
  return {
    id: Number(r.id),
    title: r.title,
    effectiveDate: r.effective_date,
    status: r.status,
    createdBy: r.created_by,
    createdAt: r.created_at,
    appliedBy: r.applied_by,
    appliedAt: r.applied_at,
    result: r.result ? (JSON.parse(r.result) as unknown) : null,
  };
}

function toLineage(r: LineageRow): LineageRecord {
  return {
    fromUnitId: Number(r.from_unit_id),
    fromCode: r.from_code,
    toUnitId: Number(r.to_unit_id),
    toCode: r.to_code,
    kind: r.kind,
    effectiveDate: r.effective_date,
    batchId: Number(r.batch_id),
  };
}

/** `alias.valid_from <= date < alias.valid_to` (valid_to NULL: still holds). */
function holdsOn(qb: Knex.QueryBuilder, alias: string, date: string): Knex.QueryBuilder {
  return qb
    .where(`${alias}.valid_from`, "<=", date)
    .andWhere((w) => w.whereNull(`${alias}.valid_to`).orWhere(`${alias}.valid_to`, ">", date));
}

// Keeps IN lists well under sqlite's bound-parameter limit.
const CHUNK = 500;
function chunks<T>(xs: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += CHUNK) out.push(xs.slice(i, i + CHUNK));
  return out;
}

export function createUnitStore(db: Knex | Knex.Transaction): UnitStore {
  const versions = () => db("unit_versions as v").join("units as u", "u.id", "v.unit_id").select(VERSION_COLUMNS);
  const lineage = () =>
    db("unit_lineage as l")
      .join("units as f", "f.id", "l.from_unit_id")
      .join("units as t", "t.id", "l.to_unit_id")
      .select("l.from_unit_id", "f.code as from_code", "l.to_unit_id", "t.code as to_code", "l.kind", "l.effective_date", "l.batch_id");

  return {
    async insertUnit(code, now) {
      const [row] = (await db("units").insert({ code, created_at: toDbTime(now) }).returning("id")) as Array<{ id: number } | number>;
      return typeof row === "number" ? row : Number(row!.id);
    },
    async findByCode(code) {
      const row = (await db("units").where({ code }).first("id", "code")) as UnitIdentity | undefined;
      return row ? { id: Number(row.id), code: row.code } : null;
    },
    async findById(id) {
      const row = (await db("units").where({ id }).first("id", "code")) as UnitIdentity | undefined;
      return row ? { id: Number(row.id), code: row.code } : null;
    },
    async findByCodes(codes) {
      const out: UnitIdentity[] = [];
      for (const part of chunks([...new Set(codes)])) {
        const rows = (await db("units").whereIn("code", part).select("id", "code")) as UnitIdentity[];
        out.push(...rows.map((r) => ({ id: Number(r.id), code: r.code })));
      }
      return out;
    },
    async insertVersion(v, now) {
      const [row] = (await db("unit_versions")
        .insert({
          unit_id: v.unitId,
          name: v.name,
          type: v.type,
          parent_unit_id: v.parentUnitId,
          tax_code: v.taxCode,
          budget_code: v.budgetCode,
          address: v.address,
          email_domain: v.emailDomain,
          focal_point_name: v.focalPointName,
          focal_point_email: v.focalPointEmail,
          focal_point_phone: v.focalPointPhone,
          valid_from: v.validFrom,
          valid_to: null,
          batch_id: v.batchId,
          created_at: toDbTime(now),
        })
        .returning("id")) as Array<{ id: number } | number>;
      return typeof row === "number" ? row : Number(row!.id);
    },
    async closeVersion(versionId, validTo) {
      const n = await db("unit_versions").where({ id: versionId }).whereNull("valid_to").andWhere("valid_from", "<", validTo).update({ valid_to: validTo });
      return n === 1;
    },
    async versionsAsOf(date, unitIds) {
      if (unitIds === undefined) {
        const rows = (await holdsOn(versions(), "v", date).orderBy("u.code")) as VersionRow[];
        return rows.map(toVersion);
      }
      const out: UnitVersion[] = [];
      for (const part of chunks([...new Set(unitIds)])) {
        const rows = (await holdsOn(versions().whereIn("v.unit_id", part), "v", date)) as VersionRow[];
        out.push(...rows.map(toVersion));
      }
      return out.sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
    },
    async childrenAsOf(parentId, date) {
      const rows = (await holdsOn(versions().where("v.parent_unit_id", parentId), "v", date).orderBy("u.code")) as VersionRow[];
      return rows.map(toVersion);
    },
    async subtreeIdsAsOf(rootId, date) {
      // UNION (not UNION ALL) so that even a cycle in bad data terminates.
      const rows = (await db
        .withRecursive("subtree", ["unit_id"], (qb) => {
          holdsOn(qb.select("r.unit_id").from("unit_versions as r").where("r.unit_id", rootId), "r", date).union((u) => {
            holdsOn(u.select("c.unit_id").from("unit_versions as c").join("subtree as s", "c.parent_unit_id", "s.unit_id"), "c", date);
          });
        })
        .select("unit_id")
        .from("subtree")) as Array<{ unit_id: number }>;
      return rows.map((r) => Number(r.unit_id)).sort((a, b) => a - b);
    },
    async childVersionsLastingAfter(parentIds, date) {
      const out: UnitVersion[] = [];
      for (const part of chunks([...new Set(parentIds)])) {
        const rows = (await versions()
          .whereIn("v.parent_unit_id", part)
          .andWhere((w) => w.whereNull("v.valid_to").orWhere("v.valid_to", ">", date))) as VersionRow[];
        out.push(...rows.map(toVersion));
      }
      return out;
    },
    async history(unitId) {
      const rows = (await versions().where("v.unit_id", unitId).orderBy("v.valid_from")) as VersionRow[];
      return rows.map(toVersion);
    },

    async insertBatch(b, changes, now) {
      const [row] = (await db("unit_change_batches")
        .insert({ title: b.title, effective_date: b.effectiveDate, status: "draft", created_by: b.createdBy, created_at: toDbTime(now) })
        .returning("id")) as Array<{ id: number } | number>;
      const id = typeof row === "number" ? row : Number(row!.id);
      const rows = changes.map((c) => ({ batch_id: id, seq: c.seq, kind: c.kind, payload: JSON.stringify(c.payload) }));
      for (const part of chunks(rows)) await db("unit_changes").insert(part);
      return id;
    },
    async findBatch(id) {
      const row = (await db("unit_change_batches").where({ id }).first()) as BatchRow | undefined;
      return row ? toBatch(row) : null;
    },
    async listBatches() {
      const rows = (await db("unit_change_batches").orderBy("id")) as BatchRow[];
      return rows.map(toBatch);
    },
    async draftBatchesLike(title, effectiveDate) {
      const rows = (await db("unit_change_batches").where({ title, effective_date: effectiveDate, status: "draft" }).orderBy("id")) as BatchRow[];
      return rows.map(toBatch);
    },
    async changesOf(batchId) {
      const rows = (await db("unit_changes").where({ batch_id: batchId }).orderBy("seq")) as Array<{ seq: number; kind: string; payload: string }>;
      return rows.map((r) => ({ seq: Number(r.seq), kind: r.kind, payload: JSON.parse(r.payload) as unknown }));
    },
    async markApplied(batchId, appliedBy, now) {
      const n = await db("unit_change_batches").where({ id: batchId, status: "draft" }).update({ status: "applied", applied_by: appliedBy, applied_at: toDbTime(now) });
      return n === 1;
    },
    async saveResult(batchId, result) {
      await db("unit_change_batches").where({ id: batchId }).update({ result: JSON.stringify(result) });
    },

    async insertLineage(rows) {
      const dbRows = rows.map((r) => ({ from_unit_id: r.fromUnitId, to_unit_id: r.toUnitId, kind: r.kind, effective_date: r.effectiveDate, batch_id: r.batchId }));
      for (const part of chunks(dbRows)) await db("unit_lineage").insert(part);
    },
    async lineageFrom(unitId) {
      const rows = (await lineage().where("l.from_unit_id", unitId).orderBy(["l.effective_date", "l.id"])) as LineageRow[];
      return rows.map(toLineage);
    },
    async lineageTo(unitId) {
      const rows = (await lineage().where("l.to_unit_id", unitId).orderBy(["l.effective_date", "l.id"])) as LineageRow[];
      return rows.map(toLineage);
    },
    async lineageOfBatch(batchId) {
      const rows = (await lineage().where("l.batch_id", batchId).orderBy("l.id")) as LineageRow[];
      return rows.map(toLineage);
    },
  };
}
