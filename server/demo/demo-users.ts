// Demo data: one user for every role in the demo province, so the app can be
// tried out at once. The passwords are public (README): for trying it out only,
// never on a server anyone else can reach. Idempotent: existing users are left
// as they are; a user whose unit does not exist (no demo province) is skipped.
import type { PasswordHasher } from "../access/passwords";
import type { Role } from "../access/roles";
import type { UnitSource } from "../directory/unit-source";
import type { Store } from "../store/store";

export const DEMO_PASSWORD = "chungthu-demo-2026";

export interface DemoUser {
  username: string;
  displayName: string;
  role: Role;
  /** Demo province unit code (server/demo/demo-province.ts), or null for whole-CA roles. */
  unitCode: string | null;
}

export const DEMO_USERS: readonly DemoUser[] = [
  { username: "demo.quantri", displayName: "Quản trị Thử Nghiệm", role: "admin", unitCode: null },
  { username: "demo.vanhanh", displayName: "Vận hành CA Thử Nghiệm", role: "ca_operator", unitCode: null },
  { username: "demo.tinh", displayName: "Trần Thị Mẫu (Sở KH&CN)", role: "provincial_officer", unitCode: "SH" },
  { username: "demo.stc", displayName: "Đầu mối Sở Tài chính", role: "agency_focal_point", unitCode: "SH-STC" },
  { username: "demo.lamthu", displayName: "Đầu mối xã Lam Thử", role: "agency_focal_point", unitCode: "SH-X-LAMTHU" },
  { username: "demo.giamsat", displayName: "Giám sát Thử Nghiệm", role: "oversight", unitCode: null },
];

export interface SeedDemoUsersDeps {
  store: Store;
  units: UnitSource;
  passwords: PasswordHasher;
  clock: () => Date;
}

/** Creates the demo users that do not exist yet; returns those created (to print with the password). */
export async function seedDemoUsers(deps: SeedDemoUsersDeps): Promise<DemoUser[]> {
  const created: DemoUser[] = [];
  let hash: string | null = null;
  for (const u of DEMO_USERS) {
    if (await deps.store.users.findByUsername(u.username)) continue;
    let unitId: number | null = null;
    if (u.unitCode) {
      const unit = await deps.units.findByCode(u.unitCode);
      if (!unit || (await deps.units.unitsAsOf(deps.clock(), [unit.id])).length === 0) continue;
      unitId = unit.id;
    }
    hash ??= await deps.passwords.hash(DEMO_PASSWORD);
    const passwordHash = hash;
    await deps.store.transaction(async (tx) => {
      const id = await tx.users.insert({ username: u.username, displayName: u.displayName, email: null, passwordHash }, deps.clock());
      await tx.users.grantRole(id, u.role, unitId, "system:demo", deps.clock());
      await tx.audit.append({ actor: "system:demo", action: "user.add", objectType: "user", objectId: String(id), outcome: "ok", details: { username: u.username, role: u.role, unit: u.unitCode, demo: true } }, deps.clock());
    });
    created.push(u);
  }
  return created;
}

/** The lines printed at start-up when demo users were created. */
export function demoUsersBanner(created: readonly DemoUser[]): string {
  if (created.length === 0) return "";
  const width = Math.max(...created.map((u) => u.username.length));
  const rows = created.map((u) => `    ${u.username.padEnd(width)}  ${u.role}${u.unitCode ? ` @ ${u.unitCode}` : ""}`);
  return ["", `  Demo users (DEMO=1, for trying it out only), password for all: ${DEMO_PASSWORD}`, ...rows, ""].join("\n");
}
