// The demo province's registers (DEMO=1): seeded once on the units as they stood
// on each date, nothing twice on a second start, nothing dated after today, and
// the report figures of a district (with its communes, 2024) and of the
// province's departments read back what was seeded.
import { strict as assert } from "node:assert";
import { forEachDatabase } from "../support/databases";
import { startTestServer, TestServer } from "../support/app";
import { seedDemoProvince } from "../../server/demo/demo-province";
import { seedDemoRegisters } from "../../server/demo/demo-registers";

forEachDatabase("register demo data", (db) => {
  let server: TestServer;

  before(async function () {
    this.timeout(60_000);
    server = await startTestServer(db);
    await seedDemoProvince({ store: server.core.store, clock: () => new Date() });
  });

  after(async () => {
    await server?.close();
  });

  it("seeds the demo registers once, skipping days after today", async () => {
    const { store } = server.core;
    // As if today were 1 October 2026: the incident of 15 October 2026 has not happened yet.
    const clock = () => new Date("2026-10-01T03:00:00Z");
    const first = await seedDemoRegisters({ store, clock });
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
});
