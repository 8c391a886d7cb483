// Expiry reminders: a valid certificate's holder and its unit's focal points are
// mailed when 60, 30 and 7 days (config.mail.expiryReminderDays) are left, once
// per threshold (mail_log key "expiry:<serial>:<days>"), so renewal (Decree
// 68/2024, Mẫu 04) can be filed in time. A missed run catches up: a certificate
// found at 29 days that never had its 30-day mail gets it, once.
import { deliver, MAX_ATTEMPTS, type Delivery } from "./delivery";
import { expiryMail } from "./templates";
import { uniqueRecipients, type Recipient } from "./recipients";
import { DAY_MS, type MailContext } from "./mail-context";
import type { ExpiringCertificate } from "../store/mail-recipient-store";

const BATCH = 200;
const MAX_BATCHES = 10_000;

export function expiryKey(serial: string, threshold: number): string {
  return `expiry:${serial}:${threshold}`;
}

/** Days left, counted up: 29 days and 1 hour → 30. */
export function daysLeft(notAfter: Date, now: Date): number {
  return Math.ceil((notAfter.getTime() - now.getTime()) / DAY_MS);
}

export async function sendExpiryReminders(ctx: MailContext, now: Date): Promise<number> {
  const thresholds = [...new Set(ctx.config.mail.expiryReminderDays)].sort((a, b) => a - b);
  let sent = 0;
  // Bands (now, 7d], (7d, 30d], (30d, 60d]: a certificate gets the reminder of the band it is in.
  for (let i = 0; i < thresholds.length; i++) {
    const d = thresholds[i]!;
    const from = new Date(now.getTime() + (i === 0 ? 0 : thresholds[i - 1]! * DAY_MS));
    const to = new Date(now.getTime() + d * DAY_MS);
    // Keyset order: each certificate is looked at once per run, even when its mail fails.
    let after: { notAfter: Date; serial: string } | null = null;
    for (let batch = 0; batch < MAX_BATCHES; batch++) {
      const certs = await ctx.store.mailRecipients.expiringWithoutReminder({ from, to, threshold: d, maxAttempts: MAX_ATTEMPTS, after, limit: BATCH });
      for (const c of certs) {
        if ((await remind(ctx, c, d, now)) === "sent") sent++;
      }
      if (certs.length < BATCH) break;
      const last = certs[certs.length - 1]!;
      after = { notAfter: last.notAfter, serial: last.serial };
    }
  }
  return sent;
}

async function remind(ctx: MailContext, c: ExpiringCertificate, threshold: number, now: Date): Promise<string> {
  const url = `${ctx.config.publicUrl}/certificates/${c.serial}`;
  const left = daysLeft(c.notAfter, now);
  const to: Recipient[] = [];
  // The holder is a subscriber, not a user: Vietnamese, the language of the service.
  if (c.holderEmail) to.push({ email: c.holderEmail.toLowerCase(), name: c.holderName ?? c.commonName, lang: "vi", userId: null });
  if (c.unitId !== null) to.push(...(await ctx.recipients.focalPointsFor(c.unitId, now)));
  const deliveries: Delivery[] = uniqueRecipients(to).map((r) => ({ to: r, mail: expiryMail(ctx.t, r.lang, c, left, r.name, url) }));
  return deliver({ mailLog: ctx.store.mailLog, mailer: ctx.mailer, clock: ctx.clock, log: ctx.log }, "expiry", expiryKey(c.serial, threshold), deliveries);
}
