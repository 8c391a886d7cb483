// Tamper-evident audit log (data): chains the entries written before the chain
// existed, in id order, and creates the chain head. Entries are renumbered
// 1..n first if their ids have gaps (PostgreSQL sequences skip numbers on
// rollback; nothing refers to audit ids), because in the chain a missing id
// means a deleted entry. Pages through the table, so it runs in flat memory.
// Never edit once merged.
import type { Knex } from "knex";
import { CHAIN_VERSION, entryHash, GENESIS_HASH } from "../../server/store/audit-hash";

const PAGE = 1_000;

interface LegacyRow {
  id: number;
  at: string;
  actor: string;
  action: string;
  object_type: string | null;
  object_id: string | null;
  outcome: string;
  details: string | null;
}

export async function up(knex: Knex): Promise<void> {
  let n = 0;
  let prevHash = GENESIS_HASH;
  let after = 0;
  for (;;) {
    const rows = (await knex("audit_log").where("id", ">", after).orderBy("id").limit(PAGE)) as LegacyRow[];
    if (!rows.length) break;
    for (const r of rows) {
      const oldId = Number(r.id);
      after = oldId;
      const id = ++n;
      // Ascending order: every id below `id` is already taken by a renumbered row, none above it is.
      if (id !== oldId) await knex("audit_log").where({ id: oldId }).update({ id });
      const hash = entryHash({
        id,
        prevHash,
        at: r.at,
        actor: r.actor,
        role: null,
        unitId: null,
        action: r.action,
        objectType: r.object_type,
        objectId: r.object_id,
        outcome: r.outcome,
        requestId: null,
        details: r.details,
        before: null,
        after: null,
      });
      await knex("audit_log").where({ id }).update({ chain_version: CHAIN_VERSION, prev_hash: prevHash, hash });
      prevHash = hash;
    }
  }
  await knex("audit_head").insert({ id: 1, last_id: n, last_hash: prevHash, entry_count: n });
}

export async function down(knex: Knex): Promise<void> {
  await knex("audit_head").del();
  await knex("audit_log").update({ chain_version: null, prev_hash: null, hash: null });
}
