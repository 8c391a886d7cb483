// The holiday calendar pages over real HTTP: every role reads /holidays (seeded
// Tết Bính Ngọ, working-day count of the year), only admin and the provincial
// officer see and use the forms; adding, changing and removing a day changes
// the year's working days and is audited with the reason; bad date, duplicate,
// year out of range, a working day on a weekday and a missing reason are refused
// in Vietnamese and audited; other roles get 403 (audited) and change nothing.
import { strict as assert } from "node:assert";
import { forEachDatabase } from "../support/databases";
import { startTestServer, TestServer } from "../support/app";
import { PASSWORD, seedAccessFixture } from "../support/access-fixture";
import { WebClient } from "../support/web-client";

type Who = "admin" | "operator" | "provincial" | "focal_a" | "focal_b" | "oversight";
const EVERYONE: Who[] = ["admin", "operator", "provincial", "focal_a", "focal_b", "oversight"];
const MANAGERS: Who[] = ["admin", "provincial"];

// The pages allow editing last year to five years ahead: run "in" November 2026 whatever the real date.
const OFFSET = Date.parse("2026-11-23T03:00:00Z") - Date.now();
const clock = () => new Date(Date.now() + OFFSET);

forEachDatabase("holiday pages", (db) => {
  let server: TestServer;
  const clients = {} as Record<Who, WebClient>;

  before(async function () {
    this.timeout(90_000);
    server = await startTestServer(db, {}, clock);
    await seedAccessFixture(server, db.dataDir);
    for (const who of EVERYONE) {
      clients[who] = new WebClient(server.url);
      assert.equal((await clients[who].signIn(who, PASSWORD)).status, 303, `${who} signs in`);
    }
  });

  after(async () => {
    await server?.close();
  });

  const workingDays = (html: string) => Number(/<dt>Số ngày làm việc trong năm<\/dt><dd>([\d.]+)<\/dd>/.exec(html)?.[1]?.replace(/\./g, ""));
  const audit = (date: string) => server.core.store.audit.forObject("holiday", date);

  it("shows every role the year's calendar and the link; only managers get the forms", async () => {
    for (const who of EVERYONE) {
      const r = await clients[who].get("/holidays?year=2026");
      assert.equal(r.status, 200, who);
      assert.ok(r.text.includes("Tết Nguyên đán (mùng 1)") && r.text.includes('datetime="2026-02-17"'), who);
      assert.equal(workingDays(r.text), 250, `${who}: 261 weekdays − 11 days off`);
      assert.ok(r.text.includes('href="/holidays"'), `${who} nav`);
      assert.equal(r.text.includes('method="post" action="/holidays"'), MANAGERS.includes(who), `${who} add form`);
      assert.equal(r.text.includes('action="/holidays/2026-02-17/delete"'), MANAGERS.includes(who), `${who} remove form`);
    }
    const y2025 = await clients.oversight.get("/holidays?year=2025");
    assert.ok(y2025.text.includes("Ngày làm bù") && y2025.text.includes('datetime="2025-04-26"'));
    assert.equal(workingDays(y2025.text), 250);
    assert.equal((await clients.admin.get("/holidays")).status, 200);
    assert.ok((await clients.admin.get("/holidays?lang=en")).text.includes("Holiday calendar 2026"));
    await clients.admin.get("/holidays?lang=vi");
    // Outside 2000–2100, or not a year: refused.
    assert.equal((await clients.admin.get("/holidays?year=1999")).status, 400);
    assert.equal((await clients.admin.get("/holidays?year=abc")).status, 400);
    // Years outside the editable window are shown without forms.
    const old = await clients.admin.get("/holidays?year=2024");
    assert.ok(!old.text.includes('method="post" action="/holidays"') && old.text.includes("Chỉ sửa được lịch các năm từ 2025 đến 2031."));
  });

  it("sends a signed-out visitor to the sign-in page", async () => {
    const r = await new WebClient(server.url).get("/holidays?year=2026");
    assert.equal(r.status, 303);
    assert.match(r.location ?? "", /^\/login\?next=/);
  });

  it("adds, changes and removes a day; the year's working days follow; each change audited with its reason", async () => {
    const admin = clients.admin;
    await admin.get("/holidays?year=2026");
    const added = await admin.post("/holidays", { date: "2026-09-01", kind: "holiday", name: "Quốc khánh (nghỉ thêm)", justification: "Thông báo của Bộ Nội vụ" });
    assert.equal(added.status, 303, added.text.slice(0, 300));
    assert.equal(added.location, "/holidays?year=2026&done=added");
    let page = await admin.get(added.location!);
    assert.ok(page.text.includes("Đã thêm ngày vào lịch.") && page.text.includes("Quốc khánh (nghỉ thêm)"));
    assert.equal(workingDays(page.text), 249);

    const provincial = clients.provincial;
    await provincial.get("/holidays?year=2026");
    const edited = await provincial.post("/holidays/2026-09-01", { kind: "holiday", name: "Quốc khánh (ngày liền kề)", justification: "Sửa tên theo thông báo" });
    assert.equal(edited.status, 303);
    page = await provincial.get("/holidays?year=2026");
    assert.ok(page.text.includes("Quốc khánh (ngày liền kề)</td>") && !page.text.includes("nghỉ thêm"));

    // A Saturday worked by notice adds a working day.
    await provincial.post("/holidays", { date: "2026-09-12", kind: "working_day", name: "Làm bù cho thứ Ba 01/09/2026", justification: "Thông báo hoán đổi" });
    assert.equal(workingDays((await provincial.get("/holidays?year=2026")).text), 250);

    const removed = await admin.post("/holidays/2026-09-12/delete", { justification: "Thông báo đã được thu hồi" });
    assert.equal(removed.status, 303);
    assert.equal(workingDays((await admin.get("/holidays?year=2026")).text), 249);

    const entries = (await audit("2026-09-01")).filter((e) => e.outcome === "ok");
    assert.deepEqual(entries.map((e) => [e.action, e.actor]), [["holidays.add", "web:admin"], ["holidays.edit", "web:provincial"]]);
    assert.equal(entries[0]!.details?.justification, "Thông báo của Bộ Nội vụ");
    assert.deepEqual(entries[1]!.details?.before, { kind: "holiday", name: "Quốc khánh (nghỉ thêm)" });
    const gone = (await audit("2026-09-12")).filter((e) => e.outcome === "ok").map((e) => e.action);
    assert.deepEqual(gone, ["holidays.add", "holidays.remove"]);
  });

  it("refuses bad input with a Vietnamese message and audits each refusal", async () => {
    const admin = clients.admin;
    await admin.get("/holidays?year=2026");
    const cases: Array<{ form: Record<string, string>; status: number; text: string; reason: string; objectId: string | null }> = [
      { form: { date: "2026-02-30", name: "Ngày sai", justification: "thử" }, status: 400, text: "Ngày không hợp lệ", reason: "bad_date", objectId: null },
      { form: { date: "2026-02-17", name: "Trùng", justification: "thử lại" }, status: 409, text: "Ngày 2026-02-17 đã có trong lịch.", reason: "duplicate", objectId: "2026-02-17" },
      { form: { date: "2040-01-01", name: "Quá xa", justification: "thử lại" }, status: 400, text: "chỉ sửa được lịch các năm từ 2025 đến 2031", reason: "year_out_of_range", objectId: "2040-01-01" },
      { form: { date: "2026-12-02", kind: "working_day", name: "Làm bù", justification: "thử lại" }, status: 400, text: "Ngày làm bù phải là thứ Bảy hoặc Chủ nhật.", reason: "working_day_not_weekend", objectId: "2026-12-02" },
      { form: { date: "2026-12-03", name: "Không lý do", justification: "" }, status: 400, text: "Hãy nhập lý do thay đổi", reason: "bad_justification", objectId: "2026-12-03" },
    ];
    for (const c of cases) {
      const r = await admin.post("/holidays", c.form);
      assert.equal(r.status, c.status, c.reason);
      assert.ok(r.text.includes(c.text), `${c.reason}: ${/id="form-error">([^<]*)/.exec(r.text)?.[1]}`);
      const refused = c.objectId ? (await audit(c.objectId)).filter((e) => e.outcome === "refused") : (await server.core.store.audit.recent(5)).filter((e) => e.objectType === "holiday" && e.outcome === "refused");
      assert.ok(refused.some((e) => e.details?.reason === c.reason && e.actor === "web:admin" && e.action === "holidays.add"), `${c.reason} audited`);
    }
    assert.equal(await server.core.store.holidays.find("2026-12-02"), null);
    assert.equal((await server.core.store.holidays.find("2026-02-17"))!.name, "Tết Nguyên đán (mùng 1)");
    // Changing or removing a day that is not there.
    const missing = await admin.post("/holidays/2026-12-09/delete", { justification: "không có" });
    assert.equal(missing.status, 404);
    assert.ok(missing.text.includes("Ngày 2026-12-09 không có trong lịch."));
  });

  it("forbids everyone else (403, audited) and changes nothing", async () => {
    for (const who of ["operator", "focal_a", "oversight"] as Who[]) {
      const c = clients[who];
      await c.get("/holidays?year=2026");
      assert.equal((await c.post("/holidays", { date: "2026-12-24", name: "Không được", justification: "thử quyền" })).status, 403, who);
      assert.equal((await c.post("/holidays/2026-02-17/delete", { justification: "thử quyền" })).status, 403, who);
      assert.equal((await c.post("/holidays/2026-02-17", { name: "Đổi tên", justification: "thử quyền" })).status, 403, who);
      const denied = (await audit("2026-02-17")).filter((e) => e.outcome === "refused" && e.actor === `web:${who}`).map((e) => [e.action, e.details?.reason]);
      assert.deepEqual(denied, [["holidays.remove", "forbidden"], ["holidays.edit", "forbidden"]], who);
      assert.ok((await audit("2026-12-24")).some((e) => e.outcome === "refused" && e.actor === `web:${who}` && e.action === "holidays.add"), who);
    }
    assert.equal(await server.core.store.holidays.find("2026-12-24"), null);
    assert.equal((await server.core.store.holidays.find("2026-02-17"))!.name, "Tết Nguyên đán (mùng 1)");
    // A form without the CSRF token is refused before anything else.
    assert.equal((await clients.admin.post("/holidays", { date: "2026-12-24", name: "Không CSRF", justification: "thử" }, false)).status, 403);
  });
});
