// The contract between the request workflow and the mailer: what happened to a
// request (RequestNotice) and the notifier that tells the right people. Types
// only; the notifier itself is notifier.ts.
import type { RequestType } from "../ra/request-types";
import type { DigestSource } from "./digest";

export type RequestNoticeKind = "waiting_check" | "waiting_approval" | "returned" | "rejected" | "approved" | "completed" | "lost_reported";

export const REQUEST_NOTICE_KINDS: readonly RequestNoticeKind[] = ["waiting_check", "waiting_approval", "returned", "rejected", "approved", "completed", "lost_reported"];

export interface RequestNotice {
  kind: RequestNoticeKind;
  requestId: number;
  reference: string;
  type: RequestType /* server/ra/request-types.ts */;
  unitId: number;
  filedByUserId: number | null;
  reason: string | null;
  dueDate: string | null /* YYYY-MM-DD */;
  summary: string /* e.g. subscriber name */;
}

export interface Notifier {
  /** Mails the people a request step concerns. Never throws: failures are logged and kept in mail_log. */
  request(n: RequestNotice): Promise<void>;
  /** Reminds holders and focal points 60/30/7 days (config.mail.expiryReminderDays) before expiry; returns how many mails went out. */
  expiryReminders(now: Date): Promise<number>;
  /** One digest per provincial officer per Vietnam day, skipped when there is nothing to report; returns how many went out. */
  dailyDigest(now: Date, source: DigestSource): Promise<number>;
}

export type { DigestSource, DigestSummary } from "./digest";
export { createNotifier } from "./notifier";
