// Deadlines per request type on the calendar in the database (both databases,
// seeded by the migrations): the configured working days per type, the status of
// a deadline (overdue, due today, on time, done), and the in-memory calendar:
// an edit here is seen at once, one made by another process within 60 s.
import { strict as assert } from "node:assert";
import knexFactory, { type Knex } from "knex";
import { forEachDatabase } from "../../support/databases";
import { defaults } from "../../../server/config/defaults";
import { createHolidayService } from "../../../server/ra/holiday-service";
import { createSla, CALENDAR_MAX_AGE_MS } from "../../../server/ra/sla";
import { migrateLatest } from "../../../server/store/migrate";
import { createStore, type Store } from "../../../server/store/store";

const config = { sla: defaults.sla };
const vn = (date: string, time = "09:00") => new Date(`${date}T${time}:00+07:00`);

forEachDatabase("SLA deadlines", (db) => {
  let knex: Knex;
  let store: Store;
  let now = vn("2026-08-20");
  const clock = () => now;

  before(async function () {
    this.timeout(60_000);
    knex = knexFactory(db.knexConfig());
    await migrateLatest(knex);
    store = createStore(knex);
  });

  after(async () => {
    await knex?.destroy();
  });

  it("gives each request type its configured working days", async () => {
    const sla = createSla({ store, config, clock });
    const received = vn("2026-02-12", "14:00"); // Thursday before Tết Bính Ngọ
    assert.equal(await sla.dueDate("token_recovery", received), "2026-02-13");
    assert.equal(await sla.dueDate("new_individual", received), "2026-02-24");
    assert.equal(await sla.dueDate("new_device", received), "2026-02-24");
    assert.equal(await sla.dueDate("revocation", received), "2026-02-24");
    assert.equal(await sla.dueDate("token_return", received), "2026-02-26");
    const longer = createSla({ store, config: { sla: { ...config.sla, newCertificate: 10 } }, clock });
    assert.equal(await longer.dueDate("new_organization", received), "2026-03-05");
    assert.equal(await sla.workingDaysBetween(received, vn("2026-02-24")), 3);
  });

  it("tells overdue, due today, on time and done by the Vietnam date", () => {
    const sla = createSla({ store, config, clock });
    assert.equal(sla.status("2026-02-24", vn("2026-02-23", "23:59")), "on_time");
    assert.equal(sla.status("2026-02-24", vn("2026-02-24", "00:00")), "due_today");
    assert.equal(sla.status("2026-02-24", vn("2026-02-24", "23:59")), "due_today");
    assert.equal(sla.status("2026-02-24", vn("2026-02-25", "00:00")), "overdue");
    // 17:30 UTC on the 24th is already the 25th in Hà Nội.
    assert.equal(sla.status("2026-02-24", new Date("2026-02-24T17:30:00Z")), "overdue");
    assert.equal(sla.status("2026-02-24", vn("2026-03-30"), vn("2026-03-01")), "done");
    assert.equal(sla.status("2026-02-24", vn("2026-03-30"), null), "overdue");
  });

  it("sees an edit made through it at once, and another process's edit within 60 s", async () => {
    const sla = createSla({ store, config, clock });
    const service = createHolidayService({ store, clock, onChange: sla.invalidate });
    const received = vn("2026-08-28"); // Friday; Wed 2/9 and Thu 3/9 are off
    assert.equal(await sla.dueDate("revocation", received), "2026-09-04");
    await service.add({ actor: "test:sla" }, { date: "2026-09-01", kind: "holiday", name: "Quốc khánh (ngày liền kề)", justification: "thông báo chính thức" });
    assert.equal(await sla.dueDate("revocation", received), "2026-09-07");

    // Another process (a second store, no link to this cache) removes it again.
    const other = createHolidayService({ store: createStore(knex), clock });
    await other.remove({ actor: "test:other" }, "2026-09-01", "nhập nhầm");
    assert.equal(await sla.dueDate("revocation", received), "2026-09-07", "still the cached calendar");
    now = new Date(now.getTime() + CALENDAR_MAX_AGE_MS + 1000);
    assert.equal(await sla.dueDate("revocation", received), "2026-09-04", "reloaded after 60 s");
  });

  it("loads the calendar once for many requests at the same time", async () => {
    let loads = 0;
    const counting = { holidays: { ...store.holidays, all: async () => (loads++, store.holidays.all()) } };
    const sla = createSla({ store: counting, config, clock });
    const dues = await Promise.all(Array.from({ length: 50 }, () => sla.dueDate("new_individual", vn("2025-01-24"))));
    assert.deepEqual(new Set(dues), new Set(["2025-02-05"]));
    assert.equal(loads, 1);
  });
});
