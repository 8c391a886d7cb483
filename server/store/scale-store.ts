// SQL for scale datasets (issue 7, `demo scale`): id reservation and batched
// multi-row inserts of subscribers, tokens, requests, signed certificates and
// revocations, each chunk in one transaction with its audit entry. Its own
// connection pool (openScaleStore), so a bulk load never queues behind the
// CLI's core. Decides nothing about what the rows say (server/demo/scale-plan.ts does).
import type { Knex } from "knex";
import type { Config } from "../config/schema";
import { createAuditStore, type AuditEntry } from "./audit-store";
import type { PendingCertificate } from "./certificate-issuance-store";
import { openDatabase } from "./connection";
import { toDbTime } from "./db-time";
import { searchKey } from "./search-key";

// sqlite: a multi-row INSERT is a compound SELECT of at most 500 terms; 400 leaves room.
const ROWS_PER_INSERT = 400;

export interface ScaleSubscriberRow {
  id: number;
  kind: "individual" | "organization" | "device";
  unitId: number;
  name: string;
  nationalId: string | null;
  position: string | null;
  email: string | null;
  phone: string | null;
  purpose: string | null;
  responsiblePerson: string | null;
  at: Date;
}

export interface ScaleTokenRow {
  id: number;
  serial: string;
  type: "usb_token" | "sim_pki" | "hsm_slot";
  unitId: number;
  holderSubscriberId: number | null;
  state: string;
  createdAt: Date;
  updatedAt: Date;
}

/** A certificate row as the issuance cycle would leave it, signed (and perhaps revoked) already. */
export interface ScaleCertificateRow extends Omit<PendingCertificate, "unitId" | "subscriberId" | "requestId" | "tokenId"> {
  status: "valid" | "revoked";
  certDer: Buffer;
  issuedAt: Date;
  revokedAt: Date | null;
  revocationReason: number | null;
  invalidityDate: Date | null;
  unitId: number;
  subscriberId: number;
  requestId: number | null;
  tokenId: number | null;
}

export interface ScaleRequestRow {
  id: number;
  type: string;
  state: string;
  unitId: number;
  subscriberId: number | null;
  targetSerial: string | null;
  tokenId: number | null;
  resultSerial: string | null;
  data: Record<string, unknown>;
  summary: string;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
  submittedAt: Date | null;
  completedAt: Date | null;
  dueDate: string | null;
  lastReason: string | null;
  events: Array<{ action: string; from: string | null; to: string | null; role: string | null; reason: string | null; at: Date }>;
}

/** One chunk. Requests point at certificates (target, result) and certificates at the request that produced them: the links are set last. */
export interface ScaleChunkRows {
  subscribers: ScaleSubscriberRow[];
  tokens: ScaleTokenRow[];
  certificates: ScaleCertificateRow[];
  requests: ScaleRequestRow[];
}

export type IdTable = "subscribers" | "tokens" | "requests";

export interface ScaleStore {
  /**
   * `n` ids for new rows of `table`. PostgreSQL hands them out from the
   * table's sequence (safe beside a running server); sqlite counts on from
   * max(id) at the first call, so the load must be the only writer of that table.
   */
  reserveIds(table: IdTable, n: number): Promise<number[]>;
  /** Writes a chunk and its audit entry in one transaction. */
  writeChunk(rows: ScaleChunkRows, audit: AuditEntry, now: Date): Promise<void>;
  /** Refreshes PostgreSQL's planner statistics after a bulk load (ANALYZE). */
  analyze(): Promise<void>;
  close(): Promise<void>;
}

const t = (d: Date | null) => (d ? toDbTime(d) : null);

async function insertAll(db: Knex.Transaction, table: string, rows: Array<Record<string, unknown>>): Promise<void> {
  for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) await db(table).insert(rows.slice(i, i + ROWS_PER_INSERT));
}

function requestColumns(r: ScaleRequestRow) {
  return {
    id: r.id,
    type: r.type,
    state: r.state,
    unit_id: r.unitId,
    subscriber_id: r.subscriberId,
    target_serial: r.targetSerial,
    token_id: r.tokenId,
    result_serial: r.resultSerial,
    data: JSON.stringify(r.data),
    summary: r.summary.slice(0, 255),
    source: "web",
    created_by: r.createdBy.slice(0, 128),
    created_at: toDbTime(r.createdAt),
    updated_at: toDbTime(r.updatedAt),
    submitted_at: t(r.submittedAt),
    completed_at: t(r.completedAt),
    due_date: r.dueDate,
    last_reason: r.lastReason,
  };
}

function eventColumns(r: ScaleRequestRow) {
  return r.events.map((e) => ({ request_id: r.id, action: e.action, from_state: e.from, to_state: e.to, actor: r.createdBy.slice(0, 128), role: e.role, reason: e.reason, at: toDbTime(e.at) }));
}

