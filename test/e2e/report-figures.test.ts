// Report figures on the fixture province (test/e2e/fixtures/report-province.ts):
// every figure of the annual agency report and the provincial summary equals the
// hand count of the fixture's events, for 2024 (before the 1/7/2025 reform: the
// district includes its communes) and 2025 (after: merged commune, dissolved
// district); scoping; audit; ad-hoc views; the pages; and reproducibility
// (events added in 2026 leave the 2024 and 2025 reports unchanged).
import { strict as assert } from "node:assert";
import { isAppError } from "../../server/errors/app-error";
import type { AnyReport, ReportSection } from "../../server/reports/report-model";
import { startTestServer, type TestServer } from "../support/app";
import { PASSWORD } from "../support/access-fixture";
import { forEachDatabase } from "../support/databases";
import { WebClient } from "../support/web-client";
import { add2026Events, buildReportProvince, FixtureClock, type ReportProvince } from "./fixtures/report-province";

const section = (r: AnyReport, key: string): ReportSection => {
  const s = r.sections.find((x) => x.key === key);
  assert.ok(s, `section ${key}`);
  return s!;
};
/** The rows of a section as { rowKey: { column: value } }, numbers only for the given columns. */
const table = (r: AnyReport, key: string, cols: string[]): Record<string, Record<string, unknown>> =>
  Object.fromEntries(section(r, key).rows.map((row) => [String(row.key), Object.fromEntries(cols.map((c) => [c, row[c]]))]));

const CERT = ["issued", "active", "revoked", "expired"];
const UNIT = ["issued", "active", "revoked", "expired", "tokens", "requests", "late"];
const REQ = ["count", "median", "worst", "late"];
const c = (issued: number, active: number, revoked: number, expired: number) => ({ issued, active, revoked, expired });
const u = (issued: number, active: number, revoked: number, expired: number, tokens: number, requests: number, late: number) => ({ issued, active, revoked, expired, tokens, requests, late });

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (isAppError(e)) return e.code;
    throw e;
  }
  return "OK";
}

