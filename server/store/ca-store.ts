// SQL for the CA table: the hierarchy's certificates, key references and CRL
// numbering. Knows nothing about keys themselves (those are files under server/ca).
import type { Knex } from "knex";
import { fromDbTime, toDbTime } from "./db-time";

export type CaKind = "root" | "issuing" | "ocsp";

export interface CaRecord {
  id: number;
  slug: string;
  kind: CaKind;
  parentId: number | null;
  subjectDn: string;
  certDer: Buffer;
  keyRef: string;
  keyAlg: string;
  ski: string;
  notBefore: Date;
  notAfter: Date;
  status: "active" | "retired";
  crlNumber: number;
  publishedCrlNumber: number;
}

export type NewCa = Omit<CaRecord, "id" | "status" | "crlNumber" | "publishedCrlNumber">;

interface CaRow {
  id: number;
  slug: string;
  kind: CaKind;
  parent_id: number | null;
  subject_dn: string;
  cert_der: Buffer;
  key_ref: string;
  key_alg: string;
  ski: string;
  not_before: string;
  not_after: string;
  status: "active" | "retired";
  crl_number: number;
  published_crl_number: number;
}

function toRecord(r: CaRow): CaRecord {
  return {
    id: r.id,
    slug: r.slug,
    kind: r.kind,
    parentId: r.parent_id,
    subjectDn: r.subject_dn,
    certDer: Buffer.from(r.cert_der),
    keyRef: r.key_ref,
    keyAlg: r.key_alg,
    ski: r.ski,
    notBefore: fromDbTime(r.not_before),
    notAfter: fromDbTime(r.not_after),
    status: r.status,
    crlNumber: Number(r.crl_number),
    publishedCrlNumber: Number(r.published_crl_number),
  };
}

export interface CaStore {
  listActive(): Promise<CaRecord[]>;
  findBySlug(slug: string): Promise<CaRecord | null>;
  findById(id: number): Promise<CaRecord | null>;
  insert(ca: NewCa, now: Date): Promise<number>;
  retire(id: number): Promise<void>;
  /** Hands out the next CRL number for a CA; monotonic even across processes. */
  allocateCrlNumber(caId: number): Promise<number>;
  /** Records that CRL `n` is published, unless a newer one already is. Returns true when it became current. */
  markCrlPublished(caId: number, n: number): Promise<boolean>;
  publishedCrlNumbers(): Promise<Map<number, number>>;
}

export function createCaStore(db: Knex | Knex.Transaction): CaStore {
  return {
    async listActive() {
      const rows = (await db("cas").where({ status: "active" }).orderBy("id")) as CaRow[];
      return rows.map(toRecord);
    },
    async findBySlug(slug) {
      const row = (await db("cas").where({ slug }).first()) as CaRow | undefined;
      return row ? toRecord(row) : null;
    },
    async findById(id) {
      const row = (await db("cas").where({ id }).first()) as CaRow | undefined;
      return row ? toRecord(row) : null;
    },
    async insert(ca, now) {
      const [row] = (await db("cas")
        .insert({
          slug: ca.slug,
          kind: ca.kind,
          parent_id: ca.parentId,
          subject_dn: ca.subjectDn,
          cert_der: ca.certDer,
          key_ref: ca.keyRef,
          key_alg: ca.keyAlg,
          ski: ca.ski,
          not_before: toDbTime(ca.notBefore),
          not_after: toDbTime(ca.notAfter),
          status: "active",
          created_at: toDbTime(now),
        })
        .returning("id")) as Array<{ id: number } | number>;
      return typeof row === "number" ? row : row!.id;
    },
    async retire(id) {
      // The slug is freed for the successor; the retired row keeps its history.
      const row = (await db("cas").where({ id }).first("slug")) as { slug: string } | undefined;
      if (row) await db("cas").where({ id }).update({ status: "retired", slug: `${row.slug}~${id}` });
    },
    async allocateCrlNumber(caId) {
      // The UPDATE takes the row (PostgreSQL) or database (sqlite) write lock first,
      // so two publishers can never read the same number.
      const run = async (trx: Knex.Transaction) => {
        await trx("cas").where({ id: caId }).increment("crl_number", 1);
        const row = (await trx("cas").where({ id: caId }).first("crl_number")) as { crl_number: number };
        return Number(row.crl_number);
      };
      return "isTransaction" in db && db.isTransaction ? run(db as Knex.Transaction) : (db as Knex).transaction(run);
    },
    async markCrlPublished(caId, n) {
      const changed = await db("cas")
        .where({ id: caId })
        .andWhere("published_crl_number", "<", n)
        .update({ published_crl_number: n });
      return Number(changed) === 1;
    },
    async publishedCrlNumbers() {
      const rows = (await db("cas").select("id", "published_crl_number")) as Array<{ id: number; published_crl_number: number }>;
      return new Map(rows.map((r) => [r.id, Number(r.published_crl_number)]));
    },
  };
}
