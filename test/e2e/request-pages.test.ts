// The request pages over real HTTP: the list's filters (state, type, overdue,
// due today, reference or name) and sorts with the deadline highlighted; form
// validation shown next to each field in Vietnamese with the values kept;
// a file that is not a PDF, a PDF over the limit and one over the hard cap are
// refused with a clear message and change nothing (audited); a multipart form
// without the CSRF token is refused; the return reason is required; another
// agency's focal point gets 404 on every URL of the request; English on ?lang=en.
import { strict as assert } from "node:assert";
import { startTestServer, testConfig, type TestServer } from "../support/app";
import { PASSWORD, seedAccessFixture, type AccessFixture } from "../support/access-fixture";
import { makeCsr } from "../support/csr";
import { forEachDatabase } from "../support/databases";
import { WebClient } from "../support/web-client";
import { vietnamDay } from "../../server/directory/unit-source";
import { csrFile, fieldError, idOf, inputValue, pageText, pdfFile, PDF, postMultipart } from "./request-pages-fixture";

const MAX = 200 * 1024;

forEachDatabase("request pages", (db) => {
  let server: TestServer;
  let fx: AccessFixture;
  const c = {} as Record<"focal" | "officer" | "operator" | "focalB", WebClient>;
  let nid = 0;

  before(async function () {
    this.timeout(90_000);
    const base = testConfig(db);
    server = await startTestServer(db, { requests: { ...base.requests, attachmentMaxBytes: MAX } });
    fx = await seedAccessFixture(server, db.dataDir);
    for (const [who, username] of [["focal", "focal_a"], ["officer", "provincial"], ["operator", "operator"], ["focalB", "focal_b"]] as const) {
      c[who] = new WebClient(server.url);
      assert.equal((await c[who].signIn(username, PASSWORD)).status, 303, `${username} signs in`);
    }
  });

  after(async () => {
    await server?.close();
  });

  const store = () => server.core.store;
  const individual = (over: Record<string, string> = {}) => ({ unitId: String(fx.units.DEPT_A), fullName: "Hồ Thị Thu", nationalId: `09908820${String(++nid).padStart(4, "0")}`, position: "Chuyên viên", email: `thu${nid}@stc.thunghiem.gov.vn`, ...over });

  async function file(fields: Record<string, string>, intent: "save" | "submit", type = "new_individual", withFiles = true): Promise<number> {
    await c.focal.get(`/requests/new/${type}`);
    const files = withFiles ? { ...(type.startsWith("new_") ? { csrFile: csrFile(makeCsr(db.dataDir, "p256").pem) } : {}), signedForm: pdfFile() } : {};
    return idOf(await postMultipart(c.focal, `/requests/new/${type}`, { ...fields, intent }, files));
  }

  async function countRequests(): Promise<number> {
    return (await store().requests.list({ units: { all: true }, today: vietnamDay(new Date()), sort: "newest", limit: 1000, offset: 0 })).rows.length;
  }

  async function snapshot(id: number) {
    const r = (await store().requests.findById(id))!;
    return { state: r.state, data: r.data, attachments: (await store().requests.attachments(id)).length, events: (await store().requests.events(id)).length };
  }

  describe("the list", () => {
    const ids = {} as Record<"overdue" | "today" | "later" | "draft" | "org", number>;

    before(async function () {
      this.timeout(60_000);
      ids.overdue = await file(individual({ fullName: "Bạch Văn Quá Hạn" }), "submit");
      ids.today = await file(individual({ fullName: "Bạch Thị Hôm Nay" }), "submit");
      ids.later = await file(individual({ fullName: "Bạch Văn Còn Hạn" }), "submit");
      ids.draft = await file(individual({ fullName: "Bạch Thị Nháp" }), "save");
      ids.org = await file({ unitId: String(fx.units.COMMUNE_A1), clerkName: "Văn thư xã", email: "vanthu@hycuong.thunghiem.gov.vn" }, "submit", "new_organization");
      // Deadlines put where the test needs them (the working-day arithmetic has its own tests).
      const today = vietnamDay(new Date());
      const shift = (days: number) => new Date(Date.parse(`${today}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
      await store().requests.patch(ids.overdue, { dueDate: shift(-2) }, new Date());
      await store().requests.patch(ids.today, { dueDate: today }, new Date());
      await store().requests.patch(ids.later, { dueDate: shift(5) }, new Date());
      await store().requests.patch(ids.org, { dueDate: shift(9) }, new Date());
    });

    const listed = (html: string) => [...html.matchAll(/<a href="\/requests\/(\d+)">YC-\d{6}<\/a>/g)].map((m) => Number(m[1]));

    it("filters overdue and due today, with the deadline highlighted", async () => {
      const overdue = await c.officer.get("/requests?due=overdue");
      assert.equal(overdue.status, 200);
      assert.deepEqual(listed(overdue.text), [ids.overdue]);
      assert.match(overdue.text, /<tr class="sla-overdue">/);
      assert.match(pageText(overdue.text), /Quá hạn/);
      const today = await c.officer.get("/requests?due=due_today");
      assert.deepEqual(listed(today.text), [ids.today]);
      assert.match(today.text, /<tr class="sla-due_today">[^]*Đến hạn hôm nay/);
      const en = await c.officer.get("/requests?due=overdue&lang=en");
      assert.match(pageText(en.text), /Overdue/);
      assert.match(pageText(en.text), /Form 01/);
      await c.officer.get("/requests?lang=vi");
    });

    it("sorts by deadline or newest, and filters by state, type, unit and reference or name", async () => {
      const mine = [ids.overdue, ids.today, ids.later, ids.org];
      const byDue = listed((await c.focal.get("/requests?sort=due&state=submitted")).text).filter((id) => mine.includes(id));
      assert.deepEqual(byDue, [ids.overdue, ids.today, ids.later, ids.org]);
      const newest = listed((await c.focal.get("/requests?sort=newest")).text).filter((id) => mine.includes(id) || id === ids.draft);
      assert.deepEqual(newest, [ids.org, ids.draft, ids.later, ids.today, ids.overdue]);
      assert.deepEqual(listed((await c.focal.get("/requests?state=draft")).text), [ids.draft]);
      assert.deepEqual(listed((await c.focal.get("/requests?type=new_organization")).text), [ids.org]);
      assert.deepEqual(listed((await c.focal.get(`/requests?unit=${fx.units.COMMUNE_A1}`)).text), [ids.org]);
      assert.deepEqual(listed((await c.focal.get(`/requests?q=YC-${String(ids.later).padStart(6, "0")}`)).text), [ids.later]);
      assert.deepEqual(listed((await c.focal.get(`/requests?q=${encodeURIComponent("Bạch Thị Hôm")}`)).text), [ids.today]);
      const row = /<tr[^>]*>\s*<td><a href="\/requests\/\d+">YC-\d+<\/a><\/td>\s*<td>([^]*?)<\/td>\s*<td>([^]*?)<\/td>\s*<td>([^]*?)<\/td>/.exec((await c.focal.get("/requests?type=new_organization")).text)!;
      assert.match(pageText(row[1]!), /Mẫu 02 Cấp chứng thư số cho cơ quan, tổ chức/);
      assert.match(pageText(row[3]!), /UBND xã Hy Cương/);
      assert.equal((await c.focal.get("/requests?state=nonsense")).status, 400);
    });

    it("shows another agency's focal point none of them, and 404 on every URL of one", async () => {
      assert.deepEqual(listed((await c.focalB.get("/requests")).text).filter((id) => Object.values(ids).includes(id)), []);
      const id = ids.draft;
      await store().requests.attachments(id);
      for (const path of [`/requests/${id}`, `/requests/${id}/edit`, `/requests/${id}/attachments/1`]) assert.equal((await c.focalB.get(path)).status, 404, path);
      await c.focalB.get("/requests");
      assert.equal((await c.focalB.post(`/requests/${id}/act`, { action: "withdraw" })).status, 404);
      assert.equal((await postMultipart(c.focalB, `/requests/${id}/edit`, { fullName: "Kẻ Lạ", intent: "save" })).status, 404);
      assert.equal((await store().requests.findById(id))!.state, "draft");
      const refused = await store().auditQueries.list({ actionPrefix: "request.", outcome: "refused", objectId: String(id), limit: 50 });
      assert.ok(refused.rows.length >= 3, "out-of-scope attempts are audited");
    });
  });

  describe("the forms", () => {
    it("shows each field's Vietnamese message next to it, keeps the values, and saves nothing", async () => {
      const before = await countRequests();
      await c.focal.get("/requests/new/new_individual");
      const r = await postMultipart(c.focal, "/requests/new/new_individual", { ...individual({ fullName: "  ", nationalId: "12345", email: "khong-hop-le", position: "Kế toán viên" }), intent: "submit" }, { csrFile: csrFile(makeCsr(db.dataDir, "p256").pem), signedForm: pdfFile() });
      assert.equal(r.status, 400);
      assert.equal(fieldError(r.text, "fullName"), "Họ và tên: bắt buộc");
      assert.equal(fieldError(r.text, "nationalId"), "Số định danh cá nhân (CCCD): phải gồm đúng 12 chữ số");
      assert.equal(fieldError(r.text, "email"), "Thư điện tử công vụ: không đúng định dạng địa chỉ thư điện tử");
      assert.equal(fieldError(r.text, "position"), null);
      assert.equal(inputValue(r.text, "position"), "Kế toán viên");
      assert.equal(inputValue(r.text, "nationalId"), "12345");
      assert.match(r.text, /aria-invalid="true" aria-describedby="e-nationalId"/);
      assert.match(pageText(r.text), /Hồ sơ chưa hợp lệ: xem thông báo bên cạnh từng ô/);
      assert.equal(await countRequests(), before);
    });

    it("offers only the units the person may file for, and refuses another one next to the unit field", async () => {
      const options = (html: string) => [...(/<select id="f-unitId"[^>]*>([^]*?)<\/select>/.exec(html)?.[1] ?? "").matchAll(/<option value="(\d+)"[^>]*>([^<]*)</g)].map((m) => Number(m[1]));
      const u = fx.units;
      assert.deepEqual(options((await c.focal.get("/requests/new/new_individual")).text).sort(), [u.DEPT_A, u.COMMUNE_A1].sort());
      assert.deepEqual(options((await c.officer.get("/requests/new/new_individual")).text).sort(), [u.PROV, u.DEPT_A, u.COMMUNE_A1, u.DEPT_B].sort());
      const before = await countRequests();
      await c.focal.get("/requests/new/new_individual");
      const r = await postMultipart(c.focal, "/requests/new/new_individual", { ...individual({ unitId: String(u.DEPT_B) }), intent: "save" }, { csrFile: csrFile(makeCsr(db.dataDir, "p256").pem) });
      assert.equal(r.status, 400);
      assert.equal(fieldError(r.text, "unitId"), "Chọn một đơn vị bạn quản lý");
      assert.equal(await countRequests(), before);
    });

    it("refuses a CSR that is not one, next to the CSR field, and saves nothing", async () => {
      const before = await countRequests();
      await c.focal.get("/requests/new/new_individual");
      const r = await postMultipart(c.focal, "/requests/new/new_individual", { ...individual(), csrPem: "-----BEGIN CERTIFICATE REQUEST-----\nbm90IGEgQ1NS\n-----END CERTIFICATE REQUEST-----\n", intent: "save" }, { signedForm: pdfFile() });
      assert.equal(r.status, 400);
      assert.match(fieldError(r.text, "csr") ?? "", /^CSR không được chấp nhận/);
      assert.match(r.text, /<textarea id="f-csrPem"[^>]*>-----BEGIN CERTIFICATE REQUEST-----/);
      assert.equal(await countRequests(), before);
    });

    it("saves a dossier submitted without its CSR as a draft and says what is missing", async () => {
      await c.focal.get("/requests/new/new_individual");
      const r = await postMultipart(c.focal, "/requests/new/new_individual", { ...individual(), intent: "submit" }, { signedForm: pdfFile() });
      assert.equal(r.status, 400);
      assert.equal(fieldError(r.text, "csr"), "Chưa tải lên CSR");
      const id = Number(/action="\/requests\/(\d+)\/edit"/.exec(r.text)![1]);
      assert.equal((await store().requests.findById(id))!.state, "draft");
      assert.match(pageText(r.text), /Đã lưu nháp YC-\d{6} nhưng chưa gửi được/);
    });

    it("refuses a file that is not a PDF, a PDF over the limit and a body over the hard cap; nothing changes (audited)", async function () {
      this.timeout(30_000);
      const before = await countRequests();
      const cases = [
        { file: pdfFile("Xin chào, đây không phải PDF", "mau-don.pdf"), status: 400, message: "Tệp không phải PDF: chỉ nhận bản scan mẫu đơn dạng PDF. Hồ sơ chưa thay đổi." },
        { file: pdfFile(Buffer.concat([PDF, Buffer.alloc(MAX)])), status: 413, message: "Tệp quá lớn: tối đa 0.2 MB. Hồ sơ chưa thay đổi." },
        { file: pdfFile(Buffer.concat([PDF, Buffer.alloc(MAX * 2 + 1024 * 1024)])), status: 413, message: "Tệp quá lớn: tối đa 0.2 MB. Hồ sơ chưa thay đổi." },
      ];
      for (const k of cases) {
        await c.focal.get("/requests/new/new_individual");
        const r = await postMultipart(c.focal, "/requests/new/new_individual", { ...individual(), intent: "submit" }, { csrFile: csrFile(makeCsr(db.dataDir, "p256").pem), signedForm: k.file });
        assert.equal(r.status, k.status);
        assert.equal(fieldError(r.text, "signedForm"), k.message);
      }
      assert.equal(await countRequests(), before, "no request was created");

      // On an existing draft: neither the file nor the changed fields are saved.
      const id = await file(individual({ fullName: "Kiều Văn Sửa" }), "save", "new_individual", false);
      const was = await snapshot(id);
      for (const k of cases.slice(0, 2)) {
        await c.focal.get(`/requests/${id}/edit`);
        const r = await postMultipart(c.focal, `/requests/${id}/edit`, { fullName: "Kiều Văn Đã Sửa", nationalId: String(was.data.nationalId), position: "Chuyên viên", email: String(was.data.email), intent: "save" }, { signedForm: k.file });
        assert.equal(r.status, k.status);
        assert.equal(fieldError(r.text, "signedForm"), k.message);
        assert.equal(inputValue(r.text, "fullName"), "Kiều Văn Đã Sửa");
      }
      assert.deepEqual(await snapshot(id), was);
      const refused = await store().auditQueries.list({ actionPrefix: "request.attach", outcome: "refused", limit: 50 });
      assert.ok(refused.rows.length >= 5, `refused uploads are audited (${refused.rows.length})`);

      // A good PDF then goes through and can be downloaded as it was sent.
      await c.focal.get(`/requests/${id}/edit`);
      const ok = await postMultipart(c.focal, `/requests/${id}/edit`, { fullName: "Kiều Văn Đã Sửa", nationalId: String(was.data.nationalId), position: "Chuyên viên", email: String(was.data.email), intent: "save" }, { signedForm: pdfFile() });
      assert.equal(ok.status, 303);
      const [att] = await store().requests.attachments(id);
      const dl = await fetch(`${server.url}/requests/${id}/attachments/${att!.id}`, { headers: { cookie: [...c.focal.cookies].map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join("; ") } });
      assert.equal(dl.status, 200);
      assert.equal(dl.headers.get("content-type"), "application/pdf");
      assert.deepEqual(Buffer.from(await dl.arrayBuffer()), PDF);
      assert.equal((await store().requests.findById(id))!.data.fullName, "Kiều Văn Đã Sửa");
    });

    it("refuses a multipart form without the CSRF token (403, audited, nothing saved)", async () => {
      const before = await countRequests();
      await c.focal.get("/requests/new/new_individual");
      const r = await postMultipart(c.focal, "/requests/new/new_individual", { ...individual(), intent: "save" }, { signedForm: pdfFile() }, false);
      assert.equal(r.status, 403);
      assert.equal(await countRequests(), before);
      const refused = await store().auditQueries.list({ actionPrefix: "csrf.refused", outcome: "refused", limit: 5 });
      assert.ok(refused.rows.some((e) => e.objectId === "POST /requests/new/new_individual"));
    });

    it("requires a reason to return a request, shown next to the reason box; the state stays", async () => {
      const id = await file(individual(), "submit");
      await c.officer.get(`/requests/${id}`);
      const r = await c.officer.post(`/requests/${id}/act`, { action: "return", reason: "   " });
      assert.equal(r.status, 400);
      assert.equal(fieldError(r.text, "reason"), "Bắt buộc ghi lý do");
      assert.equal((await store().requests.findById(id))!.state, "submitted");
      // The focal point is not offered the officer's actions, and is refused them.
      const mine = await c.focal.get(`/requests/${id}`);
      assert.doesNotMatch(mine.text, /value="forward"/);
      assert.match(mine.text, /value="withdraw"/);
      assert.equal((await c.focal.post(`/requests/${id}/act`, { action: "forward" })).status, 403);
      // A second tab forwarding again after the first did: refused on the page (409), nothing moves twice.
      const tab = c.officer.clone();
      assert.equal((await c.officer.post(`/requests/${id}/act`, { action: "forward", reason: "" })).status, 303);
      const again = await tab.post(`/requests/${id}/act`, { action: "forward", reason: "" });
      assert.equal(again.status, 409);
      assert.match(again.text, /<p class="alert alert-error" role="alert" id="form-error">/);
      assert.match(pageText(again.text), /Chờ CA phê duyệt/);
      assert.equal((await store().requests.events(id)).filter((e) => e.action === "forward").length, 1);
    });

    it("finds the certificate of a renewal by its serial as shown, also when it starts with a zero (0a…) or is typed in capitals", async function () {
      this.timeout(30_000);
      // Serials are 16 random octets with a non-zero first octet: about one in sixteen starts with "0" in hex.
      let serial = "";
      for (let i = 0; i < 120 && !serial.startsWith("0"); i++) {
        const sid = await store().subscribers.insert({ kind: "individual", unitId: fx.units.DEPT_A, name: `Thử Số Hiệu ${i}`, email: `so${i}@stc.thunghiem.gov.vn`, nationalId: `0990883${String(i).padStart(5, "0")}` }, new Date());
        serial = (await server.core.issuance.issue({ csr: makeCsr(db.dataDir, "p256").pem, profile: "individual", commonName: `Thử Số Hiệu ${i}`, email: `so${i}@stc.thunghiem.gov.vn`, actor: "test:fixture", unitId: fx.units.DEPT_A, subscriberId: sid })).serial;
      }
      assert.match(serial, /^0[1-9a-f]/);
      await c.focal.get("/requests/new/renewal");
      const r = await postMultipart(c.focal, "/requests/new/renewal", { unitId: String(fx.units.DEPT_A), targetSerial: ` ${serial.toUpperCase()} `, intent: "save" }, {});
      const id = idOf(r);
      assert.equal((await store().requests.findById(id))!.targetSerial, serial);
    });

    it("offers the type picker with every form and its deadline, and the form in English", async () => {
      const picker = pageText((await c.focal.get("/requests/new")).text);
      for (const n of ["01", "02", "03", "04", "05", "06", "07", "08", "09"]) assert.ok(picker.includes(`Mẫu ${n}`), `Mẫu ${n}`);
      assert.match(picker, /Thời hạn xử lý: 3 ngày làm việc/);
      assert.match(picker, /Thời hạn xử lý: 1 ngày làm việc/);
      assert.equal((await c.officer.get("/requests/new/token_lost")).status, 404);
      assert.equal((await c.operator.get("/requests/new")).status, 403, "the CA operator files nothing");
      const en = await c.focal.get("/requests/new/new_individual?lang=en");
      assert.match(pageText(en.text), /Full name/);
      assert.match(pageText(en.text), /Save draft/);
      await c.focal.get("/requests?lang=vi");
    });
  });
});
