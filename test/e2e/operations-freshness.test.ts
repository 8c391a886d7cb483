// The operations dashboard and its alert e-mail, over real HTTP and real SMTP,
// on both databases, with a clock the test moves: a fresh system is green; the
// OCSP cache and revocation feed of the serving process are shown; a
// CRL past its nextUpdate turns red on the page and mails each admin and CA
// operator exactly once per metric (oversight reads the page but gets no mail);
// publishing turns it green again with one recovery mail; failed CRL builds are
// recorded with their error and counted; other roles get 403 (audited).
import { strict as assert } from "node:assert";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pem } from "../../server/ca/pki-files";
import { makeCsr } from "../support/csr";
import { opensslAsync } from "../support/openssl-async";
import { forEachDatabase } from "../support/databases";
import { eventually, startTestServer, testConfig, type TestServer } from "../support/app";
import { addUnit, PASSWORD } from "../support/access-fixture";
import { startSmtpServer, type TestSmtpServer } from "../support/smtp";
import { WebClient } from "../support/web-client";
import { createUserAdminService } from "../../server/access/user-admin-service";
import { createArgon2Hasher } from "../../server/access/passwords";
import { unitSourceFromStore } from "../../server/directory/unit-source";
import { crlDir } from "../../server/publish/crl-publisher";
import { alertKey } from "../../server/mail/freshness-alert";

const HOUR = 3_600_000;
type Who = "admin" | "operator" | "oversight" | "provincial";
const mailOf = (who: Who) => `${who}@thunghiem.gov.vn`;

/** The level and value the page shows for a metric row. */
function row(html: string, key: string): { level: string; value: number | null; text: string } | null {
  const m = new RegExp(`<tr class="level-\\w+" data-metric="${key.replace(/[.:]/g, (c) => `\\${c}`)}" data-level="(\\w+)"(?: data-value="([^"]+)")?>([\\s\\S]*?)</tr>`).exec(html);
  return m ? { level: m[1]!, value: m[2] === undefined ? null : Number(m[2]), text: m[3]! } : null;
}

