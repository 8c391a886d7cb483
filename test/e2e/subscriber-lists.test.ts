// The subscriber list query on both databases at a few thousand rows: keyset
// pages cover every row once, in name order, for the whole CA, a narrow
// (agency) and a wide (province) scope; kind and text filters (name prefix
// without diacritics, exact e-mail, exact citizen id) match a plain filter; a
// deep page is as quick as the first.
import { strict as assert } from "node:assert";
import type { Knex } from "knex";
import { forEachDatabase } from "../support/databases";
import { openFlatUnitsDatabase } from "../support/flat-units-db";
import type { Store } from "../../server/store/store";
import { toDbTime } from "../../server/store/db-time";
import { searchKey } from "../../server/store/search-key";
import type { UnitFilter } from "../../server/store/certificate-query-store";
import type { SubscriberKind, SubscriberListQuery } from "../../server/store/subscriber-store";

const N = 3000;
const FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Đặng", "Vũ"];
const GIVEN = ["An", "Bình", "Cường", "Dũng", "Hà", "Đức"];

forEachDatabase("subscriber list queries", (db) => {
  let knex: Knex;
  let store: Store;
  const rows: Array<{ id: number; unit: number; kind: SubscriberKind; name: string; email: string; nationalId: string | null }> = [];

  before(async function () {
    this.timeout(120_000);
    const now = new Date("2026-06-01T00:00:00Z");
    ({ knex, store } = await openFlatUnitsDatabase(db, { units: 100, now }));
    const batch = [];
    for (let i = 0; i < N; i++) {
      const kind: SubscriberKind = i % 10 === 0 ? "organization" : i % 25 === 1 ? "device" : "individual";
      const name = kind === "individual" ? `${FAMILY[i % 6]} Văn ${GIVEN[Math.floor(i / 6) % 6]}` : kind === "organization" ? `UBND xã ${i}` : `hethong${i}.gov.vn`;
      const nationalId = kind === "individual" ? `0990${String(70 + (i % 30))}${String(i).padStart(6, "0")}` : null;
      // Several share a name: the id breaks ties.
      batch.push({ kind, unit_id: 1 + (i % 100), name, search_name: searchKey(name), national_id: nationalId, email: `s${i}@t.gov.vn`, created_at: toDbTime(now), updated_at: toDbTime(now) });
      rows.push({ id: 0, unit: 1 + (i % 100), kind, name, email: `s${i}@t.gov.vn`, nationalId });
    }
    for (let i = 0; i < batch.length; i += 400) await knex("subscribers").insert(batch.slice(i, i + 400));
    const ids = (await knex("subscribers").select("id", "email")) as Array<{ id: number; email: string }>;
    const byEmail = new Map(ids.map((r) => [r.email, Number(r.id)]));
    for (const r of rows) r.id = byEmail.get(r.email)!;
  });

  after(async () => {
    await knex?.destroy();
  });

  async function allPages(q: Omit<SubscriberListQuery, "limit" | "after">, limit = 50): Promise<number[]> {
    const out: number[] = [];
    let after: string | undefined;
    for (let n = 0; n < 1000; n++) {
      const page = await store.subscribers.list({ ...q, limit, after });
      out.push(...page.rows.map((r) => r.id));
      if (!page.next) return out;
      after = page.next;
    }
    throw new Error("pagination did not end");
  }

  const nameOrder = (a: (typeof rows)[number], b: (typeof rows)[number]) => {
    const ka = searchKey(a.name), kb = searchKey(b.name);
    return ka < kb ? -1 : ka > kb ? 1 : a.id - b.id;
  };
  const expect = (f: (r: (typeof rows)[number]) => boolean) => rows.filter(f).sort(nameOrder).map((r) => r.id);

  it("pages through everything once, in name order, for the whole CA, narrow and wide scopes", async function () {
    this.timeout(60_000);
    const narrow: UnitFilter = { all: false, unitIds: [3, 4, 5] };
    const wide: UnitFilter = { all: false, unitIds: Array.from({ length: 80 }, (_, i) => i + 1) };
    for (const units of [{ all: true } as UnitFilter, narrow, wide]) {
      assert.deepEqual(await allPages({ units }, 97), expect((r) => units.all || units.unitIds.includes(r.unit)));
    }
    assert.deepEqual(await allPages({ units: { all: false, unitIds: [] } }), []);
  });

  it("filters by kind and text within the scope", async () => {
    const units: UnitFilter = { all: false, unitIds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11] };
    const inUnits = (r: (typeof rows)[number]) => units.unitIds.includes(r.unit);
    assert.deepEqual(await allPages({ units, kind: "device" }), expect((r) => inUnits(r) && r.kind === "device"));
    assert.deepEqual(await allPages({ units, text: "dang van" }), expect((r) => inUnits(r) && searchKey(r.name).startsWith("dang van")));
    assert.deepEqual(await allPages({ units: { all: true }, kind: "individual", text: "Lê Văn Đức" }), expect((r) => r.kind === "individual" && r.name === "Lê Văn Đức"));
    const someone = rows[1234]!;
    assert.deepEqual(await allPages({ units: { all: true }, text: someone.email.toUpperCase() }), [someone.id]);
    assert.deepEqual(await allPages({ units: { all: false, unitIds: [someone.unit === 1 ? 2 : 1] }, text: someone.email }), []);
    const person = rows.find((r) => r.nationalId && r.unit === 7)!;
    assert.deepEqual(await allPages({ units, text: person.nationalId! }), [person.id]);
    assert.deepEqual(await allPages({ units: { all: false, unitIds: [8] }, text: person.nationalId! }), []);
  });

  it("answers a deep page about as fast as the first", async () => {
    const units: UnitFilter = { all: false, unitIds: Array.from({ length: 80 }, (_, i) => i + 1) };
    let after: string | undefined;
    for (let i = 0; i < 30; i++) after = (await store.subscribers.list({ units, limit: 50, after })).next ?? undefined;
    assert.ok(after, "30 pages in");
    const time = async (a: string | undefined) => {
      const t = process.hrtime.bigint();
      for (let i = 0; i < 5; i++) await store.subscribers.list({ units, limit: 50, after: a });
      return Number(process.hrtime.bigint() - t) / 5e6;
    };
    const first = await time(undefined);
    const deep = await time(after);
    assert.ok(deep < 100 && first < 100, `first ${first.toFixed(1)} ms, deep ${deep.toFixed(1)} ms`);
  });
});
