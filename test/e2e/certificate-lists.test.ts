// The certificate list queries on both databases: keyset pages cover every row
// once, in order; narrow (agency) and wide (province) scopes give the same rows
// as a plain filter; statuses split valid into active and expired; name search
// folds diacritics and keeps to the scope.
import { strict as assert } from "node:assert";
import knexFactory, { type Knex } from "knex";
import { forEachDatabase } from "../support/databases";
import { migrateLatest } from "../../server/store/migrate";
import { createStore, type Store } from "../../server/store/store";
import { toDbTime } from "../../server/store/db-time";
import { searchKey } from "../../server/store/search-key";
import type { CertificateListQuery, UnitFilter } from "../../server/store/certificate-query-store";

forEachDatabase("certificate list queries", (db) => {
  let knex: Knex;
  let store: Store;
  const now = new Date("2026-06-01T00:00:00Z");
  const NAMES = ["Nguyễn Văn An", "Nguyễn Thị Bình", "Trần Văn Cường", "Lê Thị Dung", "Đặng Đức Em"];
  const rows: Array<{ serial: string; unit: number; status: string; notAfter: Date; created: Date; cn: string }> = [];

  before(async function () {
    this.timeout(60_000);
    knex = knexFactory(db.knexConfig());
    await migrateLatest(knex);
    store = createStore(knex);
    const [ca] = (await knex("cas")
      .insert({ slug: "t", kind: "issuing", subject_dn: "CN=t", cert_der: Buffer.from([0]), key_ref: "x", key_alg: "p256", ski: "00", not_before: toDbTime(now), not_after: toDbTime(now), created_at: toDbTime(now) })
      .returning("id")) as Array<{ id: number } | number>;
    const caId = typeof ca === "number" ? ca : ca!.id;
    for (let u = 1; u <= 100; u++) await knex("units").insert({ id: u, code: `U${u}`, created_at: toDbTime(now) });
    for (let i = 0; i < 400; i++) {
      // Several certificates share a second, so the serial must break ties.
      const created = new Date(now.getTime() - Math.floor(i / 3) * 1000);
      const notAfter = new Date(now.getTime() + (i % 4 === 0 ? -86_400_000 : 86_400_000 * 30));
      const r = { serial: (0x1000 + i).toString(16), unit: 1 + (i % 100), status: i % 5 === 0 ? "revoked" : "valid", notAfter, created, cn: NAMES[i % NAMES.length]! };
      rows.push(r);
      await knex("certificates").insert({
        serial: r.serial, ca_id: caId, profile: "individual", status: r.status, subject_dn: `CN=${r.cn}`, common_name: r.cn, email: `u${i}@t.gov.vn`,
        spki_sha256: i.toString(16).padStart(64, "0"), key_alg: "p256", tbs_der: Buffer.from([0]), not_before: toDbTime(created), not_after: toDbTime(notAfter),
        created_at: toDbTime(created), unit_id: r.unit, search_name: searchKey(r.cn),
      });
    }
  });

  after(async () => {
    await knex?.destroy();
  });

  async function allPages(q: Omit<CertificateListQuery, "now" | "limit" | "after">): Promise<string[]> {
    const out: string[] = [];
    let after: string | undefined;
    for (let n = 0; n < 100; n++) {
      const page = await store.certificateQueries.list({ ...q, now, limit: 7, after });
      out.push(...page.rows.map((r) => r.serial));
      if (!page.next) return out;
      after = page.next;
    }
    throw new Error("pagination did not end");
  }

  const newestFirst = (a: (typeof rows)[number], b: (typeof rows)[number]) => b.created.getTime() - a.created.getTime() || (a.serial < b.serial ? 1 : -1);

  it("pages through everything once, newest first, for narrow and wide scopes", async () => {
    const narrow: UnitFilter = { all: false, unitIds: [3, 4, 5] };
    const wide: UnitFilter = { all: false, unitIds: Array.from({ length: 80 }, (_, i) => i + 1) };
    for (const units of [{ all: true } as UnitFilter, narrow, wide]) {
      const expected = rows.filter((r) => units.all || units.unitIds.includes(r.unit)).sort(newestFirst).map((r) => r.serial);
      assert.deepEqual(await allPages({ units }), expected);
    }
  });

  it("splits valid certificates into active and expired, and counts them the same way", async () => {
    const active = rows.filter((r) => r.status === "valid" && r.notAfter > now).sort(newestFirst).map((r) => r.serial);
    const expired = rows.filter((r) => r.status === "valid" && r.notAfter <= now).sort(newestFirst).map((r) => r.serial);
    assert.deepEqual(await allPages({ units: { all: true }, status: "active" }), active);
    assert.deepEqual(await allPages({ units: { all: true }, status: "expired" }), expired);
    const counts = await store.certificateQueries.countByStatus({ all: true }, now);
    assert.deepEqual(counts, { active: active.length, expired: expired.length, revoked: rows.filter((r) => r.status === "revoked").length, pending: 0, failed: 0 });
    const scoped = await store.certificateQueries.countByStatus({ all: false, unitIds: [1] }, now);
    assert.equal(scoped.active + scoped.expired + scoped.revoked, rows.filter((r) => r.unit === 1).length);
  });

  it("pages a few units' certificates of each status (read unit by unit and merged) exactly once, newest first", async () => {
    const units: UnitFilter = { all: false, unitIds: [7, 2, 9, 4] };
    const mine = rows.filter((r) => units.unitIds.includes(r.unit));
    const expect = (keep: (r: (typeof rows)[number]) => boolean) => mine.filter(keep).sort(newestFirst).map((r) => r.serial);
    assert.deepEqual(await allPages({ units, status: "active" }), expect((r) => r.status === "valid" && r.notAfter > now));
    assert.deepEqual(await allPages({ units, status: "expired" }), expect((r) => r.status === "valid" && r.notAfter <= now));
    assert.deepEqual(await allPages({ units, status: "revoked" }), expect((r) => r.status === "revoked"));
    assert.deepEqual(await allPages({ units, profile: "organization" }), []);
    assert.deepEqual(await allPages({ units: { all: false, unitIds: [5] } }), rows.filter((r) => r.unit === 5).sort(newestFirst).map((r) => r.serial));
  });

  it("searches names without diacritics, in name order, within the scope", async () => {
    const units: UnitFilter = { all: false, unitIds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] };
    const found = await allPages({ units, text: "nguyen" });
    const expected = rows.filter((r) => units.unitIds.includes(r.unit) && searchKey(r.cn).startsWith("nguyen")).map((r) => [searchKey(r.cn), r.serial] as const);
    expected.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : 1));
    assert.deepEqual(found, expected.map((e) => e[1]));
    assert.equal((await allPages({ units: { all: true }, text: "dang duc" })).length, rows.filter((r) => r.cn === "Đặng Đức Em").length);
    assert.deepEqual(await allPages({ units: { all: true }, text: "u17@t.gov.vn" }), [rows[17]!.serial]);
    assert.deepEqual(await allPages({ units: { all: false, unitIds: [99] }, text: "u17@t.gov.vn" }), []);
    assert.deepEqual(await allPages({ units: { all: false, unitIds: [] } }), []);
  });
});
