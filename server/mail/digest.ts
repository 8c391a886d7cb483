// The provincial officers' daily digest: requests waiting, overdue and due today
// (from a DigestSource the request workflow provides) and certificates expiring
// within 30 days in the officer's subtree. One per officer per Vietnam day
// (mail_log key "digest:<userId>:<YYYY-MM-DD>"), none when there is nothing to report.
import type { RequestType } from "../ra/request-types";
import { vietnamDay } from "../directory/unit-source";
import { deliver } from "./delivery";
import { DAY_MS, type MailContext } from "./mail-context";
import { toRecipient } from "./recipients";
import { digestMail } from "./templates";

export interface DigestSummary {
  waiting: number;
  overdue: number;
  dueToday: number;
  items: Array<{ reference: string; type: RequestType; dueDate: string | null; url: string }>;
}

/** What the request workflow knows about one officer's queue (implemented over the requests table). */
export interface DigestSource {
  forUser(userId: number, now: Date): Promise<DigestSummary>;
}

/** Until the request workflow provides one: no requests, so digests report expiring certificates only. */
export const noRequestsDigestSource: DigestSource = {
  forUser: async () => ({ waiting: 0, overdue: 0, dueToday: 0, items: [] }),
};

export const DIGEST_EXPIRY_DAYS = 30;
const DIGEST_EXPIRING_SHOWN = 20;

export function digestKey(userId: number, day: string): string {
  return `digest:${userId}:${day}`;
}

export async function sendDailyDigests(ctx: MailContext, now: Date, source: DigestSource): Promise<number> {
  const day = vietnamDay(now);
  const holders = await ctx.store.mailRecipients.usersWithRole("provincial_officer", null);
  // An officer may hold the role on several units: one digest over all of them.
  const byUser = new Map<number, { user: (typeof holders)[number]; unitIds: number[] }>();
  for (const h of holders) {
    const entry = byUser.get(h.id) ?? { user: h, unitIds: [] };
    if (h.unitId !== null) entry.unitIds.push(h.unitId);
    byUser.set(h.id, entry);
  }
  const done = await ctx.store.mailLog.existingKeys([...byUser.keys()].map((id) => digestKey(id, day)));
  let sent = 0;
  for (const { user, unitIds } of byUser.values()) {
    const key = digestKey(user.id, day);
    if (done.has(key)) continue;
    try {
      const units = new Set<number>();
      for (const u of unitIds) for (const id of await ctx.store.units.subtreeIdsAsOf(u, day)) units.add(id);
      const expiring = await ctx.store.mailRecipients.expiringInUnits([...units], now, new Date(now.getTime() + DIGEST_EXPIRY_DAYS * DAY_MS), DIGEST_EXPIRING_SHOWN);
      const summary = await source.forUser(user.id, now);
      if (summary.waiting + summary.overdue + summary.dueToday + summary.items.length + expiring.count === 0) continue;
      const to = toRecipient(user);
      const mail = digestMail(ctx.t, to.lang, { day, summary, expiring: { days: DIGEST_EXPIRY_DAYS, ...expiring }, url: `${ctx.config.publicUrl}/requests` }, to.name);
      const outcome = await deliver({ mailLog: ctx.store.mailLog, mailer: ctx.mailer, clock: ctx.clock, log: ctx.log }, "digest", key, [{ to, mail }]);
      if (outcome === "sent") sent++;
    } catch (e) {
      // One officer's failure (a source error) does not keep the others' digests.
      ctx.log("error", "daily digest failed", { userId: user.id, error: (e as Error).message });
    }
  }
  return sent;
}
