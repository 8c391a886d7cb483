// The notifier: tells the right people about a request step, reminds of expiring
// certificates, sends the officers' digest. Chooses recipients and wording;
// decides nothing about requests themselves (server/ra/ does).
import type { Config } from "../config/schema";
import type { Logger } from "../log";
import type { Store } from "../store/store";
import { createTranslator, type Translator } from "../web/i18n/i18n";
import { deliver } from "./delivery";
import { sendDailyDigests } from "./digest";
import { sendExpiryReminders } from "./expiry-reminders";
import type { MailContext } from "./mail-context";
import type { Mailer } from "./mailer";
import type { Notifier, RequestNotice } from "./notices";
import { createRecipientFinder, uniqueRecipients, type Recipient } from "./recipients";
import { requestMail } from "./templates";

export interface NotifierDeps {
  store: Store;
  mailer: Mailer;
  config: Config;
  clock: () => Date;
  log: Logger;
  /** Defaults to the app's translations (server/web/i18n, mail.* keys). */
  translator?: Translator;
}

export function createNotifier(deps: NotifierDeps): Notifier {
  const { store, mailer, config, clock, log } = deps;
  const ctx: MailContext = { store, mailer, config, clock, log, t: deps.translator ?? createTranslator(), recipients: createRecipientFinder(store) };

  // Decree 68/2024 flow: the agency files → the provincial department checks →
  // the CA operator approves; the agency's focal point (and whoever filed) hears the outcome.
  async function recipientsOf(n: RequestNotice, now: Date): Promise<Recipient[]> {
    switch (n.kind) {
      case "waiting_check":
        return ctx.recipients.officersFor(n.unitId, now);
      case "waiting_approval":
        return ctx.recipients.operators();
      default: {
        const list = await ctx.recipients.focalPointsFor(n.unitId, now);
        const filer = n.filedByUserId === null ? null : await ctx.recipients.user(n.filedByUserId);
        return uniqueRecipients(filer ? [...list, filer] : list);
      }
    }
  }

  return {
    async request(n) {
      try {
        const to = await recipientsOf(n, clock());
        if (to.length === 0) {
          log("warn", "request notice has no recipient", { kind: n.kind, requestId: n.requestId, unitId: n.unitId });
          return;
        }
        const url = `${config.publicUrl}/requests/${n.requestId}`;
        await deliver({ mailLog: store.mailLog, mailer, clock, log }, "request", null, to.map((r) => ({ to: r, mail: requestMail(ctx.t, r.lang, n, r.name, url) })));
      } catch (e) {
        // A mail problem never undoes or blocks the request step that caused it.
        log("error", "request notice failed", { kind: n.kind, requestId: n.requestId, error: (e as Error).message });
      }
    },
    expiryReminders: (now) => sendExpiryReminders(ctx, now),
    dailyDigest: (now, source) => sendDailyDigests(ctx, now, source),
  };
}
