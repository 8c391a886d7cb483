// Wires the people-facing services from their dependencies: sign-in and
// sessions, scoping, the directory pages. Built once by the composition root.
import type { Config } from "../config/schema";
import { createAccessAudit } from "../access/access-audit";
import { createAuditMonitor, type AuditMonitor } from "../audit/audit-monitor";
import { verifyAuditChain } from "../audit/verify-chain";
import { createAuthService } from "../access/auth-service";
import { createMailLanguage } from "../access/mail-language";
import type { PasswordHasher } from "../access/passwords";
import { createScoper } from "../access/scope";
import type { Store } from "../store/store";
import { createAuditDirectory } from "./audit-directory";
import { createCertificateDirectory } from "./certificate-directory";
import { createDashboard } from "./dashboard";
import { createGuard } from "./guard";
import { createShell } from "./shell";
import { createSubscriberDirectory } from "./subscriber-directory";
import { createUnitDirectory } from "./unit-directory";
import type { UnitSource } from "./unit-source";
import { createUserDirectory } from "./user-directory";
import { createTokenDirectory } from "./token-directory";
import { createSelfService } from "../ra/self-service";
import { createTokenService } from "../ra/token-service";
import { createHolidayDirectory } from "./holiday-directory";
import { createHolidayService } from "../ra/holiday-service";
import { createSla } from "../ra/sla";
import { createBulkImport } from "../ra/bulk-import";
import { createSubscriberService } from "../ra/subscriber-service";
import type { IssuanceService } from "../ra/issuance-service";
import type { NoticeSink, RevocationPort } from "../ra/request-ports";
import { createRequestWorkflow } from "../ra/request-workflow";
import { createStaffChangeService } from "../ra/staff-change";
import { createOrgChangeRunner } from "../ra/org-change-run";
import { createUnitService } from "../org/unit-service";
import { createReportService } from "../reports/report-service";
import { registerFigures } from "../store/register-stores";
import { createApiTokens } from "../access/api-tokens";
import { createRegisters } from "../reports/registers/registers";
import { createReportExports, NO_REPORT_SIGNER, type DetachedSigner } from "../reports/export/report-export-service";
import { createSignedExportStore } from "../reports/export/signed-exports";

export interface PortalDeps {
  config: Config;
  store: Store;
  units: UnitSource;
  passwords: PasswordHasher;
  clock: () => Date;
  random: (n: number) => Buffer;
  /** The audit chain's background verifier (server.ts starts and stops it); a quiet one if not given. */
  auditMonitor?: AuditMonitor;
  /** The CA's report signer (server/ca/report-signer.ts) for signed report exports; without it signing is refused. */
  reportSigner?: DetachedSigner;
  /** The PKI core's issuance and revocation, for the request workflow (issue 5). */
  issuance: IssuanceService;
  revocation: RevocationPort;
  /** Where request steps are announced by e-mail (server/mail/notifier.ts). */
  notify: NoticeSink;
}

