// Demo data: about 300 subscriber certificates in the demo province (see
// demo-province.ts), spread over its units as they stand today, in every state a
// page can show: active, expiring within 30/60/90 days, expired, and revoked for
// the reasons Decree 68/2024 Art. 17 triggers map to (ra/revocation-reasons.ts).
// People, e-mail addresses and host names are invented.
//
// Every certificate is real: a P-256 key made here, a PKCS#10 request signed with
// it, and the ordinary issuance path (RA checks, lint copy, CA signature, audit
// entry). To give the certificates a history — issued over the past months,
// some expired, revoked on a day after their issue — the issuance and revocation
// services are built from the same factories core.ts uses, on the same store and
// key ring, but with a *demo clock* that is set to each event's date before the
// event runs; events run in date order. Consequences, honestly: those
// certificates' notBefore (and their audit entries' times) lie before the
// issuing CA's own notBefore when the CA was created on this start (RFC 5280
// does not require nested validity and `openssl verify` does not check it), and
// the audit log holds them after the CA's creation entry. Nothing outside this
// file can set the clock of the running services.
//
// The names are drawn from a seeded generator, so a fresh start always shows the
// same people; keys and serials are random as always. Idempotent: nothing is done
// when any certificate already belongs to a demo unit.
import "reflect-metadata";
import { randomBytes, webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";
import type { Config } from "../config/schema";
import type { KeyRing } from "../ca/key-ring";
import { createLintCopyMaker } from "../ca/lint-copy";
import { createSubscriberIssuer } from "../ca/subscriber-issuer";
import { createIssuanceService } from "../ra/issuance-service";
import { createRevocationService, RevocationNotice } from "../ra/revocation-service";
import { RevocationTrigger, TRIGGER_REASON, CrlReasonName } from "../ra/revocation-reasons";
import type { Store } from "../store/store";
import { unitSourceFromStore, UnitSummary } from "../directory/unit-source";
import { DEMO_ACTOR, DEMO_PROVINCE_CODE } from "./demo-province";
import { seedDemoSubscribers } from "./demo-subscribers";
import { prng } from "./prng";

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export const DEMO_CERTIFICATE_COUNT = 300;
const DAY = 86_400_000;

export interface SeedDemoCertificatesDeps {
  config: Config;
  store: Store;
  keyRing: KeyRing;
  clock: () => Date;
  actor?: string;
  /** Told of each set of revocations once committed (the server's OCSP cache and CRL debounce). */
  onRevoked?: (notices: readonly RevocationNotice[]) => void;
  /** How many certificates (default 300). */
  count?: number;
}

export type DemoState = "active" | "expiring30" | "expiring60" | "expiring90" | "expired" | "revoked";

export interface DemoCertificatesResult {
  seeded: boolean;
  total: number;
  byState: Record<DemoState, number>;
  byProfile: Record<"individual" | "organization" | "device", number>;
  /** Revocations by RFC 5280 reason name. */
  reasons: Partial<Record<CrlReasonName, number>>;
  units: number;
  /** Subscribers registered for the demo certificates (also on a start that issued none). */
  subscribers: number;
  ms: number;
}

// ---------------------------------------------------------------------------
// Deterministic choices


// The most common Vietnamese family names, roughly by frequency.
const FAMILY: ReadonlyArray<readonly [string, number]> = [
  ["Nguyễn", 38], ["Trần", 11], ["Lê", 9], ["Phạm", 7], ["Hoàng", 5], ["Huỳnh", 3], ["Phan", 4], ["Vũ", 4], ["Võ", 3], ["Đặng", 2],
  ["Bùi", 2], ["Đỗ", 2], ["Hồ", 1.5], ["Ngô", 1.5], ["Dương", 1], ["Lý", 1], ["Đinh", 1], ["Trịnh", 1], ["Đào", 1], ["Lương", 0.5],
];
const MIDDLE_M = ["Văn", "Văn", "Văn", "Hữu", "Đức", "Quang", "Minh", "Thành", "Xuân", "Công", "Mạnh", "Tiến", "Ngọc", "Duy"];
const MIDDLE_F = ["Thị", "Thị", "Thị", "Thị", "Ngọc", "Thu", "Thanh", "Phương", "Minh", "Hồng", "Kim", "Thùy", "Mai"];
const GIVEN_M = ["An", "Bình", "Cường", "Dũng", "Hùng", "Hải", "Long", "Nam", "Quân", "Sơn", "Thắng", "Tuấn", "Việt", "Khánh", "Phúc", "Trung", "Hiếu", "Đạt", "Huy", "Kiên", "Lâm", "Tâm", "Thịnh", "Vinh", "Hoàng", "Toàn", "Đông", "Quý"];
const GIVEN_F = ["Anh", "Hà", "Hạnh", "Hoa", "Hương", "Lan", "Linh", "Mai", "Ngân", "Nhung", "Phượng", "Thảo", "Trang", "Vân", "Yến", "Hằng", "Huyền", "Loan", "Dung", "Oanh", "Giang", "Thúy", "Nga", "Liên", "Quỳnh", "Diệp"];

const POSITIONS_DEPT = ["Giám đốc", "Phó Giám đốc", "Chánh Văn phòng", "Phó Chánh Văn phòng", "Chánh Thanh tra", "Trưởng phòng", "Phó Trưởng phòng", "Chuyên viên chính", "Chuyên viên", "Chuyên viên", "Chuyên viên", "Kế toán trưởng", "Văn thư"];
const POSITIONS_PROVINCE = ["Chủ tịch", "Phó Chủ tịch", "Chánh Văn phòng", "Phó Chánh Văn phòng", "Trưởng phòng", "Phó Trưởng phòng", "Chuyên viên", "Chuyên viên", "Chuyên viên chính", "Văn thư"];
const POSITIONS_COMMUNE = ["Chủ tịch", "Phó Chủ tịch", "Công chức Văn phòng - Thống kê", "Công chức Tài chính - Kế toán", "Công chức Tư pháp - Hộ tịch", "Công chức Địa chính - Xây dựng", "Công chức Văn hóa - Xã hội", "Văn thư"];
const POSITIONS_CENTRAL = ["Giám đốc", "Phó Giám đốc", "Trưởng phòng", "Phó Trưởng phòng", "Kế toán viên", "Kế toán viên", "Kiểm soát viên", "Chuyên viên", "Chuyên viên", "Văn thư"];

function positionsFor(type: string): readonly string[] {
  if (type === "province") return POSITIONS_PROVINCE;
  if (type === "commune" || type === "district") return POSITIONS_COMMUNE;
  if (type === "central_in_province") return POSITIONS_CENTRAL;
  return POSITIONS_DEPT;
}

/** Revocation triggers (Decree 68 Art. 17) and how often each happens, by profile. */
const TRIGGERS: Record<"individual" | "organization" | "device", ReadonlyArray<readonly [RevocationTrigger, number]>> = {
  individual: [
    ["token_lost", 14], ["token_damaged", 5], ["key_exposed", 3],
    ["transferred", 16], ["post_changed", 10],
    ["replaced_by_change", 8], ["replaced_by_renewal", 5],
    ["retired", 9], ["resigned", 7], ["deceased", 1],
    ["police_or_court_order", 4],
    ["agency_request", 4], ["other", 2],
  ],
  organization: [["token_lost", 3], ["replaced_by_renewal", 5], ["replaced_by_change", 3], ["organisation_merged", 2], ["agency_request", 1]],
  device: [["device_decommissioned", 3], ["replaced_by_renewal", 2], ["key_exposed", 1]],
};

/** ASCII e-mail local part of a Vietnamese name: given name + initials ("Nguyễn Văn An" → "annv"). */
export function emailLocalPart(fullName: string): string {
  const ascii = fullName
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/đ/g, "d")
    .replace(/Đ/g, "D")
    .toLowerCase();
  const parts = ascii.split(" ");
  return parts.at(-1)! + parts.slice(0, -1).map((p) => p[0]).join("");
}

