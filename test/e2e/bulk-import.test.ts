// Bulk import of new-certificate requests over real HTTP (multipart upload,
// CSRF, sessions) on sqlite and PostgreSQL: the templates download and import
// back cleanly; a file with good and bad rows lists exactly its errors and
// creates nothing; a good file creates every request in one go (one audit entry
// each); a failure mid-batch (a unique constraint at row 3, a unit dissolved
// between preview and confirm) leaves nothing; a preview is confirmed by another
// server of the same database; wrong, empty and over-long files are refused clearly; nobody files for a unit outside their scope; the CLI.
import { strict as assert } from "node:assert";
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import ExcelJS from "exceljs";
import knexFactory, { type Knex } from "knex";
import { forEachDatabase } from "../support/databases";
import { startTestServer, TEST_PASSPHRASE, type TestServer } from "../support/app";
import { PASSWORD, seedAccessFixture, type AccessFixture } from "../support/access-fixture";
import { WebClient } from "../support/web-client";
import { lastLine, runCli } from "../support/cli";
import { fieldsOf } from "../../server/ra/request-forms";
import { BULK_MAX_ROWS } from "../../server/ra/bulk-template";

type Who = "focal_a" | "focal_b" | "operator";

const HEADER = "loai,unit,fullName,nationalId,position,email,organizationName,clerkName,deviceName,purpose,responsiblePerson";
const person = (unit: string, name: string, cccd: string, email: string) => `01,${unit},${name},${cccd},Chuyên viên,${email},,,,,`;
const org = (unit: string, clerk: string, email: string) => `02,${unit},,,,${email},,${clerk},,,`;
const device = (unit: string, name: string) => `03,${unit},,,,,,,${name},Ký số văn bản điện tử,Phòng CNTT`;
const csv = (...rows: string[]) => Buffer.from([HEADER, ...rows].join("\r\n") + "\r\n", "utf8");
const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

