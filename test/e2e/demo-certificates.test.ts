// DEMO=1: start-up issues about 300 real certificates in the demo province, in
// every state (active, expiring, expired, revoked for several reasons), spread
// over its units; they verify with openssl against the root; a second seeding
// does nothing; a focal point's scope sees only its own agency's. DEMO=0 seeds
// nothing at all.
import { strict as assert } from "node:assert";
import { join } from "node:path";
import { forEachDatabase } from "../support/databases";
import { startTestServer, TestServer } from "../support/app";
import { openssl, opensslOk, writeTemp, formatOpensslResult } from "../support/openssl";
import { DEMO_CERTIFICATE_COUNT, emailLocalPart, seedDemoCertificates } from "../../server/demo/demo-certificates";
import { seedDemoRequests } from "../../server/demo/demo-requests";
import { DEMO_PROVINCE_CODE } from "../../server/demo/demo-province";
import { demoNationalId, seedDemoSubscribers } from "../../server/demo/demo-subscribers";
import { createScoper } from "../../server/access/scope";
import { unitSourceFromStore } from "../../server/directory/unit-source";
import type { CertificateSummary, UnitFilter } from "../../server/store/certificate-query-store";
import { CrlReason } from "../../server/ra/revocation-reasons";

const pem = (der: Buffer) => `-----BEGIN CERTIFICATE-----\n${der.toString("base64").replace(/.{64}/g, "$&\n").replace(/\n?$/, "\n")}-----END CERTIFICATE-----\n`;