forEachDatabase("operations freshness", (db) => {
  let server: TestServer;
  let smtp: TestSmtpServer;
  let offset = 0;
  const clock = () => new Date(Date.now() + offset);

  before(async function () {
    this.timeout(120_000);
    smtp = await startSmtpServer();
    const base = testConfig(db);
    server = await startTestServer(
      db,
      {
        mail: { ...base.mail, smtpUrl: smtp.url },
        // Checks every second; scheduled CRL rebuilds never (the test publishes itself).
        freshness: { ...base.freshness, checkSeconds: 1 },
        crl: { ...base.crl, scheduleMinutes: 1_000_000 },
      },
      clock,
      "p256",
    );
    const store = server.core.store;
    await addUnit(store, "PROV", "Tỉnh Thử Nghiệm", "province", null);
    const users = createUserAdminService({ store, units: unitSourceFromStore(store.units), passwords: createArgon2Hasher(), clock, random: (n) => Buffer.alloc(n, 7) });
    const add = (username: Who, role: string, unitCode?: string) => users.add({ username, displayName: `Người dùng ${username}`, role, unitCode, password: PASSWORD, email: mailOf(username) }, "test:fixture");
    await add("admin", "admin");
    await add("operator", "ca_operator");
    await add("oversight", "oversight");
    await add("provincial", "provincial_officer", "PROV");
  });

  after(async () => {
    await server?.close();
    await smtp?.close();
  });

  const clients = new Map<Who, WebClient>();

  /** Waits until no CA's CRL number has changed for a second. */
  async function crlsSettled(): Promise<void> {
    const numbers = async () => {
      const out: number[] = [];
      for (const ca of await server.core.store.cas.listActive()) out.push((await server.core.store.crls.latest(ca.id))?.crlNumber ?? 0);
      return out.join(",");
    };
    let last = await numbers();
    let stableSince = Date.now();
    const start = Date.now();
    while (Date.now() - stableSince < 1_000 && Date.now() - start < 15_000) {
      await new Promise((r) => setTimeout(r, 200));
      const now = await numbers();
      if (now !== last) {
        last = now;
        stableSince = Date.now();
      }
    }
  }

  /**
   * Opens the page as `who`, signing in again only when the session ended (moving
   * the clock ends sessions): polling with a fresh sign-in each time would run
   * into the sign-in rate limit (auth.loginRateLimit) on a slow machine.
   */
  async function page(who: Who): Promise<{ status: number; text: string }> {
    const known = clients.get(who);
    if (known) {
      const r = await known.get("/operations");
      if (r.status !== 303) return r;
    }
    const c = new WebClient(server.url);
    assert.equal((await c.signIn(who, PASSWORD)).status, 303, `${who} signs in`);
    clients.set(who, c);
    return c.get("/operations");
  }

  const alertsFor = (key: string, phase: "alert" | "recovery") =>
    smtp.messages.filter((m) => m.mail.subject?.startsWith(`[chungthu] ${phase === "alert" ? "CẢNH BÁO" : "Đã bình thường"}: ${keyName(key)} `) && m.mail.text!.includes(`Chỉ số: ${keyName(key)}\n`));
  // The mail names the metric in words; these two are the issuing CA's CRL metrics.
  const keyName = (key: string) => (key.startsWith("crl.nextUpdate") ? "Thời gian còn lại tới nextUpdate của CRL (issuing)" : "Tuổi CRL (issuing)");

  it("a fresh system is green for admin, CA operator and oversight; a provincial officer gets 403, audited", async function () {
    this.timeout(30_000);
    const html = await eventually(
      async () => {
        const p = await page("admin");
        return p.status === 200 && /id="overall" data-level="green"/.test(p.text) ? p.text : null;
      },
      15_000,
      "a green dashboard",
    );
    for (const key of ["crl.age:issuing", "crl.nextUpdate:issuing", "crl.age:root", "crl.numberGap:issuing", "ocsp.responderDaysLeft:issuing", "ocsp.feedLag", "requests.overdue", "publication.failures", "audit.verifiedAge"]) {
      assert.equal(row(html, key)?.level, "green", key);
    }
    const hours = row(html, "crl.nextUpdate:issuing")!.value!;
    assert.ok(hours > 23 && hours <= 24, `nextUpdate in ${hours} h`);
    assert.match(html, /href="\/operations" aria-current="page"/, "the nav link");
    assert.equal((await page("operator")).status, 200);
    assert.equal((await page("oversight")).status, 200);
    const refused = await page("provincial");
    assert.equal(refused.status, 403);
    assert.doesNotMatch(refused.text, /href="\/operations"/, "no nav link for those who may not open it");
    const denials = await server.core.store.auditQueries.list({ actionPrefix: "operations.view", outcome: "refused", limit: 10 });
    assert.equal(denials.rows.length, 1);
    assert.equal(smtp.messages.length, 0, "nothing to alert about");
  });

  it("shows this process's OCSP cache filling and its revocation feed catching up with the database", async function () {
    this.timeout(30_000);
    const issued = await server.core.issuance.issue({ csr: makeCsr(db.dataDir, "p256").pem, profile: "individual", commonName: "Đỗ Thị Lan", actor: "test" });
    const certPath = join(db.dataDir, "lan.pem");
    writeFileSync(certPath, pem("CERTIFICATE", issued.certDer));
    const pki = join(db.dataDir, "pki");
    const ask = await opensslAsync(["ocsp", "-issuer", join(pki, "issuing.crt.pem"), "-cert", certPath, "-CAfile", join(pki, "chain.pem"), "-url", `${server.url}/ocsp`, "-no_nonce"]);
    assert.match(ask.stdout, /: good/);
    await server.core.revocation.revoke({ serial: issued.serial, reason: "keyCompromise", actor: "test" });
    const html = await eventually(
      async () => {
        const p = await page("operator");
        const feed = /data-feed-seen="(\d+)" data-feed-max="(\d+)"/.exec(p.text);
        return feed && feed[1] === "1" && feed[2] === "1" ? p.text : null;
      },
      5_000,
      "the feed to reach revocation #1",
    );
    // The revocation dropped the certificate's pre-signed answer; the cache row is shown either way.
    assert.match(html, /data-cache-size="\d+"/);
    assert.equal(row(html, "ocsp.feedLag")?.level, "green");
    assert.equal(row(html, "ocsp.cacheFill")?.level, "green");
    const again = await opensslAsync(["ocsp", "-issuer", join(pki, "issuing.crt.pem"), "-cert", certPath, "-CAfile", join(pki, "chain.pem"), "-url", `${server.url}/ocsp`, "-no_nonce"]);
    assert.match(again.stdout, /: revoked/);
    const cached = await page("operator");
    assert.match(cached.text, /data-cache-size="1"/, "the revoked answer is pre-signed and cached");
    assert.equal(row(cached.text, "ocsp.cacheAge")?.level, "green");
  });

  it("a CRL past nextUpdate is red and mails each admin and CA operator once; publishing brings it back green with one recovery mail", async function () {
    this.timeout(60_000);
    // The previous test's revocations schedule CRL rebuilds (debounced, and again through the
    // revocation feed): let them finish first, or one would run on the moved clock and make the CRL fresh.
    await crlsSettled();
    offset = 25 * HOUR;
    const red = await eventually(
      async () => {
        const p = await page("oversight");
        return row(p.text, "crl.nextUpdate:issuing")?.level === "red" ? p.text : null;
      },
      10_000,
      "the issuing CRL red",
    );
    assert.equal(row(red, "crl.age:issuing")!.level, "red");
    assert.ok(row(red, "crl.nextUpdate:issuing")!.value! < 0);
    assert.match(row(red, "crl.nextUpdate:issuing")!.text, /RFC 5280 mục 5\.1\.2\.5/);
    assert.match(red, /id="overall" data-level="red"/);

    const key = "crl.nextUpdate:issuing";
    await eventually(async () => alertsFor(key, "alert").length >= 2, 10_000, "the alert mails");
    // Several more checks run (one a second): still one mail per person for this crossing.
    await new Promise((r) => setTimeout(r, 3_000));
    const alerts = alertsFor(key, "alert");
    assert.deepEqual(alerts.flatMap((m) => m.envelopeTo).sort(), [mailOf("admin"), mailOf("operator")]);
    assert.match(alerts[0]!.mail.subject!, /^\[chungthu\] CẢNH BÁO: Thời gian còn lại tới nextUpdate của CRL \(issuing\) vượt ngưỡng \(-\d/);
    assert.ok(alerts[0]!.mail.text!.includes("http://pki.chungthu.test/operations"));
    assert.equal(smtp.to(mailOf("oversight")).length, 0, "oversight reads the page, gets no mail");
    const logged = await server.core.store.mailLog.findByKey(alertKey(key, 1, "alert"));
    assert.equal(logged?.status, "sent");

    // Publish both CRLs now (the operator's `crl publish`): fresh again on the moved clock.
    for (const ca of await server.core.store.cas.listActive()) if (ca.kind !== "ocsp") await server.publisher.publish(ca.id, "test:operator");
    await eventually(async () => alertsFor(key, "recovery").length >= 2, 10_000, "the recovery mails");
    await new Promise((r) => setTimeout(r, 2_000));
    assert.deepEqual(alertsFor(key, "recovery").flatMap((m) => m.envelopeTo).sort(), [mailOf("admin"), mailOf("operator")]);
    assert.equal(alertsFor(key, "alert").length, 2, "no second alert");
    const green = await page("admin");
    assert.equal(row(green.text, key)?.level, "green");
    assert.equal(row(green.text, "crl.age:issuing")?.level, "green");
    const states = await server.core.store.operations.alertStates();
    assert.deepEqual(states.get(key), { metric: key, alerting: false, episode: 1 });
  });

  it("failed CRL builds are recorded with their error, counted in a row, and cleared by the next success", async function () {
    this.timeout(60_000);
    const store = server.core.store;
    const issuing = (await store.cas.listActive()).find((c) => c.kind === "issuing")!;
    // A file where the CRL directory should be: the build fails on the file system, as on a full or read-only disk.
    const dir = crlDir(server.core.config.dataDir, issuing.slug);
    rmSync(dir, { recursive: true, force: true });
    writeFileSync(dir, "not a directory");
    const failuresNow = async () => (await store.operations.failureStreaks()).find((s) => s.kind === "crl" && s.caId === issuing.id)?.failures ?? 0;
    for (const want of [1, 2]) {
      server.scheduler.revoked(issuing.id);
      await eventually(async () => (await failuresNow()) === want, 10_000, `${want} failure(s) recorded`);
    }
    const p = await page("operator");
    assert.equal(row(p.text, "publication.failures")?.level, "red");
    assert.equal(row(p.text, "publication.failures")?.value, 2);
    assert.match(p.text, /<tr class="outcome-failed" data-publication="\d+">/);
    assert.match(p.text, /<code>[^<]*(EEXIST|ENOTDIR)[^<]*<\/code>/, "the error is shown");

    rmSync(dir, { force: true });
    mkdirSync(dir, { recursive: true });
    server.scheduler.revoked(issuing.id);
    await eventually(async () => (await failuresNow()) === 0, 10_000, "the streak cleared");
    const after = await page("operator");
    assert.equal(row(after.text, "publication.failures")?.level, "green");
    assert.equal(row(after.text, "crl.numberGap:issuing")?.value, 0, "the last number allocated was published");
  });
});