export function createPortal(deps: PortalDeps) {
  const { store, clock, units } = deps;
  const scoper = createScoper(units);
  const accessAudit = createAccessAudit({ store, clock });
  const guard = createGuard({ scoper, audit: accessAudit, clock });
  const unitDirectory = createUnitDirectory({ store, units, guard, scoper, clock });
  // Token actions for people (register, hand over, move, report lost); revocations inside their transactions.
  // A lost token's Mẫu 09 record is opened inside the same transaction that revoked its certificates.
  const tokenActions = createTokenService({ store, revocation: deps.revocation, guard, scoper, clock, afterLost: async (tx, info) => void (await workflow.executor.recordLost(tx, info)) });
  // One per process: editing the calendar here makes it forget what it loaded.
  const sla = createSla({ store, config: deps.config, clock });
  const workflow = createRequestWorkflow({ config: deps.config, store, units, scoper, accessAudit, issuance: deps.issuance, revocation: deps.revocation, tokens: tokenActions, deadlines: sla, notify: deps.notify, clock });
  return {
    auth: createAuthService(deps),
    /** The signed-in user's own e-mail language (the account page). */
    mailLanguage: createMailLanguage({ store, clock }),
    accessAudit,
    scoper,
    shell: createShell({ units, unitDirectory, scoper, clock }),
    certificates: createCertificateDirectory({ store, units, guard, clock }),
    units: unitDirectory,
    users: createUserDirectory({ store, units, guard, clock }),
    subscribers: createSubscriberDirectory({ store, units, guard, scoper, clock }),
    /** The token registry's pages (reads) and actions. */
    tokens: createTokenDirectory({ store, units, guard, scoper, tokens: tokenActions, clock }),
    tokenActions,
    /** Certificate holders reporting their own token lost (config requests.selfServiceLostReport). */
    selfService: createSelfService({ config: deps.config, store, tokens: tokenActions, accessAudit }),
    dashboard: createDashboard({ store, units, guard, scoper, requests: workflow.requests, clock }),
    /** Recording and correcting subscribers (issue 5 registries). */
    subscriberRegistry: createSubscriberService({ store, units, scoper, accessAudit, clock }),
    holidays: createHolidayDirectory({ service: createHolidayService({ store, clock, onChange: sla.invalidate }), scoper, audit: accessAudit, clock }),
    /** Working-day deadlines per request type on the holiday calendar (server/ra/sla.ts). */
    sla,
    /** Bulk import of new-certificate requests from CSV/XLSX: preview every row, then create all or none. */
    bulkImport: createBulkImport({ requests: workflow.requests, units, scoper, audit: store.audit, previews: store.bulkImportPreviews, clock }),
    /** Requests (dossiers, Mẫu 01–09): filing, checking, approval, execution. */
    requests: workflow.requests,
    /** Execution steps others call inside their transactions (lost-token record, token-return tasks) and crash recovery. */
    requestExecutor: workflow.executor,
    /** Staff transfer / leaving the state sector: preview and execute (server/ra/staff-change.ts). */
    staffChanges: createStaffChangeService({ store, scoper, accessAudit, revocation: deps.revocation, openTokenReturn: workflow.executor.openTokenReturn, deadlines: sla, clock }),
    /** Agency merger/split/dissolution effects on certificates and tokens, run as a batch (server/ra/org-change-run.ts). */
    orgChanges: createOrgChangeRunner({ store, units: createUnitService({ store, clock }), scoper, accessAudit, revocation: deps.revocation, openTokenReturn: workflow.executor.openTokenReturn, deadlines: sla, clock }),
    /** Annual agency report, provincial summary and ad-hoc views (issue 6), scoped and audited. */
    reports: createReportService({ store, guard, accessAudit, clock, calendar: () => sla.calendar(), registers: registerFigures(store.registers) }),
    /** API tokens for /api/v1: issue, list, revoke (api_tokens.manage), verify (server/api/). */
    apiTokens: createApiTokens({ store, scoper, accessAudit, units, clock, random: deps.random }),
    /** The report registers (issue 6): trainings, inspections, incidents, next-year demand; scoped, audited. */
    registers: createRegisters({ store, units, scoper, accessAudit, clock }),
    /** Report exports (issue 6): CSV/XLSX/PDF of what `reports` computed, and signed bundles (.p7s) kept for their maker. */
    reportExports: createReportExports({ units, signer: deps.reportSigner ?? NO_REPORT_SIGNER, signed: createSignedExportStore(deps.config.dataDir), store, clock, random: deps.random, operator: { name: deps.config.ca.organization, locality: deps.config.ca.locality } }),
    audit: createAuditDirectory({ store, units, guard, clock, monitor: deps.auditMonitor ?? createAuditMonitor({ verify: () => verifyAuditChain({ store }), store, clock, log: () => {} }) }),
    clock,
  };
}

export type Portal = ReturnType<typeof createPortal>;
