// The report registers over real HTTP (issue 6): every role × the list and form
// pages; trainings, inspections, incidents and demand created and edited through
// their forms, each refusal with its Vietnamese per-field message, values kept,
// nothing written and the refusal audited; lists filtered by year, unit subtree
// and state; scoping (agency B's focal point neither sees nor edits agency A's
// records: 404, audited; a record concerning another agency is read-only: 403);
// and the report aggregates on a small known set.
import { strict as assert } from "node:assert";
import { forEachDatabase } from "../support/databases";
import { startTestServer, TestServer } from "../support/app";
import { AccessFixture, PASSWORD, seedAccessFixture } from "../support/access-fixture";
import { WebClient } from "../support/web-client";

type Who = "admin" | "operator" | "provincial" | "focal_a" | "focal_b" | "oversight";
const EVERYONE: Who[] = ["admin", "operator", "provincial", "focal_a", "focal_b", "oversight"];
const KINDS = ["trainings", "inspections", "incidents", "demand"] as const;

const idFrom = (location: string | null, kind: string) => {
  const m = new RegExp(`^/registers/${kind}/(\\d+)$`).exec(location ?? "");
  assert.ok(m, `redirect to the new record, got ${location}`);
  return Number(m[1]);
};
/** POSTs a form with repeated fields (a training's rows), as a browser sends it, with the client's cookies and CSRF token. */
async function postPairs(c: WebClient, path: string, pairs: Array<[string, string]>): Promise<{ status: number; location: string | null; text: string }> {
  const res = await fetch(c.baseUrl + path, {
    method: "POST",
    redirect: "manual",
    headers: { accept: "text/html", "content-type": "application/x-www-form-urlencoded", cookie: [...c.cookies].map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join("; ") },
    body: new URLSearchParams([["_csrf", c.csrf ?? ""], ...pairs]).toString(),
  });
  return { status: res.status, location: res.headers.get("location"), text: await res.text() };
}
const unescape = (s: string) => s.replace(/&amp;/g, "&").replace(/&#x27;/g, "'").replace(/&quot;/g, '"').replace(/&#x3D;/g, "=");

forEachDatabase("register pages", (db) => {
  let server: TestServer;
  let fx: AccessFixture;
  const clients = {} as Record<Who, WebClient>;

  before(async function () {
    this.timeout(90_000);
    server = await startTestServer(db);
    fx = await seedAccessFixture(server, db.dataDir);
    for (const who of EVERYONE) {
      clients[who] = new WebClient(server.url);
      assert.equal((await clients[who].signIn(who, PASSWORD)).status, 303, `${who} signs in`);
    }
  });

  after(async () => {
    await server?.close();
  });

  /** Refusals of `action` by `actor` in the audit log (a refused create has no object id). */
  const refusals = async (action: string, actor: string) => (await server.core.store.auditQueries.list({ actionPrefix: action, actor, outcome: "refused", limit: 500 })).rows.filter((e) => e.action === action);
  const count = async (kind: "trainings" | "incidents" | "demand") => (await server.core.store.registers[kind].list({ units: { all: true }, limit: 10_000, offset: 0 })).rows.length;

  it("answers every role: lists for all, forms for those who keep the registers, 404 for an unknown register", async () => {
    const wrong: string[] = [];
    const keepers: Who[] = ["admin", "provincial", "focal_a", "focal_b"];
    for (const who of EVERYONE) {
      for (const path of ["/registers", ...KINDS.map((k) => `/registers/${k}`)]) {
        const r = await clients[who].get(path);
        if (r.status !== 200) wrong.push(`${who} ${path}: ${r.status}`);
      }
      for (const k of KINDS) {
        const r = await clients[who].get(`/registers/${k}/new`);
        const expect = keepers.includes(who) ? 200 : 403;
        if (r.status !== expect) wrong.push(`${who} /registers/${k}/new: ${r.status}, expected ${expect}`);
      }
      if ((await clients[who].get("/registers/bogus")).status !== 404) wrong.push(`${who} bogus`);
      if (!(await clients[who].get("/dashboard")).text.includes('href="/registers"')) wrong.push(`${who} nav link`);
    }
    assert.deepEqual(wrong, []);
    assert.equal((await clients.admin.get("/registers/trainings?year=abc")).status, 400);
    assert.equal((await clients.admin.get("/registers/incidents?state=bogus")).status, 400);
    const anon = new WebClient(server.url);
    assert.equal((await anon.get("/registers/trainings")).status, 303);
  });

  it("records a training with its units trained, refusing bad fields with Vietnamese messages and keeping the values", async () => {
    const c = clients.focal_a;
    await c.get("/registers/trainings/new");
    const before = await count("trainings");
    const bad = await c.post("/registers/trainings/new", { unitId: String(fx.units.DEPT_A), heldOn: "31/02/2025", topic: "Ký số văn bản <b>điện tử</b>", organiser: "", participantUnit: String(fx.units.DEPT_A), participantPeople: "0" });
    assert.equal(bad.status, 400);
    const text = unescape(bad.text);
    assert.ok(text.includes("Ngày tập huấn: không phải ngày hợp lệ"), "date message");
    assert.ok(text.includes("Đơn vị tổ chức: bắt buộc"), "organiser message");
    assert.ok(text.includes("Số người được tập huấn (dòng 1): phải từ 1 đến 100000"), "people message");
    assert.ok(bad.text.includes("&lt;b&gt;điện tử&lt;/b&gt;"), "the topic is kept, escaped");
    assert.equal(await count("trainings"), before, "nothing written");
    const refused = await refusals("training.create", "web:focal_a");
    assert.ok(refused.some((e) => e.details?.code === "REGISTER_INVALID" && typeof (e.details?.fields as Record<string, string>)?.organiser === "string"), "the refusal is audited with its fields");

    // The same unit twice, a future date.
    const twice = await postPairs(c, "/registers/trainings/new", [["unitId", String(fx.units.DEPT_A)], ["heldOn", "2099-01-01"], ["topic", "T"], ["organiser", "Sở TT&TT"], ["participantUnit", String(fx.units.DEPT_A)], ["participantPeople", "3"], ["participantUnit", String(fx.units.DEPT_A)], ["participantPeople", "4"]]);
    assert.equal(twice.status, 400);
    assert.ok(unescape(twice.text).includes("Ngày tập huấn: không được sau ngày hôm nay"));
    assert.ok(unescape(twice.text).includes("Đơn vị được tập huấn: dòng 2 trùng đơn vị với dòng 1"));

    const ok = await c.request("POST", "/registers/trainings/new", undefined, {});
    assert.equal(ok.status, 403, "no CSRF token: refused");
    const res = await postPairs(c, "/registers/trainings/new", [["unitId", String(fx.units.DEPT_A)], ["heldOn", "15/03/2025"], ["topic", "Sử dụng chữ ký số trên văn bản điện tử"], ["organiser", "Sở Thông tin và Truyền thông"], ["participantUnit", String(fx.units.DEPT_A)], ["participantPeople", "12"], ["participantUnit", String(fx.units.COMMUNE_A1)], ["participantPeople", "8"], ["participantUnit", ""], ["participantPeople", ""]]);
    assert.equal(res.status, 303);
    const id = idFrom(res.location, "trainings");
    const page = await c.get(`/registers/trainings/${id}`);
    assert.equal(page.status, 200);
    assert.ok(page.text.includes("15/03/2025") && page.text.includes("Sử dụng chữ ký số") && page.text.includes("UBND xã Hy Cương: 8"));
    const rec = await server.core.store.registers.trainings.findById(id);
    assert.deepEqual(rec?.participants, [{ unitId: fx.units.DEPT_A, people: 12 }, { unitId: fx.units.COMMUNE_A1, people: 8 }].sort((a, b) => a.unitId - b.unitId));
    assert.equal(rec?.heldOn, "2025-03-15");

    // Edit: another topic; the audit entry holds only what changed.
    await c.get(`/registers/trainings/${id}/edit`);
    const edited = await c.post(`/registers/trainings/${id}/edit`, { unitId: String(fx.units.DEPT_A), heldOn: "2025-03-15", topic: "Ký số trên điện thoại (SIM-PKI)", organiser: "Sở Thông tin và Truyền thông", participantUnit: String(fx.units.DEPT_A), participantPeople: "12" });
    assert.equal(edited.status, 303);
    const entries = await server.core.store.audit.forObject("training", String(id));
    const create = entries.find((e) => e.action === "training.create" && e.outcome === "ok");
    const update = entries.find((e) => e.action === "training.update" && e.outcome === "ok");
    assert.ok(create && update, "create and update audited");
    assert.deepEqual(Object.keys(update.after ?? {}).sort(), ["participants", "topic"]);
    assert.equal((update.after as Record<string, unknown>).topic, "Ký số trên điện thoại (SIM-PKI)");
    // An invalid edit is refused, audited, and changes nothing.
    const badEdit = await c.post(`/registers/trainings/${id}/edit`, { unitId: String(fx.units.DEPT_A), heldOn: "", topic: "x", organiser: "y", participantUnit: String(fx.units.DEPT_A), participantPeople: "1" });
    assert.equal(badEdit.status, 400);
    assert.ok(unescape(badEdit.text).includes("Ngày tập huấn: bắt buộc"));
    assert.ok((await server.core.store.audit.forObject("training", String(id))).some((e) => e.action === "training.update" && e.outcome === "refused"));
    assert.equal((await server.core.store.registers.trainings.findById(id))?.topic, "Ký số trên điện thoại (SIM-PKI)");
  });

  it("keeps agency B's focal point out of agency A's records (404, audited) and A's out of a record concerning B (403)", async () => {
    const { store } = server.core;
    const now = new Date();
    const aTraining = await store.registers.trainings.insert({ unitId: fx.units.DEPT_A, heldOn: "2025-05-05", topic: "Tập huấn riêng của Sở Tài chính", organiser: "Sở Tài chính", notes: null, participants: [{ unitId: fx.units.COMMUNE_A1, people: 5 }] }, now);
    const aIncident = await store.registers.incidents.insert({ unitId: fx.units.COMMUNE_A1, kind: "lost_key", occurredOn: "2025-06-01", description: "Mất USB token của văn thư", handling: null, state: "open", closedOn: null }, now);
    const shared = await store.registers.trainings.insert({ unitId: fx.units.PROV, heldOn: "2025-07-07", topic: "Tập huấn chung toàn tỉnh", organiser: "Sở TT&TT", notes: null, participants: [{ unitId: fx.units.DEPT_A, people: 3 }, { unitId: fx.units.DEPT_B, people: 4 }] }, now);
    const b = clients.focal_b;
    for (const path of [`/registers/trainings/${aTraining}`, `/registers/trainings/${aTraining}/edit`, `/registers/incidents/${aIncident}`, `/registers/incidents/${aIncident}/edit`]) assert.equal((await b.get(path)).status, 404, path);
    await b.get("/registers/incidents/new");
    assert.equal((await b.post(`/registers/incidents/${aIncident}/edit`, { unitId: String(fx.units.DEPT_B), kind: "other", occurredOn: "2025-06-01", description: "x", state: "open" })).status, 404);
    assert.equal((await store.registers.incidents.findById(aIncident))?.unitId, fx.units.COMMUNE_A1, "unchanged");
    const denied = (await store.audit.forObject("incident", String(aIncident))).filter((e) => e.actor === "web:focal_b" && e.outcome === "refused");
    assert.ok(denied.some((e) => e.details?.reason === "out_of_scope"), "out-of-scope access audited");
    // B cannot record under A's unit either: 404, audited, nothing written.
    const before = await count("incidents");
    assert.equal((await b.post("/registers/incidents/new", { unitId: String(fx.units.DEPT_A), kind: "other", occurredOn: "2025-06-01", description: "x", state: "open" })).status, 404);
    assert.equal(await count("incidents"), before);
    assert.ok((await store.audit.forObject("unit", String(fx.units.DEPT_A))).some((e) => e.actor === "web:focal_b" && e.action === "incident.create" && e.outcome === "refused"));
    // Lists: B sees the shared training but none of A's own records; A sees both.
    const bList = (await b.get("/registers/trainings")).text;
    assert.ok(bList.includes(`data-record="${shared}"`) && !bList.includes(`data-record="${aTraining}"`));
    assert.ok(!(await b.get("/registers/incidents")).text.includes(`data-record="${aIncident}"`));
    const aList = (await clients.focal_a.get("/registers/trainings")).text;
    assert.ok(aList.includes(`data-record="${shared}"`) && aList.includes(`data-record="${aTraining}"`));
    // The shared training concerns B too: A reads it but may not change it.
    assert.equal((await clients.focal_a.get(`/registers/trainings/${shared}`)).status, 200);
    assert.ok(!(await clients.focal_a.get(`/registers/trainings/${shared}`)).text.includes(`/registers/trainings/${shared}/edit`));
    assert.equal((await clients.focal_a.get(`/registers/trainings/${shared}/edit`)).status, 403);
    assert.equal((await clients.provincial.get(`/registers/trainings/${shared}/edit`)).status, 200);
    // Oversight reads everything, changes nothing.
    assert.equal((await clients.oversight.get(`/registers/incidents/${aIncident}`)).status, 200);
    assert.equal((await clients.oversight.get(`/registers/incidents/${aIncident}/edit`)).status, 403);
    // A unit filter outside the scope is not found.
    assert.equal((await b.get(`/registers/trainings?unit=${fx.units.DEPT_A}`)).status, 404);
  });

  it("records inspections: a finding needs a follow-up", async () => {
    const c = clients.provincial;
    await c.get("/registers/inspections/new");
    const bad = await c.post("/registers/inspections/new", { unitId: String(fx.units.DEPT_B), inspectedOn: "2025-09-10", inspector: "Đoàn kiểm tra Sở TT&TT", hasFindings: "1", findings: "Một cán bộ để USB token tại máy dùng chung", followUp: "" });
    assert.equal(bad.status, 400);
    assert.ok(unescape(bad.text).includes("Yêu cầu khắc phục, theo dõi: bắt buộc"));
    assert.ok(bad.text.includes('name="hasFindings" value="1" checked'), "the box stays ticked");
    const ok = await c.post("/registers/inspections/new", { unitId: String(fx.units.DEPT_B), inspectedOn: "2025-09-10", inspector: "Đoàn kiểm tra Sở TT&TT", hasFindings: "1", findings: "Một cán bộ để USB token tại máy dùng chung", followUp: "Nhắc nhở, kiểm tra lại sau 30 ngày" });
    assert.equal(ok.status, 303);
    const id = idFrom(ok.location, "inspections");
    const rec = await server.core.store.registers.inspections.findById(id);
    assert.equal(rec?.hasFindings, true);
    assert.ok((await clients.focal_b.get(`/registers/inspections/${id}`)).text.includes("Nhắc nhở, kiểm tra lại sau 30 ngày"));
    assert.equal((await clients.focal_a.get(`/registers/inspections/${id}`)).status, 404);
    // Untick the box: no finding, follow-up optional.
    await c.get(`/registers/inspections/${id}/edit`);
    assert.equal((await c.post(`/registers/inspections/${id}/edit`, { unitId: String(fx.units.DEPT_B), inspectedOn: "2025-09-10", inspector: "Đoàn kiểm tra", findings: "Không phát hiện sai sót", followUp: "" })).status, 303);
    assert.equal((await server.core.store.registers.inspections.findById(id))?.hasFindings, false);
  });

  it("records incidents: closing needs a closing date (not before it occurred) and the handling; filters by state", async () => {
    const c = clients.focal_b;
    await c.get("/registers/incidents/new");
    const bad = await c.post("/registers/incidents/new", { unitId: String(fx.units.DEPT_B), kind: "compromised_key", occurredOn: "2025-04-02", description: "Nghi lộ mã PIN", state: "closed", closedOn: "", handling: "" });
    assert.equal(bad.status, 400);
    const t = unescape(bad.text);
    assert.ok(t.includes("Ngày đóng: bắt buộc") && t.includes("Biện pháp xử lý: bắt buộc"));
    const early = await c.post("/registers/incidents/new", { unitId: String(fx.units.DEPT_B), kind: "compromised_key", occurredOn: "2025-04-02", description: "Nghi lộ mã PIN", state: "closed", closedOn: "2025-04-01", handling: "Thu hồi" });
    assert.ok(unescape(early.text).includes("Ngày đóng: không được trước ngày xảy ra"));
    const openDated = await c.post("/registers/incidents/new", { unitId: String(fx.units.DEPT_B), kind: "outage", occurredOn: "2025-04-02", description: "Mất kết nối OCSP", state: "open", closedOn: "2025-04-03" });
    assert.ok(unescape(openDated.text).includes("Ngày đóng: chỉ ghi khi sự cố đã đóng"));
    const kindBad = await c.post("/registers/incidents/new", { unitId: String(fx.units.DEPT_B), kind: "theft", occurredOn: "2025-04-02", description: "x", state: "open" });
    assert.ok(unescape(kindBad.text).includes("Loại sự cố: chọn"));
    const ok = await c.post("/registers/incidents/new", { unitId: String(fx.units.DEPT_B), kind: "compromised_key", occurredOn: "2025-04-02", description: "Nghi lộ mã PIN", state: "closed", closedOn: "2025-04-03", handling: "Thu hồi chứng thư số, cấp mới" });
    assert.equal(ok.status, 303);
    const closed = idFrom(ok.location, "incidents");
    const open = idFrom((await c.post("/registers/incidents/new", { unitId: String(fx.units.DEPT_B), kind: "outage", occurredOn: "2025-04-05", description: "Mất kết nối OCSP", state: "open" })).location, "incidents");
    const list = async (q: string) => [...(await c.get(`/registers/incidents?${q}`)).text.matchAll(/data-record="(\d+)"/g)].map((m) => Number(m[1]));
    assert.ok((await list("state=open")).includes(open) && !(await list("state=open")).includes(closed));
    assert.ok((await list("state=closed&year=2025")).includes(closed));
    assert.deepEqual((await list("year=2024")).filter((id) => id === open || id === closed), []);
    const en = await c.get(`/registers/incidents/${closed}?lang=en`);
    assert.ok(en.text.includes("Compromised private key") && en.text.includes("Date closed"));
  });

  it("records next-year demand, one line per unit and quarter (a second is refused, 409, audited)", async () => {
    const c = clients.focal_a;
    await c.get("/registers/demand/new");
    const line = { unitId: String(fx.units.DEPT_A), year: "2026", quarter: "2", individual: "10", organization: "1", device: "2", usbToken: "8", simPki: "2", hsmSlot: "0" };
    const bad = await c.post("/registers/demand/new", { ...line, quarter: "5", individual: "-1", usbToken: "" });
    assert.equal(bad.status, 400);
    const t = unescape(bad.text);
    assert.ok(t.includes("Quý: chọn quý 1, 2, 3 hoặc 4") && t.includes("Chứng thư số cá nhân: phải là số nguyên không âm") && t.includes("USB token: bắt buộc"));
    const ok = await c.post("/registers/demand/new", line);
    assert.equal(ok.status, 303);
    const id = idFrom(ok.location, "demand");
    const dup = await c.post("/registers/demand/new", { ...line, individual: "99" });
    assert.equal(dup.status, 409);
    assert.ok(unescape(dup.text).includes("Quý 2 năm 2026: đơn vị đã có dòng nhu cầu cho quý này"));
    assert.ok((await refusals("demand.create", "web:focal_a")).some((e) => e.details?.code === "REGISTER_DUPLICATE"), "duplicate audited");
    const rec = await server.core.store.registers.demand.findById(id);
    assert.equal(rec?.individual, 10);
    // Moving another line onto the same quarter by editing is refused too.
    const other = idFrom((await c.post("/registers/demand/new", { ...line, quarter: "3" })).location, "demand");
    await c.get(`/registers/demand/${other}/edit`);
    assert.equal((await c.post(`/registers/demand/${other}/edit`, { ...line, quarter: "2" })).status, 409);
    assert.equal((await c.post(`/registers/demand/${other}/edit`, { ...line, quarter: "3", individual: "4" })).status, 303);
    assert.equal((await server.core.store.registers.demand.findById(other))?.individual, 4);
    // Lists by demand year and by unit subtree.
    const ids = async (q: string) => [...(await clients.provincial.get(`/registers/demand?${q}`)).text.matchAll(/data-record="(\d+)"/g)].map((m) => Number(m[1]));
    assert.ok((await ids(`year=2026&unit=${fx.units.DEPT_A}`)).includes(id));
    assert.ok(!(await ids(`year=2026&unit=${fx.units.DEPT_B}`)).includes(id));
    assert.ok(!(await ids("year=2025")).includes(id));
  });

  it("computes the report figures on a known set (trainings, inspections, incidents, demand)", async () => {
    const { store } = server.core;
    const now = new Date();
    const u = fx.units;
    // Year 2021 is used by nothing else in this file.
    await store.registers.trainings.insert({ unitId: u.DEPT_A, heldOn: "2021-03-01", topic: "A", organiser: "X", notes: null, participants: [{ unitId: u.DEPT_A, people: 10 }, { unitId: u.COMMUNE_A1, people: 5 }] }, now);
    await store.registers.trainings.insert({ unitId: u.PROV, heldOn: "2021-11-30", topic: "B", organiser: "X", notes: null, participants: [{ unitId: u.DEPT_A, people: 2 }, { unitId: u.DEPT_B, people: 7 }] }, now);
    await store.registers.trainings.insert({ unitId: u.DEPT_A, heldOn: "2022-01-01", topic: "C", organiser: "X", notes: null, participants: [{ unitId: u.DEPT_A, people: 100 }] }, now);
    const insp = (unitId: number, on: string, f: boolean) => store.registers.inspections.insert({ unitId, inspectedOn: on, inspector: "Đoàn", hasFindings: f, findings: "…", followUp: f ? "…" : null }, now);
    await insp(u.DEPT_A, "2021-02-02", true);
    await insp(u.COMMUNE_A1, "2021-12-31", false);
    await insp(u.DEPT_B, "2021-05-05", true);
    await insp(u.DEPT_A, "2020-12-31", true);
    const inc = (unitId: number, kind: "lost_key" | "compromised_key" | "outage" | "misuse" | "other", on: string, closedOn: string | null) =>
      store.registers.incidents.insert({ unitId, kind, occurredOn: on, description: "…", handling: closedOn ? "…" : null, state: closedOn ? "closed" : "open", closedOn }, now);
    await inc(u.DEPT_A, "lost_key", "2021-01-10", "2021-01-12");
    await inc(u.COMMUNE_A1, "lost_key", "2021-06-10", null);
    await inc(u.DEPT_A, "outage", "2021-12-20", "2022-01-05"); // closed only the next year: open at the end of 2021
    await inc(u.DEPT_B, "misuse", "2021-03-03", "2021-03-04");
    await inc(u.DEPT_A, "compromised_key", "2022-02-02", null);
    const dem = (unitId: number, quarter: number, individual: number, usbToken: number) => store.registers.demand.insert({ unitId, year: 2021, quarter, individual, organization: 1, device: 0, usbToken, simPki: 0, hsmSlot: 1, notes: null }, now);
    await dem(u.DEPT_A, 1, 10, 8);
    await dem(u.COMMUNE_A1, 1, 3, 3);
    await dem(u.DEPT_A, 4, 2, 2);
    await dem(u.DEPT_B, 1, 50, 50);

    const subtreeA = [u.DEPT_A, u.COMMUNE_A1];
    assert.deepEqual(await store.registers.trainings.trainingsIn(subtreeA, 2021), { sessions: 2, peopleTrained: 17 });
    assert.deepEqual(await store.registers.trainings.trainingsIn([u.DEPT_B], 2021), { sessions: 1, peopleTrained: 7 });
    assert.deepEqual(await store.registers.trainings.trainingsIn([], 2021), { sessions: 0, peopleTrained: 0 });
    assert.deepEqual(await store.registers.inspections.inspectionsIn(subtreeA, 2021), { count: 2, withFindings: 1 });
    assert.deepEqual(await store.registers.inspections.inspectionsIn([u.DEPT_A, u.DEPT_B, u.COMMUNE_A1], 2021), { count: 3, withFindings: 2 });
    assert.deepEqual(await store.registers.incidents.incidentsIn(subtreeA, 2021), { total: 3, byKind: { lost_key: 2, compromised_key: 0, outage: 1, misuse: 0, other: 0 }, open: 2, closed: 1 });
    assert.deepEqual(await store.registers.incidents.incidentsIn([u.DEPT_B], 2021), { total: 1, byKind: { lost_key: 0, compromised_key: 0, outage: 0, misuse: 1, other: 0 }, open: 0, closed: 1 });
    const d = await store.registers.demand.demandFor(subtreeA, 2021);
    assert.deepEqual(d.byQuarter.map((q) => [q.quarter, q.individual, q.usbToken, q.organization, q.hsmSlot]), [[1, 13, 11, 2, 2], [2, 0, 0, 0, 0], [3, 0, 0, 0, 0], [4, 2, 2, 1, 1]]);
    assert.deepEqual(d.totals, { individual: 15, organization: 3, device: 0, usbToken: 13, simPki: 0, hsmSlot: 3 });
  });
});
