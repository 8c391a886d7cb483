// SQL for the subscriber registry: inserting subscribers, linking certificates
// to them, the scoped list (name order, keyset on (search_name, id)) with kind
// and text filters, and one subscriber with its certificates. Decides nothing
// about who may see what (the caller passes the scope it computed).
import type { Knex } from "knex";
import { mergedPageKeys, mergesUnits, SUMMARY_COLUMNS, toCertificateSummary, unitPageMerge, whereInUnits, type CertificateSummary, type SummaryRow, type UnitFilter } from "./unit-scope-sql";
import { fromDbTime, toDbTime } from "./db-time";
import { prefixUpperBound, searchKey } from "./search-key";

export type SubscriberKind = "individual" | "organization" | "device";
export const SUBSCRIBER_KINDS: readonly SubscriberKind[] = ["individual", "organization", "device"];

export interface SubscriberInput {
  kind: SubscriberKind;
  unitId: number;
  name: string;
  nationalId?: string | null | undefined;
  position?: string | null | undefined;
  email?: string | null | undefined;
  phone?: string | null | undefined;
  purpose?: string | null | undefined;
  responsiblePerson?: string | null | undefined;
}

export interface SubscriberRecord {
  id: number;
  kind: SubscriberKind;
  unitId: number;
  name: string;
  nationalId: string | null;
  position: string | null;
  email: string | null;
  phone: string | null;
  purpose: string | null;
  responsiblePerson: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface SubscriberListQuery {
  units: UnitFilter;
  kind?: SubscriberKind | undefined;
  /** A name prefix (diacritics ignored), an exact e-mail address or an exact 12-digit national id. */
  text?: string | undefined;
  limit: number;
  /** Opaque cursor from the previous page's `next`. */
  after?: string | undefined;
}

export interface SubscriberPage {
  rows: SubscriberRecord[];
  next: string | null;
}

export interface SubscriberStore {
  insert(s: SubscriberInput, now: Date): Promise<number>;
  findById(id: number): Promise<SubscriberRecord | null>;
  /** The names of the given subscribers, in one statement (a list page's holders). */
  namesOf(ids: readonly number[]): Promise<Map<number, string>>;
  list(q: SubscriberListQuery): Promise<SubscriberPage>;
  /** Links certificates to a subscriber. */
  linkCertificates(subscriberId: number, serials: readonly string[]): Promise<void>;
  /** The subscriber's certificates (all states) within `units`, newest first. */
  certificatesOf(subscriberId: number, units: UnitFilter, limit: number): Promise<CertificateSummary[]>;
  /** The subscriber a certificate belongs to, if any. */
  subscriberIdOf(serial: string): Promise<number | null>;
  /** The individual with this national id in this unit (a new request for a known person reuses their record). */
  findIndividual(unitId: number, nationalId: string): Promise<SubscriberRecord | null>;
  /** Changes a subscriber's details (change of information, transfer); only the fields given. */
  update(id: number, fields: Partial<Omit<SubscriberInput, "kind">>, now: Date): Promise<void>;
}

interface Row {
  id: number;
  kind: SubscriberKind;
  unit_id: number;
  name: string;
  search_name: string;
  national_id: string | null;
  position: string | null;
  email: string | null;
  phone: string | null;
  purpose: string | null;
  responsible_person: string | null;
  created_at: string;
  updated_at: string;
}

function toRecord(r: Row): SubscriberRecord {
  return {
    id: Number(r.id),
    kind: r.kind,
    unitId: Number(r.unit_id),
    name: r.name,
    nationalId: r.national_id,
    position: r.position,
    email: r.email,
    phone: r.phone,
    purpose: r.purpose,
    responsiblePerson: r.responsible_person,
    createdAt: fromDbTime(r.created_at),
    updatedAt: fromDbTime(r.updated_at),
  };
}

// Wide scopes (a province) walk the name index and filter on unit; narrow ones
// (an agency) read their units' ranges (whereInUnits, walkOrder).

type Search = { kind: "none" } | { kind: "name"; key: string } | { kind: "email"; email: string } | { kind: "nationalId"; id: string };

function searchOf(text: string | undefined): Search {
  const t = (text ?? "").trim();
  if (!t) return { kind: "none" };
  if (t.includes("@")) return { kind: "email", email: t.toLowerCase() };
  if (/^\d{12}$/.test(t)) return { kind: "nationalId", id: t };
  const key = searchKey(t);
  return key ? { kind: "name", key } : { kind: "none" };
}

function encodeCursor(name: string, id: number): string {
  return Buffer.from(JSON.stringify([name, id]), "utf8").toString("base64url");
}

function decodeCursor(c: string | undefined): [string, number] | null {
  if (!c) return null;
  try {
    const v = JSON.parse(Buffer.from(c, "base64url").toString("utf8")) as unknown;
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === "string" && v[0].length <= 200 && Number.isSafeInteger(v[1])) return [v[0], v[1] as number];
  } catch {
    // an unreadable cursor is treated as none: the first page
  }
  return null;
}


