// The roles of issue 4 and what each may do, in one table. Whole-CA roles hold
// no unit; unit roles hold one and reach its subtree. Decides nothing about
// particular objects (scope.ts does that).
export const ROLES = ["admin", "ca_operator", "provincial_officer", "agency_focal_point", "oversight"] as const;
export type Role = (typeof ROLES)[number];

/** Roles that span the whole CA: granted without a unit. */
export const WHOLE_CA_ROLES: readonly Role[] = ["admin", "ca_operator", "oversight"];
/** Roles held on a unit, reaching that unit and everything below it. */
export const UNIT_ROLES: readonly Role[] = ["provincial_officer", "agency_focal_point"];

export function isRole(s: string): s is Role {
  return (ROLES as readonly string[]).includes(s);
}

export type Permission =
  | "dashboard.view"
  | "units.view"
  | "certificates.view"
  | "users.view"
  | "audit.view"
  | "subscribers.view"
  | "subscribers.manage"
  | "tokens.view"
  | "tokens.manage"
  | "tokens.report_lost"
  | "requests.view"
  | "requests.file"
  | "requests.check"
  | "requests.approve"
  | "holidays.manage"
  | "api_tokens.manage"
  | "reports.view"
  | "registers.manage"
  | "operations.view";

const ALL: readonly Role[] = ROLES;

// Who may use which page, whatever the object; scope.ts then limits the objects.
// oversight is read-only on certificates, units and dashboards; people are the
// business of admins and of those who file requests for them.
export const GRANTS: Readonly<Record<Permission, readonly Role[]>> = {
  "dashboard.view": ALL,
  "units.view": ALL,
  "certificates.view": ALL,
  "users.view": ["admin", "provincial_officer", "agency_focal_point"],
  // The audit log (issue 4): oversight reads it, admins too; nobody else.
  "audit.view": ["admin", "oversight"],
  // The subscriber registry: whoever sees certificates sees who holds them.
  "subscribers.view": ALL,
  // Issue 5. Agencies keep their registry of subscribers and tokens; the province
  // checks; the CA operator runs the CA's side (issue, revoke, restore tokens).
  "subscribers.manage": ["admin", "provincial_officer", "agency_focal_point"],
  "tokens.view": ALL,
  "tokens.manage": ["admin", "ca_operator", "provincial_officer", "agency_focal_point"],
  // A lost token or exposed key is revoked at once by whoever files for the holder.
  "tokens.report_lost": ["admin", "ca_operator", "provincial_officer", "agency_focal_point"],
  "requests.view": ALL,
  // Decree 68/2024: the managing agency files every request, through its focal point.
  "requests.file": ["agency_focal_point", "provincial_officer"],
  // The provincial department checks and forwards, or completes delegated types.
  "requests.check": ["provincial_officer"],
  // The Cipher Committee's CA operator approves and executes.
  "requests.approve": ["ca_operator"],
  "holidays.manage": ["admin", "provincial_officer"],
  "api_tokens.manage": ["admin", "provincial_officer", "agency_focal_point"],
  // Issue 6. Every role reads the reports and registers of its scope; agencies and the
  // province keep the registers (Decision 25/2020/QĐ-UBND: each agency reports its own).
  "reports.view": ALL,
  "registers.manage": ["admin", "provincial_officer", "agency_focal_point"],
  // Issue 7. CRL/OCSP freshness, deadlines and publication failures: those who run the CA and those who oversee it.
  "operations.view": ["admin", "ca_operator", "oversight"],
};

export function grants(role: Role, permission: Permission): boolean {
  return GRANTS[permission].includes(role);
}
