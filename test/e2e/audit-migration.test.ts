// The audit-chain migrations on a database that already has audit entries:
// they are chained in id order (renumbered 1..n when the old ids had gaps),
// the head is set, the chain verifies, and new entries extend it.
import { strict as assert } from "node:assert";
import knexFactory, { Knex } from "knex";
import { verifyAuditChain } from "../../server/audit/verify-chain";
import { migrateLatest, MIGRATIONS_DIR } from "../../server/store/migrate";
import { createStore } from "../../server/store/store";
import { forEachDatabase } from "../support/databases";

const CHAIN_MIGRATION = "20261123110000_audit_chain.ts";

forEachDatabase("audit chain migration over existing entries", (db) => {
  let knex: Knex;
  before(() => {
    knex = knexFactory(db.knexConfig());
  });
  after(async () => knex?.destroy());

  it("chains legacy entries in order, closing id gaps; the chain verifies and grows", async function () {
    this.timeout(30_000);
    const opts = { directory: MIGRATIONS_DIR, loadExtensions: [".ts"] };
    for (;;) {
      const [, pending] = (await knex.migrate.list(opts)) as [unknown[], Array<{ file: string } | string>];
      const next = pending[0];
      const name = typeof next === "string" ? next : next?.file;
      if (!name || name >= CHAIN_MIGRATION) break;
      await knex.migrate.up(opts);
    }
    const legacy = [
      { id: 1, action: "ca.create", details: '{"kind":"root"}' },
      { id: 2, action: "cert.issue", details: null },
      { id: 5, action: "cert.revoke", details: '{"reason":"keyCompromise"}' },
      { id: 9, action: "crl.publish", details: '{"entries":1}' },
    ];
    for (const l of legacy) {
      await knex("audit_log").insert({ ...l, at: "2026-11-01T00:00:00Z", actor: "cli:old", object_type: null, object_id: null, outcome: "ok" });
    }
    await migrateLatest(knex);

    const rows = (await knex("audit_log").orderBy("id").select("id", "action", "prev_hash", "hash")) as Array<{ id: number; action: string; prev_hash: string; hash: string }>;
    assert.deepEqual(rows.map((r) => [Number(r.id), r.action]), [[1, "ca.create"], [2, "cert.issue"], [3, "cert.revoke"], [4, "crl.publish"]]);
    assert.equal(rows[0]!.prev_hash, "0".repeat(64));
    const store = createStore(knex);
    assert.deepEqual(await store.audit.head(), { lastId: 4, lastHash: rows[3]!.hash, entryCount: 4 });
    assert.deepEqual(await verifyAuditChain({ store }), { intact: true, entries: 4, checkpointsVerified: 0, lastEntryId: 4 });

    await store.audit.append({ actor: "test", action: "test.append", outcome: "ok" }, new Date());
    const v = await verifyAuditChain({ store });
    assert.ok(v.intact);
    assert.equal(v.entries, 5);
  });
});
