// SQL for certificates and their revocations: look-ups, key use, revocation,
// OCSP status and the revocation feed. The issuance cycle's writes (pending →
// valid | failed) are in certificate-issuance-store.ts; this store includes them.
import type { Knex } from "knex";
import { fromDbTime, optionalDbTime, toDbTime } from "./db-time";
import { createCertificateIssuanceStore, type CertificateIssuanceStore } from "./certificate-issuance-store";

export type CertStatus = "pending" | "valid" | "revoked" | "failed";
export type { CertificateIssuanceStore, PendingCertificate } from "./certificate-issuance-store";

export interface CertificateRecord {
  serial: string;
  caId: number;
  profile: string;
  status: CertStatus;
  subjectDn: string;
  commonName: string;
  email: string | null;
  spkiSha256: string;
  keyAlg: string;
  certDer: Buffer | null;
  notBefore: Date;
  notAfter: Date;
  createdAt: Date;
  issuedAt: Date | null;
  revokedAt: Date | null;
  revocationReason: number | null;
  invalidityDate: Date | null;
  /** The subscriber's managing agency (units.id), or null. */
  unitId: number | null;
}

export interface RevocationInput {
  serial: string;
  reason: number;
  revokedAt: Date;
  invalidityDate: Date | null;
}

export type RevokeOutcome = "revoked" | "not_found" | "already_revoked" | "not_valid";

/** Several certificates revoked at one time with one reason (a merger batch, a leaver's certificates). */
export interface RevocationBatchInput {
  serials: readonly string[];
  reason: number;
  revokedAt: Date;
  invalidityDate: Date | null;
}

export interface RevokeManyResult {
  serial: string;
  outcome: RevokeOutcome;
  /** Set when revoked. */
  caId: number | null;
}

export interface RevocationEvent {
  id: number;
  serial: string;
  caId: number;
  reason: number;
  revokedAt: Date;
}

export interface OcspStatusRow {
  status: CertStatus;
  revokedAt: Date | null;
  reason: number | null;
  notAfter: Date;
}

interface CertRow {
  serial: string;
  ca_id: number;
  profile: string;
  status: CertStatus;
  subject_dn: string;
  common_name: string;
  email: string | null;
  spki_sha256: string;
  key_alg: string;
  cert_der: Buffer | null;
  not_before: string;
  not_after: string;
  created_at: string;
  issued_at: string | null;
  revoked_at: string | null;
  revocation_reason: number | null;
  invalidity_date: string | null;
  unit_id: number | null;
}

const LISTED_COLUMNS = [
  "serial", "ca_id", "profile", "status", "subject_dn", "common_name", "email", "spki_sha256", "key_alg",
  "cert_der", "not_before", "not_after", "created_at", "issued_at", "revoked_at", "revocation_reason", "invalidity_date",
  "unit_id",
];

function toRecord(r: CertRow): CertificateRecord {
  return {
    serial: r.serial,
    caId: r.ca_id,
    profile: r.profile,
    status: r.status,
    subjectDn: r.subject_dn,
    commonName: r.common_name,
    email: r.email,
    spkiSha256: r.spki_sha256,
    keyAlg: r.key_alg,
    certDer: r.cert_der ? Buffer.from(r.cert_der) : null,
    notBefore: fromDbTime(r.not_before),
    notAfter: fromDbTime(r.not_after),
    createdAt: fromDbTime(r.created_at),
    issuedAt: optionalDbTime(r.issued_at),
    revokedAt: optionalDbTime(r.revoked_at),
    revocationReason: r.revocation_reason,
    invalidityDate: optionalDbTime(r.invalidity_date),
    unitId: r.unit_id === null || r.unit_id === undefined ? null : Number(r.unit_id),
  };
}

/** A revoked certificate loaded in bulk (benchmarks, scale datasets): no DER, only what CRL/OCSP read. */
export interface BulkRevokedRow {
  serial: string;
  revokedAt: Date;
  reason: number;
  notBefore: Date;
  notAfter: Date;
}