export function createSubscriberStore(db: Knex | Knex.Transaction): SubscriberStore {
  const scoped = (qb: Knex.QueryBuilder, units: UnitFilter, column = "unit_id") => whereInUnits(qb, units, { column, walkOrder: true });

  return {
    async insert(s, now) {
      const at = toDbTime(now);
      const [row] = (await db("subscribers")
        .insert({
          kind: s.kind,
          unit_id: s.unitId,
          name: s.name.normalize("NFC"),
          search_name: searchKey(s.name),
          national_id: s.nationalId ?? null,
          position: s.position ?? null,
          email: s.email ? s.email.toLowerCase() : null,
          phone: s.phone ?? null,
          purpose: s.purpose ?? null,
          responsible_person: s.responsiblePerson ?? null,
          created_at: at,
          updated_at: at,
        })
        .returning("id")) as Array<{ id: number } | number>;
      return Number(typeof row === "object" ? row.id : row);
    },

    async findIndividual(unitId, nationalId) {
      const row = (await db("subscribers").where({ unit_id: unitId, national_id: nationalId, kind: "individual" }).orderBy("id").first()) as Row | undefined;
      return row ? toRecord(row) : null;
    },

    async update(id, f, now) {
      const cols: Record<string, unknown> = { updated_at: toDbTime(now) };
      if (f.unitId !== undefined) cols.unit_id = f.unitId;
      if (f.name !== undefined) {
        cols.name = f.name.normalize("NFC");
        cols.search_name = searchKey(f.name);
      }
      if (f.nationalId !== undefined) cols.national_id = f.nationalId;
      if (f.position !== undefined) cols.position = f.position;
      if (f.email !== undefined) cols.email = f.email ? f.email.toLowerCase() : null;
      if (f.phone !== undefined) cols.phone = f.phone;
      if (f.purpose !== undefined) cols.purpose = f.purpose;
      if (f.responsiblePerson !== undefined) cols.responsible_person = f.responsiblePerson;
      await db("subscribers").where({ id }).update(cols);
    },

    async findById(id) {
      if (!Number.isSafeInteger(id)) return null;
      const row = (await db("subscribers").where({ id }).first()) as Row | undefined;
      return row ? toRecord(row) : null;
    },

    async namesOf(ids) {
      const wanted = [...new Set(ids.filter((id) => Number.isSafeInteger(id)))];
      if (!wanted.length) return new Map();
      const rows = (await db("subscribers").whereIn("id", wanted).select("id", "name")) as Array<{ id: number; name: string }>;
      return new Map(rows.map((r) => [Number(r.id), r.name]));
    },

    async list(q) {
      if (!q.units.all && q.units.unitIds.length === 0) return { rows: [], next: null };
      const s = searchOf(q.text);
      const after = decodeCursor(q.after);
      /** Every filter but the units: kind, search, the cursor. */
      const filtered = (qb: Knex.QueryBuilder): Knex.QueryBuilder => {
        if (q.kind) qb = qb.where("kind", q.kind);
        if (s.kind === "email") qb = qb.where("email", s.email);
        if (s.kind === "nationalId") qb = qb.where("national_id", s.id);
        if (s.kind === "name") qb = qb.where("search_name", ">=", s.key).andWhere("search_name", "<", prefixUpperBound(s.key));
        if (after) qb = qb.andWhere((w) => w.where("search_name", ">", after[0]).orWhere((x) => x.where("search_name", after[0]).andWhere("id", ">", after[1])));
        return qb;
      };
      const order = [{ column: "search_name" }, { column: "id" }];
      // A few units (an agency, a small province), in name order or by a name prefix: unit by unit from
      // (unit_id, search_name, id), keys only, then the page's rows by key (unitPageMerge, mergedPageKeys); "unit_id in (…) order by"
      // may sort every subscriber of the scope. An e-mail or national ID goes by its own index.
      const rows = (await (mergesUnits(q.units) && (s.kind === "none" || s.kind === "name")
        ? db("subscribers")
            .select("*")
            .whereIn("id", await mergedPageKeys(unitPageMerge(db, q.units.unitIds, (unitId) => filtered(db("subscribers").select("search_name", "id").where("unit_id", unitId)), order, q.limit + 1), "id"))
            .orderBy(order)
        : filtered(scoped(db("subscribers").select("*"), q.units)).orderBy(order).limit(q.limit + 1))) as Row[];
      const page = rows.slice(0, q.limit);
      const last = page[page.length - 1];
      return { rows: page.map(toRecord), next: rows.length > q.limit && last ? encodeCursor(last.search_name, Number(last.id)) : null };
    },

    async linkCertificates(subscriberId, serials) {
      for (let i = 0; i < serials.length; i += 400) await db("certificates").whereIn("serial", serials.slice(i, i + 400)).update({ subscriber_id: subscriberId });
    },

    async certificatesOf(subscriberId, units, limit) {
      if (!units.all && units.unitIds.length === 0) return [];
      const rows = (await scoped(db("certificates").select(SUMMARY_COLUMNS).where("subscriber_id", subscriberId), units)
        .orderBy([{ column: "created_at", order: "desc" }, { column: "serial", order: "desc" }])
        .limit(limit)) as SummaryRow[];
      return rows.map(toCertificateSummary);
    },

    async subscriberIdOf(serial) {
      const row = (await db("certificates").where({ serial }).first("subscriber_id")) as { subscriber_id: number | null } | undefined;
      return row?.subscriber_id === null || row?.subscriber_id === undefined ? null : Number(row.subscriber_id);
    },
  };
}
