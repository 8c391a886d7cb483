// The unit tree through time, on sqlite and PostgreSQL: each kind of structure
// change, the demo province before and after the 2025 reforms, preview = apply,
// idempotent apply, refusals that change nothing, and their audit entries.
import { strict as assert } from "node:assert";
import type { Knex } from "knex";
import { DEMO_BATCHES, seedDemoProvince } from "../../../server/demo/demo-province";
import { AppError } from "../../../server/errors/app-error";
import { createUnitService, UnitService } from "../../../server/org/unit-service";
import { renderTree, subtreeOf } from "../../../server/org/unit-tree";
import { openDatabase } from "../../../server/store/connection";
import { migrateLatest } from "../../../server/store/migrate";
import { createStore, Store } from "../../../server/store/store";
import { forEachDatabase, type DatabaseContext } from "../../support/databases";
import { DEMO_TREE_2024_12_31, DEMO_TREE_2026_01_01 } from "./demo-trees.fixture";

const NOW = new Date("2026-01-15T03:00:00Z");
const ACTOR = "test:units";
const UNIT_TABLES = ["units", "unit_versions", "unit_lineage", "unit_change_batches", "unit_changes"];

interface Env {
  knex: Knex;
  store: Store;
  units: UnitService;
}

async function openEnv(db: DatabaseContext): Promise<Env> {
  const knex = openDatabase({ dataDir: db.dataDir, databaseUrl: db.databaseUrl });
  await migrateLatest(knex);
  const store = createStore(knex);
  return { knex, store, units: createUnitService({ store, clock: () => NOW }) };
}

