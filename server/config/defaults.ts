// Built-in defaults: everything works on a laptop with no configuration at all.
import { DEV_PASSPHRASE } from "./schema";

export const defaults = {
  port: 3000,
  host: "0.0.0.0",
  publicUrl: "http://localhost:3000",
  dataDir: "./data",
  databaseUrl: undefined,
  caKeyPassphrase: DEV_PASSPHRASE,
  ca: {
    organization: "chungthu TEST CA (không dùng thật)",
    locality: "Hà Nội",
    rootValidityYears: 20,
    issuingValidityYears: 10,
    responderValidityDays: 30,
    responderRenewDays: 10,
    // CA keys in sealed files under DATA_DIR/ca/keys unless a PKCS#11 token is configured.
    keystore: { kind: "file" },
  },
  // Decree 68/2024: a new subscriber certificate is valid for at most 5 years.
  profiles: {
    individual: { maxDays: 1826 },
    organization: { maxDays: 1826 },
    device: { maxDays: 1826 },
  },
  crl: { validityHours: 24, scheduleMinutes: 60, debounceMs: 1000 },
  ocsp: { validityHours: 24, cacheMax: 40_000, maxCertIds: 1000, pollIntervalMs: 250 },
  audit: { checkpointMinutes: 60, signerValidityDays: 365, signerRenewDays: 30 },
  // Sign-in: lock-out after maxFailedLogins wrong passwords in a row; rate limit per client address.
  auth: {
    maxFailedLogins: 5,
    lockoutMinutes: 15,
    sessionIdleMinutes: 120,
    sessionMaxHours: 12,
    loginRateLimit: { windowSeconds: 300, max: 30 },
  },
  // Decree 68/2024 deadlines in working days: new 3, revocation 3 (assumed, old rule),
  // token recovery 1, token return 5 (agency collects within 5 days of revocation).
  sla: { newCertificate: 3, renewal: 3, change: 3, revocation: 3, tokenRecovery: 1, tokenHandover: 5, tokenReturn: 5, tokenLost: 1 },
  requests: {
    delegatedToProvince: ["token_recovery"],
    attachmentMaxBytes: 5 * 1024 * 1024,
    renewalMaxDays: 1096,
    selfServiceLostReport: false,
    signedFormRequired: true,
  },
  mail: {
    smtpUrl: undefined,
    devTransport: "file" as const,
    from: "chungthu <khong-tra-loi@chungthu.test>",
    expiryReminderDays: [60, 30, 7],
    digestHour: 7,
  },
  // PostgreSQL pool per process; statement timeout off by default (set it in production, e.g. 30000).
  database: { poolMin: 0, poolMax: 10, statementTimeoutMs: 0, acquireTimeoutMs: 30_000 },
  // CRLs are rebuilt hourly with nextUpdate +24 h, the responder renewed at 10 days left,
  // the audit chain verified every 10 minutes: these thresholds mean "a step was missed".
  freshness: {
    checkSeconds: 300,
    amberFraction: 0.75,
    crlMaxAgeHours: 2,
    crlMinHoursToNextUpdate: 12,
    crlMaxNumberGap: 1,
    responderMinDaysLeft: 7,
    ocspCacheMaxAgeHours: 12,
    ocspCacheMaxFill: 0.95,
    feedMaxLagSeconds: 5,
    overdueRequestsMax: 0,
    dueTodayRequestsMax: 50,
    publicationFailuresMax: 1,
    auditMaxAgeMinutes: 30,
  },
  viewCache: true,
  demo: true,
  workers: 1,
  shutdownGraceMs: 8_000,
};
