// SQL for the training register: a training (date, topic, organiser, the unit
// that records it) and the units trained in it with the people each sent; the
// scoped list (newest first) and the report's per-year aggregate. A training
// concerns every unit on it: the recording unit and each unit trained.
// Decides nothing about who may see what (the caller passes the scope).
import type { Knex } from "knex";
import { fromDbTime, toDbTime } from "./db-time";
import { emptyFilter, insertedId, int, pageOf, wherePeriods, yearBounds, type RegisterListQuery, type RegisterPage } from "./register-common";
import type { UnitFilter } from "./unit-scope-sql";

export interface TrainingParticipant {
  unitId: number;
  people: number;
}

export interface TrainingInput {
  unitId: number;
  heldOn: string;
  topic: string;
  organiser: string;
  notes: string | null;
  participants: TrainingParticipant[];
}

export interface TrainingRecord extends TrainingInput {
  id: number;
  peopleTrained: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface TrainingTotals {
  /** Trainings held in the year with at least one of the units trained. */
  sessions: number;
  /** People of those units trained in the year. */
  peopleTrained: number;
}

export interface TrainingStore {
  insert(t: TrainingInput, now: Date): Promise<number>;
  /** Replaces the fields and the units trained. */
  update(id: number, t: TrainingInput, now: Date): Promise<void>;
  findById(id: number): Promise<TrainingRecord | null>;
  list(q: RegisterListQuery): Promise<RegisterPage<TrainingRecord>>;
  /** Report figure: sessions with any of `unitIds` trained, and their people, held in `year`. */
  trainingsIn(unitIds: readonly number[], year: number): Promise<TrainingTotals>;
}

interface Row {
  id: number;
  unit_id: number;
  held_on: string;
  topic: string;
  organiser: string;
  notes: string | null;
  created_at: string;
  updated_at: string;
}

function toRecord(r: Row, participants: TrainingParticipant[]): TrainingRecord {
  return {
    id: Number(r.id),
    unitId: Number(r.unit_id),
    heldOn: r.held_on,
    topic: r.topic,
    organiser: r.organiser,
    notes: r.notes,
    participants,
    peopleTrained: participants.reduce((s, p) => s + p.people, 0),
    createdAt: fromDbTime(r.created_at),
    updatedAt: fromDbTime(r.updated_at),
  };
}

// A training is in a set of units if it was recorded by one of them or trained one of them.
function concerning(db: Knex | Knex.Transaction, qb: Knex.QueryBuilder, units: UnitFilter): Knex.QueryBuilder {
  if (units.all) return qb;
  const ids = units.unitIds;
  return qb.where((w) => w.whereIn("unit_id", ids).orWhereIn("id", db("training_units").select("training_id").whereIn("unit_id", ids)));
}

export function createTrainingStore(db: Knex | Knex.Transaction): TrainingStore {
  async function participantsOf(ids: number[]): Promise<Map<number, TrainingParticipant[]>> {
    const out = new Map<number, TrainingParticipant[]>();
    if (ids.length === 0) return out;
    const rows = (await db("training_units").whereIn("training_id", ids).orderBy([{ column: "training_id" }, { column: "unit_id" }])) as Array<{ training_id: number; unit_id: number; people: number }>;
    for (const r of rows) {
      const list = out.get(Number(r.training_id)) ?? [];
      list.push({ unitId: Number(r.unit_id), people: Number(r.people) });
      out.set(Number(r.training_id), list);
    }
    return out;
  }

  async function writeParticipants(id: number, participants: TrainingParticipant[]): Promise<void> {
    await db("training_units").where({ training_id: id }).delete();
    if (participants.length) await db("training_units").insert(participants.map((p) => ({ training_id: id, unit_id: p.unitId, people: p.people })));
  }

  const columns = (t: TrainingInput) => ({ unit_id: t.unitId, held_on: t.heldOn, topic: t.topic, organiser: t.organiser, notes: t.notes });

  return {
    async insert(t, now) {
      const at = toDbTime(now);
      const id = await insertedId(db("trainings").insert({ ...columns(t), created_at: at, updated_at: at }));
      await writeParticipants(id, t.participants);
      return id;
    },

    async update(id, t, now) {
      await db("trainings").where({ id }).update({ ...columns(t), updated_at: toDbTime(now) });
      await writeParticipants(id, t.participants);
    },

    async findById(id) {
      if (!Number.isSafeInteger(id)) return null;
      const row = (await db("trainings").where({ id }).first()) as Row | undefined;
      if (!row) return null;
      return toRecord(row, (await participantsOf([id])).get(id) ?? []);
    },

    async list(q) {
      if (emptyFilter(q)) return { rows: [], more: false };
      let qb = concerning(db, db("trainings").select("*"), q.units);
      if (q.only) qb = concerning(db, qb, { all: false, unitIds: q.only });
      qb = wherePeriods(qb, q.periods, (x, p) => x.whereBetween("held_on", [p.from, p.to]), (x, ids) => concerning(db, x, { all: false, unitIds: ids }));
      if (q.year !== undefined) qb = qb.whereBetween("held_on", yearBounds(q.year));
      const rows = (await qb.orderBy([{ column: "held_on", order: "desc" }, { column: "id", order: "desc" }]).limit(q.limit + 1).offset(q.offset)) as Row[];
      const page = pageOf(rows, q.limit);
      const parts = await participantsOf(page.rows.map((r) => Number(r.id)));
      return { rows: page.rows.map((r) => toRecord(r, parts.get(Number(r.id)) ?? [])), more: page.more };
    },

    async trainingsIn(unitIds, year) {
      if (unitIds.length === 0) return { sessions: 0, peopleTrained: 0 };
      const row = (await db("training_units as tu")
        .join("trainings as t", "t.id", "tu.training_id")
        .whereIn("tu.unit_id", [...unitIds])
        .whereBetween("t.held_on", yearBounds(year))
        .first(db.raw("count(distinct tu.training_id) as sessions"), db.raw("sum(tu.people) as people"))) as { sessions: unknown; people: unknown } | undefined;
      return { sessions: int(row?.sessions), peopleTrained: int(row?.people) };
    },
  };
}
