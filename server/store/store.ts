// The store: every repository bound to one connection or one transaction.
// Services receive the narrow piece they need; only this folder speaks SQL.
import type { Knex } from "knex";
import { AuditCheckpointStore, createAuditCheckpointStore } from "./audit-checkpoint-store";
import { AuditQueryStore, createAuditQueryStore } from "./audit-query-store";
import { AuditSignerStore, createAuditSignerStore } from "./audit-signer-store";
import { AuditStore, createAuditStore } from "./audit-store";
import { CaStore, createCaStore } from "./ca-store";
import { CertificateStore, createCertificateStore } from "./certificate-store";
import { CertificateQueryStore, createCertificateQueryStore } from "./certificate-query-store";
import { CrlStore, createCrlStore } from "./crl-store";
import { createUnitStore, UnitStore } from "./unit-store";
import { createSessionStore, SessionStore } from "./session-store";
import { createSubscriberStore, SubscriberStore } from "./subscriber-store";
import { createTokenStore, TokenStore } from "./token-store";
import { createHolidayStore, HolidayStore } from "./holiday-store";
import { createUserStore, UserStore } from "./user-store";
import { createRequestStore, RequestStore } from "./request-store";
import { createMailLogStore, MailLogStore } from "./mail-log-store";
import { createMailRecipientStore, MailRecipientStore } from "./mail-recipient-store";
import { createOrgChangeStore, OrgChangeStore } from "./org-change-store";
import { createReportStore, type ReportStore } from "./report-store";
import { withUnitMoveLog } from "./unit-move-log";
import { createRegisterStores, type RegisterStores } from "./register-stores";
import { ApiTokenStore, createApiTokenStore } from "./api-token-store";
import { createOperationsStore, type OperationsStore } from "./operations-store";
import { createBulkImportPreviewStore, type BulkImportPreviewStore } from "./bulk-import-preview-store";
import { createRateLimitStore, type RateLimitStore } from "./rate-limit-store";

export interface Store {
  cas: CaStore;
  certificates: CertificateStore;
  crls: CrlStore;
  audit: AuditStore;
  auditCheckpoints: AuditCheckpointStore;
  auditSigners: AuditSignerStore;
  /** The oversight audit page's reads (filters, keyset paging). */
  auditQueries: AuditQueryStore;
  units: UnitStore;
  users: UserStore;
  sessions: SessionStore;
  certificateQueries: CertificateQueryStore;
  /** The subscriber registry: who holds the certificates. */
  subscribers: SubscriberStore;
  /** The token registry: USB tokens, SIM-PKI, HSM slots, their states and the certificates on them. */
  tokens: TokenStore;
  /** The holiday calendar the working-day deadlines are counted on. */
  holidays: HolidayStore;
  /** Requests (dossiers, Mẫu 01–09), their steps and attachments. */
  requests: RequestStore;
  /** E-mail notifications sent or claimed, by dedupe key. */
  mailLog: MailLogStore;
  /** The mailer's look-ups: users by role with address and language, expiring certificates. */
  mailRecipients: MailRecipientStore;
  /** API tokens for /api/v1: hashes only, per unit. */
  apiTokens: ApiTokenStore;
  /** Staff transfers and agency mergers: affected objects, unit moves, org-change runs. */
  orgChanges: OrgChangeStore;
  /** The reports' aggregate queries (issue 6), on the units objects had on a past date. */
  reports: ReportStore;
  /** The report registers (issue 6): trainings, inspections, incidents, next-year demand. */
  registers: RegisterStores;
  /** Operations (issue 7): database ping, publication history, freshness alert state. */
  operations: OperationsStore;
  /** Bulk-import previews waiting for their confirmation, readable by every process. */
  bulkImportPreviews: BulkImportPreviewStore;
  /** Fixed-window hit counters (sign-in and refused API tokens per address), shared by every process. */
  rateLimits: RateLimitStore;
  /** Runs `fn` with a store bound to one database transaction: all or nothing. */
  transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T>;
  /** Closes the connection pool. */
  close(): Promise<void>;
}

export function createStore(db: Knex): Store {
  return bind(db, db);
}

function bind(root: Knex, db: Knex | Knex.Transaction): Store {
  return {
    cas: createCaStore(db),
    certificates: createCertificateStore(db),
    crls: createCrlStore(db),
    audit: createAuditStore(db),
    auditCheckpoints: createAuditCheckpointStore(db),
    auditSigners: createAuditSignerStore(db),
    auditQueries: createAuditQueryStore(db),
    units: createUnitStore(db),
    users: createUserStore(db),
    sessions: createSessionStore(db),
    certificateQueries: createCertificateQueryStore(db),
    subscribers: createSubscriberStore(db),
    tokens: createTokenStore(db),
    holidays: createHolidayStore(db),
    requests: createRequestStore(db),
    mailLog: createMailLogStore(db),
    mailRecipients: createMailRecipientStore(db),
    apiTokens: createApiTokenStore(db),
    // Every unit move is also recorded in unit_moves (reports on past years, issue 6).
    orgChanges: withUnitMoveLog(createOrgChangeStore(db), db),
    reports: createReportStore(db),
    registers: createRegisterStores(db),
    operations: createOperationsStore(db),
    bulkImportPreviews: createBulkImportPreviewStore(db),
    rateLimits: createRateLimitStore(db),
    transaction(fn) {
      if ("isTransaction" in db && db.isTransaction) return fn(bind(root, db));
      return root.transaction((trx) => fn(bind(root, trx)));
    },
    close: () => root.destroy(),
  };
}
