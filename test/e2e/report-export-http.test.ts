// Report downloads over real HTTP on both databases: CSV and XLSX of the agency
// report carry the report service's numbers (read back with csv-parse and
// exceljs), the PDF has the Decree 30 heading (pdftotext), everything is scoped
// and refused like the HTML page and audited; a signed PDF verifies with
// `openssl cms -verify` against the root the page offers, and fails after one byte changes.
import { strict as assert } from "node:assert";
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Actor, CallContext } from "../../server/access/actor";
import type { Role } from "../../server/access/roles";
import type { ReportSection } from "../../server/reports/report-model";
import { XLSX_HEADER_ROW } from "../../server/reports/export/xlsx-export";
import { forEachDatabase } from "../support/databases";
import { startTestServer, TestServer } from "../support/app";
import { AccessFixture, PASSWORD, seedAccessFixture } from "../support/access-fixture";
import { opensslAsync } from "../support/openssl-async";
import { WebClient } from "../support/web-client";
import { expectedCsvRows, readPdf, sectionsFromCsv, workbookOf } from "./report-export-fixture";

// Reports go up to the current year: run "in" November 2026 whatever the real date.
const OFFSET = Date.parse("2026-11-23T03:00:00Z") - Date.now();
const clock = () => new Date(Date.now() + OFFSET);

type Who = "focal_a" | "focal_b" | "oversight" | "provincial";

async function download(c: WebClient, path: string): Promise<{ status: number; type: string | null; disposition: string | null; body: Buffer }> {
  const res = await fetch(c.baseUrl + path, { headers: { cookie: [...c.cookies].map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join("; ") }, redirect: "manual" });
  return { status: res.status, type: res.headers.get("content-type"), disposition: res.headers.get("content-disposition"), body: Buffer.from(await res.arrayBuffer()) };
}

