// E-mail over real SMTP (smtp-server in the harness, real nodemailer): each
// request step reaches exactly the right people in their language with the
// link; expiry reminders at 60/30/7 days go once (a missed one catches up, a
// re-run sends nothing); the officers' digest once per Vietnam day, none when
// there is nothing to report. Both databases.
import { strict as assert } from "node:assert";
import { forEachDatabase } from "../support/databases";
import { testConfig, TEST_PUBLIC_URL } from "../support/app";
import { startSmtpServer, type ReceivedMail, type TestSmtpServer } from "../support/smtp";
import { openCore, type Core } from "../../server/core";
import type { Config } from "../../server/config/schema";
import { createMailer, type Mailer } from "../../server/mail/mailer";
import { createNotifier, REQUEST_NOTICE_KINDS, type Notifier, type RequestNotice } from "../../server/mail/notices";
import type { DigestSource, DigestSummary } from "../../server/mail/digest";
import { issueFor, mailOf, seedMailFixture, type MailFixture } from "./mail-fixture";

const DAY = 86_400_000;

function notice(over: Partial<RequestNotice> & Pick<RequestNotice, "kind" | "unitId">): RequestNotice {
  return { requestId: 42, reference: "YC-2026-000042", type: "new_individual", filedByUserId: null, reason: null, dueDate: "2026-11-26", summary: "Nguyễn Văn An", ...over };
}

const sorted = (xs: string[]) => [...xs].sort();
const envelopes = (ms: ReceivedMail[]) => sorted(ms.flatMap((m) => m.envelopeTo));

