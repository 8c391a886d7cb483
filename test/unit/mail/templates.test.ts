// Mail wording: every request step has a subject and intro in Vietnamese (NFC,
// with diacritics) and English, the form number (Mẫu 0x) is shown, values are
// escaped in the HTML part, dates are dd/mm/yyyy.
import { strict as assert } from "node:assert";
import { createTranslator } from "../../../server/web/i18n/i18n";
import { REQUEST_NOTICE_KINDS, type RequestNotice } from "../../../server/mail/notices";
import { REQUEST_TYPES, FORM_OF } from "../../../server/ra/request-types";
import { digestMail, expiryMail, formatDay, requestMail } from "../../../server/mail/templates";
import { escapeHtml } from "../../../server/mail/layout";

const t = createTranslator();
const base: RequestNotice = { kind: "waiting_check", requestId: 5, reference: "YC-5", type: "new_individual", unitId: 1, filedByUserId: null, reason: null, dueDate: "2026-02-17", summary: "Nguyễn Văn An" };

describe("mail templates", () => {
  it("has a distinct subject and intro per request step in both languages, with the form", () => {
    for (const lang of ["vi", "en"] as const) {
      const subjects = new Set<string>();
      for (const kind of REQUEST_NOTICE_KINDS) {
        for (const key of [`mail.request.${kind}.subject`, `mail.request.${kind}.intro`]) assert.ok(t.has(lang, key), `${lang} ${key}`);
        const m = requestMail(t, lang, { ...base, kind }, "Trần Thị Bình", "http://x/requests/5");
        subjects.add(m.subject);
        assert.match(m.subject, /Mẫu 01/);
        assert.equal(m.text, m.text.normalize("NFC"));
        assert.match(m.text, /http:\/\/x\/requests\/5/);
        assert.match(m.text, /17\/02\/2026/);
      }
      assert.equal(subjects.size, REQUEST_NOTICE_KINDS.length, lang);
    }
    for (const type of REQUEST_TYPES) {
      assert.ok(t.has("vi", `mail.type.${type}`) && t.has("en", `mail.type.${type}`), type);
      assert.match(requestMail(t, "vi", { ...base, type }, "A", "u").subject, new RegExp(`Mẫu ${FORM_OF[type]}`));
    }
  });

  it("escapes names and reasons in the HTML part and keeps them readable in the text part", () => {
    const evil = `<script>alert("x")</script> Đinh & "Ngô"`;
    const m = requestMail(t, "vi", { ...base, kind: "returned", summary: evil, reason: "thiếu <b>chữ ký</b>" }, evil, "http://x/requests/5?a=1&b=2");
    assert.ok(!m.html.includes("<script>"));
    assert.ok(m.html.includes(escapeHtml(evil)));
    assert.ok(m.html.includes('href="http://x/requests/5?a=1&amp;b=2"'));
    assert.ok(m.text.includes(evil));
    assert.match(m.text, /Lý do: thiếu <b>chữ ký<\/b>/);
  });

  it("writes expiry reminders and digests with counts and dates", () => {
    const cert = { serial: "ab12", commonName: "Lê Văn Cường", profile: "individual", notAfter: new Date("2027-01-09T17:00:00Z"), unitId: 1, holderName: null, holderEmail: null };
    const e = expiryMail(t, "vi", cert, 30, "Lê Văn Cường", "http://x/certificates/ab12");
    assert.equal(e.subject, "[chungthu] Chứng thư số của Lê Văn Cường hết hạn sau 30 ngày (10/01/2027)");
    assert.match(e.text, /Số hiệu: ab12/);
    const d = digestMail(t, "en", { day: "2026-11-23", summary: { waiting: 3, overdue: 0, dueToday: 1, items: [] }, expiring: { days: 30, count: 25, rows: [cert] }, url: "http://x/requests" }, "Officer");
    assert.equal(d.subject, "[chungthu] Digest for 23/11/2026: 3 requests waiting, 0 overdue");
    assert.match(d.text, /Certificates expiring in the next 30 days: 25/);
    assert.match(d.text, /… and 24 more/);
    assert.equal(formatDay("2026-01-05"), "05/01/2026");
  });
});
