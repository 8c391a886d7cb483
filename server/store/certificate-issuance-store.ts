// SQL for the issuance cycle's writes (Boulder's: store what will be signed,
// then sign): pending rows before signing, valid with the DER after, failed
// when signing did not happen. Part of CertificateStore (certificate-store.ts).
import type { Knex } from "knex";
import { toDbTime } from "./db-time";
import { searchKey } from "./search-key";

export interface PendingCertificate {
  serial: string;
  caId: number;
  profile: string;
  subjectDn: string;
  commonName: string;
  email: string | null;
  spkiSha256: string;
  keyAlg: string;
  tbsDer: Buffer;
  notBefore: Date;
  notAfter: Date;
  /** The subscriber's managing agency (units.id); scopes who may see the certificate. */
  unitId?: number | null;
  /** The subscriber who holds the certificate (subscribers.id), if known. */
  subscriberId?: number | null;
  /** The request (dossier) this certificate answers; at most one live certificate per request. */
  requestId?: number | null;
  /** The token the key lives on. */
  tokenId?: number | null;
}

export interface CertificateIssuanceStore {
  insertPending(cert: PendingCertificate, now: Date): Promise<void>;
  /** Many pending rows in a few multi-row statements (call inside a transaction: all or none). */
  insertPendingMany(certs: readonly PendingCertificate[], now: Date): Promise<void>;
  completeIssued(serial: string, certDer: Buffer, now: Date): Promise<void>;
  /** completeIssued for each; throws if any is not pending (call inside a transaction: all or none). */
  completeIssuedMany(certs: ReadonlyArray<{ serial: string; certDer: Buffer }>, now: Date): Promise<void>;
  markFailed(serial: string): Promise<void>;
}

function pendingRow(c: PendingCertificate, now: Date) {
  return {
    serial: c.serial,
    ca_id: c.caId,
    profile: c.profile,
    status: "pending",
    subject_dn: c.subjectDn,
    common_name: c.commonName,
    email: c.email,
    spki_sha256: c.spkiSha256,
    key_alg: c.keyAlg,
    tbs_der: c.tbsDer,
    not_before: toDbTime(c.notBefore),
    not_after: toDbTime(c.notAfter),
    created_at: toDbTime(now),
    unit_id: c.unitId ?? null,
    subscriber_id: c.subscriberId ?? null,
    ...(c.requestId ? { request_id: c.requestId } : {}),
    ...(c.tokenId ? { token_id: c.tokenId } : {}),
    search_name: searchKey(c.commonName),
  };
}

export function createCertificateIssuanceStore(db: Knex | Knex.Transaction): CertificateIssuanceStore {
  return {
    async insertPending(c, now) {
      await db("certificates").insert(pendingRow(c, now));
    },
    async insertPendingMany(certs, now) {
      // Every row of one multi-row insert needs the same columns.
      const rows = certs.map((c) => ({ ...pendingRow(c, now), request_id: c.requestId ?? null, token_id: c.tokenId ?? null }));
      // knex writes a multi-row insert on sqlite as a compound SELECT: at most 500 terms (and 32,766 bound values).
      for (let i = 0; i < rows.length; i += 200) await db("certificates").insert(rows.slice(i, i + 200));
    },
    async completeIssued(serial, certDer, now) {
      const n = await db("certificates")
        .where({ serial, status: "pending" })
        .update({ status: "valid", cert_der: certDer, issued_at: toDbTime(now) });
      if (Number(n) !== 1) throw new Error(`certificate ${serial} was not pending`);
    },
    async completeIssuedMany(certs, now) {
      const issuedAt = toDbTime(now);
      // One UPDATE per 100 certificates, each row's DER picked by a CASE on its serial: a statement a row cost more than the signing.
      for (let i = 0; i < certs.length; i += 100) {
        const chunk = certs.slice(i, i + 100);
        const serials = chunk.map((c) => c.serial);
        // PostgreSQL would type untyped CASE results as text: say bytea.
        const then = db.client.config.client === "pg" ? "when ? then cast(? as bytea)" : "when ? then ?";
        const der = db.raw(`case serial ${chunk.map(() => then).join(" ")} end`, chunk.flatMap((c) => [c.serial, c.certDer]));
        const n = await db("certificates").whereIn("serial", serials).andWhere("status", "pending").update({ status: "valid", cert_der: der, issued_at: issuedAt });
        if (Number(n) !== chunk.length) throw new Error(`certificates ${serials[0]}… (${chunk.length}): only ${Number(n)} were pending`);
      }
    },
    async markFailed(serial) {
      await db("certificates").where({ serial, status: "pending" }).update({ status: "failed" });
    },
  };
}