async function refused(p: Promise<unknown>, code: string, match?: RegExp): Promise<AppError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof AppError, `expected AppError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (match) assert.match(e.message, match);
    return e;
  }
  assert.fail(`expected a ${code} refusal`);
}

const create = (code: string, name: string, type: string, parent: string | null, extra: Record<string, unknown> = {}) => ({
  kind: "create",
  unit: { code, name, type, parent, ...extra },
});

function setup(db: DatabaseContext) {
  const env = {} as Env;
  before(async () => Object.assign(env, await openEnv(db)));
  after(async () => env.store?.close());

  const h = {
    env,
    tree: async (date: string, root: string) => renderTree(subtreeOf(await env.units.treeAsOf(date), root)),
    apply: async (title: string, date: string, changes: unknown[]) => {
      const b = await env.units.draftBatch(title, date, changes, ACTOR);
      return env.units.apply(b.id, ACTOR);
    },
    /** Every row of the unit tables, to prove a refusal changed nothing. */
    rows: async () => {
      const out: Record<string, unknown[]> = {};
      for (const t of UNIT_TABLES) out[t] = await env.knex(t).orderBy("id");
      return JSON.stringify(out);
    },
    auditCount: async () => Number(((await env.knex("audit_log").count({ n: "*" })) as Array<{ n: number | string }>)[0]!.n),
    id: async (code: string) => (await env.store.units.findByCode(code))!.id,
    codes: async (ids: number[]) => {
      const out: string[] = [];
      for (const id of ids) out.push((await env.store.units.findById(id))!.code);
      return out.sort();
    },
    /** A small province: P → A, B (departments), D (district) → C1, C2 (communes), from 2020-01-01. */
    mini: async (p: string) => {
      await h.apply(`Cơ cấu ${p}`, "2020-01-01", [
        create(p, `Tỉnh Thử ${p}`, "province", null),
        create(`${p}-A`, "Sở A", "department", p),
        create(`${p}-B`, "Sở B", "department", p),
        create(`${p}-D`, "Huyện D", "district", p),
        create(`${p}-C1`, "Xã C1", "commune", `${p}-D`),
        create(`${p}-C2`, "Xã C2", "commune", `${p}-D`),
      ]);
    },
  };
  return h;
}

const miniTree = (p: string) => `${p} Tỉnh Thử ${p} [province]
  ${p}-A Sở A [department]
  ${p}-B Sở B [department]
  ${p}-D Huyện D [district]
    ${p}-C1 Xã C1 [commune]
    ${p}-C2 Xã C2 [commune]`;

forEachDatabase("unit tree: demo province", (db) => {
  const h = setup(db);

  it("seeds the fictional province once; seeding again changes nothing", async () => {
    const first = await seedDemoProvince({ store: h.env.store, clock: () => NOW });
    assert.equal(first.seeded, true);
    assert.equal(first.batchIds.length, 3);
    const rows = await h.rows();
    const audit = await h.auditCount();
    assert.deepEqual(await seedDemoProvince({ store: h.env.store, clock: () => NOW }), { seeded: false, batchIds: [] });
    assert.equal(await h.rows(), rows);
    assert.equal(await h.auditCount(), audit);
  });

  it("the tree on 31/12/2024 and on 01/01/2026 is exactly right", async () => {
    assert.equal(await h.tree("2024-12-31", "SH"), DEMO_TREE_2024_12_31);
    assert.equal(await h.tree("2026-01-01", "SH"), DEMO_TREE_2026_01_01);
    // The DIC merger came first: from 1 March 2025 the districts are still there, Sở TT&TT is not.
    const march = await h.tree("2025-03-01", "SH");
    assert.equal(march, DEMO_TREE_2024_12_31.split("\n").filter((l) => !l.includes("SH-STTTT")).join("\n"));
    assert.equal(await h.tree("2025-02-28", "SH"), DEMO_TREE_2024_12_31);
    assert.equal(await h.tree("2025-06-30", "SH"), march);
    assert.deepEqual(await h.env.units.treeAsOf("2019-12-31"), []);
  });

  it("subtreeIds and ancestors follow the date", async () => {
    const { units } = h.env;
    const lamThu = await h.id("SH-H-LAMTHU");
    assert.deepEqual(await h.codes(await units.subtreeIds(lamThu, "2024-12-31")), ["SH-H-LAMTHU", "SH-X-DONGMAU", "SH-X-PHUMAU", "SH-X-TANTHU", "SH-X-TTLAMTHU"]);
    assert.deepEqual(await units.subtreeIds(lamThu, "2025-07-01"), []);
    const province = await h.id("SH");
    assert.equal((await units.subtreeIds(province, "2024-12-31")).length, 18);
    assert.deepEqual(await h.codes(await units.subtreeIds(province, "2026-01-01")), [
      "SH", "SH-BHXH", "SH-KBNN", "SH-SGDDT", "SH-SKHCN", "SH-SNV", "SH-STC", "SH-SYT", "SH-X-LAMTHU", "SH-X-TANPHU", "SH-X-VANHA", "SH-X-VANTHU",
    ]);
    const newCommune = await h.id("SH-X-LAMTHU");
    assert.deepEqual(await units.subtreeIds(newCommune, "2025-06-30"), []);
    assert.deepEqual(await h.codes(await units.subtreeIds(newCommune, "2025-07-01")), ["SH-X-LAMTHU"]);
    const vanThu = await h.id("SH-X-VANTHU");
    assert.deepEqual((await units.ancestors(vanThu, "2024-12-31")).map((u) => u.code), ["SH-H-VANTHU", "SH"]);
    assert.deepEqual((await units.ancestors(vanThu, "2026-01-01")).map((u) => u.code), ["SH"]);
    assert.equal((await units.findUnit("SH-X-VANTHU", "2024-12-31"))!.name, "Ủy ban nhân dân thị trấn Vân Thử");
    assert.equal((await units.findUnit("SH-X-VANTHU", "2026-01-01"))!.name, "Ủy ban nhân dân phường Vân Thử");
  });

  it("lineage follows a unit through mergers both ways", async () => {
    const dongMau = await h.env.units.lineage("SH-X-DONGMAU");
    assert.deepEqual(dongMau.from.map((l) => [l.toCode, l.kind, l.effectiveDate]), [["SH-X-LAMTHU", "merged_into", "2025-07-01"]]);
    const lamThu = await h.env.units.lineage("SH-X-LAMTHU");
    assert.deepEqual(lamThu.to.map((l) => l.fromCode).sort(), ["SH-X-DONGMAU", "SH-X-TTLAMTHU"]);
    const dic = await h.env.units.lineage("SH-STTTT");
    assert.deepEqual(dic.from.map((l) => [l.toCode, l.kind, l.effectiveDate]), [["SH-SKHCN", "merged_into", "2025-03-01"]]);
    const history = await h.env.units.history("SH-STTTT");
    assert.deepEqual(history.map((v) => [v.validFrom, v.validTo]), [["2020-01-01", "2025-03-01"]]);
  });
});

forEachDatabase("unit tree: changes", (db) => {
  const h = setup(db);

  it("merge: A + B into a new C, and A merged into an existing B", async () => {
    await h.mini("M1");
    await h.apply("Hợp nhất sở", "2021-01-01", [
      { kind: "merge", units: ["M1-A", "M1-B"], into: { code: "M1-AB", name: "Sở AB", type: "department", parent: "M1", taxCode: "9900555001" } },
    ]);
    await h.apply("Sáp nhập xã", "2022-01-01", [{ kind: "merge", units: ["M1-C1"], into: "M1-C2" }]);
    assert.equal(await h.tree("2020-12-31", "M1"), miniTree("M1"));
    assert.equal(await h.tree("2021-01-01", "M1"), `M1 Tỉnh Thử M1 [province]
  M1-AB Sở AB [department]
  M1-D Huyện D [district]
    M1-C1 Xã C1 [commune]
    M1-C2 Xã C2 [commune]`);
    assert.equal(await h.tree("2022-01-01", "M1"), `M1 Tỉnh Thử M1 [province]
  M1-AB Sở AB [department]
  M1-D Huyện D [district]
    M1-C2 Xã C2 [commune]`);
    assert.deepEqual((await h.env.units.lineage("M1-AB")).to.map((l) => [l.fromCode, l.kind]), [["M1-A", "merged_into"], ["M1-B", "merged_into"]]);
    assert.deepEqual((await h.env.units.lineage("M1-C1")).from.map((l) => [l.toCode, l.kind, l.effectiveDate]), [["M1-C2", "merged_into", "2022-01-01"]]);
    // Absorbing C1 gives C2 no new version: nothing about C2 itself changed.
    assert.equal((await h.env.units.history("M1-C2")).length, 1);
  });

  it("split: A into B + C; sub-units must go somewhere, else refused with nothing changed", async () => {
    await h.mini("S1");
    const d1 = { code: "S1-D1", name: "Huyện D1", type: "district", parent: "S1" };
    const d2 = { code: "S1-D2", name: "Huyện D2", type: "district", parent: "S1" };
    const rows = await h.rows();
    await refused(h.apply("Chia huyện", "2021-01-01", [{ kind: "split", unit: "S1-D", into: [d1, d2] }]), "UNIT_CONFLICT", /^change 1 \(split\): unit S1-D ends, but S1-C1, S1-C2 still belong to it/);
    const refusedDraft = (await h.env.units.listBatches()).at(-1)!;
    assert.equal(refusedDraft.status, "draft");
    // The refused batch stays a draft; the tree itself is untouched.
    const unitRows = (r: string) => JSON.stringify({ ...JSON.parse(r), unit_change_batches: [], unit_changes: [] });
    assert.equal(unitRows(await h.rows()), unitRows(rows));
    await h.apply("Chia huyện", "2021-01-01", [
      { kind: "split", unit: "S1-D", into: [d1, d2] },
      { kind: "move", unit: "S1-C1", parent: "S1-D1" },
      { kind: "move", unit: "S1-C2", parent: "S1-D2" },
      { kind: "split", unit: "S1-A", into: [{ code: "S1-A2", name: "Sở A2", type: "department", parent: "S1" }], keepSource: true },
    ]);
    assert.equal(await h.tree("2021-01-01", "S1"), `S1 Tỉnh Thử S1 [province]
  S1-A Sở A [department]
  S1-A2 Sở A2 [department]
  S1-B Sở B [department]
  S1-D1 Huyện D1 [district]
    S1-C1 Xã C1 [commune]
  S1-D2 Huyện D2 [district]
    S1-C2 Xã C2 [commune]`);
    assert.deepEqual((await h.env.units.lineage("S1-D")).from.map((l) => [l.toCode, l.kind]), [["S1-D1", "split_into"], ["S1-D2", "split_into"]]);
    assert.deepEqual((await h.env.units.lineage("S1-A")).from.map((l) => [l.toCode, l.kind]), [["S1-A2", "split_into"]]);
  });

  it("move: a new parent from a date; a move that would make a cycle is refused", async () => {
    await h.mini("V1");
    await h.apply("Chuyển xã", "2021-01-01", [{ kind: "move", unit: "V1-C1", parent: "V1-A" }]);
    assert.equal(await h.tree("2021-01-01", "V1"), `V1 Tỉnh Thử V1 [province]
  V1-A Sở A [department]
    V1-C1 Xã C1 [commune]
  V1-B Sở B [department]
  V1-D Huyện D [district]
    V1-C2 Xã C2 [commune]`);
    const district = await h.id("V1-D");
    assert.deepEqual(await h.codes(await h.env.units.subtreeIds(district, "2020-12-31")), ["V1-C1", "V1-C2", "V1-D"]);
    assert.deepEqual(await h.codes(await h.env.units.subtreeIds(district, "2021-01-01")), ["V1-C2", "V1-D"]);
    await refused(h.apply("Vòng", "2022-01-01", [{ kind: "move", unit: "V1-D", parent: "V1-C2" }]), "UNIT_CONFLICT", /cannot be placed under V1-C2/);
    await refused(h.apply("Tỉnh dưới sở", "2022-01-01", [{ kind: "move", unit: "V1-A", parent: "V1-A" }]), "UNIT_CONFLICT", /cannot be placed under V1-A/);
    await refused(h.apply("Không đổi", "2022-01-01", [{ kind: "move", unit: "V1-C2", parent: "V1-D" }]), "UNIT_CONFLICT", /already has this parent/);
  });

  it("rename: same identity, the old name stays in the past", async () => {
    await h.mini("R1");
    const before = await h.env.units.findUnit("R1-A", "2020-06-01");
    await h.apply("Đổi tên", "2021-01-01", [{ kind: "rename", unit: "R1-A", name: "Sở A mới" }]);
    const afterRename = await h.env.units.findUnit("R1-A", "2021-01-01");
    assert.equal(afterRename!.unitId, before!.unitId);
    assert.equal((await h.env.units.findUnit("R1-A", "2020-12-31"))!.name, "Sở A");
    assert.equal(afterRename!.name, "Sở A mới");
    assert.deepEqual((await h.env.units.history("R1-A")).map((v) => [v.validFrom, v.validTo, v.name]), [
      ["2020-01-01", "2021-01-01", "Sở A"],
      ["2021-01-01", null, "Sở A mới"],
    ]);
    assert.deepEqual((await h.env.units.lineage("R1-A")).from.map((l) => [l.toCode, l.kind]), [["R1-A", "renamed"]]);
    await refused(h.apply("Không đổi", "2022-01-01", [{ kind: "rename", unit: "R1-A", name: "Sở A mới" }]), "UNIT_CONFLICT", /already has this name/);
    // A unit whose parent was renamed later can still be added in the past: the parent lives on.
    const added = await h.env.units.createUnit({ code: "R1-A-1", name: "Chi cục A1", type: "other", parent: "R1-A", validFrom: "2020-06-01" }, ACTOR);
    assert.equal(added.parentCode, "R1-A");
  });

  it("dissolve: a unit with sub-units is refused; with them in the same batch it goes", async () => {
    await h.mini("D1");
    await refused(h.apply("Giải thể", "2021-01-01", [{ kind: "dissolve", unit: "D1-D" }]), "UNIT_CONFLICT", /D1-C1, D1-C2 still belong to it/);
    await h.apply("Giải thể", "2021-01-01", [
      { kind: "dissolve", unit: "D1-D" },
      { kind: "merge", units: ["D1-C1", "D1-C2"], into: { code: "D1-C", name: "Xã C", type: "commune", parent: "D1" } },
    ]);
    assert.equal(await h.tree("2021-01-01", "D1"), `D1 Tỉnh Thử D1 [province]
  D1-A Sở A [department]
  D1-B Sở B [department]
  D1-C Xã C [commune]`);
    assert.equal(await h.env.units.findUnit("D1-D", "2021-01-01"), null);
    assert.equal((await h.env.units.findUnit("D1-D", "2020-12-31"))!.name, "Huyện D");
    await refused(h.apply("Lần nữa", "2022-01-01", [{ kind: "dissolve", unit: "D1-D" }]), "UNIT_CONFLICT", /no longer exists on 2022-01-01: it was dissolved on 2021-01-01/);
    await refused(h.apply("Lần nữa", "2022-01-01", [{ kind: "dissolve", unit: "D1-C1" }]), "UNIT_CONFLICT", /it was merged into D1-C on 2021-01-01/);
  });

  it("update: attributes change from a date; an update that changes nothing is refused", async () => {
    await h.mini("U1");
    await h.apply("Đổi tên miền", "2021-01-01", [
      { kind: "update", unit: "U1-A", set: { emailDomain: "soa.u1.gov.vn", budgetCode: "1234567", focalPoint: { name: "Đầu Mối", phone: "0900000999" } } },
    ]);
    const old = await h.env.units.findUnit("U1-A", "2020-12-31");
    const now = await h.env.units.findUnit("U1-A", "2021-01-01");
    assert.equal(old!.emailDomain, null);
    assert.equal(now!.emailDomain, "soa.u1.gov.vn");
    assert.equal(now!.budgetCode, "1234567");
    assert.deepEqual(now!.focalPoint, { name: "Đầu Mối", email: null, phone: "0900000999" });
    await refused(h.apply("Không đổi", "2022-01-01", [{ kind: "update", unit: "U1-A", set: { emailDomain: "SOA.u1.gov.vn" } }]), "UNIT_CONFLICT", /already has this data/);
  });

  let reformId = 0;
  it("the 2025 reform is one batch: its preview is exactly what applying it produces", async () => {
    for (const b of DEMO_BATCHES.slice(0, 2)) await h.apply(b.title, b.effectiveDate, b.changes);
    const reform = DEMO_BATCHES[2]!;
    const draft = await h.env.units.draftBatch(reform.title, reform.effectiveDate, reform.changes, ACTOR);
    reformId = draft.id;
    // Drafting the same batch again gives the same draft back.
    assert.equal((await h.env.units.draftBatch(reform.title, reform.effectiveDate, reform.changes, ACTOR)).id, draft.id);
    const rows = await h.rows();
    const p = await h.env.units.preview(draft.id);
    assert.equal(await h.rows(), rows, "preview changes nothing");
    const fate = (code: string) => {
      const u = p.units.find((x) => x.code === code)!;
      return `${u.outcome}: ${u.effects.join("; ")}`;
    };
    assert.equal(fate("SH-H-LAMTHU"), "ended: dissolved");
    assert.equal(fate("SH-X-DONGMAU"), "ended: merged into SH-X-LAMTHU");
    assert.equal(fate("SH-X-LAMTHU"), "created: created by merging SH-X-TTLAMTHU, SH-X-DONGMAU");
    assert.match(fate("SH-X-VANTHU"), /^changed: renamed from "Ủy ban nhân dân thị trấn Vân Thử" to "Ủy ban nhân dân phường Vân Thử"; moved from SH-H-VANTHU to SH; updated: address$/);
    assert.equal(fate("SH-SNV"), "unchanged: ");
    // Every unit of the province on that day is listed, whatever happens to it.
    assert.equal(p.units.filter((u) => u.code.startsWith("SH")).length, 17 + 3);
    assert.equal(renderTree(subtreeOf(p.treeAfter, "SH")), DEMO_TREE_2026_01_01);
    assert.equal(renderTree(subtreeOf(p.treeBefore, "SH")), await h.tree("2025-06-30", "SH"));

    const r = await h.env.units.apply(draft.id, ACTOR);
    assert.equal(r.applied, true);
    assert.deepEqual({ ...r.preview, batch: null }, { ...p, batch: null });
    assert.deepEqual(await h.env.units.treeAsOf("2025-07-01"), p.treeAfter);
    assert.deepEqual(await h.env.units.preview(draft.id), r.preview, "an applied batch previews as what it did");
    assert.equal(await h.tree("2024-12-31", "SH"), DEMO_TREE_2024_12_31);
  });

  it("applying a batch twice changes nothing the second time", async () => {
    const rows = await h.rows();
    const audit = await h.auditCount();
    const again = await h.env.units.apply(reformId, ACTOR);
    assert.equal(again.applied, false);
    assert.equal(await h.rows(), rows);
    assert.equal(await h.auditCount(), audit);
    assert.equal(await h.tree("2026-01-01", "SH"), DEMO_TREE_2026_01_01);
    // Two applies racing for one draft: exactly one applies it.
    await h.mini("Q1");
    const b = await h.env.units.draftBatch("Đua", "2021-01-01", [{ kind: "dissolve", unit: "Q1-B" }], ACTOR);
    const results = await Promise.all([h.env.units.apply(b.id, ACTOR), h.env.units.apply(b.id, ACTOR)]);
    assert.deepEqual(results.map((r) => r.applied).sort(), [false, true]);
    assert.deepEqual(results[0]!.preview, results[1]!.preview);
    assert.equal((await h.env.units.history("Q1-B")).length, 1);
  });

  let staleId = 0;
  it("a batch that references a unit already dissolved, or rewrites later history, is refused and changes nothing", async () => {
    const stale = await h.env.units.draftBatch("Sau cải cách", "2025-08-01", [
      { kind: "rename", unit: "SH-SNV", name: "Sở Nội vụ mới" },
      { kind: "move", unit: "SH-X-TANTHU", parent: "SH-H-LAMTHU" },
    ], ACTOR);
    staleId = stale.id;
    const rows = await h.rows();
    await refused(h.env.units.preview(stale.id), "UNIT_CONFLICT", /^change 2 \(move\): unit SH-X-TANTHU no longer exists on 2025-08-01: it was merged into SH-X-TANPHU on 2025-07-01$/);
    await refused(h.env.units.apply(stale.id, ACTOR), "UNIT_CONFLICT", /SH-X-TANTHU no longer exists/);
    assert.equal(await h.rows(), rows, "nothing changed, the batch is still a draft");
    const early = await h.env.units.draftBatch("Trước cải cách", "2025-06-01", [{ kind: "rename", unit: "SH-H-LAMTHU", name: "UBND huyện Lam" }], ACTOR);
    await refused(h.env.units.apply(early.id, ACTOR), "UNIT_CONFLICT", /SH-H-LAMTHU has changes recorded from 2025-07-01, after 2025-06-01/);
    await refused(h.env.units.apply(987654, ACTOR), "BATCH_NOT_FOUND", /no unit change batch 987654/);
    await refused(h.env.units.preview(987654), "BATCH_NOT_FOUND");
    await refused(h.apply("Mã lạ", "2025-08-01", [{ kind: "dissolve", unit: "SH-KHONGCO" }]), "UNIT_NOT_FOUND", /no unit with code SH-KHONGCO/);
    await refused(h.apply("Trùng mã", "2025-08-01", [create("SH-X-DONGMAU", "Xã Đồng Mẫu", "commune", "SH")]), "UNIT_CODE_TAKEN", /never reused/);
    await refused(h.apply("Trùng ngày", "2025-07-01", [{ kind: "rename", unit: "SH-X-LAMTHU", name: "Xã Lam" }]), "UNIT_CONFLICT", /already changed on 2025-07-01/);
    assert.equal(await h.tree("2026-01-01", "SH"), DEMO_TREE_2026_01_01);
  });

  it("invalid MST, QHNS, e-mail domain and dates are refused and nothing is stored", async () => {
    const rows = await h.rows();
    const base = { code: "SH-SXD", name: "Sở Xây dựng", type: "department", parent: "SH" };
    await refused(h.env.units.createUnit({ ...base, taxCode: "99001" }, ACTOR), "UNIT_INVALID", /MST/);
    await refused(h.env.units.createUnit({ ...base, budgetCode: "12345678" }, ACTOR), "UNIT_INVALID", /QHNS/);
    await refused(h.env.units.createUnit({ ...base, emailDomain: "sxd.example.com" }, ACTOR), "UNIT_INVALID", /\.gov\.vn/);
    await refused(h.env.units.createUnit({ ...base, validFrom: "2025-02-30" }, ACTOR), "UNIT_INVALID", /validFrom/);
    await refused(h.env.units.createUnit({ ...base, validFrom: "01/07/2025" }, ACTOR), "UNIT_INVALID", /YYYY-MM-DD/);
    await refused(h.env.units.draftBatch("Ngày sai", "2025-13-01", [{ kind: "dissolve", unit: "SH-SYT" }], ACTOR), "UNIT_INVALID", /effectiveDate/);
    await refused(h.env.units.draftBatch("MST sai", "2025-08-01", [create("SH-X", "Xã X", "commune", "SH", { taxCode: "12" })], ACTOR), "UNIT_INVALID", /^change 1 \(create\): taxCode/);
    await refused(h.env.units.treeAsOf("2025-02-29"), "UNIT_INVALID");
    assert.equal(await h.rows(), rows);
    const refusals = (await h.env.store.audit.forObject("unit", "SH-SXD")).filter((a) => a.outcome === "refused");
    assert.equal(refusals.length, 5);
    assert.equal(refusals[0]!.details?.code, "UNIT_INVALID");
  });

  it("createUnit: from today by default; the parent must exist and live on", async () => {
    const u = await h.env.units.createUnit({ code: "SH-SXD", name: "Sở Xây dựng", type: "department", parent: "SH", taxCode: "9900100102", emailDomain: "sxd.thunghiemsonha.gov.vn" }, ACTOR);
    assert.equal(u.validFrom, "2026-01-15");
    assert.equal(u.parentCode, "SH");
    await refused(h.env.units.createUnit({ code: "SH-SXD", name: "Sở Xây dựng", type: "department", parent: "SH" }, ACTOR), "UNIT_CODE_TAKEN");
    await refused(h.env.units.createUnit({ code: "SH-Y", name: "Sở Y", type: "department", parent: "SH-NONE" }, ACTOR), "UNIT_NOT_FOUND");
    await refused(h.env.units.createUnit({ code: "SH-Y", name: "Sở Y", type: "department", parent: "SH-H-VANTHU" }, ACTOR), "UNIT_CONFLICT", /^unit SH-H-VANTHU no longer exists/);
    await refused(h.env.units.createUnit({ code: "SH-Y", name: "Xã Y", type: "commune", parent: "SH-H-VANTHU", validFrom: "2024-01-01" }, ACTOR), "UNIT_CONFLICT", /parent SH-H-VANTHU of SH-Y ends on 2025-07-01/);
    await refused(h.env.units.createUnit({ code: "SH-Y", name: "Sở Y", type: "department" }, ACTOR), "UNIT_CONFLICT", /needs a parent/);
    await refused(h.env.units.createUnit({ code: "SH-Y", name: "Tỉnh Y", type: "province", parent: "SH" }, ACTOR), "UNIT_CONFLICT", /cannot have a parent/);
  });

  it("a preview's digest pins what apply does: refused when the tree changed under it", async () => {
    await h.mini("G1");
    const b = await h.env.units.draftBatch("Đổi tên G1-A", "2022-01-01", [{ kind: "rename", unit: "G1-A", name: "Sở A mới" }], ACTOR);
    const p = await h.env.units.preview(b.id);
    await h.apply("Đổi tên miền", "2021-01-01", [{ kind: "update", unit: "G1-A", set: { emailDomain: "soa.g1.gov.vn" } }]);
    await refused(h.env.units.apply(b.id, ACTOR, { expectedDigest: p.digest }), "UNIT_CONFLICT", /no longer does what was previewed/);
    const fresh = await h.env.units.preview(b.id);
    const r = await h.env.units.apply(b.id, ACTOR, { expectedDigest: fresh.digest });
    assert.equal(r.applied, true);
    assert.equal((await h.env.units.findUnit("G1-A", "2022-01-01"))!.emailDomain, "soa.g1.gov.vn");
  });

  it("audit: every applied change per unit, each batch, and every refusal", async () => {
    const merged = await h.env.store.audit.forObject("unit", "SH-X-DONGMAU");
    const merge = merged.find((a) => a.action === "unit.merge")!;
    assert.equal(merge.outcome, "ok");
    assert.equal(merge.actor, ACTOR);
    assert.equal(merge.details?.batchId, reformId);
    assert.equal(merge.details?.effectiveDate, "2025-07-01");
    assert.equal(merge.details?.after, null);
    const created = (await h.env.store.audit.forObject("unit", "SH-X-LAMTHU")).map((a) => a.action);
    assert.deepEqual(created, ["unit.merge"]);
    const vanThu = (await h.env.store.audit.forObject("unit", "SH-X-VANTHU")).map((a) => a.action);
    assert.deepEqual(vanThu, ["unit.create", "unit.rename", "unit.move", "unit.update"]);
    const batch = (await h.env.store.audit.forObject("unit_batch", String(reformId))).map((a) => `${a.action}:${a.outcome}`);
    assert.deepEqual(batch, ["unit.batch.draft:ok", "unit.batch.apply:ok"]);
    const stale = await h.env.store.audit.forObject("unit_batch", String(staleId));
    assert.deepEqual(stale.map((a) => `${a.action}:${a.outcome}:${String(a.details?.code ?? "")}`), ["unit.batch.draft:ok:", "unit.batch.apply:refused:UNIT_CONFLICT"]);
    assert.match(String(stale[1]!.details?.message), /SH-X-TANTHU no longer exists/);
  });
});
