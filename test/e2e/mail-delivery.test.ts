// When mail cannot go out: an SMTP server that is down makes no request step
// fail and nothing crash; the failure is kept in mail_log and a later run,
// with the server back, delivers the reminder once. And the development
// transport of a running server writes a readable .eml. Both databases.
import { strict as assert } from "node:assert";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { simpleParser } from "mailparser";
import { forEachDatabase } from "../support/databases";
import { startTestServer, testConfig, TEST_PUBLIC_URL, type TestServer } from "../support/app";
import { startSmtpServer, type TestSmtpServer } from "../support/smtp";
import { openCore, type Core } from "../../server/core";
import type { Config } from "../../server/config/schema";
import { createMailer } from "../../server/mail/mailer";
import { createNotifier } from "../../server/mail/notices";
import { issueFor, mailOf, seedMailFixture, type MailFixture } from "./mail-fixture";

/** A port nothing listens on: one a server just gave back. */
async function deadPort(): Promise<number> {
  const s = await startSmtpServer();
  await s.close();
  return s.port;
}

forEachDatabase("mail delivery failures", (db) => {
  let core: Core;
  let config: Config;
  let fx: MailFixture;
  let smtp: TestSmtpServer;

  before(async function () {
    this.timeout(90_000);
    config = testConfig(db);
    core = await openCore(config);
    await core.hierarchy.init({ alg: "p256", force: false, actor: "test" });
    fx = await seedMailFixture(core, db);
    smtp = await startSmtpServer();
  });

  after(async () => {
    await core?.close();
    await smtp?.close();
  });

  it("SMTP down: request notices and reminders fail quietly, are logged as failed, and go out once when it is back", async function () {
    this.timeout(60_000);
    const down: Config = { ...config, mail: { ...config.mail, smtpUrl: `smtp://127.0.0.1:${await deadPort()}` } };
    const logs: string[] = [];
    const log = (level: string, msg: string, f?: Record<string, unknown>) => logs.push(JSON.stringify({ level, msg, ...f }));
    const broken = createNotifier({ store: core.store, mailer: createMailer({ config: down, log }), config: down, clock: () => new Date(), log });
    await broken.request({ kind: "waiting_approval", requestId: 9, reference: "YC-2026-000009", type: "renewal", unitId: fx.units.DEPT_A, filedByUserId: null, reason: null, dueDate: null, summary: "Nguyễn Văn An" });
    const [failed] = await core.store.mailLog.list({ kind: "request", limit: 1 });
    assert.equal(failed?.status, "failed");
    assert.deepEqual(failed?.recipients, [mailOf("operator")]);
    assert.match(failed?.error ?? "", /ECONNREFUSED|connect/i);
    assert.ok(logs.some((l) => l.includes('"mail not delivered"')));

    const serial = await issueFor(core, db.dataDir, { name: "Vũ Thị Hạn", email: "han@thunghiem.gov.vn", unitId: fx.units.DEPT_B, days: 30 });
    const now = new Date();
    assert.equal(await broken.expiryReminders(now), 0);
    const key = `expiry:${serial}:30`;
    assert.equal((await core.store.mailLog.findByKey(key))?.status, "failed");

    const up: Config = { ...config, mail: { ...config.mail, smtpUrl: smtp.url } };
    const mailer = createMailer({ config: up, log });
    const working = createNotifier({ store: core.store, mailer, config: up, clock: () => new Date(), log });
    assert.equal(await working.expiryReminders(now), 1);
    assert.equal(await working.expiryReminders(now), 0);
    await smtp.waitFor(2);
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(smtp.messages.flatMap((m) => m.envelopeTo).sort(), ["han@thunghiem.gov.vn", mailOf("focal_b")].sort());
    const row = await core.store.mailLog.findByKey(key);
    assert.equal(row?.status, "sent");
    assert.equal(row?.attempts, 2);
    assert.equal(row?.error, null);
    await mailer.close();
  });

  it("gives up on a reminder after five failed attempts", async function () {
    this.timeout(60_000);
    const down: Config = { ...config, mail: { ...config.mail, smtpUrl: `smtp://127.0.0.1:${await deadPort()}` } };
    const broken = createNotifier({ store: core.store, mailer: createMailer({ config: down, log: () => {} }), config: down, clock: () => new Date(), log: () => {} });
    const serial = await issueFor(core, db.dataDir, { name: "Ngô Văn Lỗi", email: "loi@thunghiem.gov.vn", unitId: fx.units.DEPT_B, days: 7 });
    for (let i = 0; i < 6; i++) await broken.expiryReminders(new Date());
    const row = await core.store.mailLog.findByKey(`expiry:${serial}:7`);
    assert.equal(row?.status, "failed");
    assert.equal(row?.attempts, 5);
  });
});

forEachDatabase("mail development transport", (db) => {
  let server: TestServer;

  before(async function () {
    this.timeout(90_000);
    server = await startTestServer(db);
  });

  after(async () => {
    await server?.close();
  });

  it("without SMTP_URL the running server writes each notice as a readable .eml under DATA_DIR/mail", async () => {
    assert.equal(testConfig(db).mail.smtpUrl, undefined);
    const { store } = server.core;
    const userId = await store.users.insert({ username: "van.hanh", displayName: "Đặng Văn Hành", email: "van.hanh@thunghiem.gov.vn", passwordHash: "x" }, new Date());
    await store.users.grantRole(userId, "ca_operator", null, "test", new Date());
    await server.notifier.request({ kind: "waiting_approval", requestId: 77, reference: "YC-2026-000077", type: "token_recovery", unitId: 1, filedByUserId: null, reason: null, dueDate: "2026-12-01", summary: "Thiết bị USB số 12" });
    const dir = join(db.dataDir, "mail");
    const files = readdirSync(dir).filter((f) => f.endsWith(".eml"));
    assert.equal(files.length, 1);
    const mail = await simpleParser(readFileSync(join(dir, files[0]!)));
    assert.equal(mail.subject, "[chungthu] Yêu cầu YC-2026-000077 (Mẫu 06) đang chờ phê duyệt");
    assert.equal((mail.to as { value: Array<{ address: string }> }).value[0]?.address, "van.hanh@thunghiem.gov.vn");
    assert.ok(mail.text?.includes(`${TEST_PUBLIC_URL}/requests/77`));
    assert.match(mail.text ?? "", /Kính gửi Đặng Văn Hành,/);
    assert.match(String(mail.html), /<a href="http:\/\/pki\.chungthu\.test\/requests\/77">/);
    assert.equal((await store.mailLog.list({ kind: "request", limit: 5 }))[0]?.status, "sent");
  });
});