forEachDatabase("report export over HTTP", (db) => {
  let server: TestServer;
  let fx: AccessFixture;
  const clients = {} as Record<Who, WebClient>;

  before(async function () {
    this.timeout(90_000);
    server = await startTestServer(db, {}, clock);
    fx = await seedAccessFixture(server, db.dataDir);
    for (const who of ["focal_a", "focal_b", "oversight", "provincial"] as Who[]) {
      clients[who] = new WebClient(server.url);
      assert.equal((await clients[who].signIn(who, PASSWORD)).status, 303, `${who} signs in`);
    }
  });
  after(async () => {
    await server?.close();
  });

  const ctxOf = (who: Who, role: Role, unitId: number | null): CallContext => {
    const actor: Actor = { userId: fx.users[who], username: who, displayName: who, roles: [{ role, unitId }] };
    return { actor, requestId: "test" };
  };
  const agencyA = () => server.portal.reports.agency(ctxOf("focal_a", "agency_focal_point", fx.units.DEPT_A), { unit: "DEPT_A", year: 2026 });
  const numbersOf = (s: ReportSection) => s.rows.map((r) => s.columns.filter((c) => c.kind !== "text").map((c) => r[c.key] ?? null));

  it("CSV: the agency report of the focal point's unit, UTF-8 with BOM, parses back to the report service's numbers, audited with its hash", async function () {
    this.timeout(30_000);
    const r = await download(clients.focal_a, "/reports/agency.csv?unit=DEPT_A&year=2026");
    assert.equal(r.status, 200, r.body.toString());
    assert.match(r.type ?? "", /^text\/csv; charset=utf-8/);
    assert.match(r.disposition ?? "", /attachment; filename="report-agency-DEPT_A-2026\.csv"/);
    const back = sectionsFromCsv(r.body);
    assert.equal(back.bom, true);
    const report = await agencyA();
    assert.ok(report.sections.length >= 5);
    assert.ok(report.totals.issued >= 2, "the fixture issued certificates in DEPT_A and its commune this year");
    assert.deepEqual([...back.sections.keys()], report.sections.map((s) => s.key));
    for (const s of report.sections) assert.deepEqual(back.sections.get(s.key)!.rows, expectedCsvRows(s), s.key);
    const meta = new Map(back.meta.map(([k, v]) => [k, v]));
    assert.equal(meta.get("Dấu vân tay số liệu (SHA-256)"), report.meta.fingerprint.figuresSha256, "same figures as the service computes now");
    const audit = (await server.core.store.audit.forObject("report", "agency:DEPT_A:2026")).filter((e) => e.action === "report.export");
    assert.ok(audit.some((e) => e.actor === "web:focal_a" && e.outcome === "ok" && (e.details as Record<string, unknown>).sha256 === createHash("sha256").update(r.body).digest("hex") && (e.details as Record<string, unknown>).format === "csv"));
  });

  it("XLSX: opens with exceljs to the same numbers, a sheet per section", async function () {
    this.timeout(30_000);
    const r = await download(clients.focal_a, "/reports/agency.xlsx?unit=DEPT_A&year=2026");
    assert.equal(r.status, 200);
    assert.equal(r.type, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    const wb = await workbookOf(r.body);
    const report = await agencyA();
    assert.equal(wb.worksheets.length, report.sections.length + 1);
    report.sections.forEach((s, i) => {
      const ws = wb.worksheets[i + 1]!;
      const got = s.rows.map((_, k) => s.columns.map((c, j) => ({ c, v: ws.getRow(XLSX_HEADER_ROW + 1 + k).getCell(j + 1).value })).filter((x) => x.c.kind !== "text").map((x) => x.v ?? null));
      assert.deepEqual(got, numbersOf(s), s.key);
    });
  });

  it("PDF: the Decree 30 heading of the unit under its province, and page 1 renders", async function () {
    this.timeout(30_000);
    const r = await download(clients.focal_a, "/reports/agency.pdf?unit=DEPT_A&year=2026");
    assert.equal(r.status, 200);
    assert.equal(r.type, "application/pdf");
    const { text, ink } = readPdf(r.body);
    for (const line of ["TỈNH THỬ NGHIỆM", "SỞ TÀI CHÍNH", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "Thử Nghiệm, ngày 23 tháng 11 năm 2026", "BÁO CÁO", "Trang 1/"]) {
      assert.ok(text.includes(line), `pdftotext has ${JSON.stringify(line)}:\n${text}`);
    }
    assert.ok(ink > 0.005);
  });

  it("is scoped like the HTML page: another agency's unit is 404, the province summary 403 for a focal point, 200 for oversight", async function () {
    this.timeout(30_000);
    assert.equal((await download(clients.focal_a, "/reports/agency.csv?unit=DEPT_B&year=2026")).status, 404);
    assert.equal((await download(clients.focal_a, "/reports/province.pdf?year=2026")).status, 403);
    assert.equal((await download(clients.focal_a, "/reports/agency.xlsx?unit=DEPT_A&year=1999")).status, 400);
    const exports = (await server.core.store.audit.forObject("report", "agency:DEPT_B:2026")).filter((e) => e.action === "report.export");
    assert.equal(exports.length, 0, "a refused report is never exported");
    const prov = await download(clients.oversight, "/reports/province.xlsx?year=2026");
    assert.equal(prov.status, 200);
    // Two provinces in the fixture: the summary of both is issued by the CA's operator (config.ca), not by one of them.
    const provPdf = readPdf((await download(clients.oversight, "/reports/province.pdf?year=2026")).body).text;
    assert.ok(provPdf.includes("CHUNGTHU TEST CA (KHÔNG DÙNG THẬT)") && provPdf.includes("Hà Nội, ngày 23 tháng 11 năm 2026"), provPdf);
    const exp = await download(clients.provincial, "/reports/expiring.csv");
    assert.equal(exp.status, 200);
    assert.equal(sectionsFromCsv(exp.body).bom, true);
    // Signed out: the sign-in page, never a file.
    const anon = await fetch(`${server.url}/reports/agency.csv?unit=DEPT_A&year=2026`, { redirect: "manual" });
    assert.notEqual(anon.status, 200);
  });

  it("signs a PDF: POST /reports/sign → a page with the file, its .p7s and root.pem; openssl cms -verify accepts it and refuses a changed byte; only its maker can fetch it", async function () {
    this.timeout(60_000);
    const page = await clients.focal_a.get("/reports/holdings?unit=DEPT_A");
    assert.equal(page.status, 200, page.text.slice(0, 500));
    const res = await clients.focal_a.post("/reports/sign", { view: "agency", format: "pdf", unit: "DEPT_A", year: "2026" });
    assert.equal(res.status, 303, res.text.slice(0, 800));
    const at = res.location!;
    assert.match(at, /^\/reports\/signed\/[0-9a-f]{32}$/);
    const signedPage = await clients.focal_a.get(at);
    assert.equal(signedPage.status, 200);
    assert.ok(signedPage.text.includes("openssl cms -verify -binary -inform DER -in report-agency-DEPT_A-2026.pdf.p7s -content report-agency-DEPT_A-2026.pdf -CAfile root.pem -purpose any"));

    const dir = db.dataDir;
    const content = await download(clients.focal_a, `${at}/report-agency-DEPT_A-2026.pdf`);
    const p7s = await download(clients.focal_a, `${at}/report-agency-DEPT_A-2026.pdf.p7s`);
    const root = await download(clients.focal_a, `${at}/root.pem`);
    assert.equal(content.status, 200);
    assert.equal(p7s.type, "application/pkcs7-signature");
    assert.match(root.body.toString(), /^-----BEGIN CERTIFICATE-----/);
    writeFileSync(join(dir, "report.pdf"), content.body);
    writeFileSync(join(dir, "report.pdf.p7s"), p7s.body);
    writeFileSync(join(dir, "root.pem"), root.body);
    const args = (file: string) => ["cms", "-verify", "-binary", "-inform", "DER", "-in", join(dir, "report.pdf.p7s"), "-content", join(dir, file), "-CAfile", join(dir, "root.pem"), "-purpose", "any", "-out", join(dir, "verified.bin")];
    const ok = await opensslAsync(args("report.pdf"));
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stderr, /Verification successful/);
    assert.ok(readPdf(content.body).text.includes("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"));

    const changed = Buffer.from(content.body);
    changed[Math.floor(changed.length / 2)] = changed[Math.floor(changed.length / 2)]! ^ 0x20;
    writeFileSync(join(dir, "changed.pdf"), changed);
    const bad = await opensslAsync(args("changed.pdf"));
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /digest failure|Verification failure/i);

    const sig = (await server.core.store.audit.forObject("report", "agency:DEPT_A:2026")).find((e) => e.action === "report.sign");
    assert.equal((sig?.details as Record<string, unknown>).sha256, createHash("sha256").update(content.body).digest("hex"));
    assert.equal((await clients.focal_b.get(at)).status, 404, "another user cannot see the bundle");
    assert.equal((await download(clients.focal_b, `${at}/report-agency-DEPT_A-2026.pdf`)).status, 404);
    assert.equal((await download(clients.focal_a, `${at}/other.pdf`)).status, 404);

    // An XLSX copy of the provincial summary, signed for oversight, verifies the same way.
    await clients.oversight.get("/reports/province?year=2026");
    const x = await clients.oversight.post("/reports/sign", { view: "province", format: "xlsx", year: "2026" });
    assert.equal(x.status, 303, x.text.slice(0, 500));
    const xlsx = await download(clients.oversight, `${x.location}/report-province-2026.xlsx`);
    const xsig = await download(clients.oversight, `${x.location}/report-province-2026.xlsx.p7s`);
    assert.equal(xlsx.status, 200);
    writeFileSync(join(dir, "report.xlsx"), xlsx.body);
    writeFileSync(join(dir, "report.xlsx.p7s"), xsig.body);
    const xok = await opensslAsync(["cms", "-verify", "-binary", "-inform", "DER", "-in", join(dir, "report.xlsx.p7s"), "-content", join(dir, "report.xlsx"), "-CAfile", join(dir, "root.pem"), "-purpose", "any", "-out", join(dir, "verified.xlsx")]);
    assert.equal(xok.status, 0, xok.stderr);
    assert.equal((await workbookOf(xlsx.body)).worksheets[0]!.name, "Thông tin báo cáo");

    // Signing goes through the same scope check as the page.
    const refused = await clients.focal_a.post("/reports/sign", { view: "agency", format: "csv", unit: "DEPT_B", year: "2026" });
    assert.equal(refused.status, 404);
  });
});
