// `holiday list|add|remove` in a child process, as an operator runs them: the
// seeded year, adding a day and a compensating working Saturday (the year's
// working days follow), removing, and one-line refusals (duplicate, bad date,
// a working day on a weekday, a date not in the calendar, a bad year), each
// change and refusal audited as cli:<user>.
import { strict as assert } from "node:assert";
import knexFactory, { type Knex } from "knex";
import { forEachDatabase } from "../support/databases";
import { lastLine, runCli } from "../support/cli";
import { createStore, type Store } from "../../server/store/store";

forEachDatabase("CLI: holiday", (db) => {
  let env: NodeJS.ProcessEnv;
  let knex: Knex;
  let store: Store;
  const cli = (...args: string[]) => runCli(args, env);
  const refused = async (code: string, ...args: string[]) => {
    const r = await cli(...args);
    assert.equal(r.status, 1, `${args.join(" ")}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr.trim(), new RegExp(`^error \\[${code}\\]: `));
    assert.equal(r.stderr.trim().split("\n").length, 1);
  };

  before(async function () {
    this.timeout(60_000);
    env = db.env({ USER: "can-bo-so" });
    // The first command migrates the database (and seeds the calendar).
    const r = await cli("holiday", "list", "--year", "2026");
    assert.equal(r.status, 0, r.stderr);
    knex = knexFactory(db.knexConfig());
    store = createStore(knex);
  });

  after(async () => {
    await knex?.destroy();
  });

  it("lists a seeded year with its working days", async function () {
    this.timeout(30_000);
    const r = await cli("holiday", "list", "--year", "2026");
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^2026-02-17 T3 holiday {5}Tết Nguyên đán \(mùng 1\)$/m);
    assert.equal(lastLine(r.stdout), "2026: 12 entries, 250 working days");
    assert.equal(lastLine((await cli("holiday", "list", "--year", "2025")).stdout), "2025: 13 entries, 250 working days");
  });

  it("adds a day and a working Saturday, removes one, and audits each", async function () {
    this.timeout(30_000);
    let r = await cli("holiday", "add", "--date", "2026-09-01", "--name", "Quốc khánh (ngày liền kề)", "--reason", "Thông báo của Bộ Nội vụ");
    assert.equal(r.status, 0, r.stderr);
    assert.equal(lastLine(r.stdout), "added 2026-09-01 holiday Quốc khánh (ngày liền kề)");
    r = await cli("holiday", "add", "--date", "2026-09-12", "--kind", "working_day", "--name", "Làm bù cho thứ Ba 01/09/2026");
    assert.equal(r.status, 0, r.stderr);
    assert.equal(lastLine((await cli("holiday", "list", "--year", "2026")).stdout), "2026: 14 entries, 250 working days");
    r = await cli("holiday", "remove", "--date", "2026-09-12", "--reason", "nhập nhầm");
    assert.equal(r.status, 0, r.stderr);
    assert.equal(lastLine(r.stdout), "removed 2026-09-12 working_day Làm bù cho thứ Ba 01/09/2026");
    assert.equal(lastLine((await cli("holiday", "list", "--year", "2026")).stdout), "2026: 13 entries, 249 working days");
    const ok = (await store.audit.forObject("holiday", "2026-09-12")).filter((e) => e.outcome === "ok");
    assert.deepEqual(ok.map((e) => [e.action, e.actor, e.details?.justification]), [
      ["holidays.add", "cli:can-bo-so", "added from the command line"],
      ["holidays.remove", "cli:can-bo-so", "nhập nhầm"],
    ]);
    assert.equal((await store.holidays.find("2026-09-01"))!.createdBy, "cli:can-bo-so");
  });

  it("refuses with one line and a code, audited, and changes nothing", async function () {
    this.timeout(30_000);
    await refused("HOLIDAY_INVALID", "holiday", "add", "--date", "2026-02-17", "--name", "Trùng");
    await refused("HOLIDAY_INVALID", "holiday", "add", "--date", "2026-02-30", "--name", "Ngày sai");
    await refused("HOLIDAY_INVALID", "holiday", "add", "--date", "2026-12-02", "--kind", "working_day", "--name", "Thứ Tư");
    await refused("HOLIDAY_INVALID", "holiday", "add", "--date", "2026-12-05", "--kind", "day_off", "--name", "Sai loại");
    await refused("HOLIDAY_INVALID", "holiday", "remove", "--date", "2026-12-09");
    await refused("INPUT_INVALID", "holiday", "list", "--year", "26");
    const reasons = async (date: string) => (await store.audit.forObject("holiday", date)).filter((e) => e.outcome === "refused" && e.actor === "cli:can-bo-so").map((e) => e.details?.reason);
    assert.deepEqual(await reasons("2026-02-17"), ["duplicate"]);
    assert.deepEqual(await reasons("2026-12-02"), ["working_day_not_weekend"]);
    assert.deepEqual(await reasons("2026-12-05"), ["bad_kind"]);
    assert.deepEqual(await reasons("2026-12-09"), ["not_found"]);
    assert.equal((await store.holidays.find("2026-02-17"))!.name, "Tết Nguyên đán (mùng 1)");
    assert.equal(await store.holidays.find("2026-12-02"), null);
  });
});
