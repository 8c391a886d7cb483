// Builds a certificate's subject from a validated request and the unit tree as
// it stands today, never from the CSR: C=VN, L=<province>, O=<province body or
// central agency>, OU=<unit>[, <position>], CN=<name>, E=<official e-mail>, as
// in the real service's certificates (../shared/domain.md "Certificates").
import type { UnitSummary } from "../directory/unit-source";
import type { SubscriberKind } from "../store/subscriber-store";
import type { SubjectInput } from "./subject-policy";

/** The unit and its ancestors, root (the province) first. */
export type UnitChain = UnitSummary[];

export interface SubjectPerson {
  kind: SubscriberKind;
  /** Full name, the organisation's name, or the device's name. */
  name: string;
  position?: string | null | undefined;
  email?: string | null | undefined;
  dnsNames?: string[] | undefined;
}

// "Tỉnh Thử Nghiệm Sơn Hà" → "Thử Nghiệm Sơn Hà": L carries the place, not the body.
const PROVINCE_PREFIX = /^(Tỉnh|Thành phố|TP\.?|UBND tỉnh|Ủy ban nhân dân tỉnh|Uỷ ban nhân dân tỉnh)\s+/iu;

export function localityOf(chain: UnitChain): string | undefined {
  const root = chain[0];
  if (!root || root.type !== "province") return undefined;
  return root.name.replace(PROVINCE_PREFIX, "").trim() || root.name;
}

export function subjectFor(person: SubjectPerson, chain: UnitChain): SubjectInput {
  const unit = chain[chain.length - 1]!;
  const root = chain[0]!;
  // A central agency located in the province signs in its own name; local bodies under the province's.
  const central = chain.some((u) => u.type === "central_in_province");
  const organization = central ? (chain.find((u) => u.type === "central_in_province") ?? unit).name : root.name;
  const ous: string[] = [];
  if (unit.id !== root.id && unit.name !== organization) ous.push(unit.name);
  if (person.kind === "individual" && person.position) ous.push(person.position);
  const locality = localityOf(chain);
  return {
    commonName: person.name,
    organization: organization.slice(0, 64),
    organizationalUnits: ous.map((o) => o.slice(0, 64)),
    ...(locality ? { locality } : {}),
    ...(person.email ? { email: person.email } : {}),
    dnsNames: person.dnsNames ?? [],
  };
}
