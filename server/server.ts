// Starts the whole service from a configuration: core, CA hierarchy (created
// when absent), publication (CRL scheduler, OCSP responder, revocation feed),
// HTTP. Used by main.ts and by end-to-end tests (port 0).
import "reflect-metadata";
import type { AddressInfo } from "node:net";
import { createServer, type Server } from "node:http";
import { createRecoverySweep, recoverInterruptedIssuance } from "./ca/issuance-recovery";
import { republishStaleCrls } from "./publish/crl-recovery";
import type { KeyAlgorithm } from "./ca/signer";
import type { Config } from "./config/schema";
import { createApp } from "./app";
import { Core, openCore } from "./core";
import type { Logger } from "./log";
import { createCrlPublisher, CrlPublisher } from "./publish/crl-publisher";
import { createOcspResponder, OcspResponder, type RevokedCert } from "./publish/ocsp-responder";
import { createPublicationScheduler, PublicationScheduler } from "./publish/publication-scheduler";
import { createRevocationFeed } from "./publish/revocation-feed";
import { createCaChangeWatch } from "./publish/ca-change-watch";
import { createOcspHttpHandler, isOcspPath } from "./web/ocsp-http";
import { createAuditMonitor } from "./audit/audit-monitor";
import { createCheckpointTimer } from "./audit/checkpoint-timer";
import { randomBytes } from "node:crypto";
import { createArgon2Hasher } from "./access/passwords";
import { createPortal, type Portal } from "./directory/portal";
import { unitSourceFromStore } from "./directory/unit-source";
import { seedDemoProvince } from "./demo/demo-province";
import { demoUsersBanner, seedDemoUsers } from "./demo/demo-users";
import { demoCertificatesLine, seedDemoCertificates } from "./demo/demo-certificates";
import { seedDemoRegisters } from "./demo/demo-registers";
import { demoTokensLine, seedDemoTokens } from "./demo/demo-tokens";
import { seedDemoRequests } from "./demo/demo-requests";
import { createMailer } from "./mail/mailer";
import { createNotifier } from "./mail/notifier";
import { createRequestDigestSource } from "./ra/request-digest";
import { createMailScheduler, type MailScheduler } from "./mail/mail-scheduler";
import type { Notifier } from "./mail/notices";
import { createOperations, type Operations } from "./ops/operations";
import { createFreshnessAlerts } from "./mail/freshness-alert";
import { limitHeapGrowth } from "./heap-policy";

export interface RunningServer {
  url: string;
  core: Core;
  publisher: CrlPublisher;
  responder: OcspResponder;
  scheduler: PublicationScheduler;
  /** E-mail: request steps (call notifier.request), expiry reminders, daily digests. */
  notifier: Notifier;
  /** The people-facing services (requests, directories, sign-in): tests and tools call them as a signed-in actor would. */
  portal: Portal;
  /** Freshness dashboard figures and readiness (issue 7); `alerts` runs in the background process only. */
  operations: Operations;
  alerts: ReturnType<typeof createFreshnessAlerts> | null;
  http: Server;
  close(): Promise<void>;
}

export interface StartOptions {
  log: Logger;
  caAlg?: KeyAlgorithm;
  clock?: () => Date;
  /**
   * false for the extra workers of a cluster (server/cluster.ts): they serve
   * requests and follow the revocation feed, while the first worker alone sets
   * up the CA and demo data and runs CRL publication, responder renewal and
   * audit checkpoints. Default true.
   */
  background?: boolean;
  /** Age after which a pending certificate counts as an interrupted issuance (default 10 minutes; crash tests use 0). */
  stalePendingMs?: number;
}

