// What the notification jobs share: store, mailer, configuration, clock, log,
// translations and the recipient finder. A type only; notifier.ts builds it.
import type { Config } from "../config/schema";
import type { Logger } from "../log";
import type { Store } from "../store/store";
import type { Translator } from "../web/i18n/i18n";
import type { Mailer } from "./mailer";
import type { RecipientFinder } from "./recipients";

export interface MailContext {
  store: Store;
  mailer: Mailer;
  config: Config;
  clock: () => Date;
  log: Logger;
  t: Translator;
  recipients: RecipientFinder;
}

export const DAY_MS = 86_400_000;
