// Recording and correcting subscribers over real HTTP: the form per kind, a
// new individual/organisation/device, each field refused with its Vietnamese
// message (400, nothing written, audited), the same CCCD twice in one unit
// (409), a unit or subscriber outside the actor's scope (404, audited, nothing
// changed), roles without subscribers.manage (403), an edit audited with
// before/after, and the unit filter on the list.
import { strict as assert } from "node:assert";
import { forEachDatabase } from "../support/databases";
import { startTestServer, TestServer } from "../support/app";
import { AccessFixture, PASSWORD, seedAccessFixture } from "../support/access-fixture";
import { WebClient } from "../support/web-client";
import type { AuditRecord } from "../../server/store/audit-store";

type Who = "admin" | "operator" | "provincial" | "focal_a" | "focal_b" | "oversight";

forEachDatabase("subscriber registry editing", (db) => {
  let server: TestServer;
  let fx: AccessFixture;
  const clients = {} as Record<Who, WebClient>;
  let existing: number;

  const count = async () => (await server.core.store.subscribers.list({ units: { all: true }, limit: 10_000 })).rows.length;
  const lastAudit = async (action: string): Promise<AuditRecord | undefined> => (await server.core.store.audit.recent(30)).find((e) => e.action === action);
  const individual = (extra: Record<string, string> = {}) => ({ kind: "individual", unitId: String(fx.units.DEPT_A), name: "  Nguyễn   Thị Mới ", nationalId: "099201000001", position: "Chuyên viên", email: "Moi@ThuNghiem.gov.vn", phone: "0912 345 678", ...extra });
  const idOf = (location: string | null) => Number(/^\/subscribers\/(\d+)$/.exec(location ?? "")?.[1]);

  before(async function () {
    this.timeout(90_000);
    server = await startTestServer(db);
    fx = await seedAccessFixture(server, db.dataDir);
    existing = await server.core.store.subscribers.insert({ kind: "individual", unitId: fx.units.DEPT_A, name: "Trần Văn Cũ", nationalId: "099201000999", position: "Phó phòng", email: "cu@thunghiem.gov.vn" }, new Date());
    await server.core.store.subscribers.insert({ kind: "individual", unitId: fx.units.COMMUNE_A1, name: "Lý Thị Xã", nationalId: "099201000777", position: "Công chức", email: "xa@thunghiem.gov.vn" }, new Date());
    await server.core.store.subscribers.insert({ kind: "individual", unitId: fx.units.DEPT_B, name: "Hà Văn Bê", nationalId: "099201000888", position: "Chuyên viên", email: "be@thunghiem.gov.vn" }, new Date());
    for (const who of Object.keys(fx.users) as Who[]) {
      clients[who] = new WebClient(server.url);
      assert.equal((await clients[who].signIn(who, PASSWORD)).status, 303, `${who} signs in`);
    }
  });

  after(async () => {
    await server?.close();
  });

  it("shows the form with only the units the actor manages, and the buttons only to those who may use them", async () => {
    const r = await clients.focal_a.get(`/subscribers/new?unit=${fx.units.COMMUNE_A1}`);
    assert.equal(r.status, 200);
    assert.ok(r.text.includes(`<option value="${fx.units.DEPT_A}">`) && r.text.includes(`<option value="${fx.units.COMMUNE_A1}" selected>`));
    assert.ok(!r.text.includes(`<option value="${fx.units.DEPT_B}"`));
    assert.ok(r.text.includes('name="nationalId"') && !r.text.includes('name="purpose"'));
    const device = await clients.focal_a.get("/subscribers/new?kind=device");
    assert.ok(device.text.includes('name="purpose"') && !device.text.includes('name="nationalId"'));
    assert.ok((await clients.focal_a.get("/subscribers")).text.includes('href="/subscribers/new"'));
    assert.ok(!(await clients.operator.get("/subscribers")).text.includes('href="/subscribers/new"'));
    assert.ok((await clients.focal_a.get(`/subscribers/${existing}`)).text.includes(`href="/subscribers/${existing}/edit"`));
    assert.ok(!(await clients.oversight.get(`/subscribers/${existing}`)).text.includes("/edit"));
    const en = await clients.focal_a.get("/subscribers/new?lang=en");
    assert.ok(en.text.includes("Add subscriber") && en.text.includes("Official e-mail"));
  });

  it("records a new individual, organisation and device, audited, and shows them", async () => {
    const c = clients.focal_a;
    await c.get("/subscribers/new");
    const r = await c.post("/subscribers/new", individual());
    assert.equal(r.status, 303, r.text.slice(0, 300));
    const id = idOf(r.location);
    const s = (await server.core.store.subscribers.findById(id))!;
    assert.deepEqual(
      { kind: s.kind, unitId: s.unitId, name: s.name, nationalId: s.nationalId, position: s.position, email: s.email, phone: s.phone },
      { kind: "individual", unitId: fx.units.DEPT_A, name: "Nguyễn Thị Mới", nationalId: "099201000001", position: "Chuyên viên", email: "moi@thunghiem.gov.vn", phone: "0912345678" },
    );
    const page = await c.get(`/subscribers/${id}`);
    assert.ok(page.text.includes("Nguyễn Thị Mới") && page.text.includes("099201000001"));
    const audit = (await server.core.store.audit.forObject("subscriber", String(id))).find((e) => e.action === "subscriber.create");
    assert.equal(audit?.outcome, "ok");
    assert.equal(audit?.after?.nationalId, "********0001", "the CCCD is masked in the log");

    await c.get("/subscribers/new?kind=organization");
    const org = await c.post("/subscribers/new", { kind: "organization", unitId: String(fx.units.COMMUNE_A1), name: "", responsiblePerson: "Vũ Thị Văn Thư" });
    assert.equal(org.status, 303);
    const o = (await server.core.store.subscribers.findById(idOf(org.location)))!;
    assert.deepEqual([o.kind, o.name, o.responsiblePerson], ["organization", "UBND xã Hy Cương", "Vũ Thị Văn Thư"]);

    await c.get("/subscribers/new?kind=device");
    const dev = await c.post("/subscribers/new", { kind: "device", unitId: String(fx.units.DEPT_A), name: "congvan.stc.thunghiem.gov.vn", purpose: "Ký số văn bản đi", responsiblePerson: "Phòng CNTT" });
    assert.equal(dev.status, 303);
    const d = (await server.core.store.subscribers.findById(idOf(dev.location)))!;
    assert.deepEqual([d.kind, d.purpose, d.responsiblePerson, d.nationalId], ["device", "Ký số văn bản đi", "Phòng CNTT", null]);
  });

  it("refuses each wrong field with its Vietnamese message, writes nothing and audits the refusal", async () => {
    const c = clients.focal_a;
    const cases: Array<{ form: Record<string, string>; field: string; message: string }> = [
      { form: individual({ name: "" }), field: "name", message: "Họ và tên: bắt buộc" },
      { form: individual({ name: "Tên\u200bẩn" }), field: "name", message: "Họ và tên: có ký tự điều khiển hoặc ký tự ẩn" },
      { form: individual({ name: "A".repeat(65) }), field: "name", message: "Họ và tên: dài quá 64 ký tự" },
      { form: individual({ nationalId: "" }), field: "nationalId", message: "Số định danh cá nhân (CCCD): bắt buộc" },
      { form: individual({ nationalId: "09920100000" }), field: "nationalId", message: "Số định danh cá nhân (CCCD): phải gồm đúng 12 chữ số" },
      { form: individual({ nationalId: "09920100000x" }), field: "nationalId", message: "Số định danh cá nhân (CCCD): phải gồm đúng 12 chữ số" },
      { form: individual({ position: " " }), field: "position", message: "Chức vụ: bắt buộc" },
      { form: individual({ email: "" }), field: "email", message: "Thư điện tử công vụ: bắt buộc" },
      { form: individual({ email: "khong-phai-thu" }), field: "email", message: "Thư điện tử công vụ: không đúng định dạng địa chỉ thư điện tử" },
      { form: individual({ phone: "12ab" }), field: "phone", message: "Số điện thoại: chỉ gồm 9–15 chữ số" },
      { form: individual({ kind: "robot" }), field: "kind", message: "Loại thuê bao: chọn cá nhân, tổ chức hoặc thiết bị, dịch vụ, phần mềm" },
      { form: individual({ unitId: "" }), field: "unitId", message: "Cơ quan quản lý trực tiếp: chọn một đơn vị" },
      { form: { kind: "organization", unitId: String(fx.units.DEPT_A), responsiblePerson: "" }, field: "responsiblePerson", message: "Người giữ con dấu (văn thư): bắt buộc" },
      { form: { kind: "device", unitId: String(fx.units.DEPT_A), name: "may-chu", responsiblePerson: "Phòng CNTT" }, field: "purpose", message: "Mục đích sử dụng: bắt buộc" },
      { form: { kind: "device", unitId: String(fx.units.DEPT_A), name: "may-chu", purpose: "Ký số" }, field: "responsiblePerson", message: "Người chịu trách nhiệm: bắt buộc" },
    ];
    const before = await count();
    for (const k of cases) {
      await c.get("/subscribers/new");
      const r = await c.post("/subscribers/new", k.form);
      assert.equal(r.status, 400, `${k.field}: ${r.status}`);
      assert.ok(r.text.includes(`id="${k.field}-error">${k.message.replace(/&/g, "&amp;")}</p>`), `${k.field}: ${k.message}`);
      assert.ok(r.text.includes('role="alert"'), k.field);
      const a = await lastAudit("subscriber.create");
      assert.equal(a?.outcome, "refused", k.field);
      assert.equal((a?.details?.fields as Record<string, string>)[k.field], k.message);
    }
    assert.equal(await count(), before, "nothing was written");
    // The values typed are kept in the form.
    await c.get("/subscribers/new");
    const kept = await c.post("/subscribers/new", individual({ nationalId: "123" }));
    assert.ok(kept.text.includes('value="Chuyên viên"') && kept.text.includes('value="123"'));
  });

  it("refuses the same CCCD twice in one unit (409, audited) but not in another unit", async () => {
    const c = clients.focal_a;
    const before = await count();
    await c.get("/subscribers/new");
    const dup = await c.post("/subscribers/new", individual({ name: "Trần Văn Trùng", nationalId: "099201000999", email: "trung@thunghiem.gov.vn" }));
    assert.equal(dup.status, 409);
    assert.ok(dup.text.includes("Số CCCD này đã có trong đơn vị: thuê bao «Trần Văn Cũ»"));
    assert.equal(await count(), before);
    const a = await lastAudit("subscriber.create");
    assert.equal(a?.outcome, "refused");
    assert.equal(a?.details?.code, "SUBSCRIBER_DUPLICATE");
    await c.get("/subscribers/new");
    const other = await c.post("/subscribers/new", individual({ unitId: String(fx.units.COMMUNE_A1), name: "Trần Văn Cũ", nationalId: "099201000999", email: "cu.xa@thunghiem.gov.vn" }));
    assert.equal(other.status, 303);
  });

  it("treats a unit or subscriber outside the actor's scope as not found (audited, nothing changed) and other roles as forbidden", async () => {
    const before = await count();
    await clients.focal_b.get("/subscribers/new");
    const r = await clients.focal_b.post("/subscribers/new", individual({ nationalId: "099201000555" }));
    assert.equal(r.status, 404);
    assert.equal(await count(), before);
    const denied = (await server.core.store.audit.forObject("unit", String(fx.units.DEPT_A))).find((e) => e.action === "subscriber.create" && e.actor === "web:focal_b");
    assert.equal(denied?.outcome, "refused");
    assert.equal(denied?.details?.reason, "out_of_scope");

    const original = (await server.core.store.subscribers.findById(existing))!;
    assert.equal((await clients.focal_b.get(`/subscribers/${existing}/edit`)).status, 404);
    const edit = await clients.focal_b.post(`/subscribers/${existing}/edit`, { name: "Bị Sửa", nationalId: "099201000999", position: "X", email: "x@thunghiem.gov.vn" });
    assert.equal(edit.status, 404);
    assert.deepEqual(await server.core.store.subscribers.findById(existing), original);
    const refused = (await server.core.store.audit.forObject("subscriber", String(existing))).filter((e) => e.action === "subscriber.update" && e.actor === "web:focal_b");
    assert.equal(refused.length, 2);
    assert.ok(refused.every((e) => e.outcome === "refused" && e.details?.reason === "out_of_scope"));

    for (const who of ["operator", "oversight"] as const) {
      assert.equal((await clients[who].get("/subscribers/new")).status, 403, who);
      assert.equal((await clients[who].get(`/subscribers/${existing}/edit`)).status, 403, who);
      await clients[who].get("/subscribers");
      assert.equal((await clients[who].post("/subscribers/new", individual({ nationalId: "099201000556" }))).status, 403, who);
    }
    assert.equal(await count(), before);
    assert.equal((await clients.focal_a.get("/subscribers/999999/edit")).status, 404);
    // Without the form's CSRF token nothing happens.
    assert.equal((await clients.focal_a.post("/subscribers/new", individual({ nationalId: "099201000557" }), false)).status, 403);
    assert.equal(await count(), before);
  });

  it("corrects a subscriber: only changed fields written and audited with before/after; bad input and duplicates change nothing", async () => {
    const c = clients.focal_a;
    const form = await c.get(`/subscribers/${existing}/edit`);
    assert.equal(form.status, 200);
    assert.ok(form.text.includes('value="Phó phòng"') && form.text.includes("Sở Tài chính"));
    const ok = await c.post(`/subscribers/${existing}/edit`, { name: "Trần Văn Cũ", nationalId: "099201000999", position: "Trưởng phòng", email: "cu@thunghiem.gov.vn", phone: "" });
    assert.equal(ok.status, 303);
    assert.equal(ok.location, `/subscribers/${existing}`);
    const s = (await server.core.store.subscribers.findById(existing))!;
    assert.equal(s.position, "Trưởng phòng");
    assert.equal(s.unitId, fx.units.DEPT_A);
    const audit = (await server.core.store.audit.forObject("subscriber", String(existing))).find((e) => e.action === "subscriber.update" && e.outcome === "ok");
    assert.deepEqual(audit?.before, { position: "Phó phòng" });
    assert.deepEqual(audit?.after, { position: "Trưởng phòng" });

    await c.get(`/subscribers/${existing}/edit`);
    const bad = await c.post(`/subscribers/${existing}/edit`, { name: "Trần Văn Cũ", nationalId: "1234", position: "Trưởng phòng", email: "cu@thunghiem.gov.vn" });
    assert.equal(bad.status, 400);
    assert.ok(bad.text.includes("Số định danh cá nhân (CCCD): phải gồm đúng 12 chữ số"));
    // The new individual of the first test holds 099201000001 in the same unit.
    await c.get(`/subscribers/${existing}/edit`);
    const dup = await c.post(`/subscribers/${existing}/edit`, { name: "Trần Văn Cũ", nationalId: "099201000001", position: "Trưởng phòng", email: "cu@thunghiem.gov.vn" });
    assert.equal(dup.status, 409);
    assert.deepEqual(await server.core.store.subscribers.findById(existing), s);
    const refusals = (await server.core.store.audit.forObject("subscriber", String(existing))).filter((e) => e.action === "subscriber.update" && e.actor === "web:focal_a" && e.outcome === "refused");
    assert.deepEqual(refusals.map((e) => e.details?.code).sort(), ["SUBSCRIBER_DUPLICATE", "SUBSCRIBER_INVALID"]);
  });

  it("filters the list by unit within the actor's scope", async () => {
    const link = (name: string, text: string) => text.includes(name);
    const commune = await clients.focal_a.get(`/subscribers?unit=${fx.units.COMMUNE_A1}`);
    assert.equal(commune.status, 200);
    assert.ok(link("Lý Thị Xã", commune.text) && !commune.text.includes(`href="/subscribers/${existing}"`) && !commune.text.includes("Nguyễn Thị Mới"));
    assert.ok(commune.text.includes(`name="unit" value="${fx.units.COMMUNE_A1}"`), "the filter stays on the search form");
    const dept = await clients.provincial.get(`/subscribers?unit=${fx.units.DEPT_A}`);
    assert.ok(link("Lý Thị Xã", dept.text) && link("Nguyễn Thị Mới", dept.text) && !link("Hà Văn Bê", dept.text));
    assert.equal((await clients.focal_a.get(`/subscribers?unit=${fx.units.DEPT_B}`)).status, 404);
    const denied = (await server.core.store.audit.forObject("unit", String(fx.units.DEPT_B))).find((e) => e.action === "subscribers.list" && e.actor === "web:focal_a");
    assert.equal(denied?.details?.reason, "out_of_scope");
    assert.equal((await clients.admin.get("/subscribers?unit=999999")).status, 404);
    assert.equal((await clients.admin.get("/subscribers?unit=abc")).status, 400);
    assert.ok(link("Hà Văn Bê", (await clients.admin.get(`/subscribers?unit=${fx.units.DEPT_B}`)).text));
  });
});