export interface CertificateStore extends CertificateIssuanceStore {
  /** For each key: live (pending or valid, unexpired) certificates and keyCompromise revocations with it, in one query per 500 keys. */
  keyUse(spkiSha256s: readonly string[], now: Date): Promise<Map<string, { live: number; compromised: number }>>;
  findBySerial(serial: string): Promise<CertificateRecord | null>;
  /** Live (pending or valid, unexpired) certificates with this public key. */
  countLiveWithKey(spkiSha256: string, now: Date): Promise<number>;
  /** Certificates with this key revoked for keyCompromise: the key must never be certified again. */
  countCompromisedWithKey(spkiSha256: string): Promise<number>;
  countAll(): Promise<number>;
  countByProfiles(profiles: readonly string[]): Promise<number>;
  /** Pending rows older than `before`: issuance attempts interrupted by a crash. */
  stalePending(before: Date): Promise<string[]>;
  /** Marks the certificate revoked and appends to the revocation feed, in one statement pair. Call inside a transaction. */
  revoke(input: RevocationInput): Promise<RevokeOutcome>;
  /**
   * revoke() for a set: one conditional UPDATE … RETURNING per 500 serials,
   * then the feed rows in input order. A serial listed twice is already_revoked
   * the second time. Call inside a transaction; results in input order.
   */
  revokeMany(input: RevocationBatchInput): Promise<RevokeManyResult[]>;
  /** Loads revoked certificates in one statement batch per call (no DER; for benchmarks and scale datasets). */
  bulkInsertRevoked(caId: number, rows: readonly BulkRevokedRow[], now: Date): Promise<void>;
  ocspStatus(caId: number, serial: string): Promise<OcspStatusRow | null>;
  revocationsAfter(id: number, limit: number): Promise<RevocationEvent[]>;
  maxRevocationId(): Promise<number>;
}

