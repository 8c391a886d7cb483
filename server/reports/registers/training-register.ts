// The training register's rules: a training (date, topic, organiser) recorded
// by a unit, with each unit trained and how many of its people attended
// (Decision 25/2020/QĐ-UBND: agencies report trainings held and people trained).
// Every unit on it must be in the recorder's scope. No SQL, no scope logic here.
import { z } from "zod";
import type { Store } from "../../store/store";
import type { TrainingInput, TrainingParticipant, TrainingRecord } from "../../store/register-training-store";
import type { RegisterDef } from "./register-core";
import { check, count, invalid, many, one, pastDay, text, type RegisterForm } from "./register-fields";

/** Rows of units trained a form may post (the page shows a few empty ones). */
export const MAX_TRAINING_ROWS = 20;

export const trainingRegister: RegisterDef<TrainingInput, TrainingRecord> = {
  objectType: "training",
  plural: "trainings",
  noun: "buổi tập huấn",
  store: (s: Store) => s.registers.trainings,

  async parse(form: RegisterForm, env) {
    const fields: Record<string, string> = {};
    const base = check(
      z.object({ heldOn: pastDay("Ngày tập huấn", env.today), topic: text("Nội dung tập huấn", 500, true), organiser: text("Đơn vị tổ chức", 255, true), notes: text("Ghi chú", 2000, false) }),
      { heldOn: one(form, "heldOn"), topic: one(form, "topic"), organiser: one(form, "organiser"), notes: one(form, "notes") },
      fields,
    );
    // Units as they stood on the day of the training.
    const asOf = check(pastDay("", env.today), one(form, "heldOn"), {});
    const unitId = await env.unit("unitId", one(form, "unitId"), "Đơn vị ghi sổ", fields, asOf);
    const units = many(form, "participantUnit").slice(0, MAX_TRAINING_ROWS);
    const people = many(form, "participantPeople").slice(0, MAX_TRAINING_ROWS);
    const participants: TrainingParticipant[] = [];
    const seen = new Map<number, number>();
    for (let i = 0; i < Math.max(units.length, people.length); i++) {
      const u = (units[i] ?? "").trim();
      const p = (people[i] ?? "").trim();
      if (!u && !p) continue;
      const row = i + 1;
      const id = await env.unit("participants", u, `Đơn vị được tập huấn (dòng ${row})`, fields, asOf);
      const n = check(count(`Số người được tập huấn (dòng ${row})`, 1, 100_000), p, fields);
      if (id === null || n === null) continue;
      if (seen.has(id)) {
        fields.participants ??= `Đơn vị được tập huấn: dòng ${row} trùng đơn vị với dòng ${seen.get(id)!}`;
        continue;
      }
      seen.set(id, row);
      participants.push({ unitId: id, people: n });
    }
    // check() files a bare value's message under "_": it belongs to the rows of units trained.
    if (fields._) {
      fields.participants ??= fields._;
      delete fields._;
    }
    if (participants.length === 0) fields.participants ??= "Đơn vị được tập huấn: ghi ít nhất một đơn vị và số người";
    if (Object.keys(fields).length || !base || unitId === null) throw invalid(fields);
    return { unitId, heldOn: base.heldOn!, topic: base.topic!, organiser: base.organiser!, notes: base.notes, participants };
  },

  dateOf: (t) => t.heldOn,
  unitsOf: (t) => [t.unitId, ...t.participants.map((p) => p.unitId).filter((u) => u !== t.unitId)],

  summary: (t) => ({ unitId: t.unitId, heldOn: t.heldOn, topic: t.topic, organiser: t.organiser, notes: t.notes, participants: t.participants.map((p) => `${p.unitId}:${p.people}`).join(",") }),
};