const LOCALITY = "Thử Nghiệm Sơn Hà";

interface Plan {
  profile: "individual" | "organization" | "device";
  unit: UnitSummary;
  commonName: string;
  organization: string;
  organizationalUnits: string[];
  email?: string;
  dnsNames?: string[];
  state: DemoState;
  issuedAt: Date;
  days: number;
  revokeAt?: Date;
  trigger?: RevocationTrigger;
  invalidityDate?: Date;
}

/** A moment during office hours in Vietnam (08:00–17:00, UTC+7), `daysAgo` calendar days before `now`. */
function officeHours(now: Date, daysAgo: number, r: ReturnType<typeof prng>): Date {
  const day = Math.floor(now.getTime() / DAY) - daysAgo;
  return new Date(day * DAY + (1 + r.next() * 9) * 3_600_000);
}

function planCertificates(units: UnitSummary[], now: Date, count: number): Plan[] {
  const r = prng(0x5048a);
  const province = units.find((u) => u.code === DEMO_PROVINCE_CODE);
  const weight = (u: UnitSummary) =>
    u.type === "province" ? 3 : u.type === "department" ? (u.code === "SH-SKHCN" ? 4 : 3) : u.type === "central_in_province" ? 2.5 : 1.5;
  const total = units.reduce((s, u) => s + weight(u), 0);
  // Largest remainder: the counts add up to `count` exactly.
  const shares = units.map((u) => (count * weight(u)) / total);
  const counts = shares.map(Math.floor);
  const order = shares.map((s, i) => [s - Math.floor(s), i] as const).sort((a, b) => b[0] - a[0]);
  for (let k = 0; k < count - counts.reduce((s, c) => s + c, 0); k++) counts[order[k]![1]]!++;

  const usedLocal = new Map<string, number>();
  const plans: Plan[] = [];
  units.forEach((unit, ui) => {
    const n = counts[ui]!;
    const domain = unit.emailDomain ?? "thunghiemsonha.gov.vn";
    const local = unit.type !== "central_in_province";
    const organization = local && province ? province.name : unit.name;
    const ouUnit = unit.id === province?.id || !local ? [] : [unit.name];
    // Days since the unit (as it is today) came into being: nothing is issued before that.
    const unitAgeDays = Math.max(1, Math.floor((now.getTime() - Date.parse(unit.validFrom + "T00:00:00+07:00")) / DAY) - 1);
    const seals = Math.max(1, Math.round(n * 0.17));
    const devices = unit.type === "province" || unit.code === "SH-STC" || unit.code === "SH-SKHCN" || unit.type === "central_in_province" ? 1 : 0;
    for (let i = 0; i < n; i++) {
      const profile: Plan["profile"] = i < seals ? "organization" : i < seals + devices ? "device" : "individual";
      let commonName: string;
      let email: string | undefined;
      let dnsNames: string[] | undefined;
      let ous = ouUnit;
      if (profile === "individual") {
        const female = r.next() < 0.48;
        const name = [r.weighted(FAMILY), r.pick(female ? MIDDLE_F : MIDDLE_M), r.pick(female ? GIVEN_F : GIVEN_M)].join(" ").normalize("NFC");
        commonName = name;
        const base = emailLocalPart(name);
        const key = `${base}@${domain}`;
        const seen = (usedLocal.get(key) ?? 0) + 1;
        usedLocal.set(key, seen);
        email = `${base}${seen > 1 ? seen : ""}@${domain}`;
        ous = [...ouUnit, r.pick(positionsFor(unit.type))];
      } else if (profile === "organization") {
        commonName = unit.name;
        email = `vanthu@${domain}`;
      } else {
        const host = unit.type === "province" ? "dichvucong" : unit.type === "central_in_province" ? "congketnoi" : "hethong";
        dnsNames = [`${host}.${domain}`];
        commonName = dnsNames[0]!;
      }
      const state: DemoState = r.weighted<DemoState>([
        ["active", 57], ["expiring30", 4], ["expiring60", 3], ["expiring90", 3], ["expired", 10], ["revoked", 23],
      ]);
      const plan: Plan = { profile, unit, commonName, organization, organizationalUnits: ous, state, issuedAt: now, days: 1 };
      if (email) plan.email = email;
      if (dnsNames) plan.dnsNames = dnsNames;
      const maxAgo = Math.min(unitAgeDays, 1500);
      if (state === "expired") {
        // Issued for one or two years, expired 2–150 days ago.
        const expiredAgo = r.int(2, 150);
        let days = r.pick([365, 730]);
        if (expiredAgo + days > maxAgo) days = Math.max(1, maxAgo - expiredAgo);
        if (days < 30) {
          // A unit too young for a year's certificate: a short one, expired recently.
          days = Math.max(1, Math.min(90, maxAgo - 2));
        }
        const ago = Math.min(maxAgo, expiredAgo + days);
        plan.issuedAt = officeHours(now, ago, r);
        plan.days = days;
        if (plan.issuedAt.getTime() + days * DAY >= now.getTime()) plan.state = "active"; // could not fit: show it as it is
      } else if (state.startsWith("expiring")) {
        const window = state === "expiring30" ? [2, 29] : state === "expiring60" ? [31, 59] : [61, 89];
        const remaining = r.int(window[0]!, window[1]!);
        const ago = r.int(Math.min(30, maxAgo), Math.min(maxAgo, 600));
        plan.issuedAt = officeHours(now, ago, r);
        plan.days = ago + remaining;
      } else {
        const ago = r.int(Math.min(state === "revoked" ? 20 : 1, maxAgo), Math.min(maxAgo, 480));
        plan.issuedAt = officeHours(now, ago, r);
        plan.days = r.pick([730, 1095, 1095, 1826]);
        if (state === "revoked") {
          const trigger = r.weighted(TRIGGERS[profile]);
          const revokedAgo = r.int(1, Math.max(1, ago - 1));
          let revokeAt = officeHours(now, revokedAgo, r);
          if (revokeAt <= plan.issuedAt) revokeAt = new Date(plan.issuedAt.getTime() + 3_600_000);
          if (revokeAt >= now) revokeAt = new Date(now.getTime() - 60_000);
          plan.revokeAt = revokeAt;
          plan.trigger = trigger;
          if (TRIGGER_REASON[trigger] === "keyCompromise") {
            // The token went missing (or the key was exposed) a few days before it was reported.
            const back = r.int(0, 4) * DAY + r.int(1, 20) * 3_600_000;
            plan.invalidityDate = new Date(Math.max(plan.issuedAt.getTime() + 60_000, revokeAt.getTime() - back));
          }
        }
      }
      plans.push(plan);
    }
  });
  return plans;
}

