// What the request workflow needs from its neighbours, as narrow interfaces:
// revocation inside a transaction, token transitions, deadlines, notices.
// Wired in server/core.ts; nothing here does any work.
import type { RevocationNotice } from "./revocation-service";
import type { CrlReasonName } from "./revocation-reasons";
import type { RequestType } from "./request-types";
import type { Store } from "../store/store";

export interface RevocationPort {
  /** Revokes inside the caller's transaction; the caller announces after commit. */
  revokeWithin(
    tx: Store,
    req: { serial: string; reason: CrlReasonName; actor: string; invalidityDate?: Date | null; details?: Record<string, unknown> },
  ): Promise<RevocationNotice>;
  /** Revokes a set inside the caller's transaction (a merger batch, a leaver's certificates); `onlyValid` skips those no longer valid. */
  revokeManyWithin(
    tx: Store,
    reqs: ReadonlyArray<{ serial: string; reason: CrlReasonName; actor: string; invalidityDate?: Date | null; details?: Record<string, unknown> }>,
    opts?: { onlyValid?: boolean },
  ): Promise<RevocationNotice[]>;
  /** Tells OCSP and CRL publication about committed revocations. */
  announce(notices: readonly RevocationNotice[]): void;
}

export interface TokenPort {
  applyTransition(
    tx: Store,
    input: { tokenId: number; to: string; actor: string; reason?: string | null; requestId?: number | null; holderSubscriberId?: number | null },
  ): Promise<{ revoked: RevocationNotice[] }>;
}

export interface DeadlinePort {
  /** The working-day deadline (a Vietnam calendar day) of a dossier of this type received at `receivedAt`. */
  /** `via`: the transaction the caller is in, if any (the calendar is then read through it). */
  dueDate(type: RequestType, receivedAt: Date, via?: Pick<Store, "holidays">): Promise<string>;
}

/** What the mailer is told after a step commits (server/mail/notices.ts RequestNotice). */
export interface RequestNoticeOut {
  kind: "waiting_check" | "waiting_approval" | "returned" | "rejected" | "approved" | "completed" | "lost_reported";
  requestId: number;
  reference: string;
  type: RequestType;
  unitId: number;
  filedByUserId: number | null;
  reason: string | null;
  dueDate: string | null;
  summary: string;
}

export type NoticeSink = (n: RequestNoticeOut) => void;

/** "YC-000123": the reference people quote on the phone and in letters. */
export function referenceOf(id: number): string {
  return `YC-${String(id).padStart(6, "0")}`;
}
