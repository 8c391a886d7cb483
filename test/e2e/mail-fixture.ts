// A province for the mail tests, through the real store and services: PROV →
// DEPT_A → {COMMUNE_A1 (own focal point), COMMUNE_A2 (none)}, PROV → DEPT_B,
// OTHER_PROV; officers (one reading English), CA operators (one disabled, one
// without e-mail), focal points, admin and oversight who never get request mail.
import { Knex, knex as makeKnex } from "knex";
import { createArgon2Hasher } from "../../server/access/passwords";
import { createUserAdminService } from "../../server/access/user-admin-service";
import { unitSourceFromStore } from "../../server/directory/unit-source";
import type { Core } from "../../server/core";
import { addUnit, PASSWORD } from "../support/access-fixture";
import type { DatabaseContext } from "../support/databases";
import { makeCsr } from "../support/csr";

export const UNIT_CODES = ["PROV", "DEPT_A", "COMMUNE_A1", "COMMUNE_A2", "DEPT_B", "OTHER_PROV"] as const;
export const USER_NAMES = ["officer", "officer_en", "officer_other", "operator", "operator_off", "operator_nomail", "focal_a", "focal_a1", "focal_b", "admin", "oversight"] as const;

export interface MailFixture {
  units: Record<(typeof UNIT_CODES)[number], number>;
  users: Record<(typeof USER_NAMES)[number], number>;
}

/** The address a fixture user gets mail at. */
export const mailOf = (username: string) => `${username.replace(/_/g, ".")}@thunghiem.gov.vn`;

export async function seedMailFixture(core: Core, db: DatabaseContext): Promise<MailFixture> {
  const store = core.store;
  const PROV = await addUnit(store, "PROV", "Tỉnh Thử Nghiệm", "province", null);
  const DEPT_A = await addUnit(store, "DEPT_A", "Sở Tài chính", "department", PROV);
  const COMMUNE_A1 = await addUnit(store, "COMMUNE_A1", "UBND xã Hy Cương", "commune", DEPT_A);
  const COMMUNE_A2 = await addUnit(store, "COMMUNE_A2", "UBND xã Chu Hóa", "commune", DEPT_A);
  const DEPT_B = await addUnit(store, "DEPT_B", "Sở Y tế", "department", PROV);
  const OTHER_PROV = await addUnit(store, "OTHER_PROV", "Tỉnh Khác", "province", null);
  const admin = createUserAdminService({ store, units: unitSourceFromStore(store.units), passwords: createArgon2Hasher(), clock: () => new Date(), random: (n) => Buffer.alloc(n, 7) });
  const add = async (username: string, role: string, unitCode?: string, email: string | undefined = mailOf(username)) =>
    (await admin.add({ username, displayName: `Người dùng ${username}`, role, unitCode, password: PASSWORD, email }, "test:fixture")).id;
  const users = {
    officer: await add("officer", "provincial_officer", "PROV"),
    officer_en: await add("officer_en", "provincial_officer", "PROV"),
    officer_other: await add("officer_other", "provincial_officer", "OTHER_PROV"),
    operator: await add("operator", "ca_operator"),
    operator_off: await add("operator_off", "ca_operator"),
    operator_nomail: await add("operator_nomail", "ca_operator", undefined, ""),
    focal_a: await add("focal_a", "agency_focal_point", "DEPT_A"),
    focal_a1: await add("focal_a1", "agency_focal_point", "COMMUNE_A1"),
    focal_b: await add("focal_b", "agency_focal_point", "DEPT_B"),
    admin: await add("admin", "admin"),
    oversight: await add("oversight", "oversight"),
  };
  await store.mailRecipients.setLang(users.officer_en, "en");
  await withKnex(db, (k) => k("users").where({ id: users.operator_off }).update({ disabled_at: "2026-01-01T00:00:00Z" }));
  return { units: { PROV, DEPT_A, COMMUNE_A1, COMMUNE_A2, DEPT_B, OTHER_PROV }, users };
}

/** A valid certificate of `days` days for a new subscriber of `unitId` with `email`. */
export async function issueFor(core: Core, dir: string, o: { name: string; email: string | null; unitId: number; days: number }): Promise<string> {
  const subscriberId = await core.store.subscribers.insert({ kind: "individual", unitId: o.unitId, name: o.name, email: o.email }, new Date());
  const r = await core.issuance.issue({ csr: makeCsr(dir, "p256").pem, profile: "individual", commonName: o.name, organization: "UBND tỉnh Thử Nghiệm", actor: "test:fixture", unitId: o.unitId, subscriberId, days: o.days });
  return r.serial;
}

export async function withKnex<T>(db: DatabaseContext, fn: (k: Knex) => Promise<T>): Promise<T> {
  const k = makeKnex(db.knexConfig());
  try {
    return await fn(k);
  } finally {
    await k.destroy();
  }
}
