// A small province for access tests: PROV → DEPT_A → COMMUNE_A1, PROV → DEPT_B;
// one user per role (focal points on DEPT_A and DEPT_B); a certificate in each
// unit and one with no unit. Built through the real store and services.
import type { Actor, CallContext } from "../../server/access/actor";
import { createArgon2Hasher } from "../../server/access/passwords";
import type { Role } from "../../server/access/roles";
import { createUserAdminService } from "../../server/access/user-admin-service";
import { unitSourceFromStore } from "../../server/directory/unit-source";
import { searchKey } from "../../server/store/search-key";
import type { Store } from "../../server/store/store";
import type { UnitType } from "../../server/store/unit-store";
import type { TestServer } from "./app";
import { makeCsr } from "./csr";

export const PASSWORD = "mat-khau-thu-nghiem-2026";

/** A call as one user holding one role would make it (services called directly, not through the web). */
export function actorCall(username: string, userId: number, role: Role, unitId: number | null): CallContext {
  return { actor: { userId, username, displayName: username, roles: [{ role, unitId }] } satisfies Actor, requestId: null };
}

export interface AccessFixture {
  units: Record<"PROV" | "DEPT_A" | "COMMUNE_A1" | "DEPT_B" | "OTHER_PROV", number>;
  users: Record<"admin" | "operator" | "provincial" | "focal_a" | "focal_b" | "oversight", number>;
  certs: Record<"a" | "a1" | "b" | "other" | "none", string>;
}

export async function addUnit(store: Store, code: string, name: string, type: UnitType, parentUnitId: number | null): Promise<number> {
  const now = new Date();
  const id = await store.units.insertUnit(code, now);
  await store.units.insertVersion(
    { unitId: id, name, type, parentUnitId, taxCode: null, budgetCode: null, address: null, emailDomain: null, focalPointName: null, focalPointEmail: null, focalPointPhone: null, validFrom: "2020-01-01", batchId: null },
    now,
  );
  return id;
}

export async function seedAccessFixture(server: TestServer, dir: string): Promise<AccessFixture> {
  const store = server.core.store;
  const PROV = await addUnit(store, "PROV", "Tỉnh Thử Nghiệm", "province", null);
  const DEPT_A = await addUnit(store, "DEPT_A", "Sở Tài chính", "department", PROV);
  const COMMUNE_A1 = await addUnit(store, "COMMUNE_A1", "UBND xã Hy Cương", "commune", DEPT_A);
  const DEPT_B = await addUnit(store, "DEPT_B", "Sở Y tế", "department", PROV);
  const OTHER_PROV = await addUnit(store, "OTHER_PROV", "Tỉnh Khác", "province", null);
  const admin = createUserAdminService({ store, units: unitSourceFromStore(store.units), passwords: createArgon2Hasher(), clock: () => new Date(), random: (n) => Buffer.alloc(n, 7) });
  const add = async (username: string, role: string, unitCode?: string) => (await admin.add({ username, displayName: `Người dùng ${username}`, role, unitCode, password: PASSWORD }, "test:fixture")).id;
  const users = {
    admin: await add("admin", "admin"),
    operator: await add("operator", "ca_operator"),
    provincial: await add("provincial", "provincial_officer", "PROV"),
    focal_a: await add("focal_a", "agency_focal_point", "DEPT_A"),
    focal_b: await add("focal_b", "agency_focal_point", "DEPT_B"),
    oversight: await add("oversight", "oversight"),
  };
  const issue = async (cn: string, unitId: number | null) =>
    (await server.core.issuance.issue({ csr: makeCsr(dir, "p256").pem, profile: "individual", commonName: cn, organization: "UBND tỉnh Thử Nghiệm", email: `${searchKey(cn).split(" ").pop()!}@thunghiem.gov.vn`, actor: "test:fixture", unitId })).serial;
  const certs = {
    a: await issue("Nguyễn Văn An", DEPT_A),
    a1: await issue("Trần Thị Bình", COMMUNE_A1),
    b: await issue("Lê Văn Cường", DEPT_B),
    other: await issue("Phạm Thị Dung", OTHER_PROV),
    none: await issue("Hoàng Văn Em", null),
  };
  return { units: { PROV, DEPT_A, COMMUNE_A1, DEPT_B, OTHER_PROV }, users, certs };
}