// ---------------------------------------------------------------------------
// Seeding

/** A P-256 key and CSR made in-process, as a token would (the subject in it is ignored). */
export async function makeDemoCsr(): Promise<Buffer> {
  const alg = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
  const keys = (await webcrypto.subtle.generateKey(alg, false, ["sign", "verify"])) as CryptoKeyPair;
  // The subject in the request is ignored: the CA builds it from validated fields.
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: "CN=demo", keys, signingAlgorithm: alg });
  return Buffer.from(csr.rawData);
}

/** The demo province's units as they stand today (empty without the demo province). */
async function demoUnitsToday(store: Store, now: Date): Promise<UnitSummary[]> {
  const source = unitSourceFromStore(store.units);
  const province = await source.findByCode(DEMO_PROVINCE_CODE);
  if (!province) return [];
  const ids = await source.subtreeIds(province.id, now);
  if (ids.length === 0) return [];
  return (await source.unitsAsOf(now, ids)).sort((a, b) => a.code.localeCompare(b.code));
}

/**
 * Issues (and revokes, and lets expire) the demo certificates. Needs the demo
 * province and an issuing CA; idempotent.
 */
export async function seedDemoCertificates(deps: SeedDemoCertificatesDeps): Promise<DemoCertificatesResult> {
  const started = Date.now();
  const actor = deps.actor ?? DEMO_ACTOR;
  const now = deps.clock();
  const empty: DemoCertificatesResult = {
    seeded: false,
    total: 0,
    byState: { active: 0, expiring30: 0, expiring60: 0, expiring90: 0, expired: 0, revoked: 0 },
    byProfile: { individual: 0, organization: 0, device: 0 },
    reasons: {},
    units: 0,
    subscribers: 0,
    ms: 0,
  };
  const units = await demoUnitsToday(deps.store, now);
  if (units.length === 0 || !(await deps.keyRing.active("issuing"))) return { ...empty, ms: Date.now() - started };
  const counts = await deps.store.certificateQueries.countByStatus({ all: false, unitIds: units.map((u) => u.id) }, now);
  if (Object.values(counts).some((c) => c > 0)) {
    // Already seeded: only registers subscribers for certificates that have none (a database from before the registry).
    const subs = await seedDemoSubscribers({ store: deps.store, units, clock: deps.clock, actor });
    return { ...empty, subscribers: subs.created, ms: Date.now() - started };
  }

  // The same components as core.ts, on the same store and key ring (no second key
  // load), with a clock this function moves from event to event.
  let demoNow = now;
  const clock = () => demoNow;
  const issuer = createSubscriberIssuer({ config: deps.config, store: deps.store, keyRing: deps.keyRing, makeLintCopy: createLintCopyMaker(), clock, random: (n) => randomBytes(n) });
  const issuance = createIssuanceService({ config: deps.config, store: deps.store, issuer, clock });
  const revocation = createRevocationService({ store: deps.store, clock, onRevoked: (notices) => deps.onRevoked?.(notices) });

  const plans = planCertificates(units, now, deps.count ?? DEMO_CERTIFICATE_COUNT);
  type Event = { at: Date; plan: Plan; kind: "issue" | "revoke" };
  const events: Event[] = [];
  for (const plan of plans) {
    events.push({ at: plan.issuedAt, plan, kind: "issue" });
    if (plan.revokeAt) events.push({ at: plan.revokeAt, plan, kind: "revoke" });
  }
  events.sort((a, b) => a.at.getTime() - b.at.getTime() || (a.kind === "issue" ? -1 : 1));

  // The requests are made first, all at once (WebCrypto works off the main thread).
  const csrs = new Map<Plan, Buffer>(await Promise.all(plans.map(async (p) => [p, await makeDemoCsr()] as const)));
  const serials = new Map<Plan, string>();
  const result: DemoCertificatesResult = { ...empty, byState: { ...empty.byState }, byProfile: { ...empty.byProfile }, reasons: {} };
  for (const e of events) {
    demoNow = e.at;
    const p = e.plan;
    if (e.kind === "issue") {
      const issued = await issuance.issue({
        csr: csrs.get(p)!,
        profile: p.profile,
        commonName: p.commonName,
        organization: p.organization,
        organizationalUnits: p.organizationalUnits,
        locality: LOCALITY,
        email: p.email,
        dnsNames: p.dnsNames,
        days: p.days,
        unitId: p.unit.id,
        actor,
      });
      serials.set(p, issued.serial);
      result.total++;
      result.byState[p.state]++;
      result.byProfile[p.profile]++;
    } else {
      const reason = TRIGGER_REASON[p.trigger!];
      await revocation.revoke({ serial: serials.get(p)!, reason, invalidityDate: p.invalidityDate ?? null, actor });
      result.reasons[reason] = (result.reasons[reason] ?? 0) + 1;
    }
  }
  result.seeded = true;
  result.subscribers = (await seedDemoSubscribers({ store: deps.store, units, clock: deps.clock, actor })).created;
  result.units = new Set(plans.map((p) => p.unit.id)).size;
  result.ms = Date.now() - started;
  await deps.store.audit.append(
    { actor, action: "demo.certificates", objectType: "unit", objectId: DEMO_PROVINCE_CODE, outcome: "ok", details: { total: result.total, subscribers: result.subscribers, byState: result.byState, byProfile: result.byProfile, reasons: result.reasons } },
    deps.clock(),
  );
  return result;
}

/** One line for the start-up log. */
export function demoCertificatesLine(r: DemoCertificatesResult): string {
  const s = r.byState;
  return (
    `demo certificates: ${r.total} in ${r.units} units for ${r.subscribers} subscribers (${r.byProfile.individual} individual, ${r.byProfile.organization} organisation, ${r.byProfile.device} device) — ` +
    `${s.active} active, ${s.expiring30 + s.expiring60 + s.expiring90} expiring within 90 days (${s.expiring30} within 30), ${s.expired} expired, ${s.revoked} revoked (${Object.entries(r.reasons).map(([k, v]) => `${k} ${v}`).join(", ")}); ${(r.ms / 1000).toFixed(1)} s`
  );
}