forEachDatabase("mail notifications", (db) => {
  let smtp: TestSmtpServer;
  let core: Core;
  let config: Config;
  let mailer: Mailer;
  let notifier: Notifier;
  let fx: MailFixture;
  const logs: string[] = [];

  before(async function () {
    this.timeout(90_000);
    smtp = await startSmtpServer();
    const base = testConfig(db);
    config = { ...base, mail: { ...base.mail, smtpUrl: smtp.url } };
    core = await openCore(config);
    await core.hierarchy.init({ alg: "p256", force: false, actor: "test" });
    fx = await seedMailFixture(core, db);
    mailer = createMailer({ config, log: () => {} });
    notifier = createNotifier({ store: core.store, mailer, config, clock: () => new Date(), log: (level, msg, f) => logs.push(JSON.stringify({ level, msg, ...f })) });
  });

  after(async () => {
    await mailer?.close();
    await core?.close();
    await smtp?.close();
  });

  beforeEach(() => smtp.clear());

  it("waiting_check: the provincial officers of the unit's province, each in their language, with the form and the link", async () => {
    await notifier.request(notice({ kind: "waiting_check", unitId: fx.units.COMMUNE_A1 }));
    await smtp.waitFor(2);
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(envelopes(smtp.messages), sorted([mailOf("officer"), mailOf("officer_en")]));
    for (const m of smtp.messages) assert.equal(m.envelopeTo.length, 1, "one message per recipient");
    const vi = smtp.to(mailOf("officer"))[0]!.mail;
    assert.equal(vi.subject, "[chungthu] Yêu cầu YC-2026-000042 (Mẫu 01) đang chờ kiểm tra");
    assert.equal(vi.subject, vi.subject!.normalize("NFC"));
    assert.match(vi.text!, /Kính gửi Người dùng officer,/);
    assert.match(vi.text!, /Cấp mới chứng thư số cho cá nhân \(Mẫu 01\) — Nguyễn Văn An/);
    assert.match(vi.text!, /Hạn xử lý: 26\/11\/2026/);
    assert.ok(vi.text!.includes(`${TEST_PUBLIC_URL}/requests/42`));
    assert.ok((vi.html as string).includes(`href="${TEST_PUBLIC_URL}/requests/42"`));
    assert.equal(vi.from?.value[0]?.address, "khong-tra-loi@chungthu.test");
    const en = smtp.to(mailOf("officer_en"))[0]!.mail;
    assert.equal(en.subject, "[chungthu] Request YC-2026-000042 (Form 01 (Mẫu 01)) awaits your check");
    assert.match(en.text!, /Dear Người dùng officer_en,/);
    assert.match(en.text!, /New certificate for an individual/);
    assert.ok(en.text!.includes(`${TEST_PUBLIC_URL}/requests/42`));
  });

  it("waiting_approval: the CA operators with an address who are not disabled", async () => {
    await notifier.request(notice({ kind: "waiting_approval", unitId: fx.units.DEPT_B, type: "revocation" }));
    await smtp.waitFor(1);
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(envelopes(smtp.messages), [mailOf("operator")]);
    assert.equal(smtp.messages[0]!.mail.subject, "[chungthu] Yêu cầu YC-2026-000042 (Mẫu 05) đang chờ phê duyệt");
  });

  it("returned, rejected, approved, completed, lost_reported: the nearest focal points and the filer, once each", async () => {
    for (const kind of REQUEST_NOTICE_KINDS.filter((k) => k !== "waiting_check" && k !== "waiting_approval")) {
      smtp.clear();
      // Filed by the provincial officer for a commune that has its own focal point.
      await notifier.request(notice({ kind, unitId: fx.units.COMMUNE_A1, filedByUserId: fx.users.officer_en, reason: kind === "returned" || kind === "rejected" ? "Thiếu bản scan Mẫu 01 có chữ ký" : null }));
      await smtp.waitFor(2);
      // A commune without one: its department's focal point; filed by that focal point (one mail, not two).
      await notifier.request(notice({ kind, unitId: fx.units.COMMUNE_A2, filedByUserId: fx.users.focal_a, type: "token_lost" }));
      await smtp.waitFor(3);
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(envelopes(smtp.messages), sorted([mailOf("focal_a1"), mailOf("officer_en"), mailOf("focal_a")]), kind);
      const toFocal = smtp.to(mailOf("focal_a1"))[0]!.mail;
      assert.ok(toFocal.text!.includes(`${TEST_PUBLIC_URL}/requests/42`), kind);
      if (kind === "returned" || kind === "rejected") assert.match(toFocal.text!, /Lý do: Thiếu bản scan Mẫu 01 có chữ ký/);
      assert.match(smtp.to(mailOf("focal_a"))[0]!.mail.subject!, /Mẫu 09/, kind);
      assert.match(smtp.to(mailOf("officer_en"))[0]!.mail.subject!, /^\[chungthu\] (Request|Lost token)/, kind);
    }
    const expected: Record<string, RegExp> = {
      returned: /được trả lại để bổ sung$/,
      rejected: /bị từ chối$/,
      approved: /đã được phê duyệt$/,
      completed: /đã hoàn thành$/,
      lost_reported: /^\[chungthu\] Báo mất thiết bị/,
    };
    const rows = await core.store.mailLog.list({ kind: "request", limit: 100 });
    for (const [kind, re] of Object.entries(expected)) assert.ok(rows.some((r) => re.test(r.subject) && r.status === "sent"), `${kind} logged as sent`);
  });

  it("expiry reminders at 60, 30 and 7 days reach holder and focal points once; a missed one catches up; a re-run sends nothing", async function () {
    this.timeout(60_000);
    const dir = db.dataDir;
    const serials = {
      d60: await issueFor(core, dir, { name: "Nguyễn Văn Sáu Mươi", email: "sau.muoi@thunghiem.gov.vn", unitId: fx.units.DEPT_A, days: 60 }),
      d30: await issueFor(core, dir, { name: "Trần Thị Ba Mươi", email: "ba.muoi@thunghiem.gov.vn", unitId: fx.units.COMMUNE_A1, days: 30 }),
      d29: await issueFor(core, dir, { name: "Lê Văn Bỏ Lỡ", email: "bo.lo@thunghiem.gov.vn", unitId: fx.units.DEPT_B, days: 29 }),
      d7: await issueFor(core, dir, { name: "Phạm Thị Bảy", email: null, unitId: fx.units.DEPT_B, days: 7 }),
      d100: await issueFor(core, dir, { name: "Hoàng Văn Trăm", email: "tram@thunghiem.gov.vn", unitId: fx.units.DEPT_A, days: 100 }),
      revoked: await issueFor(core, dir, { name: "Đỗ Thị Thu Hồi", email: "thu.hoi@thunghiem.gov.vn", unitId: fx.units.DEPT_A, days: 7 }),
    };
    await core.revocation.revoke({ serial: serials.revoked, reason: "superseded", actor: "test" });
    const now = new Date();
    assert.equal(await notifier.expiryReminders(now), 4);
    await smtp.waitFor(7);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(
      envelopes(smtp.messages),
      sorted(["sau.muoi@thunghiem.gov.vn", mailOf("focal_a"), "ba.muoi@thunghiem.gov.vn", mailOf("focal_a1"), "bo.lo@thunghiem.gov.vn", mailOf("focal_b"), mailOf("focal_b")]),
    );
    const holder = smtp.to("sau.muoi@thunghiem.gov.vn")[0]!.mail;
    assert.match(holder.subject!, /^\[chungthu\] Chứng thư số của Nguyễn Văn Sáu Mươi hết hạn sau 60 ngày \(\d\d\/\d\d\/\d{4}\)$/);
    assert.match(holder.text!, /Mẫu 04/);
    assert.ok(holder.text!.includes(`${TEST_PUBLIC_URL}/certificates/${serials.d60}`));
    assert.match(smtp.to("bo.lo@thunghiem.gov.vn")[0]!.mail.subject!, /sau 29 ngày/);
    for (const [serial, d] of [[serials.d60, 60], [serials.d30, 30], [serials.d29, 30], [serials.d7, 7]] as const) {
      assert.equal((await core.store.mailLog.findByKey(`expiry:${serial}:${d}`))?.status, "sent", `${serial} ${d}`);
    }
    assert.equal(await core.store.mailLog.findByKey(`expiry:${serials.d100}:60`), null);
    assert.equal(await core.store.mailLog.findByKey(`expiry:${serials.revoked}:7`), null);

    smtp.clear();
    // Re-run, and a second process at the same time: nothing more.
    assert.deepEqual(await Promise.all([notifier.expiryReminders(now), notifier.expiryReminders(new Date(now.getTime() + 60_000))]), [0, 0]);
    // 31 days on: the 60-day certificate is at 29 days and gets its 30-day mail; the 100-day one at 69, nothing yet.
    assert.equal(await notifier.expiryReminders(new Date(now.getTime() + 31 * DAY)), 1);
    await smtp.waitFor(2);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(envelopes(smtp.messages), sorted(["sau.muoi@thunghiem.gov.vn", mailOf("focal_a")]));
    assert.equal((await core.store.mailLog.findByKey(`expiry:${serials.d60}:30`))?.status, "sent");
    assert.equal(await notifier.expiryReminders(new Date(now.getTime() + 31 * DAY)), 0);
  });

  it("daily digest: once per officer per Vietnam day, with requests and expiring certificates; none when there is nothing to report", async () => {
    const summaries = new Map<number, DigestSummary>([
      [
        fx.users.officer,
        {
          waiting: 2,
          overdue: 1,
          dueToday: 1,
          items: [
            { reference: "YC-2026-000007", type: "token_recovery", dueDate: "2026-11-20", url: `${TEST_PUBLIC_URL}/requests/7` },
            { reference: "YC-2026-000008", type: "new_organization", dueDate: null, url: `${TEST_PUBLIC_URL}/requests/8` },
          ],
        },
      ],
    ]);
    const calls: number[] = [];
    const source: DigestSource = {
      async forUser(userId) {
        calls.push(userId);
        return summaries.get(userId) ?? { waiting: 0, overdue: 0, dueToday: 0, items: [] };
      },
    };
    const now = new Date();
    // officer: requests and expiring certificates; officer_en: only expiring certificates; officer_other: nothing.
    assert.equal(await notifier.dailyDigest(now, source), 2);
    await smtp.waitFor(2);
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(envelopes(smtp.messages), sorted([mailOf("officer"), mailOf("officer_en")]));
    const vi = smtp.to(mailOf("officer"))[0]!.mail;
    assert.match(vi.subject!, /^\[chungthu\] Tổng hợp ngày \d\d\/\d\d\/\d{4}: 2 yêu cầu chờ xử lý, 1 quá hạn$/);
    assert.match(vi.text!, /YC-2026-000007 — Khôi phục thiết bị lưu khóa bí mật \(Mẫu 06\), hạn 20\/11\/2026/);
    assert.match(vi.text!, /YC-2026-000008 .*không có hạn/);
    assert.match(vi.text!, /Chứng thư số hết hạn trong 30 ngày tới: [1-9]/);
    assert.match(vi.text!, /Trần Thị Ba Mươi — hết hạn/);
    const en = smtp.to(mailOf("officer_en"))[0]!.mail;
    assert.match(en.subject!, /^\[chungthu\] Digest for .*: 0 requests waiting, 0 overdue$/);
    assert.match(en.text!, /Certificates expiring in the next 30 days: [1-9]/);
    assert.equal((await core.store.mailLog.findByKey(`digest:${fx.users.officer_other}:${vnDay(now)}`)), null);

    smtp.clear();
    assert.equal(await notifier.dailyDigest(new Date(now.getTime() + 3_600_000), source), 0, "same day: nothing more");
    assert.equal(smtp.messages.length, 0);
    assert.equal(await notifier.dailyDigest(new Date(now.getTime() + DAY), source), 2, "next day: again");
    await smtp.waitFor(2);
  });
});

function vnDay(d: Date): string {
  return new Date(d.getTime() + 7 * 3_600_000).toISOString().slice(0, 10);
}
