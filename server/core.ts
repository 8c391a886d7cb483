// Wires the PKI core from a configuration: database → store → CA → RA. Shared by
// the server (main.ts) and the CLI so both run exactly the same services.
import { randomBytes } from "node:crypto";
import type { Config } from "./config/schema";
import { createAuditSigner } from "./ca/audit-signer";
import { createReportSigner, ReportSigner } from "./ca/report-signer";
import { createHierarchy, Hierarchy } from "./ca/hierarchy";
import { createKeyRing, KeyRing } from "./ca/key-ring";
import { createLintCopyMaker } from "./ca/lint-copy";
import { createSubscriberIssuer } from "./ca/subscriber-issuer";
import { createIssuanceService, IssuanceService } from "./ra/issuance-service";
import { createRevocationService, RevocationNotice, RevocationService } from "./ra/revocation-service";
import { openDatabase } from "./store/connection";
import { migrateLatest } from "./store/migrate";
import { createStore, Store } from "./store/store";
import { createUnitService, UnitService } from "./org/unit-service";
import { AuditLog, createAuditLog } from "./audit/audit-log";

export interface Core {
  config: Config;
  store: Store;
  keyRing: KeyRing;
  hierarchy: Hierarchy;
  issuance: IssuanceService;
  revocation: RevocationService;
  /** Administrative units: the dated tree of agencies and its change batches. */
  units: UnitService;
  /** The tamper-evident audit log: checkpoint, verify, evidence. */
  auditLog: AuditLog;
  /** Detached CMS signatures over exported reports (issue 6), by the CA's report-signing certificate. */
  reportSigner: ReportSigner;
  clock: () => Date;
  /** Subscribe to revocations committed by this process: one call per committed set, in commit order. */
  onRevoked(listener: (notices: readonly RevocationNotice[]) => void): void;
  close(): Promise<void>;
}

export interface CoreOptions {
  clock?: () => Date;
  random?: (n: number) => Buffer;
}

export async function openCore(config: Config, opts: CoreOptions = {}): Promise<Core> {
  const clock = opts.clock ?? (() => new Date());
  const random = opts.random ?? ((n: number) => randomBytes(n));
  const db = openDatabase(config);
  await migrateLatest(db);
  const store = createStore(db);
  const keyRing = createKeyRing({ cas: store.cas, dataDir: config.dataDir, passphrase: config.caKeyPassphrase, keystore: config.ca.keystore });
  const makeLintCopy = createLintCopyMaker();
  const auditSigner = createAuditSigner({ config, store, keyRing, makeLintCopy, clock, random });
  const hierarchy = createHierarchy({ config, store, keyRing, makeLintCopy, clock, random, auditSigner });
  const auditLog = createAuditLog({ store, signer: auditSigner, clock });
  const reportSigner = createReportSigner({ config, store, keyRing, makeLintCopy, clock, random });
  const issuer = createSubscriberIssuer({ config, store, keyRing, makeLintCopy, clock, random });
  const issuance = createIssuanceService({ config, store, issuer, clock });
  const units = createUnitService({ store, clock });
  // A set revoked together (a lost token, a merger batch) reaches each listener
  // as one array: a call per notice cost ~76 ms per 10,000.
  const listeners: Array<(notices: readonly RevocationNotice[]) => void> = [];
  const revocation = createRevocationService({
    store,
    clock,
    onRevoked: (notices) => {
      for (const l of listeners) l(notices);
    },
  });
  return {
    config,
    store,
    keyRing,
    hierarchy,
    issuance,
    revocation,
    units,
    auditLog,
    reportSigner,
    clock,
    onRevoked: (l) => listeners.push(l),
    close: () => {
      keyRing.close();
      return store.close();
    },
  };
}
