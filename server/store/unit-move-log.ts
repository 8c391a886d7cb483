// Records every change of an object's managing unit in unit_moves (issue 6:
// reports on the tree as it stood need the unit a certificate, subscriber or
// token had on a past date). Wraps the org-change store's three moves so no
// caller can move without leaving the record; decides nothing about moves.
import type { Knex } from "knex";
import { toDbTime } from "./db-time";
import type { OrgChangeStore } from "./org-change-store";

/** The Vietnam calendar day (UTC+7) of an instant. */
const vnDay = (at: Date): string => new Date(at.getTime() + 7 * 3_600_000).toISOString().slice(0, 10);

export function withUnitMoveLog(inner: OrgChangeStore, db: Knex | Knex.Transaction): OrgChangeStore {
  // A merger's item is settled just before its move: the move takes effect on the
  // batch's effective date, not on the day the run happened to process it.
  let orgEffective: string | null = null;
  // moveCertificate carries no time: a transfer moves the subscriber first, an org
  // change settles its item first; either gives the instant.
  let lastAt: Date | null = null;

  async function record(kind: "cert" | "subscriber" | "token", id: string, from: number, to: number, at: Date | null): Promise<void> {
    if (from === to) return;
    const when = at ?? lastAt ?? new Date();
    const source = orgEffective ? "org_change" : kind === "token" && !lastAt ? "move" : "staff_change";
    await db("unit_moves").insert({ object_kind: kind, object_id: id, from_unit_id: from, to_unit_id: to, effective_date: orgEffective ?? vnDay(when), source, recorded_at: toDbTime(when) });
    orgEffective = null;
  }

  return {
    ...inner,
    async settleItem(id, status, outcome, error, now) {
      const ok = await inner.settleItem(id, status, outcome, error, now);
      lastAt = now;
      orgEffective = null;
      if (ok && status === "done") {
        const row = (await db("org_change_items as i")
          .join("org_change_runs as r", "r.id", "i.run_id")
          .join("unit_change_batches as b", "b.id", "r.batch_id")
          .where("i.id", id)
          .first("b.effective_date")) as { effective_date: string } | undefined;
        orgEffective = row?.effective_date ?? null;
      }
      return ok;
    },
    async moveSubscriber(id, from, to, now) {
      const ok = await inner.moveSubscriber(id, from, to, now);
      if (ok) await record("subscriber", String(id), from, to, now);
      lastAt = now;
      return ok;
    },
    async moveCertificate(serial, from, to) {
      const ok = await inner.moveCertificate(serial, from, to);
      if (ok) await record("cert", serial, from, to, null);
      return ok;
    },
    async moveToken(id, from, to, now) {
      const ok = await inner.moveToken(id, from, to, now);
      if (ok) await record("token", String(id), from, to, now);
      lastAt = now;
      return ok;
    },
  };
}