export function createCertificateStore(db: Knex | Knex.Transaction): CertificateStore {
  // Revocation (revoke, revokeMany): the conditional UPDATE and the feed rows.
  async function revokeMany(input: RevocationBatchInput): Promise<RevokeManyResult[]> {
    const revokedAt = toDbTime(input.revokedAt);
    const invalidity = input.invalidityDate ? toDbTime(input.invalidityDate) : null;
    const unique = [...new Set(input.serials)];
    // Conditional UPDATE first: it takes the write lock (row locks on
    // PostgreSQL), and exactly one of two concurrent revocations can match
    // status = 'valid'; RETURNING says which rows this one changed.
    const changed = new Map<string, { ca_id: number; not_after: string }>();
    for (let i = 0; i < unique.length; i += 500) {
      const rows = (await db("certificates")
        .whereIn("serial", unique.slice(i, i + 500))
        .andWhere("status", "valid")
        .update({ status: "revoked", revoked_at: revokedAt, revocation_reason: input.reason, invalidity_date: invalidity })
        .returning(["serial", "ca_id", "not_after"])) as Array<{ serial: string; ca_id: number; not_after: string }>;
      for (const r of rows) changed.set(r.serial, r);
    }
    const unchanged = unique.filter((x) => !changed.has(x));
    const statusOf = new Map<string, CertStatus>();
    for (let i = 0; i < unchanged.length; i += 500) {
      const rows = (await db("certificates").whereIn("serial", unchanged.slice(i, i + 500)).select("serial", "status")) as Array<{ serial: string; status: CertStatus }>;
      for (const r of rows) statusOf.set(r.serial, r.status);
    }
    // Feed ids follow the input order (RETURNING's order is unspecified); 6 columns a row.
    const feed = unique.filter((x) => changed.has(x)).map((serial) => ({ serial, ca_id: changed.get(serial)!.ca_id, reason: input.reason, revoked_at: revokedAt, invalidity_date: invalidity, cert_not_after: changed.get(serial)!.not_after }));
    for (let i = 0; i < feed.length; i += 400) await db("revocations").insert(feed.slice(i, i + 400));
    const seen = new Set<string>();
    return input.serials.map((serial): RevokeManyResult => {
      const first = !seen.has(serial);
      seen.add(serial);
      const c = changed.get(serial);
      if (c && first) return { serial, outcome: "revoked", caId: Number(c.ca_id) };
      if (c) return { serial, outcome: "already_revoked", caId: null };
      const status = statusOf.get(serial);
      return { serial, outcome: !status ? "not_found" : status === "revoked" ? "already_revoked" : "not_valid", caId: null };
    });
  }

  return {
    // The issuance cycle's writes (pending → valid | failed): certificate-issuance-store.ts.
    ...createCertificateIssuanceStore(db),
    async keyUse(spkis, now) {
      const out = new Map<string, { live: number; compromised: number }>();
      for (const k of spkis) out.set(k, { live: 0, compromised: 0 });
      const unique = [...out.keys()];
      for (let i = 0; i < unique.length; i += 500) {
        const rows = (await db("certificates")
          .whereIn("spki_sha256", unique.slice(i, i + 500))
          .select("spki_sha256", "status", "revocation_reason", "not_after")) as Array<{ spki_sha256: string; status: CertStatus; revocation_reason: number | null; not_after: string }>;
        for (const r of rows) {
          const u = out.get(r.spki_sha256)!;
          // The same rules as countLiveWithKey and countCompromisedWithKey.
          if ((r.status === "pending" || r.status === "valid") && fromDbTime(r.not_after) > now) u.live++;
          if (r.status === "revoked" && Number(r.revocation_reason) === 1) u.compromised++;
        }
      }
      return out;
    },
    async findBySerial(serial) {
      const row = (await db("certificates").where({ serial }).first(LISTED_COLUMNS)) as CertRow | undefined;
      return row ? toRecord(row) : null;
    },
    async countLiveWithKey(spki, now) {
      const row = (await db("certificates")
        .where({ spki_sha256: spki })
        .whereIn("status", ["pending", "valid"])
        .andWhere("not_after", ">", toDbTime(now))
        .count({ n: "*" })
        .first()) as { n: number | string };
      return Number(row.n);
    },
    async countCompromisedWithKey(spki) {
      const row = (await db("certificates")
        .where({ spki_sha256: spki, status: "revoked", revocation_reason: 1 })
        .count({ n: "*" })
        .first()) as { n: number | string };
      return Number(row.n);
    },
    async countAll() {
      const row = (await db("certificates").count({ n: "*" }).first()) as { n: number | string };
      return Number(row.n);
    },
    async countByProfiles(profiles) {
      const row = (await db("certificates").whereIn("profile", [...profiles]).count({ n: "*" }).first()) as { n: number | string };
      return Number(row.n);
    },
    async stalePending(before) {
      const rows = (await db("certificates")
        .where({ status: "pending" })
        .andWhere("created_at", "<", toDbTime(before))
        .select("serial")) as Array<{ serial: string }>;
      return rows.map((r) => r.serial);
    },
    async revoke(input) {
      const [r] = await revokeMany({ serials: [input.serial], reason: input.reason, revokedAt: input.revokedAt, invalidityDate: input.invalidityDate });
      return r!.outcome;
    },
    revokeMany,
    async bulkInsertRevoked(caId, rows, now) {
      const created = toDbTime(now);
      const certs = rows.map((r) => ({
        serial: r.serial,
        ca_id: caId,
        profile: "individual",
        status: "revoked",
        subject_dn: `CN=bulk ${r.serial}`,
        common_name: `bulk ${r.serial}`,
        spki_sha256: r.serial.padEnd(64, "0"),
        key_alg: "p256",
        tbs_der: Buffer.alloc(0),
        not_before: toDbTime(r.notBefore),
        not_after: toDbTime(r.notAfter),
        created_at: created,
        issued_at: created,
        revoked_at: toDbTime(r.revokedAt),
        revocation_reason: r.reason,
      }));
      const revs = rows.map((r) => ({
        serial: r.serial,
        ca_id: caId,
        reason: r.reason,
        revoked_at: toDbTime(r.revokedAt),
        cert_not_after: toDbTime(r.notAfter),
      }));
      // knex writes a multi-row insert on sqlite as a compound SELECT: at most 500 terms.
      for (let i = 0; i < certs.length; i += 400) await db("certificates").insert(certs.slice(i, i + 400));
      for (let i = 0; i < revs.length; i += 400) await db("revocations").insert(revs.slice(i, i + 400));
    },
    async ocspStatus(caId, serial) {
      const row = (await db("certificates")
        .where({ serial, ca_id: caId })
        .first("status", "revoked_at", "revocation_reason", "not_after")) as
        | { status: CertStatus; revoked_at: string | null; revocation_reason: number | null; not_after: string }
        | undefined;
      if (!row) return null;
      return {
        status: row.status,
        revokedAt: optionalDbTime(row.revoked_at),
        reason: row.revocation_reason,
        notAfter: fromDbTime(row.not_after),
      };
    },
    async revocationsAfter(id, limit) {
      const rows = (await db("revocations")
        .where("id", ">", id)
        .orderBy("id")
        .limit(limit)
        .select("id", "serial", "ca_id", "reason", "revoked_at")) as Array<{
        id: number;
        serial: string;
        ca_id: number;
        reason: number;
        revoked_at: string;
      }>;
      return rows.map((r) => ({ id: r.id, serial: r.serial, caId: r.ca_id, reason: r.reason, revokedAt: fromDbTime(r.revoked_at) }));
    },
    async maxRevocationId() {
      const row = (await db("revocations").max({ m: "id" }).first()) as { m: number | null } | undefined;
      return Number(row?.m ?? 0);
    },
  };
}
