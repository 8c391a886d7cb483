// Report history (issue 6): which unit a certificate, subscriber or token
// belonged to on a past date. certificates/subscribers/tokens.unit_id only hold
// today's unit; a staff transfer or a merger's re-homing overwrote it. Every
// move is recorded here from now on (server/store/unit-move-log.ts wraps the
// org-change store's moves), and the moves already made are backfilled from
// the org-change items (batch effective date) and the staff-transfer audit
// entries. Plus the indexes the annual report's range scans use.
// Portable knex builder only (sqlite and PostgreSQL). Never edit once merged.
import type { Knex } from "knex";

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable("unit_moves", (t) => {
    t.increments("id").primary();
    // cert | subscriber | token (as org_change_items.object_kind)
    t.string("object_kind", 16).notNullable();
    // A certificate serial, or a subscriber's / token's id.
    t.string("object_id", 40).notNullable();
    t.integer("from_unit_id").notNullable().references("id").inTable("units");
    t.integer("to_unit_id").notNullable().references("id").inTable("units");
    // The Vietnam calendar day from which the object belongs to to_unit_id:
    // a merger's effective date, a transfer's day.
    t.string("effective_date", 10).notNullable();
    // org_change | staff_change | move | backfill
    t.string("source", 16).notNullable();
    t.string("recorded_at", 20).notNullable();
  });
  await knex.schema.alterTable("unit_moves", (t) => {
    // "The first move after date D" of one object: its unit on D is that move's from_unit_id.
    t.index(["object_kind", "object_id", "effective_date"], "unit_moves_object_date");
  });
  await knex.schema.alterTable("certificates", (t) => {
    // Annual figures read every certificate alive in a year: covering indexes keep
    // those scans off the table rows (each carries ~2 KB of DER), so the provincial
    // report on 1M certificates renders in under 2 s (scripts/bench/report.ts).
    // The year's figures: every certificate by unit and profile, in index order (no sort for the GROUP BY).
    t.index(["unit_id", "profile", "issued_at", "not_after", "revoked_at", "serial"], "certificates_report_units");
    // Issued per month, and revocations (by reason, per month) in a period: range scans.
    t.index(["issued_at", "unit_id", "profile", "serial"], "certificates_report_issued");
    t.index(["revoked_at", "unit_id", "profile", "revocation_reason", "issued_at", "serial"], "certificates_report_revoked");
  });
  await knex.schema.alterTable("requests", (t) => {
    // Requests completed in a period (processing times).
    t.index(["completed_at"], "requests_completed_at");
  });
  await knex.schema.alterTable("token_events", (t) => {
    // A token's last event before a date (its state at a year end).
    t.index(["token_id", "at"], "token_events_token_at");
  });

  const now = new Date().toISOString().slice(0, 19) + "Z";
  // Backfill 1: the moves org-change runs made, effective on their batch's date.
  const items = (await knex("org_change_items as i")
    .join("org_change_runs as r", "r.id", "i.run_id")
    .join("unit_change_batches as b", "b.id", "r.batch_id")
    .where("i.status", "done")
    .whereNotNull("i.to_unit_id")
    .whereIn("i.action", ["rehome", "rehome_change"])
    .orderBy("i.id")
    .select("i.object_kind", "i.object_id", "i.from_unit_id", "i.to_unit_id", "b.effective_date")) as Array<{ object_kind: string; object_id: string; from_unit_id: number; to_unit_id: number; effective_date: string }>;
  const rows: Array<Record<string, unknown>> = items
    .filter((i) => i.from_unit_id !== i.to_unit_id)
    .map((i) => ({ object_kind: i.object_kind, object_id: i.object_id, from_unit_id: i.from_unit_id, to_unit_id: i.to_unit_id, effective_date: i.effective_date, source: "backfill", recorded_at: now }));
  // Backfill 2: staff transfers (their audit entry lists the effects and the unit codes).
  const transfers = (await knex("audit_log").where({ action: "staff.transfer", outcome: "ok" }).orderBy("id").select("at", "object_id", "details")) as Array<{ at: string; object_id: string; details: string | null }>;
  if (transfers.length > 0) {
    const units = (await knex("units").select("id", "code")) as Array<{ id: number; code: string }>;
    const idOf = new Map(units.map((u) => [u.code, Number(u.id)]));
    for (const t of transfers) {
      let d: { from?: string; to?: string; effects?: string[] };
      try {
        d = JSON.parse(t.details ?? "{}");
      } catch {
        continue;
      }
      const from = d.from ? idOf.get(d.from) : undefined;
      const to = d.to ? idOf.get(d.to) : undefined;
      if (from === undefined || to === undefined || from === to) continue;
      // Vietnam calendar day (UTC+7) of the transfer.
      const day = new Date(new Date(t.at).getTime() + 7 * 3_600_000).toISOString().slice(0, 10);
      for (const e of d.effects ?? []) {
        const [kind, id, action] = e.split(":");
        if (!kind || !id) continue;
        if ((kind === "subscriber" && action === "move") || ((kind === "cert" || kind === "token") && (action === "rehome" || action === "rehome_change"))) {
          rows.push({ object_kind: kind, object_id: id, from_unit_id: from, to_unit_id: to, effective_date: day, source: "backfill", recorded_at: now });
        }
      }
    }
  }
  for (let i = 0; i < rows.length; i += 400) await knex("unit_moves").insert(rows.slice(i, i + 400));
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable("token_events", (t) => t.dropIndex([], "token_events_token_at"));
  await knex.schema.alterTable("requests", (t) => t.dropIndex([], "requests_completed_at"));
  await knex.schema.alterTable("certificates", (t) => {
    t.dropIndex([], "certificates_report_units");
    t.dropIndex([], "certificates_report_issued");
    t.dropIndex([], "certificates_report_revoked");
  });
  await knex.schema.dropTableIfExists("unit_moves");
}