forEachDatabase("bulk import of requests", (db) => {
  let server: TestServer;
  let fx: AccessFixture;
  let knex: Knex;
  const clients = {} as Record<Who, WebClient>;

  before(async function () {
    this.timeout(90_000);
    server = await startTestServer(db);
    fx = await seedAccessFixture(server, db.dataDir);
    knex = knexFactory(db.knexConfig());
    for (const who of ["focal_a", "focal_b", "operator"] as Who[]) {
      clients[who] = new WebClient(server.url);
      assert.equal((await clients[who].signIn(who, PASSWORD)).status, 303, `${who} signs in`);
    }
  });

  after(async () => {
    await knex?.destroy();
    await server?.close();
  });

  async function upload(who: Who, filename: string, content: Buffer, fields: Record<string, string> = {}, withCsrf = true) {
    const c = clients[who];
    await c.get("/requests/import"); // the form's CSRF token (the sign-in page's one is gone with the anonymous session)
    const form = new FormData();
    if (withCsrf) form.append("_csrf", c.csrf!);
    for (const [k, v] of Object.entries(fields)) form.append(k, v);
    form.append("file", new Blob([new Uint8Array(content)]), filename);
    const res = await fetch(`${server.url}/requests/import`, {
      method: "POST",
      redirect: "manual",
      headers: { accept: "text/html", cookie: [...c.cookies].map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join("; ") },
      body: form,
    });
    const text = await res.text();
    const token = /name="_csrf" value="([^"]+)"/.exec(text);
    if (token) c.csrf = token[1]!;
    return { status: res.status, text };
  }

  const errorsOn = (html: string) => [...html.matchAll(/class="row-error-item" data-row="(\d+)" data-field="([^"]*)"/g)].map((m) => `${m[1]}:${m[2]}`);
  const hashOn = (html: string) => /name="hash" value="([0-9a-f]{64})"/.exec(html)?.[1] ?? null;
  const bulkCount = async () => Number(((await knex("requests").where({ source: "bulk" }).count({ n: "*" }).first()) as { n: number | string }).n);

  it("serves both templates (XLSX with the forms' field names, an example row and a notes sheet; CSV with a BOM) and imports them back cleanly", async function () {
    this.timeout(30_000);
    const c = clients.focal_a;
    const x = await fetch(`${server.url}/requests/import/template.xlsx`, { headers: { cookie: [...c.cookies].map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join("; ") } });
    assert.equal(x.status, 200);
    assert.match(x.headers.get("content-type") ?? "", /spreadsheetml/);
    const xlsx = Buffer.from(await x.arrayBuffer());
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx as unknown as ArrayBuffer);
    const sheet = wb.worksheets[0]!;
    const headers = (sheet.getRow(1).values as unknown[]).filter(Boolean).map(String);
    for (const type of ["new_individual", "new_organization", "new_device"] as const) {
      for (const f of fieldsOf(type).filter((f) => f !== "subscriberId")) assert.ok(headers.some((h) => h.endsWith(`(${f})`)), `template has a column for ${f}`);
    }
    assert.ok(headers.some((h) => h.endsWith("(loai)")) && headers.some((h) => h.endsWith("(unit)")));
    assert.ok(headers.some((h) => /Họ và tên/.test(h)), "Vietnamese headers");
    assert.equal(sheet.getRow(2).getCell(1).value, "01", "an example row");
    assert.ok(wb.getWorksheet("Hướng dẫn"), "a notes sheet");

    const t = await c.get("/requests/import/template.csv");
    assert.equal(t.status, 200);
    const csvRes = await fetch(`${server.url}/requests/import/template.csv`, { headers: { cookie: [...c.cookies].map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join("; ") } });
    const csvBytes = Buffer.from(await csvRes.arrayBuffer());
    assert.deepEqual([...csvBytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], "UTF-8 BOM");
    assert.match(csvBytes.toString("utf8"), /Họ và tên \(fullName\)/);

    for (const [name, content] of [["mau.xlsx", xlsx], ["mau.csv", csvBytes]] as const) {
      const p = await upload("focal_a", name, content);
      assert.equal(p.status, 200, p.text.slice(0, 500));
      assert.deepEqual(errorsOn(p.text), [], `${name} re-imports without errors`);
      assert.ok(hashOn(p.text), `${name}: confirm is offered`);
      assert.match(p.text, /<span class="row-status">OK<\/span>/);
    }
    assert.equal(await bulkCount(), 0, "a preview creates nothing");
  });

  it("lists exactly the 2 errors of a file with 3 good and 2 bad rows, refuses to confirm it, and creates nothing", async function () {
    this.timeout(30_000);
    const file = csv(
      person("DEPT_A", "Nguyễn Văn Một", "099088000001", "mot@thunghiem.gov.vn"),
      org("COMMUNE_A1", "Trần Thị Văn Thư", "vanthu.hycuong@thunghiem.gov.vn"),
      device("DEPT_A", "Hệ thống một cửa"),
      person("DEPT_A", "Lê Văn Bốn", "09908800004", "bon@thunghiem.gov.vn"),
      person("DEPT_A", "Phạm Văn Năm", "099088000001", "nam@thunghiem.gov.vn"),
    );
    const p = await upload("focal_a", "ho-so.csv", file);
    assert.equal(p.status, 200);
    assert.deepEqual(errorsOn(p.text), ["5:nationalId", "6:nationalId"]);
    assert.match(p.text, /phải gồm đúng 12 chữ số/);
    assert.match(p.text, /Trùng với dòng 2 trong tệp/);
    assert.equal(hashOn(p.text), null, "no confirm button");
    const c = await clients.focal_a.post("/requests/import/confirm", { hash: sha256(file) });
    assert.equal(c.status, 409);
    assert.equal(await bulkCount(), 0);
    const refused = await knex("audit_log").where({ action: "request.bulk_import", outcome: "refused" }).count({ n: "*" }).first();
    assert.equal(Number((refused as { n: number | string }).n), 1, "the refused confirmation is audited");
  });

  it("creates every request of a good file in one go, as drafts with one audit entry each; confirming again creates nothing more", async function () {
    this.timeout(30_000);
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet("Hồ sơ");
    ws.addRow(["Loại hồ sơ (Mẫu) (loai)", "Mã đơn vị (unit)", "Họ và tên (fullName)", "Số CCCD (nationalId)", "Chức vụ (position)", "Thư điện tử công vụ (email)", "Người quản lý chứng thư (văn thư) (clerkName)", "Tên thiết bị, dịch vụ, phần mềm (deviceName)", "Mục đích sử dụng (purpose)", "Người chịu trách nhiệm (responsiblePerson)", "Tên miền (dnsNames)"]);
    ws.addRow(["01", "DEPT_A", "Đỗ Thị Hoa", "099190000011", "Phó Giám đốc", "hoa@thunghiem.gov.vn"]);
    ws.addRow(["1", "COMMUNE_A1", "Vũ Văn Hùng", "099090000012", "Chủ tịch", "hung@thunghiem.gov.vn"]);
    ws.addRow([]);
    ws.addRow(["02", "DEPT_A", null, null, null, "sotaichinh@thunghiem.gov.vn", "Ngô Thị Lan"]);
    ws.addRow(["03", "DEPT_A", null, null, null, null, null, "Cổng dịch vụ công", "Xác thực máy chủ", "Phòng CNTT", "dichvucong.thunghiem.gov.vn"]);
    const file = Buffer.from(await wb.xlsx.writeBuffer());
    const p = await upload("focal_a", "đợt-1.xlsx", file);
    assert.equal(p.status, 200);
    assert.deepEqual(errorsOn(p.text), []);
    const hash = hashOn(p.text)!;
    assert.equal(hash, sha256(file), "the preview is keyed by the file's SHA-256");
    assert.match(p.text, /đợt-1\.xlsx/, "the file's name as sent (UTF-8)");
    assert.match(p.text, /id="row-6"/, "row numbers as the spreadsheet shows them (a blank row in between)");
    const done = await clients.focal_a.post("/requests/import/confirm", { hash });
    assert.equal(done.status, 201, done.text.slice(0, 500));
    const rows = (await knex("requests").where({ source: "bulk" }).orderBy("id")) as Array<{ id: number; state: string; type: string; unit_id: number; summary: string; created_by: string }>;
    assert.equal(rows.length, 4);
    assert.deepEqual(rows.map((r) => [r.type, r.state, Number(r.unit_id)]), [
      ["new_individual", "draft", fx.units.DEPT_A],
      ["new_individual", "draft", fx.units.COMMUNE_A1],
      ["new_organization", "draft", fx.units.DEPT_A],
      ["new_device", "draft", fx.units.DEPT_A],
    ]);
    for (const r of rows) assert.match(done.text, new RegExp(`YC-${String(r.id).padStart(6, "0")}`));
    const audits = (await knex("audit_log").where({ action: "request.create", outcome: "ok" }).whereIn("object_id", rows.map((r) => String(r.id)))) as Array<{ object_id: string; details: string }>;
    assert.deepEqual(audits.map((a) => a.object_id).sort(), rows.map((r) => String(r.id)).sort(), "one audit entry per request");
    const events = await knex("request_events").whereIn("request_id", rows.map((r) => r.id)).where({ action: "create" });
    assert.equal(events.length, 4);

    const again = await clients.focal_a.post("/requests/import/confirm", { hash });
    assert.equal(again.status, 410, "a used preview cannot be confirmed again");
    const replay = await upload("focal_a", "đợt-1.xlsx", file);
    assert.equal((await clients.focal_a.post("/requests/import/confirm", { hash: hashOn(replay.text)! })).status, 201);
    assert.equal(await bulkCount(), 4, "the same file again is the same requests (idempotency key per row)");
  });

  it("creates none when a row fails inside the transaction (a unique constraint at the third row)", async function () {
    this.timeout(30_000);
    const file = csv(person("DEPT_A", "Hồ Văn Một", "099088100001", "hv1@thunghiem.gov.vn"), person("DEPT_A", "Hồ Văn Hai", "099088100002", "hv2@thunghiem.gov.vn"), person("DEPT_A", "Hồ Văn Ba", "099088100003", "hv3@thunghiem.gov.vn"));
    const p = await upload("focal_a", "lo-2.csv", file);
    const hash = hashOn(p.text)!;
    assert.ok(hash);
    // Another request already holds row 4's key in that unit: the INSERT of row 4 violates requests_unit_idempotency.
    await server.core.store.requests.insert(
      { type: "new_individual", state: "draft", unitId: fx.units.DEPT_A, subscriberId: null, targetSerial: null, tokenId: null, data: {}, summary: "chặn", csrDer: null, source: "api", idempotencyKey: `bulk:${hash.slice(0, 40)}:4`, createdByUserId: null, createdBy: "test", submittedAt: null, dueDate: null },
      new Date(),
    );
    const before = await bulkCount();
    const c = await clients.focal_a.post("/requests/import/confirm", { hash });
    assert.equal(c.status, 409);
    assert.match(c.text, /Không hồ sơ nào được tạo/);
    assert.equal(await bulkCount(), before, "rows 2 and 3 were rolled back with row 4");
    assert.equal((await knex("requests").where("summary", "like", "Hồ Văn%")).length, 0);
    const refusal = (await knex("audit_log").where({ action: "request.create_many", outcome: "refused" }).orderBy("id", "desc").first()) as { details: string | null };
    assert.match(String(refusal.details), /REQUEST_CONFLICT/, "the INSERT failed inside the transaction, after the checks");
  });

  it("refuses a focal point's rows for another agency's unit, and people who may not file", async function () {
    this.timeout(30_000);
    const file = csv(person("DEPT_B", "Lý Thị Sáu", "099088200006", "sau@thunghiem.gov.vn"), person("DEPT_A", "Lý Văn Bảy", "099088200007", "bay@thunghiem.gov.vn"), person("OTHER_PROV", "Lý Văn Tám", "099088200008", "tam@thunghiem.gov.vn"));
    const p = await upload("focal_b", "cheo.csv", file);
    assert.equal(p.status, 200);
    assert.deepEqual(errorsOn(p.text), ["3:unit", "4:unit"]);
    assert.match(p.text, /không thuộc phạm vi/);
    assert.equal((await clients.focal_b.post("/requests/import/confirm", { hash: sha256(file) })).status, 409);
    assert.equal((await clients.operator.get("/requests/import")).status, 403);
    assert.equal((await clients.operator.get("/requests/import/template.xlsx")).status, 403);
    assert.equal((await upload("operator", "x.csv", file)).status, 403);
    assert.equal((await upload("focal_a", "x.csv", file, {}, false)).status, 403, "no CSRF token, no import");
    const anonymous = await new WebClient(server.url).get("/requests/import");
    assert.equal(anonymous.status, 303);
    assert.equal((await knex("requests").where("summary", "like", "Lý %")).length, 0);
  });

  it("refuses a wrong file type, an empty file, a file without rows and too many rows with a clear message", async function () {
    this.timeout(30_000);
    const tooMany = csv(...Array.from({ length: BULK_MAX_ROWS + 1 }, (_, i) => person("DEPT_A", `Người ${i}`, String(99088300000 + i).padStart(12, "0"), `n${i}@thunghiem.gov.vn`)));
    const cases: Array<[string, Buffer, number, RegExp]> = [
      ["don.pdf", Buffer.from("%PDF-1.7\n%âãÏÓ\n"), 415, /Chỉ nhận tệp \.xlsx hoặc \.csv/],
      ["cu.xls", Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0]), 415, /\.xls\) không được hỗ trợ/],
      ["doi-ten.xlsx", Buffer.from("loai,unit\n01,DEPT_A\n"), 415, /Chỉ nhận tệp/],
      ["hong.xlsx", Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(100, 1)]), 400, /Không đọc được tệp \.xlsx/],
      ["rong.csv", Buffer.alloc(0), 400, /Tệp rỗng/],
      ["tieu-de.csv", csv(), 400, /không có dòng hồ sơ nào/],
      ["latin.csv", Buffer.concat([Buffer.from(HEADER + "\n01,DEPT_A,Nguy"), Buffer.from([0xea, 0xf1]), Buffer.from("n\n")]), 400, /UTF-8/],
      ["la.csv", Buffer.from("ho ten,cccd\nA,1\n"), 400, /không có trong mẫu/],
      ["nhieu.csv", tooMany, 413, new RegExp(`tối đa ${BULK_MAX_ROWS} dòng`)],
      ["to.csv", Buffer.alloc(5 * 1024 * 1024 + 10, 0x41), 413, /Tệp lớn hơn 5 MB/],
    ];
    for (const [name, content, status, message] of cases) {
      const r = await upload("focal_a", name, content);
      assert.equal(r.status, status, `${name}: ${r.text.slice(0, 300)}`);
      assert.match(r.text, message, name);
      assert.match(r.text, /role="alert"/);
    }
    assert.equal((await knex("requests").where("summary", "like", "Người %")).length, 0);
  });

  it("creates none when a unit is dissolved between preview and confirm", async function () {
    this.timeout(30_000);
    const file = csv(person("DEPT_A", "Mai Văn Chín", "099088400009", "chin@thunghiem.gov.vn"), person("COMMUNE_A1", "Mai Thị Mười", "099088400010", "muoi@thunghiem.gov.vn"));
    const p = await upload("focal_a", "giai-the.csv", file);
    const hash = hashOn(p.text)!;
    assert.ok(hash, p.text.slice(0, 400));
    const units = server.core.units;
    const batch = await units.draftBatch("Giải thể UBND xã Hy Cương", units.today(), [{ kind: "dissolve", unit: "COMMUNE_A1" }], "test");
    await units.apply(batch.id, "test");
    const c = await clients.focal_a.post("/requests/import/confirm", { hash });
    assert.equal(c.status, 409);
    assert.deepEqual(errorsOn(c.text), ["3:unit"]);
    assert.equal((await knex("requests").where("summary", "like", "Mai %")).length, 0);
  });

  it("confirms on another server of the same database what one server previewed (node:cluster, a restart); an expired preview is refused and cleared", async function () {
    this.timeout(60_000);
    const file = csv(person("DEPT_A", "Lò Văn Một", "099088600001", "mot@thunghiem.gov.vn"), device("DEPT_A", "Máy chủ hội nghị truyền hình"));
    const p = await upload("focal_a", "hai-may-chu.csv", file);
    const hash = hashOn(p.text)!;
    assert.ok(hash, p.text.slice(0, 400));
    const other = await startTestServer(db);
    try {
      // The same browser session (sessions are in the database), its next request served by the other process.
      const there = Object.assign(clients.focal_a.clone(), { baseUrl: other.url }) as WebClient;
      const done = await there.post("/requests/import/confirm", { hash });
      assert.equal(done.status, 201, done.text.slice(0, 500));
      assert.equal((await knex("requests").where("summary", "like", "Lò Văn Một%")).length, 1);
      assert.equal((await knex("bulk_import_previews").where({ sha256: hash })).length, 0, "a confirmed preview is gone");
      assert.equal((await clients.focal_a.post("/requests/import/confirm", { hash })).status, 410, "and cannot be confirmed again on the first server");

      // A preview older than the TTL (30 minutes) is refused wherever it is confirmed, and the next upload clears it.
      const late = csv(person("DEPT_A", "Lò Thị Hai", "099088600002", "hai@thunghiem.gov.vn"));
      const lateHash = hashOn((await upload("focal_a", "muon.csv", late)).text)!;
      const aged = new Date(Date.now() - 31 * 60_000).toISOString().slice(0, 19) + "Z";
      await knex("bulk_import_previews").where({ sha256: lateHash }).update({ created_at: aged });
      const refused = await there.post("/requests/import/confirm", { hash: lateHash });
      assert.equal(refused.status, 410);
      assert.match(refused.text, /Bản xem trước không còn \(quá 30 phút/);
      assert.equal((await knex("requests").where("summary", "like", "Lò Thị Hai%")).length, 0);
      await upload("focal_b", "khac.csv", csv(org("DEPT_B", "Văn thư B", "vanthu.b@thunghiem.gov.vn")));
      assert.equal((await knex("bulk_import_previews").where({ sha256: lateHash })).length, 0, "expired previews are deleted");
    } finally {
      await other.close();
    }
  });

  it("imports from the command line as a named user, all or nothing", async function () {
    this.timeout(60_000);
    const cli = (args: string[]) => runCli(args, db.env({ CA_KEY_PASSPHRASE: TEST_PASSPHRASE, DEMO: "0" }));
    const bad = join(db.dataDir, "cli-bad.csv");
    writeFileSync(bad, csv(person("", "Trịnh Văn A", "099088500001", "tva@thunghiem.gov.vn"), person("DEPT_B", "Trịnh Văn B", "099088500002", "tvb@thunghiem.gov.vn")));
    const refused = await cli(["request", "import", "--file", bad, "--unit", "DEPT_A", "--as", "focal_a"]);
    assert.equal(refused.status, 1, refused.stderr);
    assert.match(refused.stderr, /dòng 3 \[Mã đơn vị\]/);
    assert.match(lastLine(refused.stderr), /^error \[IMPORT_INVALID\]/);
    const good = join(db.dataDir, "cli-good.csv");
    writeFileSync(good, csv(person("", "Trịnh Văn A", "099088500001", "tva@thunghiem.gov.vn"), device("DEPT_A", "Máy chủ thư điện tử")));
    const dry = await cli(["request", "import", "--file", good, "--unit", "DEPT_A", "--as", "focal_a", "--dry-run"]);
    assert.equal(dry.status, 0, dry.stderr);
    assert.match(dry.stdout, /2 rows OK; nothing created/);
    assert.equal((await knex("requests").where("summary", "like", "Trịnh%")).length, 0);
    const ok = await cli(["request", "import", "--file", good, "--unit", "DEPT_A", "--as", "focal_a"]);
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /created 2 draft request/);
    assert.equal((await knex("requests").where({ source: "bulk" }).where("summary", "like", "Trịnh%")).length, 1);
    assert.equal((await knex("requests").where({ source: "bulk", summary: "Máy chủ thư điện tử" })).length, 1);
    const nobody = await cli(["request", "import", "--file", good, "--as", "operator"]);
    assert.match(lastLine(nobody.stderr), /^error \[FORBIDDEN\]/);
  });
});
