// SQL for the mailer's look-ups: users by role and unit with their address and
// language, and certificates nearing expiry with their holder's address. Reads
// only, but for a user's own mail language (server/access/mail-language.ts); who
// should be told what is decided in server/mail/.
import type { Knex } from "knex";
import { fromDbTime, toDbTime } from "./db-time";

export interface MailUser {
  id: number;
  email: string;
  displayName: string;
  /** "vi" or "en" (users.lang). */
  lang: string;
}

export interface MailRoleHolder extends MailUser {
  /** The unit the role is held on (null for whole-CA roles). */
  unitId: number | null;
}

export interface ExpiringCertificate {
  serial: string;
  commonName: string;
  profile: string;
  notAfter: Date;
  unitId: number | null;
  holderName: string | null;
  /** The subscriber's e-mail, else the certificate's own (E=). */
  holderEmail: string | null;
}

export interface MailRecipientStore {
  /** Enabled users with an e-mail holding `role` (on one of `unitIds`, or anywhere when null). */
  usersWithRole(role: string, unitIds: number[] | null): Promise<MailRoleHolder[]>;
  /** The user if enabled and with an e-mail. */
  userById(id: number): Promise<MailUser | null>;
  /** users.lang of any user, as stored (null if there is no such user). */
  langOf(userId: number): Promise<string | null>;
  setLang(userId: number, lang: string): Promise<void>;
  /**
   * Valid certificates with notAfter in (from, to] whose reminder
   * `expiry:<serial>:<threshold>` is not in mail_log yet, or failed fewer than
   * `maxAttempts` times; in (notAfter, serial) order after `after`.
   */
  expiringWithoutReminder(q: { from: Date; to: Date; threshold: number; maxAttempts: number; after: { notAfter: Date; serial: string } | null; limit: number }): Promise<ExpiringCertificate[]>;
  /** Valid certificates of `unitIds` with notAfter in (from, to]: how many, and the soonest `limit`. */
  expiringInUnits(unitIds: number[], from: Date, to: Date, limit: number): Promise<{ count: number; rows: ExpiringCertificate[] }>;
}

interface UserRow {
  id: number;
  email: string;
  display_name: string;
  lang: string | null;
  unit_id?: number | null;
}

interface CertRow {
  serial: string;
  common_name: string;
  profile: string;
  not_after: string;
  unit_id: number | null;
  holder_name: string | null;
  holder_email: string | null;
}

const USER_COLUMNS = ["u.id", "u.email", "u.display_name", "u.lang"];
const CERT_COLUMNS = ["c.serial", "c.common_name", "c.profile", "c.not_after", "c.unit_id", "s.name as holder_name"];
const MAX_IN = 10_000;

function toUser(r: UserRow): MailUser {
  return { id: Number(r.id), email: r.email, displayName: r.display_name, lang: r.lang ?? "vi" };
}

function toCert(r: CertRow): ExpiringCertificate {
  return {
    serial: r.serial,
    commonName: r.common_name,
    profile: r.profile,
    notAfter: fromDbTime(r.not_after),
    unitId: r.unit_id === null ? null : Number(r.unit_id),
    holderName: r.holder_name,
    holderEmail: r.holder_email,
  };
}

export function createMailRecipientStore(db: Knex | Knex.Transaction): MailRecipientStore {
  const withAddress = (qb: Knex.QueryBuilder) => qb.whereNotNull("u.email").andWhere("u.email", "<>", "").whereNull("u.disabled_at");
  const certs = () =>
    db("certificates as c")
      .leftJoin("subscribers as s", "s.id", "c.subscriber_id")
      .select([...CERT_COLUMNS, db.raw("coalesce(s.email, c.email) as holder_email")])
      .where("c.status", "valid");
  return {
    async usersWithRole(role, unitIds) {
      if (unitIds && unitIds.length === 0) return [];
      if (unitIds && unitIds.length > MAX_IN) throw new Error(`too many units (${unitIds.length})`);
      const qb = withAddress(db("users as u").join("user_roles as r", "r.user_id", "u.id").select([...USER_COLUMNS, "r.unit_id"]).where("r.role", role));
      if (unitIds) qb.whereIn("r.unit_id", unitIds);
      const rows = (await qb.orderBy("u.id")) as UserRow[];
      return rows.map((r) => ({ ...toUser(r), unitId: r.unit_id === null || r.unit_id === undefined ? null : Number(r.unit_id) }));
    },
    async userById(id) {
      const r = (await withAddress(db("users as u").select(USER_COLUMNS).where("u.id", id)).first()) as UserRow | undefined;
      return r ? toUser(r) : null;
    },
    async langOf(userId) {
      const r = (await db("users").select("lang").where({ id: userId }).first()) as { lang: string | null } | undefined;
      return r?.lang ?? null;
    },
    async setLang(userId, lang) {
      await db("users").where({ id: userId }).update({ lang });
    },
    async expiringWithoutReminder({ from, to, threshold, maxAttempts, after, limit }) {
      if (!Number.isInteger(threshold)) throw new Error("threshold must be an integer");
      const qb = certs().where("c.not_after", ">", toDbTime(from)).andWhere("c.not_after", "<=", toDbTime(to));
      if (after) {
        const at = toDbTime(after.notAfter);
        qb.andWhere((w) => w.where("c.not_after", ">", at).orWhere((x) => x.where("c.not_after", at).andWhere("c.serial", ">", after.serial)));
      }
      // The key is built in SQL so the unique index on mail_log.dedupe_key answers each probe.
      qb.whereNotExists(
        db("mail_log as m")
          .select(db.raw("1"))
          .where("m.dedupe_key", db.raw(`'expiry:' || c.serial || ':${threshold}'`))
          .andWhere((w) => w.whereNot("m.status", "failed").orWhere("m.attempts", ">=", maxAttempts)),
      );
      const rows = (await qb.orderBy([{ column: "c.not_after" }, { column: "c.serial" }]).limit(limit)) as CertRow[];
      return rows.map(toCert);
    },
    async expiringInUnits(unitIds, from, to, limit) {
      if (unitIds.length === 0) return { count: 0, rows: [] };
      if (unitIds.length > MAX_IN) throw new Error(`too many units (${unitIds.length})`);
      const range = (qb: Knex.QueryBuilder) => qb.where("c.status", "valid").whereIn("c.unit_id", unitIds).andWhere("c.not_after", ">", toDbTime(from)).andWhere("c.not_after", "<=", toDbTime(to));
      const counted = (await range(db("certificates as c")).count({ n: "*" }).first()) as { n: number | string } | undefined;
      const rows = (await range(certs()).orderBy("c.not_after").limit(limit)) as CertRow[];
      return { count: Number(counted?.n ?? 0), rows: rows.map(toCert) };
    },
  };
}
