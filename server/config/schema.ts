// The configuration's shape and its validation (zod). No I/O here: load-config.ts
// merges the sources and calls parseConfig.
import { z } from "zod";
import { AppError } from "../errors/app-error";

export const DEV_PASSPHRASE = "chungthu-development-only";

const profileLimits = z.object({ maxDays: z.number().int().min(1).max(1827) });

export const configSchema = z.object({
  port: z.coerce.number().int().min(0).max(65535),
  host: z.string().min(1),
  publicUrl: z.url().transform((u) => u.replace(/\/+$/, "")),
  dataDir: z.string().min(1),
  databaseUrl: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "DATABASE_URL must start with postgres:// (leave it unset for sqlite)")
    .optional(),
  caKeyPassphrase: z.string().min(12, "CA_KEY_PASSPHRASE must be at least 12 characters"),
  ca: z.object({
    organization: z.string().min(1).refine((s) => /TEST/.test(s), "the CA organisation name must say TEST"),
    locality: z.string().min(1),
    rootValidityYears: z.number().int().min(1).max(20),
    issuingValidityYears: z.number().int().min(1).max(20),
    responderValidityDays: z.number().int().min(2).max(365),
    /** Renew the OCSP responder certificate when fewer days than this are left. */
    responderRenewDays: z.number().int().min(1),
    /** Where new CA keys are made: sealed files in DATA_DIR, or a PKCS#11 token (slot ID or token label; the PIN is read from the variable pinEnv names). */
    keystore: z.discriminatedUnion("kind", [
      z.object({ kind: z.literal("file") }).strict(),
      z.object({ kind: z.literal("pkcs11"), module: z.string().min(1), slot: z.union([z.string().min(1), z.number().int().min(0)]), pinEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/) }),
    ]),
  }),
  profiles: z.object({ individual: profileLimits, organization: profileLimits, device: profileLimits }),
  crl: z.object({
    validityHours: z.number().positive().max(24 * 31),
    /** Scheduled rebuild even when nothing changed, so nextUpdate never passes. */
    scheduleMinutes: z.number().positive(),
    /** Revocations arriving close together are folded into one rebuild. */
    debounceMs: z.number().int().min(0).max(60_000),
  }),
  ocsp: z.object({
    validityHours: z.number().positive().max(24 * 7),
    cacheMax: z.number().int().min(0),
    maxCertIds: z.number().int().min(1).max(10_000),
    pollIntervalMs: z.number().int().min(50).max(60_000),
  }),
  audit: z.object({
    /** A running server signs a checkpoint of the audit chain this often (when it grew). */
    checkpointMinutes: z.number().positive(),
    /** Validity of the audit-signer certificate, and renew it when fewer days than this are left. */
    signerValidityDays: z.number().int().min(2).max(825),
    signerRenewDays: z.number().int().min(1),
  }),
  auth: z.object({
    /** Wrong passwords in a row before the account is locked for lockoutMinutes. */
    maxFailedLogins: z.number().int().min(1).max(100),
    lockoutMinutes: z.number().positive().max(24 * 60),
    /** A session ends after this long without a request, and in any case sessionMaxHours after sign-in. */
    sessionIdleMinutes: z.number().positive(),
    sessionMaxHours: z.number().positive().max(24 * 30),
    /** Sign-in attempts allowed per client address per window (all usernames together). */
    loginRateLimit: z.object({ windowSeconds: z.number().int().min(1), max: z.number().int().min(1) }),
  }),
  /**
   * Working-day deadlines per request type (Decree 68/2024; counted on the
   * holiday calendar, server/ra/working-days.ts). Assumed values are configurable.
   */
  sla: z.object({
    newCertificate: z.number().int().min(1).max(60),
    renewal: z.number().int().min(1).max(60),
    change: z.number().int().min(1).max(60),
    revocation: z.number().int().min(1).max(60),
    tokenRecovery: z.number().int().min(1).max(60),
    tokenHandover: z.number().int().min(1).max(60),
    tokenReturn: z.number().int().min(1).max(60),
    tokenLost: z.number().int().min(1).max(60),
  }),
  requests: z.object({
    /** Request types the provincial officer completes without the CA operator (delegated; Mẫu 06 for USB tokens). */
    delegatedToProvince: z.array(z.string()),
    /** Largest attachment (scanned signed form, PDF). */
    attachmentMaxBytes: z.number().int().min(1024).max(50 * 1024 * 1024),
    /** Decree 68/2024: a renewal adds at most 3 years. */
    renewalMaxDays: z.number().int().min(1).max(1096),
    /** Whether a certificate holder with an account may report their own token lost. */
    selfServiceLostReport: z.boolean(),
    /** A dossier filed on the web needs the scanned, signed form (PDF) before it can be submitted. */
    signedFormRequired: z.boolean(),
  }),
  mail: z.object({
    /** smtp(s)://user:pass@host:port; unset → the development transport below. */
    smtpUrl: z.string().regex(/^smtps?:\/\//, "SMTP_URL must start with smtp:// or smtps://").optional(),
    /** Without SMTP_URL: "file" writes .eml files under DATA_DIR/mail, "console" logs them. */
    devTransport: z.enum(["file", "console"]),
    from: z.string().min(3),
    /** Days before expiry on which holder and focal point are reminded. */
    expiryReminderDays: z.array(z.number().int().min(1).max(365)),
    /** Local hour (Asia/Ho_Chi_Minh) of the officers' daily digest. */
    digestHour: z.number().int().min(0).max(23),
  }),
  /**
   * PostgreSQL connection pool (ignored for sqlite, which keeps one connection:
   * one writer at a time). Per process: WORKERS × poolMax must stay below the
   * server's max_connections.
   */
  database: z.object({
    poolMin: z.number().int().min(0).max(100),
    poolMax: z.number().int().min(1).max(200),
    /** Server-side statement_timeout per connection, ms; 0 = none. */
    statementTimeoutMs: z.number().int().min(0),
    /** How long a query waits for a free pooled connection before failing, ms. */
    acquireTimeoutMs: z.number().int().min(100),
  }),
  /**
   * The operators' freshness dashboard (/operations) and its alert e-mail: a
   * metric is red past its threshold, amber `amberFraction` of the way there.
   */
  freshness: z.object({
    /** How often the background process evaluates the metrics and mails on a crossing. */
    checkSeconds: z.number().int().min(1).max(3600),
    amberFraction: z.number().gt(0).lt(1),
    /** Hours since the CA's newest CRL's thisUpdate. */
    crlMaxAgeHours: z.number().positive(),
    /** Hours left before the newest CRL's nextUpdate (RFC 5280 5.1.2.5). */
    crlMinHoursToNextUpdate: z.number().min(0),
    /** CRL numbers allocated but never published (failed or running builds). */
    crlMaxNumberGap: z.number().int().min(0),
    /** Days left on the delegated OCSP responder certificate. */
    responderMinDaysLeft: z.number().min(0),
    /** Age of the oldest pre-signed OCSP response in this process's cache. */
    ocspCacheMaxAgeHours: z.number().positive(),
    /** Share of ocsp.cacheMax in use; past it the cache evicts answers still wanted. */
    ocspCacheMaxFill: z.number().gt(0).max(1),
    /** Seconds since the oldest revocation this process has not yet seen through the feed. */
    feedMaxLagSeconds: z.number().positive(),
    /** Open requests past their working-day deadline (Decree 68/2024), and due today. */
    overdueRequestsMax: z.number().int().min(0),
    dueTodayRequestsMax: z.number().int().min(0),
    /** Failed CRL publications or responder renewals in a row, since the last success. */
    publicationFailuresMax: z.number().int().min(0),
    /** Minutes since the audit chain was last verified in the background. */
    auditMaxAgeMinutes: z.number().positive(),
  }),
  /** Keep compiled page templates (off with NODE_ENV=development, to edit views without a restart). */
  viewCache: z.boolean(),
  demo: z.boolean(),
  /** Web processes sharing the port (node:cluster); 1 = a single process. */
  workers: z.coerce.number().int().min(1).max(64),
  /** On SIGTERM/SIGINT, how long in-flight requests may take before their connections are cut (below Docker's 10 s stop timeout). */
  shutdownGraceMs: z.coerce.number().int().min(0).max(600_000),
});

export type Config = z.infer<typeof configSchema>;
export type ProfileName = keyof Config["profiles"];

export function parseConfig(raw: unknown): Config {
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
    throw new AppError("CONFIG_INVALID", `invalid configuration: ${lines.join("; ")}`);
  }
  return result.data;
}