export function createScaleStore(db: Knex): ScaleStore {
  const postgres = db.client.config.client === "pg";
  const next = new Map<IdTable, number>();
  let cacheSized = false;
  return {
    async reserveIds(table, n) {
      if (n <= 0) return [];
      if (postgres) {
        const r = (await db.raw("select nextval(pg_get_serial_sequence(?, 'id')) as id from generate_series(1, ?) order by 1", [table, n])) as { rows: Array<{ id: string }> };
        return r.rows.map((x) => Number(x.id));
      }
      let from = next.get(table);
      if (from === undefined) {
        const row = (await db(table).max({ m: "id" }).first()) as { m: number | null } | undefined;
        from = Number(row?.m ?? 0) + 1;
      }
      next.set(table, from + n);
      return Array.from({ length: n }, (_, i) => from + i);
    },

    async writeChunk(rows, audit, now) {
      if (!postgres && !cacheSized) {
        // The certificates table's indexes are written at random places (serial,
        // key hash, name): with sqlite's default 2 MB page cache every chunk
        // re-reads index pages. 256 MB on this load's own connection (pool of one).
        await db.raw("PRAGMA cache_size = -262144");
        cacheSized = true;
      }
      await db.transaction(async (tx) => {
        await insertAll(tx, "subscribers", rows.subscribers.map((s) => ({
          id: s.id, kind: s.kind, unit_id: s.unitId, name: s.name, search_name: searchKey(s.name), national_id: s.nationalId, position: s.position,
          email: s.email, phone: s.phone, purpose: s.purpose, responsible_person: s.responsiblePerson, created_at: toDbTime(s.at), updated_at: toDbTime(s.at),
        })));
        await insertAll(tx, "tokens", rows.tokens.map((k) => ({
          id: k.id, serial: k.serial, type: k.type, unit_id: k.unitId, holder_subscriber_id: k.holderSubscriberId, state: k.state, created_at: toDbTime(k.createdAt), updated_at: toDbTime(k.updatedAt),
        })));
        // One event per token: its registration in the state it has now (the history before is not modelled).
        await insertAll(tx, "token_events", rows.tokens.map((k) => ({ token_id: k.id, from_state: null, to_state: k.state, actor: audit.actor, at: toDbTime(k.updatedAt) })));
        await insertAll(tx, "certificates", rows.certificates.map((c) => ({
          serial: c.serial, ca_id: c.caId, profile: c.profile, status: c.status, subject_dn: c.subjectDn, common_name: c.commonName, email: c.email,
          spki_sha256: c.spkiSha256, key_alg: c.keyAlg, tbs_der: c.tbsDer, cert_der: c.certDer, not_before: toDbTime(c.notBefore), not_after: toDbTime(c.notAfter),
          created_at: toDbTime(c.issuedAt), issued_at: toDbTime(c.issuedAt), revoked_at: t(c.revokedAt), revocation_reason: c.revocationReason,
          invalidity_date: t(c.invalidityDate), unit_id: c.unitId, subscriber_id: c.subscriberId, token_id: c.tokenId, search_name: searchKey(c.commonName),
        })));
        // The revocation feed in the order the revocations happened within the chunk (RFC 5280 5.1.2.6 entries; the CRL reads this table).
        const revoked = rows.certificates.filter((c) => c.status === "revoked").sort((a, b) => a.revokedAt!.getTime() - b.revokedAt!.getTime());
        await insertAll(tx, "revocations", revoked.map((c) => ({
          serial: c.serial, ca_id: c.caId, reason: c.revocationReason, revoked_at: toDbTime(c.revokedAt!), invalidity_date: t(c.invalidityDate), cert_not_after: toDbTime(c.notAfter),
        })));
        await insertAll(tx, "requests", rows.requests.map(requestColumns));
        await insertAll(tx, "request_events", rows.requests.flatMap(eventColumns));
        // certificates.request_id: one UPDATE … CASE per 400 certificates that a request produced.
        const linked = rows.certificates.filter((c) => c.requestId !== null);
        for (let i = 0; i < linked.length; i += ROWS_PER_INSERT) {
          const part = linked.slice(i, i + ROWS_PER_INSERT);
          await tx("certificates")
            .whereIn("serial", part.map((c) => c.serial))
            .update({ request_id: tx.raw(`case serial ${part.map(() => "when ? then cast(? as integer)").join(" ")} end`, part.flatMap((c) => [c.serial, c.requestId])) });
        }
        await createAuditStore(tx).append(audit, now);
      });
    },

    async analyze() {
      // sqlite is left as the app's own databases are (no sqlite_stat1): its
      // planner's heuristics are what the list queries were tuned on.
      if (postgres) await db.raw("ANALYZE");
    },

    close: () => db.destroy(),
  };
}

/** A scale store on its own connection pool for `config`'s database. */
export function openScaleStore(config: Config): ScaleStore {
  return createScaleStore(openDatabase(config));
}