forEachDatabase("demo certificates", (db) => {
  let server: TestServer;
  let demoUnits: number[];
  let all: CertificateSummary[];
  let startMs: number;
  let fromRequests = new Set<string>();
  let requestSubscribers = new Set<number>();

  async function list(units: UnitFilter): Promise<CertificateSummary[]> {
    const out: CertificateSummary[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await server.core.store.certificateQueries.list({ units, now: new Date(), limit: 100, after });
      out.push(...page.rows);
      if (!page.next) return out;
      after = page.next;
    }
  }

  before(async function () {
    this.timeout(180_000);
    const t = Date.now();
    server = await startTestServer(db, { demo: true });
    startMs = Date.now() - t;
    const source = unitSourceFromStore(server.core.store.units);
    demoUnits = await source.subtreeIds((await source.findByCode(DEMO_PROVINCE_CODE))!.id, new Date());
    // The demo requests (server/demo/demo-requests.ts) issue through the workflow too: not part of the 300.
    const completed = await server.core.store.requests.list({ units: { all: true }, states: ["completed"], today: "", sort: "newest", limit: 100, offset: 0 });
    fromRequests = new Set(completed.rows.map((r) => r.resultSerial).filter((s): s is string => s !== null));
    requestSubscribers = new Set(completed.rows.map((r) => r.subscriberId).filter((s): s is number => s !== null));
    all = (await list({ all: false, unitIds: demoUnits })).filter((c) => !fromRequests.has(c.serial));
  });

  after(async () => {
    await server?.close();
  });

  it("issues the demo certificates at start-up, in every state and over many units", () => {
    const line = server.logs.map((l) => JSON.parse(l) as { msg: string }).find((l) => l.msg.startsWith("demo certificates:"));
    assert.ok(line, "one start-up line with the counts");
    assert.match(line.msg, /^demo certificates: 300 in \d+ units/);
    assert.equal(all.length, DEMO_CERTIFICATE_COUNT);
    assert.ok(startMs < 60_000, `start-up with the demo data took ${startMs} ms`);
    const now = Date.now();
    const active = all.filter((c) => c.status === "valid" && c.notAfter.getTime() > now);
    const expired = all.filter((c) => c.status === "valid" && c.notAfter.getTime() <= now);
    const revoked = all.filter((c) => c.status === "revoked");
    const within = (d: number) => active.filter((c) => c.notAfter.getTime() - now < d * 86_400_000).length;
    assert.ok(within(30) >= 3, `expiring within 30 days: ${within(30)}`);
    assert.ok(within(90) > within(30), "more expire within 90 days than within 30");
    assert.ok(expired.length >= 10, `expired: ${expired.length}`);
    assert.ok(revoked.length >= 0.15 * all.length && revoked.length <= 0.3 * all.length, `revoked: ${revoked.length}`);
    assert.ok(active.length >= 0.5 * all.length, `active: ${active.length}`);
    const reasons = new Set(revoked.map((c) => c.revocationReason));
    for (const r of ["keyCompromise", "affiliationChanged", "superseded", "cessationOfOperation"] as const) assert.ok(reasons.has(CrlReason[r]), `a revocation for ${r}`);
    assert.ok(reasons.size >= 5, `${reasons.size} revocation reasons`);
    assert.ok(!reasons.has(CrlReason.certificateHold));
    for (const c of revoked) assert.ok(c.revokedAt! > c.notBefore && c.revokedAt! < c.notAfter, `${c.serial} revoked while valid`);
    const byProfile = (p: string) => all.filter((c) => c.profile === p).length;
    assert.ok(byProfile("organization") >= 0.12 * all.length && byProfile("organization") <= 0.22 * all.length, `organisation: ${byProfile("organization")}`);
    assert.ok(byProfile("device") >= 2, `device: ${byProfile("device")}`);
    const units = new Set(all.map((c) => c.unitId));
    assert.equal(units.size, demoUnits.length, "every demo unit of today has certificates");
    // Names: NFC, three or more words, e-mail on the unit's domain.
    const people = all.filter((c) => c.profile === "individual");
    for (const c of people) {
      assert.equal(c.commonName, c.commonName.normalize("NFC"));
      assert.ok(c.commonName.split(" ").length >= 3, c.commonName);
      assert.match(c.email!, /^[a-z]+\d*@[a-z]+\.thunghiemsonha\.gov\.vn$|^[a-z]+\d*@thunghiemsonha\.gov\.vn$/);
    }
    assert.ok(new Set(people.map((c) => c.commonName)).size > 0.8 * people.length, "names vary");
  });

  it("gives key-compromise revocations an invalidity date before the revocation", async () => {
    const kc = all.filter((c) => c.revocationReason === CrlReason.keyCompromise);
    assert.ok(kc.length >= 3, `${kc.length} key compromises`);
    for (const c of kc) {
      const r = (await server.core.store.certificates.findBySerial(c.serial))!;
      assert.ok(r.invalidityDate, `${c.serial} has an invalidity date`);
      assert.ok(r.invalidityDate <= r.revokedAt! && r.invalidityDate >= r.notBefore);
    }
  });

  it("issued real certificates: a sample verifies with openssl against the root", async () => {
    const now = Date.now();
    const pick = (f: (c: CertificateSummary) => boolean) => all.find(f)!;
    const samples = {
      individual: pick((c) => c.profile === "individual" && c.status === "valid" && c.notAfter.getTime() > now + 90 * 86_400_000),
      organization: pick((c) => c.profile === "organization" && c.status === "valid" && c.notAfter.getTime() > now),
      device: pick((c) => c.profile === "device"),
      expiring: pick((c) => c.status === "valid" && c.notAfter.getTime() > now && c.notAfter.getTime() < now + 30 * 86_400_000),
      revoked: pick((c) => c.status === "revoked"),
      expired: pick((c) => c.status === "valid" && c.notAfter.getTime() <= now),
    };
    const root = join(db.dataDir, "pki", "root.crt.pem");
    const issuing = join(db.dataDir, "pki", "issuing.crt.pem");
    for (const [name, c] of Object.entries(samples)) {
      assert.ok(c, `a ${name} sample`);
      const der = (await server.core.store.certificates.findBySerial(c.serial))!.certDer!;
      const file = writeTemp(db.dataDir, `demo-${name}.pem`, pem(der));
      if (name === "expired") {
        const r = openssl(["verify", "-CAfile", root, "-untrusted", issuing, file]);
        assert.notEqual(r.status, 0, formatOpensslResult(r));
        assert.match(r.stdout + r.stderr, /certificate has expired/);
        opensslOk(["verify", "-no_check_time", "-CAfile", root, "-untrusted", issuing, file]);
      } else {
        assert.match(opensslOk(["verify", "-CAfile", root, "-untrusted", issuing, file]).stdout, /: OK/);
      }
      const text = opensslOk(["x509", "-in", file, "-noout", "-subject", "-nameopt", "utf8,sep_comma_plus"]).stdout;
      assert.match(text, /C=VN/);
      if (name === "individual") assert.ok(text.includes(c.commonName), text);
    }
    assert.equal(emailLocalPart("Nguyễn Văn An"), "annv");
    assert.equal(emailLocalPart("Đặng Thị Đào"), "daodt");
  });

  it("keeps the audit chain intact", async function () {
    this.timeout(60_000);
    const v = await server.core.auditLog.verify();
    assert.equal(v.intact, true, JSON.stringify(v).slice(0, 500));
  });

  it("registers the subscribers of the demo certificates: one per official, the unit's seal, each device", async () => {
    const store = server.core.store;
    const units = { all: false as const, unitIds: demoUnits };
    const subscribers = [];
    let after: string | undefined;
    for (;;) {
      const page = await store.subscribers.list({ units, limit: 100, after });
      subscribers.push(...page.rows.filter((s) => !requestSubscribers.has(s.id)));
      if (!page.next) break;
      after = page.next;
    }
    const holder = new Map<string, number>();
    for (const c of all) {
      const id = await store.subscribers.subscriberIdOf(c.serial);
      assert.ok(id !== null, `${c.serial} has a subscriber`);
      holder.set(c.serial, id);
    }
    const byId = new Map(subscribers.map((s) => [s.id, s]));
    for (const c of all) {
      const s = byId.get(holder.get(c.serial)!)!;
      assert.equal(s.kind, c.profile);
      assert.equal(s.unitId, c.unitId);
      assert.equal(s.name, c.commonName);
    }
    const people = subscribers.filter((s) => s.kind === "individual");
    assert.equal(people.length, all.filter((c) => c.profile === "individual").length, "one subscriber per official");
    for (const p of people) {
      assert.match(p.nationalId!, /^099[01]\d{8}$/);
      assert.ok(p.position, `${p.name} has a position`);
    }
    assert.equal(new Set(people.map((p) => p.nationalId)).size, people.length, "citizen ids differ");
    const seals = subscribers.filter((s) => s.kind === "organization");
    assert.equal(seals.length, new Set(all.filter((c) => c.profile === "organization").map((c) => c.unitId)).size, "one seal subscriber per unit");
    assert.ok(all.filter((c) => c.profile === "organization").length > seals.length, "a seal subscriber holds several certificates");
    assert.ok(subscribers.filter((s) => s.kind === "device").every((d) => d.purpose && d.responsiblePerson));
    assert.equal(demoNationalId("SH-STC|Nguyễn Văn An|annv@stc.gov.vn"), demoNationalId("SH-STC|Nguyễn Văn An|annv@stc.gov.vn"));
    // Idempotent: a second pass registers and links nothing.
    const units2 = await unitSourceFromStore(store.units).unitsAsOf(new Date(), demoUnits);
    assert.deepEqual(await seedDemoSubscribers({ store, units: units2, clock: () => new Date() }), { created: 0, linked: 0 });
  });

  it("files demo requests in every state of the workflow through the real service, once", async () => {
    const { store } = server.core;
    const rows = (await store.requests.list({ units: { all: true }, today: "", sort: "newest", limit: 100, offset: 0 })).rows;
    const states = new Set(rows.map((r) => r.state));
    for (const s of ["draft", "submitted", "returned", "forwarded", "completed", "rejected", "withdrawn"]) assert.ok(states.has(s as never), `a demo request is ${s}`);
    assert.equal(fromRequests.size, 1);
    const again = await seedDemoRequests({ store, requests: server.portal.requests, clock: server.core.clock });
    assert.equal(again.seeded, false);
  });

  it("is idempotent: a second seeding adds nothing", async () => {
    const { config, store, keyRing, clock } = server.core;
    const before = await store.certificates.countAll();
    const again = await seedDemoCertificates({ config, store, keyRing, clock });
    assert.equal(again.seeded, false);
    assert.equal(again.total, 0);
    assert.equal((await list({ all: false, unitIds: demoUnits })).length, DEMO_CERTIFICATE_COUNT + fromRequests.size);
    assert.equal(await store.certificates.countAll(), before);
    assert.equal(await store.certificates.countByProfiles(["individual", "organization", "device"]), DEMO_CERTIFICATE_COUNT + fromRequests.size);
  });

  it("shows a focal point only the certificates of their own agency", async () => {
    const store = server.core.store;
    const source = unitSourceFromStore(store.units);
    const scoper = createScoper(source);
    const stc = (await source.findByCode("SH-STC"))!;
    const lamthu = (await source.findByCode("SH-X-LAMTHU"))!;
    for (const unit of [stc, lamthu]) {
      const scope = await scoper.scopeFor({ userId: 1, username: "x", displayName: "x", roles: [{ role: "agency_focal_point", unitId: unit.id }] }, new Date(), "certificates.view");
      assert.equal(scope.all, false);
      const seen = (await list(scope.all ? { all: true } : { all: false, unitIds: scope.unitIds })).filter((c) => !fromRequests.has(c.serial));
      const own = all.filter((c) => c.unitId === unit.id);
      assert.ok(own.length >= 10, `${unit.code}: ${own.length}`);
      assert.deepEqual(seen.map((c) => c.serial).sort(), own.map((c) => c.serial).sort(), unit.code);
      const counts = await store.certificateQueries.countByStatus(scope.all ? { all: true } : { all: false, unitIds: scope.unitIds }, new Date());
      // The demo request that completed issued its certificate in SH-STC.
      const extra = unit.id === stc.id ? fromRequests.size : 0;
      assert.equal(counts.active + counts.expired + counts.revoked, own.length + extra);
    }
  });
});

forEachDatabase("no demo data with DEMO=0", (db) => {
  let server: TestServer;
  after(async () => {
    await server?.close();
  });

  it("starts with no demo province, users or certificates", async function () {
    this.timeout(60_000);
    server = await startTestServer(db); // testConfig sets DEMO=0
    assert.equal(server.core.config.demo, false);
    assert.equal(await server.core.store.units.findByCode(DEMO_PROVINCE_CODE), null);
    assert.equal(await server.core.store.certificates.countByProfiles(["individual", "organization", "device"]), 0);
    assert.equal(await server.core.store.users.findByUsername("demo.quantri"), null);
    assert.ok(!server.logs.some((l) => l.includes("demo certificates")));
  });
});