export async function startServer(config: Config, opts: StartOptions): Promise<RunningServer> {
  const { log } = opts;
  // Full collections before the old generation is 1.5× its live size instead of up to 4× (heap-policy.ts: peak 310 → 211 MB at 1M certificates).
  limitHeapGrowth();
  const core = await openCore(config, opts.clock ? { clock: opts.clock } : {});
  const { store, keyRing, clock } = core;
  const background = opts.background ?? true;
  if (!(await keyRing.active("issuing"))) {
    if (!background) throw new Error("no CA: the first worker creates it before the others start");
    const r = await core.hierarchy.init({ alg: opts.caAlg ?? "rsa2048", force: false, actor: "system:startup" });
    log("info", "TEST CA hierarchy created", { created: r.created });
  }
  if (background) {
    const recovered = await recoverInterruptedIssuance({ store, clock }, opts.stalePendingMs);
    if (recovered.length) log("warn", "interrupted issuances marked failed", { serials: recovered });
  }
  const publisher = createCrlPublisher({ config, store, keyRing, clock });
  const responder = createOcspResponder({ config, store, keyRing, clock, log });
  const scheduler = createPublicationScheduler({
    config,
    store,
    publisher,
    clock,
    log,
    ensureResponder: () => core.hierarchy.ensureResponder("system:scheduler"),
    onResponderRenewed: () => responder.reset(),
    // The operations history: each CRL build and responder renewal, failures with their message.
    onEvent: (e) => {
      const row = e.kind === "crl" ? { kind: e.kind, caId: e.caId, crlNumber: e.ok ? e.crlNumber : null } : { kind: e.kind, caId: null, crlNumber: null };
      store.operations
        .recordPublication({ ...row, outcome: e.ok ? "ok" : "failed", error: e.ok ? null : e.error }, clock())
        .catch((err: Error) => log("error", "publication event not recorded", { error: err.message }));
    },
  });
  // Only the background process publishes CRLs; the others' revocations reach it through the feed.
  const crlNeeded = (caId: number) => {
    if (background) scheduler.revoked(caId);
  };
  // Every revocation, whoever made it: OCSP answers change at once, the CRL within seconds.
  const revoked = (certs: readonly RevokedCert[]) => {
    responder.revoked(certs);
    for (const caId of new Set(certs.map((c) => c.caId))) crlNeeded(caId);
  };
  // By this process.
  core.onRevoked(revoked);
  // Revocations by other processes (CLI, other workers): within one poll interval.
  const feed = createRevocationFeed({
    certificates: store.certificates,
    intervalMs: config.ocsp.pollIntervalMs,
    log,
    onEvents: revoked,
  });
  await feed.start();
  const auditCheckpoints = createCheckpointTimer({ checkpoint: (actor) => core.auditLog.checkpoint(actor), intervalMs: config.audit.checkpointMinutes * 60_000, log });
  // Extra workers pick up a renewed responder certificate from the database instead.
  const caWatch = createCaChangeWatch({ cas: store.cas, intervalMs: 60_000, onChange: () => responder.reset(), log });
  if (background) {
    // After a crash: a CRL missing revocations committed just before it is published again (crl-recovery.ts).
    await republishStaleCrls({ dataDir: config.dataDir, store, publisher, log });
    await scheduler.start();
    await auditCheckpoints.start();
  } else {
    await caWatch.start();
  }

  const unitSource = unitSourceFromStore(store.units);
  const passwords = createArgon2Hasher();
  if (config.demo && background) {
    // DEMO=1: a fictional province, one user per role and ~300 certificates in every state, to try the app at once (idempotent).
    const province = await seedDemoProvince({ store, clock });
    if (province.seeded) log("info", "demo province created", { batches: province.batchIds.length });
    const created = await seedDemoUsers({ store, units: unitSource, passwords, clock });
    if (created.length) process.stdout.write(demoUsersBanner(created) + "\n");
    const certs = await seedDemoCertificates({
      config,
      store,
      keyRing,
      clock,
      onRevoked: revoked,
    });
    if (certs.seeded) log("info", demoCertificatesLine(certs));
    // Trainings, inspections, incidents and demand of 2024–2026 for the report pages (idempotent).
    const registers = await seedDemoRegisters({ store, clock });
    if (registers.seeded) log("info", "demo registers created", registers.counts);
    // The tokens holding those certificates, in every state of the token life cycle (idempotent).
    const tokens = await seedDemoTokens({ store, clock });
    if (tokens.seeded) log("info", demoTokensLine(tokens));
  }
  // The oversight page's answer "is the audit chain intact?", verified in the background.
  const auditMonitor = createAuditMonitor({ verify: () => core.auditLog.verify(), store, clock, log });
  // Mail: every process can notify about request steps; only the background one runs reminders and digests.
  const mailer = createMailer({ config, log });
  const notifier = createNotifier({ store, mailer, config, clock, log });
  const notices = new Set<Promise<void>>();
  auditMonitor.start();
  const portal = createPortal({
    config,
    store,
    units: unitSource,
    passwords,
    clock,
    random: (n) => randomBytes(n),
    auditMonitor,
    reportSigner: core.reportSigner,
    issuance: core.issuance,
    revocation: core.revocation,
    notify: (n) => {
      // Not awaited by the request step, but by close(): a shutdown lets the mail and its mail_log row finish.
      const sending: Promise<void> = notifier.request(n).finally(() => notices.delete(sending));
      notices.add(sending);
    },
  });
  // Expiry reminders and the officers' daily digest (what waits for them, from the request workflow).
  const digestSource = createRequestDigestSource({ store, requests: portal.requests, config });
  const mailScheduler: MailScheduler | null = background ? createMailScheduler({ notifier, config, clock, log, digestSource }) : null;
  await mailScheduler?.start();
  if (background) {
    // Approvals a crash interrupted: completed if their certificate was issued, otherwise back to the CA's queue.
    const resumed = await portal.requestExecutor.resumeStuck();
    if (resumed.length) log("warn", "interrupted request approvals completed", { requests: resumed });
    if (config.demo) {
      // A dozen dossiers in every state of the workflow, filed and checked by the demo users (idempotent).
      const demoRequests = await seedDemoRequests({ store, requests: portal.requests, clock });
      if (demoRequests.seeded) log("info", "demo requests created", { count: demoRequests.count });
    }
  }
  // While running: pending rows that were too young at start, once they are stale (issuance-recovery.ts).
  const recoverySweep = background ? createRecoverySweep({ store, clock, log, resumeStuck: () => portal.requestExecutor.resumeStuck(), intervalMs: 60_000 }) : null;
  recoverySweep?.start();
  // Freshness figures of this process (its OCSP cache and feed); the background process also mails on crossings.
  const operations = createOperations({
    config,
    store,
    keyRing,
    ocsp: { cacheStats: () => responder.cacheStats(), feedPosition: () => feed.position() },
    auditStatus: () => auditMonitor.status(),
    scoper: portal.scoper,
    accessAudit: portal.accessAudit,
    clock,
  });
  const alerts = background ? createFreshnessAlerts({ freshness: () => operations.freshness(), store, mailer, config, clock, log }) : null;
  await alerts?.start();
  const app = createApp({ config, store, publisher, clock, log, portal, operations });
  const ocsp = createOcspHttpHandler({ responder, clock, log });
  const http = createServer((req, res) => (isOcspPath(req.url) ? ocsp(req, res) : app(req, res)));
  http.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(config.port, config.host, () => resolve());
  });
  const port = (http.address() as AddressInfo).port;
  const url = `http://${config.host === "0.0.0.0" ? "localhost" : config.host}:${port}`;

  let closing: Promise<void> | null = null;
  return {
    url,
    core,
    publisher,
    responder,
    scheduler,
    notifier,
    portal,
    operations,
    alerts,
    http,
    close() {
      closing ??= (async () => {
        // Stop taking requests, let in-flight ones finish, then stop background work and the database.
        await new Promise<void>((resolve) => {
          http.close(() => resolve());
          http.closeIdleConnections();
        });
        await feed.stop();
        await caWatch.stop();
        await scheduler.stop();
        await auditCheckpoints.stop();
        await auditMonitor.stop();
        await mailScheduler?.stop();
        await recoverySweep?.stop();
        await alerts?.stop();
        await Promise.allSettled([...notices]);
        await mailer.close();
        await core.close();
      })();
      return closing;
    },
  };
}
