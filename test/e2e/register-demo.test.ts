// The demo province's registers (DEMO=1): seeded once on the units as they stood
// on each date, nothing twice on a second start, nothing dated after today, and
// the report figures of a district (with its communes, 2024) and of the
// province's departments read back what was seeded. Then scoping on the tree as
// it stood on each record's date, across the 2025 mergers: the province keeps
// its 2024 records of communes merged away since; a commune created in 2025 and
// a department that absorbed another see only what was theirs at the time.
import { strict as assert } from "node:assert";
import { forEachDatabase } from "../support/databases";
import { startTestServer, TestServer } from "../support/app";
import { seedDemoProvince } from "../../server/demo/demo-province";
import { seedDemoRegisters } from "../../server/demo/demo-registers";
import { createAccessAudit } from "../../server/access/access-audit";
import type { CallContext } from "../../server/access/actor";
import type { Role } from "../../server/access/roles";
import { createScoper } from "../../server/access/scope";
import { unitSourceFromStore } from "../../server/directory/unit-source";
import { createRegisters } from "../../server/reports/registers/registers";

forEachDatabase("register demo data", (db) => {
  let server: TestServer;
  let first: Awaited<ReturnType<typeof seedDemoRegisters>>;
  // As if today were 1 October 2026: the incident of 15 October 2026 has not happened yet.
  const clock = () => new Date("2026-10-01T03:00:00Z");

  before(async function () {
    this.timeout(60_000);
    server = await startTestServer(db);
    await seedDemoProvince({ store: server.core.store, clock: () => new Date() });
    first = await seedDemoRegisters({ store: server.core.store, clock });
  });

  after(async () => {
    await server?.close();
  });

  it("seeds the demo registers once, skipping days after today", async () => {
    const { store } = server.core;
    assert.equal(first.seeded, true);
    assert.deepEqual(first.counts, { trainings: 5, inspections: 5, incidents: 5, demand: 24 });
    const again = await seedDemoRegisters({ store, clock });
    assert.equal(again.seeded, false);
    assert.equal((await store.registers.incidents.list({ units: { all: true }, limit: 100, offset: 0 })).rows.length, 5);
    const id = async (code: string) => (await store.units.findByCode(code))!.id;
    const lamThu2024 = [await id("SH-H-LAMTHU"), ...(await Promise.all(["SH-X-TTLAMTHU", "SH-X-DONGMAU", "SH-X-TANTHU", "SH-X-PHUMAU"].map(id)))];
    assert.deepEqual(await store.registers.trainings.trainingsIn(lamThu2024, 2024), { sessions: 2, peopleTrained: 21 });
    assert.deepEqual(await store.registers.inspections.inspectionsIn(lamThu2024, 2024), { count: 1, withFindings: 0 });
    const inc = await store.registers.incidents.incidentsIn(lamThu2024, 2024);
    assert.equal(inc.total, 1);
    assert.equal(inc.byKind.misuse, 1);
    // Closed on 6 January 2026: open at the end of 2025.
    const vanHa = await store.registers.incidents.incidentsIn([await id("SH-X-VANHA")], 2025);
    assert.deepEqual([vanHa.total, vanHa.open, vanHa.closed], [1, 1, 0]);
    const demand = await store.registers.demand.demandFor([await id("SH-SKHCN")], 2027);
    assert.deepEqual(demand.totals, { individual: 10, organization: 0, device: 2, usbToken: 4, simPki: 6, hsmSlot: 2 });
    assert.equal((await store.audit.forObject("unit", "SH")).filter((e) => e.action === "demo.registers").length, 1);
  });

  it("scopes the registers on the tree as it stood on each record's date", async () => {
    const { store } = server.core;
    const units = unitSourceFromStore(store.units);
    const registers = createRegisters({ store, units, scoper: createScoper(units), accessAudit: createAccessAudit({ store, clock }), clock });
    const id = async (code: string) => (await store.units.findByCode(code))!.id;
    const as = async (role: Role, code: string): Promise<CallContext> => ({ actor: { userId: 0, username: `${role}-${code}`, displayName: code, roles: [{ role, unitId: await id(code) }] }, requestId: null });
    const topics = async (ctx: CallContext, year?: number, unitId?: number) => (await registers.trainings.list(ctx, { year, unitId })).rows.map((r) => r.topic).sort();
    const LAM_THU_2024 = "Hướng dẫn ký số cho văn thư cấp xã";
    const AFTER_REFORM = "Chữ ký số cho chính quyền địa phương hai cấp sau sắp xếp";
    const SKHCN_2025 = "Bảo quản thiết bị lưu khóa (USB token), xử lý khi mất thiết bị";
    const STTTT_2024 = "Sử dụng chữ ký số trên văn bản điện tử và hệ thống quản lý văn bản";

    const province = await as("provincial_officer", "SH");
    assert.deepEqual(await topics(province, 2024), [LAM_THU_2024, STTTT_2024].sort());
    // A filter on the province reaches the districts and communes of 2024 too.
    assert.deepEqual(await topics(province, 2024, await id("SH")), [LAM_THU_2024, STTTT_2024].sort());
    const lamThu = (await registers.trainings.list(province, { year: 2024 })).rows.find((r) => r.topic === LAM_THU_2024)!;
    const page = await registers.trainings.get(province, lamThu.id);
    assert.equal(page.canEdit, true);
    assert.equal(page.names.get(await id("SH-X-DONGMAU"))?.name, "Ủy ban nhân dân xã Đồng Mẫu", "a unit merged away keeps its name of the time");
    // Saved again unchanged: the units are checked as they stood on the day of the training.
    const form = { unitId: String(lamThu.unitId), heldOn: lamThu.heldOn, topic: lamThu.topic, organiser: lamThu.organiser, participantUnit: lamThu.participants.map((p) => String(p.unitId)), participantPeople: lamThu.participants.map((p) => String(p.people)) };
    assert.equal((await registers.trainings.update(province, lamThu.id, { ...form, topic: "Hướng dẫn ký số cho văn thư cấp xã (bổ sung)" })).topic, "Hướng dẫn ký số cho văn thư cấp xã (bổ sung)");
    await registers.trainings.update(province, lamThu.id, form);

    // The commune created by the 2025 merger: only what concerned it, after it existed.
    const commune = await as("agency_focal_point", "SH-X-LAMTHU");
    assert.deepEqual(await topics(commune), [AFTER_REFORM]);
    await assert.rejects(registers.trainings.get(commune, lamThu.id), (e: Error & { code?: string }) => e.code === "NOT_FOUND");
    assert.ok((await store.audit.forObject("training", String(lamThu.id))).some((e) => e.actor === "web:agency_focal_point-SH-X-LAMTHU" && e.outcome === "refused"));

    // Science and Technology absorbed Information and Communications on 1 March 2025: not its 2024 training.
    const skhcn = await as("agency_focal_point", "SH-SKHCN");
    const seen = await topics(skhcn);
    assert.ok(seen.includes(SKHCN_2025) && !seen.includes(STTTT_2024), seen.join(" | "));
    // Demand of 2024 filed by the Lam Thử district is the province's, not the new commune's.
    assert.equal((await registers.demand.list(province, { year: 2024, unitId: await id("SH-H-LAMTHU") })).rows.length, 4);
    assert.equal((await registers.demand.list(commune, { year: 2024 })).rows.length, 0);
  });
});
