// Sends one notification to its recipients under a mail_log claim: claim the
// dedupe key, send one message per recipient (each in their language, no one
// sees another's address), record sent or failed. Never throws on a send failure.
import type { Logger } from "../log";
import type { MailKind, MailLogStore } from "../store/mail-log-store";
import type { RenderedMail } from "./layout";
import type { Mailer } from "./mailer";
import type { Recipient } from "./recipients";

export interface Delivery {
  to: Recipient;
  mail: RenderedMail;
}

export interface DeliveryDeps {
  mailLog: MailLogStore;
  mailer: Mailer;
  clock: () => Date;
  log: Logger;
}

export type DeliveryOutcome = "sent" | "failed" | "skipped" | "taken";

/** A failed notification is tried again by later runs, this many times in all. */
export const MAX_ATTEMPTS = 5;

export async function deliver(deps: DeliveryDeps, kind: MailKind, dedupeKey: string | null, deliveries: Delivery[]): Promise<DeliveryOutcome> {
  const { mailLog, mailer, clock, log } = deps;
  const subject = (deliveries.find((d) => d.to.lang === "vi") ?? deliveries[0])?.mail.subject ?? "";
  const id = await mailLog.claim({ kind, dedupeKey, recipients: deliveries.map((d) => d.to.email), subject }, clock(), MAX_ATTEMPTS);
  if (id === null) return "taken";
  if (deliveries.length === 0) {
    // Kept so the same reminder is not looked at again every hour.
    await mailLog.finish(id, { status: "skipped" }, clock());
    log("warn", "mail with no recipient", { kind, dedupeKey });
    return "skipped";
  }
  const errors: string[] = [];
  for (const d of deliveries) {
    try {
      await mailer.send({ to: [d.to.email], ...d.mail });
    } catch (e) {
      errors.push(`${d.to.email}: ${(e as Error).message}`);
    }
  }
  if (errors.length) {
    await mailLog.finish(id, { status: "failed", error: errors.join("; ") }, clock());
    log("error", "mail not delivered", { kind, dedupeKey, errors });
    return "failed";
  }
  await mailLog.finish(id, { status: "sent" }, clock());
  log("info", "mail sent", { kind, dedupeKey, recipients: deliveries.length, transport: mailer.kind });
  return "sent";
}