forEachDatabase("report figures on the fixture province", (db) => {
  let server: TestServer;
  const clock = new FixtureClock();
  let p: ReportProvince;

  before(async function () {
    this.timeout(120_000);
    server = await startTestServer(db, {}, clock.now);
    p = await buildReportProvince(server, clock, db.dataDir);
  });
  after(async () => server?.close());

  const reports = () => server.portal.reports;

  it("records the unit moves of the transfer and of the merger with their effective dates", async () => {
    const m1 = await server.core.store.reports.unitMoves("cert", p.certs.c1);
    assert.deepEqual(m1.map((m) => [m.fromUnitId, m.toUnitId, m.effectiveDate]), [[p.units.XA_A, p.units.SO, "2025-04-01"]]);
    const m2 = await server.core.store.reports.unitMoves("cert", p.certs.c2);
    assert.deepEqual(m2.map((m) => [m.fromUnitId, m.toUnitId, m.effectiveDate]), [[p.units.XA_B, p.units.XA_AB, "2025-07-01"]]);
    const t1 = await server.core.store.reports.unitMoves("token", String(p.tokens.T1));
    assert.deepEqual(t1.map((m) => [m.fromUnitId, m.toUnitId, m.effectiveDate]), [[p.units.XA_A, p.units.SO, "2025-04-01"]]);
  });

  it("2024 provincial summary (2020 structure: the district includes its communes)", async function () {
    this.timeout(20_000);
    const r = await reports().province(p.ctx.oversight, { year: 2024 });
    assert.deepEqual(r.totals, { issued: 5, activeAtYearEnd: 3, revoked: 1, expired: 1 });
    assert.deepEqual(section(r, "by_unit").rows.map((x) => x.key), [String(p.units.PROV), String(p.units.HUYEN), String(p.units.SO), "total"]);
    assert.deepEqual(table(r, "by_unit", UNIT), {
      [p.units.PROV]: u(0, 0, 0, 0, 0, 0, 0),
      [p.units.HUYEN]: u(4, 3, 0, 1, 1, 2, 1),
      [p.units.SO]: u(1, 0, 1, 0, 0, 0, 0),
      total: u(5, 3, 1, 1, 1, 2, 1),
    });
    assert.deepEqual(table(r, "certificates", CERT), { individual: c(3, 3, 0, 0), organization: c(1, 0, 1, 0), device: c(1, 0, 0, 1), total: c(5, 3, 1, 1) });
    assert.deepEqual(table(r, "tokens", ["in_stock", "recovered", "in_use", "total"]), {
      usb_token: { in_stock: 0, recovered: 1, in_use: 0, total: 1 },
      sim_pki: { in_stock: 1, recovered: 0, in_use: 0, total: 1 },
      hsm_slot: { in_stock: 0, recovered: 0, in_use: 0, total: 0 },
      total: { in_stock: 1, recovered: 1, in_use: 0, total: 2 },
    });
    assert.deepEqual(table(r, "activity", ["count"]), { new: { count: 1 }, renewed: { count: 0 }, changed: { count: 0 }, revoked: { count: 1 }, recovered: { count: 1 } });
    assert.deepEqual(table(r, "revocation_reasons", ["count"]), { "1": { count: 1 }, total: { count: 1 } });
    // R1: 5/2 → 16/2/2024 over Tết = 4 working days, due 15/2 (late); R2: 1 working day.
    assert.deepEqual(table(r, "requests", REQ), {
      new_individual: { count: 1, median: 4, worst: 4, late: 1 },
      token_recovery: { count: 1, median: 1, worst: 1, late: 0 },
      total: { count: 2, median: 2.5, worst: 4, late: 1 },
    });
    assert.deepEqual(r.previousTotals, { issued: 0, activeAtYearEnd: 0, revoked: 0, expired: 0 });
    assert.deepEqual(r.charts.monthly.filter((m) => m.issued || m.revoked).map((m) => [m.month, m.issued, m.revoked]), [[1, 1, 0], [2, 1, 0], [3, 2, 0], [5, 1, 0], [6, 0, 1]]);
    assert.deepEqual(r.charts.deviceMix.map((d) => [d.key, d.value]), [["usb_token", 1], ["sim_pki", 1], ["hsm_slot", 0]]);
  });

  it("2024 agency report of the district: its own figures and each commune's", async function () {
    this.timeout(20_000);
    const r = await reports().agency(p.ctx.oversight, { unit: "HUYEN", year: 2024 });
    assert.equal(r.meta.unit?.code, "HUYEN");
    assert.deepEqual(r.totals, { issued: 4, activeAtYearEnd: 3, revoked: 0, expired: 1 });
    assert.deepEqual(table(r, "certificates", CERT), { individual: c(3, 3, 0, 0), organization: c(0, 0, 0, 0), device: c(1, 0, 0, 1), total: c(4, 3, 0, 1) });
    assert.deepEqual(table(r, "by_unit", UNIT), {
      [p.units.HUYEN]: u(2, 1, 0, 1, 0, 0, 0),
      [p.units.XA_A]: u(1, 1, 0, 0, 1, 1, 0),
      [p.units.XA_B]: u(1, 1, 0, 0, 0, 1, 1),
      total: u(4, 3, 0, 1, 1, 2, 1),
    });
    assert.deepEqual(table(r, "tokens", ["recovered", "in_stock", "total"]).total, { recovered: 1, in_stock: 0, total: 1 });
    assert.deepEqual(table(r, "activity", ["count"]), { new: { count: 1 }, renewed: { count: 0 }, changed: { count: 0 }, revoked: { count: 0 }, recovered: { count: 1 } });
    assert.deepEqual(table(r, "revocation_reasons", ["count"]), { total: { count: 0 } });
    assert.deepEqual(table(r, "trainings", ["count"]), { sessions: { count: 1 }, people: { count: 20 } });
    assert.deepEqual(table(r, "inspections", ["count"]), { count: { count: 1 }, with_findings: { count: 1 } });
    assert.equal(table(r, "incidents", ["count"]).total!.count, 0);
    assert.deepEqual(section(r, "demand").rows.map((x) => x.total), [0, 0, 0, 0, 0, 0]);
  });

  it("2025 provincial summary (after the reform: merged commune, dissolved district under the province) with year-on-year on the 2025 tree", async function () {
    this.timeout(20_000);
    for (const who of [p.ctx.oversight, p.ctx.provincial]) {
      const r = await reports().province(who, { year: 2025 });
      assert.deepEqual(r.totals, { issued: 1, activeAtYearEnd: 2, revoked: 2, expired: 0 });
      assert.deepEqual(r.previousTotals, { issued: 5, activeAtYearEnd: 3, revoked: 1, expired: 1 });
      assert.deepEqual(table(r, "by_unit", UNIT), {
        [p.units.PROV]: u(0, 0, 1, 0, 0, 0, 0),
        [p.units.SO]: u(1, 1, 1, 0, 1, 1, 0),
        [p.units.XA_AB]: u(0, 1, 0, 0, 0, 0, 0),
        total: u(1, 2, 2, 0, 1, 1, 0),
      });
      assert.deepEqual(table(r, "certificates", CERT), { individual: c(1, 2, 2, 0), organization: c(0, 0, 0, 0), device: c(0, 0, 0, 0), total: c(1, 2, 2, 0) });
      assert.deepEqual(table(r, "tokens", ["in_stock", "recovered", "total"]).total, { in_stock: 1, recovered: 1, total: 2 });
      assert.deepEqual(table(r, "activity", ["count"]), { new: { count: 0 }, renewed: { count: 0 }, changed: { count: 0 }, revoked: { count: 2 }, recovered: { count: 0 } });
      assert.deepEqual(table(r, "revocation_reasons", ["count"]), { "5": { count: 2 }, total: { count: 2 } });
      // R3: Fri 29/8 → Fri 5/9/2025 with 1–2/9 off = 3 working days, due 5/9.
      assert.deepEqual(table(r, "requests", REQ), { revocation: { count: 1, median: 3, worst: 3, late: 0 }, total: { count: 1, median: 3, worst: 3, late: 0 } });
      assert.deepEqual(table(r, "year_on_year", ["issuedPrev", "issued", "activePrev", "active", "activeChange", "revokedPrev", "revoked"]), {
        [p.units.PROV]: { issuedPrev: 2, issued: 0, activePrev: 1, active: 0, activeChange: -100, revokedPrev: 0, revoked: 1 },
        [p.units.SO]: { issuedPrev: 1, issued: 1, activePrev: 0, active: 1, activeChange: null, revokedPrev: 1, revoked: 1 },
        [p.units.XA_AB]: { issuedPrev: 2, issued: 0, activePrev: 2, active: 1, activeChange: -50, revokedPrev: 0, revoked: 0 },
        total: { issuedPrev: 5, issued: 1, activePrev: 3, active: 2, activeChange: -33.3, revokedPrev: 1, revoked: 2 },
      });
    }
  });

  it("scoping: a focal point's report holds only its subtree; other units are not found, the province is forbidden; all refusals audited", async function () {
    this.timeout(20_000);
    const so2024 = await reports().agency(p.ctx.focal_so, { unit: "SO", year: 2024 });
    assert.deepEqual(table(so2024, "certificates", CERT), { individual: c(0, 0, 0, 0), organization: c(1, 0, 1, 0), device: c(0, 0, 0, 0), total: c(1, 0, 1, 0) });
    assert.deepEqual(table(so2024, "tokens", ["in_stock", "recovered", "total"]).total, { in_stock: 1, recovered: 0, total: 1 }, "T1 was still at the commune in 2024");
    const so2025 = await reports().agency(p.ctx.focal_so, { unit: String(p.units.SO), year: 2025 });
    assert.deepEqual(table(so2025, "certificates", CERT).total, c(1, 1, 1, 0));
    assert.deepEqual(section(so2025, "by_unit").rows.map((x) => x.key), [String(p.units.SO), "total"]);
    assert.deepEqual(table(so2025, "incidents", ["count"]), { lost_key: { count: 1 }, compromised_key: { count: 0 }, outage: { count: 0 }, misuse: { count: 0 }, other: { count: 0 }, closed: { count: 1 }, open: { count: 0 }, total: { count: 1 } });
    assert.deepEqual(table(so2024, "trainings", ["count"]), { sessions: { count: 0 }, people: { count: 0 } });
    const ab2025 = await reports().agency(p.ctx.focal_ab, { unit: "XA_AB", year: 2025 });
    assert.deepEqual(ab2025.totals, { issued: 0, activeAtYearEnd: 1, revoked: 0, expired: 0 });
    assert.equal(await code(reports().agency(p.ctx.focal_ab, { unit: "XA_AB", year: 2024 })), "NOT_FOUND", "the merged commune did not exist in 2024");
    assert.equal(await code(reports().agency(p.ctx.focal_so, { unit: "HUYEN", year: 2024 })), "NOT_FOUND");
    assert.equal(await code(reports().agency(p.ctx.focal_so, { unit: "PROV", year: 2025 })), "NOT_FOUND");
    assert.equal(await code(reports().province(p.ctx.focal_so, { year: 2025 })), "FORBIDDEN");
    assert.equal(await code(reports().agency(p.ctx.oversight, { unit: "SO", year: 1999 })), "INPUT_INVALID");
    const audit = await server.core.store.audit.recent(50);
    assert.ok(audit.some((a) => a.action === "report.province" && a.outcome === "refused" && a.actor === "web:focal_so"), "the forbidden province report is audited");
    assert.ok(audit.some((a) => a.action === "report.agency" && a.outcome === "refused" && a.objectId === String(p.units.HUYEN)), "the out-of-scope unit is audited");
    const gen = audit.find((a) => a.action === "report.generate" && a.actor === "web:focal_ab")!;
    assert.equal(gen.objectId, "agency:XA_AB:2025");
    assert.equal((gen.details as Record<string, unknown>).figuresSha256, ab2025.meta.fingerprint.figuresSha256);
  });

  it("ad-hoc views: expiring in 30/60/90 days, requests past deadline, revocations by reason, who holds what", async function () {
    this.timeout(20_000);
    const saved = clock.t;
    try {
      clock.set("2026-09-01");
      // c1 (SO) expires 11/10/2026 (40 days), c2 (XA_AB) 12/11/2026 (72 days).
      const exp = await reports().adhoc(p.ctx.oversight, "expiring", {});
      assert.deepEqual(table(exp, "expiring", ["d30", "d60", "d90"]), { [p.units.SO]: { d30: 0, d60: 1, d90: 1 }, [p.units.XA_AB]: { d30: 0, d60: 0, d90: 1 }, total: { d30: 0, d60: 1, d90: 2 } });
      const mine = await reports().adhoc(p.ctx.focal_so, "expiring", {});
      assert.deepEqual(table(mine, "expiring", ["d90"]), { [p.units.SO]: { d90: 1 }, total: { d90: 1 } });
    } finally {
      clock.t = saved;
    }
    // The change requests the transfer (1/4/2025) and the merger (1/7/2025) opened are still waiting.
    const od = await reports().adhoc(p.ctx.oversight, "overdue_requests", {});
    assert.equal(section(od, "overdue_requests").rows.length, 2);
    const odSo = await reports().adhoc(p.ctx.focal_so, "overdue_requests", {});
    assert.deepEqual(section(odSo, "overdue_requests").rows.map((x) => x.unit), ["Sở Nội vụ"]);
    const rv = await reports().adhoc(p.ctx.oversight, "revocations", { from: "2024-01-01", to: "2025-12-31" });
    assert.deepEqual(table(rv, "revocation_reasons", ["count"]), { "1": { count: 1 }, "5": { count: 2 }, total: { count: 3 } });
    const rvSo = await reports().adhoc(p.ctx.focal_so, "revocations", { from: "2025-01-01", to: "2025-12-31" });
    assert.deepEqual(table(rvSo, "revocation_reasons", ["count"]), { "5": { count: 1 }, total: { count: 1 } });
    const hold = await reports().adhoc(p.ctx.focal_so, "holdings", { unit: "SO" });
    assert.deepEqual(section(hold, "holdings").rows.map((x) => [x.holder, x.serial, x.token]), [["Nguyễn Văn An", p.certs.c1, "USB token TK-T1"]]);
    assert.equal(await code(reports().adhoc(p.ctx.focal_so, "holdings", { unit: "XA_AB" })), "NOT_FOUND");
  });

  it("pages: chooser, agency and provincial reports with inline SVG charts, no inline script or style, the data fingerprint shown", async function () {
    this.timeout(30_000);
    const web = new WebClient(server.url);
    assert.equal((await web.signIn("oversight", PASSWORD)).status, 303);
    const index = await web.get("/reports");
    assert.equal(index.status, 200);
    assert.match(index.text, /action="\/reports\/province"/);
    const page = await web.get("/reports/province?year=2025");
    assert.equal(page.status, 200);
    assert.equal((page.text.match(/<svg /g) ?? []).length, 4);
    assert.doesNotMatch(page.text, /<script|\sstyle="/);
    assert.match(page.text, /id="section-year_on_year"/);
    assert.match(page.text, /UBND xã Sông Lô/);
    const sha = /id="figures-sha256">([0-9a-f]{64})</.exec(page.text)?.[1];
    assert.equal(sha, (await reports().province(p.ctx.oversight, { year: 2025 })).meta.fingerprint.figuresSha256);
    const agency = await web.get("/reports/agency?unit=HUYEN&year=2024&lang=en");
    assert.equal(agency.status, 200);
    assert.match(agency.text, /Annual certificate report 2024/);
    assert.equal((await web.get("/reports/agency?unit=HUYEN&year=abc")).status, 400);
    const focal = new WebClient(server.url);
    assert.equal((await focal.signIn("focal_so", PASSWORD)).status, 303);
    assert.equal((await focal.get("/reports/province?year=2025")).status, 403);
    assert.equal((await focal.get("/reports/agency?unit=HUYEN&year=2024")).status, 404);
    const own = await focal.get("/reports/holdings?unit=SO");
    assert.equal(own.status, 200);
  });

  it("reproducible: events of 2026 leave the 2024 and 2025 reports' figures unchanged", async function () {
    this.timeout(30_000);
    const before = {
      p24: await reports().province(p.ctx.oversight, { year: 2024 }),
      p25: await reports().province(p.ctx.oversight, { year: 2025 }),
      a24: await reports().agency(p.ctx.oversight, { unit: "HUYEN", year: 2024 }),
      s25: await reports().agency(p.ctx.focal_so, { unit: "SO", year: 2025 }),
    };
    await add2026Events(server, clock, db.dataDir, p);
    const after = {
      p24: await reports().province(p.ctx.oversight, { year: 2024 }),
      p25: await reports().province(p.ctx.oversight, { year: 2025 }),
      a24: await reports().agency(p.ctx.oversight, { unit: "HUYEN", year: 2024 }),
      s25: await reports().agency(p.ctx.focal_so, { unit: "SO", year: 2025 }),
    };
    for (const k of ["p24", "p25", "a24", "s25"] as const) {
      assert.deepEqual(after[k].sections, before[k].sections, k);
      assert.equal(after[k].meta.fingerprint.figuresSha256, before[k].meta.fingerprint.figuresSha256, k);
    }
    assert.equal(after.p25.meta.fingerprint.certificateCount, before.p25.meta.fingerprint.certificateCount + 1, "the data did change (c7)");
    const y26 = await reports().province(p.ctx.oversight, { year: 2026 });
    // 2026: c7 issued and active; c1 revoked 2/3; c2 expires 12/11/2026.
    assert.deepEqual(y26.totals, { issued: 1, activeAtYearEnd: 1, revoked: 1, expired: 1 });
  });
});
