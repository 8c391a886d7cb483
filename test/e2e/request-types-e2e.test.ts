// Every request type (Decree 68/2024, Mẫu 01–09) end to end through the web
// pages over real HTTP, as the three people who handle it: the agency's focal
// point fills the form (CSR file, signed PDF) and submits, the provincial
// officer returns it with a reason, the focal point corrects and resubmits, the
// officer forwards (or completes a delegated type), the CA operator approves;
// then the effect: a certificate linked to the request that openssl verifies
// against the published chain, the old one revoked as superseded, a revocation
// with the Art. 17 reason, a token moved. The lost token (Mẫu 09) is reported
// on the token page and confirmed here by the officer.
import { strict as assert } from "node:assert";
import { startTestServer, type TestServer } from "../support/app";
import { PASSWORD, seedAccessFixture, type AccessFixture } from "../support/access-fixture";
import { makeCsr } from "../support/csr";
import { forEachDatabase } from "../support/databases";
import { WebClient } from "../support/web-client";
import { CrlReason } from "../../server/ra/revocation-reasons";
import { csrFile, idOf, opensslVerifies, pageText, pdfFile, postMultipart, resultSerialOf } from "./request-pages-fixture";

type Who = "focal" | "officer" | "operator";

forEachDatabase("request types end to end through the pages", (db) => {
  let server: TestServer;
  let fx: AccessFixture;
  const c = {} as Record<Who, WebClient>;
  let nid = 0;

  before(async function () {
    this.timeout(90_000);
    server = await startTestServer(db);
    fx = await seedAccessFixture(server, db.dataDir);
    for (const [who, username] of [["focal", "focal_a"], ["officer", "provincial"], ["operator", "operator"]] as const) {
      c[who] = new WebClient(server.url);
      assert.equal((await c[who].signIn(username, PASSWORD)).status, 303, `${username} signs in`);
    }
  });

  after(async () => {
    await server?.close();
  });

  const store = () => server.core.store;

  async function act(who: Who, id: number, action: string, reason = ""): Promise<string> {
    const page = await c[who].get(`/requests/${id}`);
    assert.equal(page.status, 200);
    assert.match(page.text, new RegExp(`name="action" value="${action}"`), `${who} is offered ${action} on YC-${id}`);
    const r = await c[who].post(`/requests/${id}/act`, { action, reason });
    assert.equal(r.status, 303, `${who} ${action}: ${pageText(r.text).slice(0, 800)}`);
    assert.equal(r.location, `/requests/${id}?done=${action}`);
    return (await c[who].get(r.location!)).text;
  }

  /**
   * The whole run for one type: file and submit, return, correct and resubmit,
   * forward (or complete when delegated), approve. Returns the request page the
   * focal point sees at the end and the stored request.
   */
  async function journey(type: string, data: Record<string, string>, fix: Record<string, string>, o: { csr?: "file" | "der" | "paste"; delegated?: boolean } = {}) {
    const form = await c.focal.get(`/requests/new/${type}`);
    assert.equal(form.status, 200, `form ${type}`);
    const csr = o.csr ? makeCsr(db.dataDir, o.csr === "paste" ? "rsa2048" : o.csr === "der" ? "p384" : "p256") : null;
    const pem = csr?.pem ?? "";
    const file = o.csr === "file" ? csrFile(pem) : o.csr === "der" ? { filename: "yeu-cau.der", type: "application/octet-stream", content: csr!.der } : null;
    const files = { ...(file ? { csrFile: file } : {}), signedForm: pdfFile() };
    const filed = await postMultipart(c.focal, `/requests/new/${type}`, { unitId: String(fx.units.DEPT_A), ...data, ...(o.csr === "paste" ? { csrPem: pem } : {}), intent: "submit" }, files);
    const id = idOf(filed);
    assert.match(filed.location!, /done=submitted$/);
    let page = await c.focal.get(`/requests/${id}`);
    assert.match(pageText(page.text), /Chờ Sở kiểm tra/);
    assert.match(page.text, /<time>\d{2}\/\d{2}\/\d{4}<\/time>/, "the deadline is shown");

    const why = `Thiếu thông tin (${type}): đề nghị bổ sung`;
    await act("officer", id, "return", why);
    page = await c.focal.get(`/requests/${id}`);
    assert.match(pageText(page.text), /Bị trả lại/);
    assert.ok(pageText(page.text).includes(why), "the return reason is on the page");
    const edit = await c.focal.get(`/requests/${id}/edit`);
    assert.equal(edit.status, 200);
    assert.ok(pageText(edit.text).includes(why), "the edit page shows why it was returned");
    const corrected = await postMultipart(c.focal, `/requests/${id}/edit`, { ...data, ...fix, intent: "submit" });
    assert.equal(corrected.status, 303, pageText(corrected.text).slice(0, 800));
    assert.equal(corrected.location, `/requests/${id}?done=submitted`);

    if (o.delegated) {
      await act("officer", id, "complete", "Đã kiểm tra, Sở xử lý theo uỷ quyền");
    } else {
      await act("officer", id, "forward", "Hồ sơ đầy đủ");
      await act("operator", id, "approve");
    }
    page = await c.focal.get(`/requests/${id}`);
    assert.match(pageText(page.text), /Hoàn thành/);
    const timeline = pageText(page.text.slice(page.text.indexOf('class="timeline"')));
    for (const step of ["Lập hồ sơ", "Gửi hồ sơ", "Trả lại", "Gửi lại sau khi bổ sung", o.delegated ? "Hoàn tất" : "Phê duyệt"]) assert.ok(timeline.includes(step), `timeline has ${step}`);
    assert.ok(timeline.includes(why), "timeline has the reason");
    const stored = (await store().requests.findById(id))!;
    assert.equal(stored.state, "completed");
    return { id, html: page.text, stored, csrPem: pem };
  }

  /** A certificate-issuing request: the result is linked both ways and verifies with openssl. */
  async function issued(id: number, html: string, csrPem: string): Promise<{ serial: string; subject: string }> {
    const serial = resultSerialOf(html);
    assert.ok(serial, "the request page links the issued certificate");
    assert.equal((await store().requests.certificateOf(id))?.serial, serial, "certificates.request_id points back at the request");
    const subject = await opensslVerifies(c.focal, server, db.dataDir, serial, csrPem);
    return { serial, subject };
  }

  async function certFor(name: string, email: string, extra: { tokenId?: number } = {}) {
    const sid = await store().subscribers.insert({ kind: "individual", unitId: fx.units.DEPT_A, name, email, nationalId: `09908800${String(++nid).padStart(4, "0")}`, position: "Chuyên viên" }, new Date());
    const serial = (await server.core.issuance.issue({ csr: makeCsr(db.dataDir, "p256").pem, profile: "individual", commonName: name, organization: "Sở Tài chính", email, actor: "test:fixture", unitId: fx.units.DEPT_A, subscriberId: sid, ...extra })).serial;
    return { sid, serial };
  }

  async function token(serial: string, state: string, holderSubscriberId: number | null = null): Promise<number> {
    const id = await store().tokens.insert({ serial, type: "usb_token", unitId: fx.units.DEPT_A, state: state as "in_stock", holderSubscriberId }, new Date());
    assert.notEqual(id, "taken");
    return id as number;
  }

  it("Mẫu 01: a certificate for an official, subject from the corrected form", async function () {
    this.timeout(60_000);
    const run = await journey("new_individual", { fullName: "Đỗ Thị Hạnh", nationalId: "099088100001", position: "Chuyên viên", email: "hanh@stc.thunghiem.gov.vn" }, { position: "Phó Trưởng phòng" }, { csr: "file" });
    const { subject } = await issued(run.id, run.html, run.csrPem);
    assert.match(subject, /CN ?= ?Đỗ Thị Hạnh/);
    assert.ok(run.stored.subscriberId, "a subscriber was registered");
    const sub = (await store().subscribers.findById(run.stored.subscriberId!))!;
    assert.equal(sub.position, "Phó Trưởng phòng");
  });

  it("Mẫu 02: the agency's own certificate, its CSR (RSA 2048) pasted as PEM", async function () {
    this.timeout(60_000);
    const run = await journey("new_organization", { clerkName: "Vũ Thị Lan", email: "vanthu@stc.thunghiem.gov.vn" }, { clerkName: "Vũ Thị Lan Anh" }, { csr: "paste" });
    const { subject } = await issued(run.id, run.html, run.csrPem);
    assert.match(subject, /Sở Tài chính/);
  });

  it("Mẫu 03: a device certificate with its domain name, its CSR (P-384) uploaded as DER", async function () {
    this.timeout(60_000);
    const run = await journey("new_device", { deviceName: "Cổng dịch vụ công", purpose: "Ký số văn bản trên cổng", responsiblePerson: "Phòng CNTT", dnsNames: "cong.stc.thunghiem.gov.vn" }, { purpose: "Ký số văn bản điện tử trên cổng dịch vụ công" }, { csr: "der" });
    const { serial } = await issued(run.id, run.html, run.csrPem);
    const pem = (await c.focal.get(`/certificates/${serial}/pem`)).text;
    const { X509Certificate } = await import("node:crypto");
    assert.match(new X509Certificate(pem).subjectAltName ?? "", /DNS:cong\.stc\.thunghiem\.gov\.vn/);
  });

  it("Mẫu 04 (renewal): a new certificate; the old one revoked as superseded", async function () {
    this.timeout(60_000);
    const old = await certFor("Ngô Văn Gia", "gia@stc.thunghiem.gov.vn");
    const run = await journey("renewal", { targetSerial: old.serial, days: "400" }, { days: "365", reasonText: "Sắp hết hạn" }, { csr: "file" });
    assert.match(run.html, new RegExp(`/certificates/${old.serial}"`), "the page links the renewed certificate");
    const { serial, subject } = await issued(run.id, run.html, run.csrPem);
    assert.notEqual(serial, old.serial);
    assert.match(subject, /Ngô Văn Gia/);
    const before = (await store().certificates.findBySerial(old.serial))!;
    assert.equal(before.status, "revoked");
    assert.equal(before.revocationReason, CrlReason.superseded);
  });

  it("Mẫu 04 (change of information): re-issued with the new name; the old one superseded", async function () {
    this.timeout(60_000);
    const old = await certFor("Lý Thị Mai", "mai@stc.thunghiem.gov.vn");
    const run = await journey("change", { targetSerial: old.serial, fullName: "Lý Thị Mai", reasonText: "Đổi tên" }, { fullName: "Lý Thị Ngọc Mai", reasonText: "Cải chính họ tên theo CCCD" }, { csr: "file" });
    const { subject } = await issued(run.id, run.html, run.csrPem);
    assert.match(subject, /Lý Thị Ngọc Mai/);
    const before = (await store().certificates.findBySerial(old.serial))!;
    assert.equal(before.status, "revoked");
    assert.equal(before.revocationReason, CrlReason.superseded);
  });

  it("Mẫu 05: revocation with the reason Art. 17's trigger maps to (retired → cessationOfOperation)", async function () {
    this.timeout(60_000);
    const old = await certFor("Tạ Văn Hưng", "hung@stc.thunghiem.gov.vn");
    const run = await journey("revocation", { targetSerial: old.serial, trigger: "transferred", reasonText: "Chuyển công tác" }, { trigger: "retired", reasonText: "Nghỉ hưu từ 01/12/2026" });
    assert.equal(resultSerialOf(run.html), null, "a revocation issues nothing");
    const cert = (await store().certificates.findBySerial(old.serial))!;
    assert.equal(cert.status, "revoked");
    assert.equal(cert.revocationReason, CrlReason.cessationOfOperation);
  });

  it("Mẫu 06: a locked token recovered, completed by the province under delegation", async function () {
    this.timeout(60_000);
    const holder = await certFor("Cao Văn Khải", "khai@stc.thunghiem.gov.vn");
    const tokenId = await token("TK-LOCKED-0601", "locked", holder.sid);
    const run = await journey("token_recovery", { tokenSerial: "TK-LOCKED-0601", reasonText: "Nhập sai PIN" }, { reasonText: "Nhập sai PIN 5 lần, token bị khoá" }, { delegated: true });
    assert.match(run.html, new RegExp(`href="/tokens/${tokenId}"`), "the page links the token");
    assert.equal((await store().tokens.findById(tokenId))!.state, "recovered");
  });

  it("Mẫu 07: a token in stock handed over to a subscriber of the unit", async function () {
    this.timeout(60_000);
    const first = await certFor("Đinh Văn Phúc", "phuc@stc.thunghiem.gov.vn");
    const holder = await certFor("Đinh Thị Oanh", "oanh@stc.thunghiem.gov.vn");
    const tokenId = await token("TK-STOCK-0701", "in_stock");
    // Returned because the wrong person was named; corrected to the right one.
    const run = await journey("token_handover", { tokenSerial: "TK-STOCK-0701", holderSubscriberId: String(first.sid) }, { holderSubscriberId: String(holder.sid) });
    const t = (await store().tokens.findById(tokenId))!;
    assert.equal(t.state, "issued");
    assert.equal(t.holderSubscriberId, holder.sid);
    assert.equal(run.stored.subscriberId, holder.sid);
  });

  it("Mẫu 08: a token returned after its certificate was revoked", async function () {
    this.timeout(60_000);
    const tokenId = await token("TK-USED-0801", "in_use");
    await journey("token_return", { tokenSerial: "TK-USED-0801", reasonText: "Thu hồi" }, { reasonText: "Thu hồi token sau khi nghỉ hưu" });
    assert.equal((await store().tokens.findById(tokenId))!.state, "returned");
  });

  it("Mẫu 09: a lost token reported on the token page revokes at once; the officer confirms the record here", async function () {
    this.timeout(60_000);
    const tokenId = await token("TK-LOST-0901", "in_use");
    const { serial } = await certFor("Phan Văn Quý", "quy@stc.thunghiem.gov.vn", { tokenId });
    await c.focal.get(`/tokens/${tokenId}/lost`);
    const reported = await c.focal.post(`/tokens/${tokenId}/lost`, { note: "Mất token khi đi công tác" });
    assert.equal(reported.status, 303, pageText(reported.text).slice(0, 500));
    const cert = (await store().certificates.findBySerial(serial))!;
    assert.equal(cert.status, "revoked", "revoked at once, before any approval");
    assert.equal(cert.revocationReason, CrlReason.keyCompromise);
    const list = await c.officer.get("/requests?type=token_lost");
    const m = /href="\/requests\/(\d+)">YC-\d+<\/a>/.exec(list.text);
    assert.ok(m, "the officer's list shows the lost-token record");
    const id = Number(m[1]);
    const page = await c.officer.get(`/requests/${id}`);
    assert.doesNotMatch(page.text, /value="forward"/, "a lost-token record is not forwarded to the CA");
    await act("officer", id, "complete", "Đã xác nhận biên bản mất token");
    const done = (await store().requests.findById(id))!;
    assert.equal(done.state, "completed");
    assert.equal(done.tokenId, tokenId);
    assert.equal((await store().tokens.findById(tokenId))!.state, "lost");
  });
});
