// SQL for audit signers: the certificates (and key references) the issuing CA
// issued for signing audit checkpoints. Knows nothing about the keys themselves.
import type { Knex } from "knex";
import { fromDbTime, toDbTime } from "./db-time";

export interface AuditSignerRecord {
  id: number;
  slug: string;
  issuerCaId: number;
  serial: string;
  certDer: Buffer;
  keyRef: string;
  keyAlg: string;
  notBefore: Date;
  notAfter: Date;
  status: "active" | "retired";
}

export type NewAuditSigner = Omit<AuditSignerRecord, "id" | "status">;

export interface AuditSignerStore {
  insert(signer: NewAuditSigner, now: Date): Promise<number>;
  /** The newest active signer, or null. */
  active(): Promise<AuditSignerRecord | null>;
  findById(id: number): Promise<AuditSignerRecord | null>;
  retire(id: number): Promise<void>;
}

interface SignerRow {
  id: number;
  slug: string;
  issuer_ca_id: number;
  serial: string;
  cert_der: Buffer;
  key_ref: string;
  key_alg: string;
  not_before: string;
  not_after: string;
  status: "active" | "retired";
}

function toRecord(r: SignerRow): AuditSignerRecord {
  return {
    id: Number(r.id),
    slug: r.slug,
    issuerCaId: Number(r.issuer_ca_id),
    serial: r.serial,
    certDer: Buffer.from(r.cert_der),
    keyRef: r.key_ref,
    keyAlg: r.key_alg,
    notBefore: fromDbTime(r.not_before),
    notAfter: fromDbTime(r.not_after),
    status: r.status,
  };
}

export function createAuditSignerStore(db: Knex | Knex.Transaction): AuditSignerStore {
  return {
    async insert(s, now) {
      const [row] = (await db("audit_signers")
        .insert({
          slug: s.slug,
          issuer_ca_id: s.issuerCaId,
          serial: s.serial,
          cert_der: s.certDer,
          key_ref: s.keyRef,
          key_alg: s.keyAlg,
          not_before: toDbTime(s.notBefore),
          not_after: toDbTime(s.notAfter),
          status: "active",
          created_at: toDbTime(now),
        })
        .returning("id")) as Array<{ id: number } | number>;
      return typeof row === "number" ? row : Number(row!.id);
    },
    async active() {
      const row = (await db("audit_signers").where({ status: "active" }).orderBy("id", "desc").first()) as SignerRow | undefined;
      return row ? toRecord(row) : null;
    },
    async findById(id) {
      const row = (await db("audit_signers").where({ id }).first()) as SignerRow | undefined;
      return row ? toRecord(row) : null;
    },
    async retire(id) {
      await db("audit_signers").where({ id }).update({ status: "retired" });
    },
  };
}
