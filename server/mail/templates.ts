// The wording of each mail, per recipient language (server/web/i18n/mail.*.json):
// a request step, an expiry reminder, the officers' daily digest. Pure functions
// of their inputs; no look-ups, no sending.
import { FORM_OF, type RequestType } from "../ra/request-types";
import type { Lang, Translator } from "../web/i18n/i18n";
import { formatDate } from "../web/i18n/i18n";
import type { ExpiringCertificate } from "../store/mail-recipient-store";
import { renderMail, type RenderedMail } from "./layout";
import type { RequestNotice } from "./notices";
import type { DigestSummary } from "./digest";

/** 'YYYY-MM-DD' → 'dd/mm/yyyy' (the official form, both languages). */
export function formatDay(day: string): string {
  const [y, m, d] = day.split("-");
  return `${d}/${m}/${y}`;
}

function formLabel(t: Translator, lang: Lang, type: RequestType): string {
  return t.t(lang, "mail.form", { form: FORM_OF[type] });
}

export function requestMail(t: Translator, lang: Lang, n: RequestNotice, toName: string, url: string): RenderedMail {
  const form = formLabel(t, lang, n.type);
  const lines = [t.t(lang, "mail.requestLine", { reference: n.reference, type: t.t(lang, `mail.type.${n.type}`), form, summary: n.summary })];
  if (n.reason) lines.push(t.t(lang, "mail.reason", { reason: n.reason }));
  if (n.dueDate) lines.push(t.t(lang, "mail.due", { date: formatDay(n.dueDate) }));
  return renderMail(
    {
      subject: t.t(lang, `mail.request.${n.kind}.subject`, { reference: n.reference, form }),
      greeting: t.t(lang, "mail.greeting", { name: toName }),
      intro: t.t(lang, `mail.request.${n.kind}.intro`),
      lines,
      lists: [],
      link: { url, label: t.t(lang, "mail.openLabel"), text: t.t(lang, "mail.open", { url }) },
      footer: t.t(lang, "mail.footer"),
    },
    lang,
  );
}

export function expiryMail(t: Translator, lang: Lang, c: ExpiringCertificate, daysLeft: number, toName: string, url: string): RenderedMail {
  const name = c.holderName ?? c.commonName;
  const date = formatDate(c.notAfter);
  return renderMail(
    {
      subject: t.t(lang, "mail.expiry.subject", { name, days: daysLeft, date }),
      greeting: t.t(lang, "mail.greeting", { name: toName }),
      intro: t.t(lang, "mail.expiry.intro"),
      lines: [t.t(lang, "mail.expiry.holder", { name }), t.t(lang, "mail.expiry.serial", { serial: c.serial }), t.t(lang, "mail.expiry.expires", { date, days: daysLeft })],
      lists: [],
      link: { url, label: t.t(lang, "mail.openLabel"), text: t.t(lang, "mail.open", { url }) },
      footer: t.t(lang, "mail.footer"),
    },
    lang,
  );
}

export interface DigestMailInput {
  day: string;
  summary: DigestSummary;
  expiring: { days: number; count: number; rows: ExpiringCertificate[] };
  url: string;
}

/** Items shown in a digest; the rest are counted. */
export const DIGEST_ITEMS = 20;

export function digestMail(t: Translator, lang: Lang, d: DigestMailInput, toName: string): RenderedMail {
  const s = d.summary;
  const lists: Array<{ title: string; items: string[] }> = [];
  if (s.items.length) {
    const items = s.items.slice(0, DIGEST_ITEMS).map((i) =>
      t.t(lang, "mail.digest.item", { reference: i.reference, type: t.t(lang, `mail.type.${i.type}`), form: formLabel(t, lang, i.type), date: i.dueDate ? formatDay(i.dueDate) : t.t(lang, "mail.digest.noDue") }) + ` ${i.url}`,
    );
    if (s.items.length > DIGEST_ITEMS) items.push(t.t(lang, "mail.digest.more", { n: s.items.length - DIGEST_ITEMS }));
    lists.push({ title: t.t(lang, "mail.digest.items"), items });
  }
  if (d.expiring.count) {
    const items = d.expiring.rows.map((c) => t.t(lang, "mail.digest.expiringItem", { name: c.holderName ?? c.commonName, date: formatDate(c.notAfter) }));
    if (d.expiring.count > d.expiring.rows.length) items.push(t.t(lang, "mail.digest.more", { n: d.expiring.count - d.expiring.rows.length }));
    lists.push({ title: t.t(lang, "mail.digest.expiring", { days: d.expiring.days, n: d.expiring.count }), items });
  }
  return renderMail(
    {
      subject: t.t(lang, "mail.digest.subject", { date: formatDay(d.day), waiting: s.waiting, overdue: s.overdue }),
      greeting: t.t(lang, "mail.greeting", { name: toName }),
      intro: t.t(lang, "mail.digest.intro"),
      lines: [t.t(lang, "mail.digest.waiting", { n: s.waiting }), t.t(lang, "mail.digest.overdue", { n: s.overdue }), t.t(lang, "mail.digest.dueToday", { n: s.dueToday })],
      lists,
      link: { url: d.url, label: t.t(lang, "mail.openLabel"), text: t.t(lang, "mail.open", { url: d.url }) },
      footer: t.t(lang, "mail.footer"),
    },
    lang,
  );
}
