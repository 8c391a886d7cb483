// The request list query on both databases at a few thousand rows: offset pages
// by deadline (no deadline last, the id breaking ties) and newest first cover
// every request of the scope once, in order, and none of another unit's — for
// an agency and a few units read unit by unit (unitPageMerge), the units of a
// wider scope and the whole CA; with a closed-state filter (merged as well) and
// an open-state one (read by the (unit_id, state, due_date) index instead).
import { strict as assert } from "node:assert";
import type { Knex } from "knex";
import { forEachDatabase } from "../support/databases";
import { openFlatUnitsDatabase } from "../support/flat-units-db";
import type { Store } from "../../server/store/store";
import { toDbTime } from "../../server/store/db-time";
import type { RequestListQuery } from "../../server/store/request-store";
import { REQUEST_STATES, type RequestState } from "../../server/ra/request-states";
import { WIDE_SCOPE } from "../../server/store/unit-scope-sql";

const N = 1500;
const UNITS = 80;

forEachDatabase("request list queries", (db) => {
  let knex: Knex;
  let store: Store;
  const rows: Array<{ id: number; unit: number; state: RequestState; due: string | null }> = [];

  before(async function () {
    this.timeout(120_000);
    const now = new Date("2026-06-01T00:00:00Z");
    ({ knex, store } = await openFlatUnitsDatabase(db, { units: UNITS, now }));
    const batch = [];
    for (let i = 0; i < N; i++) {
      // Units of unequal size (unit 1 holds most), many shared deadlines and some none.
      const unit = i % 3 === 0 ? 1 : 1 + (i % UNITS);
      const state = REQUEST_STATES[i % REQUEST_STATES.length]!;
      const due = i % 7 === 0 ? null : `2026-06-${String(1 + (i % 13)).padStart(2, "0")}`;
      batch.push({ type: "new_individual", state, unit_id: unit, data: "{}", summary: `Hồ sơ ${i}`, source: "api", created_by: "t", created_at: toDbTime(now), updated_at: toDbTime(now), due_date: due });
      rows.push({ id: 0, unit, state, due });
    }
    for (let i = 0; i < batch.length; i += 200) {
      const ids = (await knex("requests").insert(batch.slice(i, i + 200)).returning("id")) as Array<{ id: number } | number>;
      if (db.kind !== "sqlite") ids.forEach((r, j) => (rows[i + j]!.id = Number(typeof r === "object" ? r.id : r)));
    }
    if (db.kind === "sqlite") {
      const ids = (await knex("requests").orderBy("id").select("id")) as Array<{ id: number }>;
      ids.forEach((r, j) => (rows[j]!.id = Number(r.id)));
    }
  });

  after(async () => {
    await knex?.destroy();
  });

  async function allPages(q: Omit<RequestListQuery, "limit" | "offset" | "today">, limit: number): Promise<number[]> {
    const out: number[] = [];
    for (let offset = 0; offset < 10 * N; offset += limit) {
      const page = await store.requests.list({ ...q, today: "2026-06-05", limit, offset });
      out.push(...page.rows.map((r) => r.id));
      if (!page.more) return out;
    }
    throw new Error("no last page");
  }

  function expected(units: number[] | null, sort: "due" | "newest", states?: RequestState[]): number[] {
    const key = (d: string | null) => d ?? "9999-12-31";
    return rows
      .filter((r) => (units === null || units.includes(r.unit)) && (!states || states.includes(r.state)))
      .sort((a, b) => (sort === "newest" ? b.id - a.id : key(a.due) < key(b.due) ? -1 : key(a.due) > key(b.due) ? 1 : a.id - b.id))
      .map((r) => r.id);
  }

  const scopes: Array<[string, number[] | null]> = [
    ["one agency (unit 1, most rows)", [1]],
    ["one small agency", [7]],
    ["a few units", [1, 2, 3, 5, 8, 13]],
    [`${WIDE_SCOPE} units (the widest merged)`, Array.from({ length: WIDE_SCOPE }, (_, i) => i + 2)],
    ["a wider scope", Array.from({ length: UNITS - 5 }, (_, i) => i + 1)],
    ["the whole CA", null],
  ];

  for (const [label, units] of scopes) {
    it(`pages through ${label} once, in order, by deadline and newest first`, async function () {
      this.timeout(60_000);
      const filter = units === null ? { all: true as const } : { all: false as const, unitIds: units };
      for (const sort of ["due", "newest"] as const) {
        for (const limit of [50, 7]) {
          assert.deepEqual(await allPages({ units: filter, sort }, limit), expected(units, sort), `${label}, ${sort}, ${limit} a page`);
        }
        assert.deepEqual(await allPages({ units: filter, sort, states: ["completed", "rejected"] }, 50), expected(units, sort, ["completed", "rejected"]), `${label}, ${sort}, closed`);
        assert.deepEqual(await allPages({ units: filter, sort, states: ["submitted"] }, 50), expected(units, sort, ["submitted"]), `${label}, ${sort}, submitted`);
      }
    });
  }

  it("an empty scope lists nothing", async () => {
    assert.deepEqual(await store.requests.list({ units: { all: false, unitIds: [] }, today: "2026-06-05", sort: "due", limit: 50, offset: 0 }), { rows: [], more: false });
  });
});
