// Plans one chunk of a scale dataset: subscribers with their certificates'
// life (issued, renewed or changed → superseded, revoked for a Decree 68/2024
// Art. 17 trigger, expired), the token each key lives on in the state that
// life leaves it, and requests (Mẫu 01–09) in every state with working-day
// due dates. Pure and seeded: no keys, no SQL (scale-dataset.ts signs and stores).
import type { BulkCertSpec } from "../ca/bulk-signer";
import type { WorkingCalendar } from "../ra/working-days";
import { CrlReason, TRIGGER_REASON, type RevocationTrigger } from "../ra/revocation-reasons";
import { SLA_KEY_OF, type RequestType } from "../ra/request-types";
import type { Config } from "../config/schema";
import { mailbox, personName, POSITIONS, prng, SCALE_LOCALITY, type Prng } from "./scale-names";

const DAY = 86_400_000;
const HOUR = 3_600_000;

export type Profile = "individual" | "organization" | "device";

export interface PlanUnit {
  id: number;
  code: string;
  name: string;
  type: string;
  emailDomain: string;
}

export interface SubPlan { id: number; kind: Profile; unit: PlanUnit; name: string; nationalId: string | null; position: string | null; email: string | null; phone: string | null; purpose: string | null; responsible: string | null; at: Date }
export interface TokPlan { id: number; type: "usb_token" | "sim_pki" | "hsm_slot"; unit: PlanUnit; holder: SubPlan | null; state: string; createdAt: Date; updatedAt: Date }
export interface CertPlan {
  spec: BulkCertSpec;
  sub: SubPlan;
  tok: TokPlan;
  issuedAt: Date;
  revokedAt: Date | null;
  trigger: RevocationTrigger | null;
  invalidityDate: Date | null;
  /** The certificate this one replaced (renewal or change, Mẫu 04). */
  replaces: CertPlan | null;
  request: ReqPlan | null;
  /** Filled in once signed. */
  serial?: string;
}
export interface ReqPlan {
  id: number;
  type: RequestType;
  state: string;
  sub: SubPlan;
  tok: TokPlan | null;
  target: CertPlan | null;
  result: CertPlan | null;
  data: Record<string, unknown>;
  createdAt: Date;
  submittedAt: Date | null;
  completedAt: Date | null;
  updatedAt: Date;
  dueDate: string | null;
  lastReason: string | null;
  events: Array<{ action: string; from: string | null; to: string | null; role: string | null; reason: string | null; at: Date }>;
}

export interface ChunkPlan { subs: SubPlan[]; toks: TokPlan[]; certs: CertPlan[]; reqs: ReqPlan[] }

export interface ChunkInput {
  seed: number;
  units: PlanUnit[];
  now: Date;
  calendar: WorkingCalendar;
  config: Pick<Config, "sla" | "requests" | "profiles">;
  caNotAfter: Date;
  /** Global position: certificates and revocations planned before this chunk, and the totals. */
  certsBefore: number;
  revokedBefore: number;
  certs: number;
  totalCerts: number;
  totalRevoked: number;
  requests: number;
}

/** Decree 68/2024 Art. 17 triggers and how often each ends a certificate, by profile (the domain's mix: lost/exposed, transfers, renewals, retirement…). */
const TRIGGERS: Record<Profile, ReadonlyArray<readonly [RevocationTrigger, number]>> = {
  individual: [
    ["token_lost", 12], ["token_damaged", 4], ["key_exposed", 3], ["transferred", 15], ["post_changed", 9],
    ["replaced_by_renewal", 12], ["replaced_by_change", 9], ["retired", 10], ["resigned", 7], ["deceased", 1],
    ["police_or_court_order", 3], ["agency_request", 4], ["other", 2],
  ],
  organization: [["replaced_by_renewal", 6], ["replaced_by_change", 3], ["organisation_merged", 3], ["organisation_dissolved", 1], ["token_lost", 2], ["agency_request", 1]],
  device: [["device_decommissioned", 4], ["replaced_by_renewal", 3], ["key_exposed", 1]],
};

const TYPE_WEIGHTS: ReadonlyArray<readonly [RequestType, number]> = [
  ["new_individual", 30], ["new_organization", 6], ["new_device", 1], ["renewal", 12], ["change", 6], ["revocation", 16],
  ["token_recovery", 10], ["token_handover", 10], ["token_return", 6], ["token_lost", 3],
];
// "approved" is left out: it lasts only until execution, and a server start returns such requests to "forwarded" (request-execution resumeStuck).
// Requests spread over years are nearly all finished: only the last weeks' are still open (about 8%).
const STATE_WEIGHTS: ReadonlyArray<readonly [string, number]> = [
  ["completed", 85], ["rejected", 4], ["withdrawn", 3], ["draft", 2], ["submitted", 3], ["returned", 1.5], ["forwarded", 1.5],
];

/** A moment during office hours in Vietnam (08:00–17:00, UTC+7), `daysAgo` days before `now`. */
function officeHours(now: Date, daysAgo: number, r: Prng): Date {
  const day = Math.floor(now.getTime() / DAY) - daysAgo;
  return new Date(day * DAY + Math.floor((1 + r.next() * 9) * 3600) * 1000);
}
const whole = (ms: number) => new Date(Math.floor(ms / 1000) * 1000);

function subjectOf(kind: Profile, unit: PlanUnit, province: PlanUnit, name: string, position: string | null, email: string | null, dns: string | null): BulkCertSpec["subject"] {
  const local = unit.type !== "central_in_province";
  const organization = local ? province.name : unit.name;
  const ous = unit.id === province.id || !local ? [] : [unit.name];
  if (kind === "individual") return { commonName: name, organization, organizationalUnits: [...ous, position!], locality: SCALE_LOCALITY, email: email!, dnsNames: [] };
  if (kind === "organization") return { commonName: unit.name, organization, organizationalUnits: ous, locality: SCALE_LOCALITY, email: email!, dnsNames: [] };
  return { commonName: dns!, organization, organizationalUnits: ous, locality: SCALE_LOCALITY, dnsNames: [dns!] };
}

export function planChunk(c: ChunkInput): ChunkPlan {
  const r = prng(c.seed);
  const now = c.now;
  const province = c.units[0]!;
  const weightOf = (u: PlanUnit) => (u.type === "province" ? 6 : u.type === "department" ? 4 : u.type === "central_in_province" ? 3 : 1);
  const unitWeights = c.units.map((u) => [u, weightOf(u)] as const);
  const plan: ChunkPlan = { subs: [], toks: [], certs: [], reqs: [] };
  let revoked = c.revokedBefore;
  const mailSeen = new Map<string, number>();

  const newCert = (sub: SubPlan, tok: TokPlan, spec: BulkCertSpec["subject"], issuedAt: Date, replaces: CertPlan | null): CertPlan => {
    const choices = sub.kind === "device" ? [365, 730, 1095] : [730, 1095, 1095, 1825];
    let days = Math.min(r.pick(choices), c.config.profiles[sub.kind].maxDays);
    const notBefore = whole(issuedAt.getTime() - 60_000);
    const room = Math.floor((c.caNotAfter.getTime() - notBefore.getTime()) / DAY) - 1;
    days = Math.max(1, Math.min(days, room));
    const cert: CertPlan = { spec: { profile: sub.kind, subject: spec, notBefore, notAfter: new Date(notBefore.getTime() + days * DAY) }, sub, tok, issuedAt, revokedAt: null, trigger: null, invalidityDate: null, replaces, request: null };
    plan.certs.push(cert);
    return cert;
  };

  while (plan.certs.length < c.certs) {
    const unit = r.weighted(unitWeights);
    const kind = r.weighted<Profile>([["individual", 80], ["organization", 17], ["device", 3]]);
    const ago = 2 + Math.floor(1800 * Math.pow(r.next(), 1.4));
    const issuedAt = officeHours(now, ago, r);
    let name: string, position: string | null = null, email: string | null = null, dns: string | null = null;
    if (kind === "individual") {
      name = personName(r);
      position = r.pick(POSITIONS[unit.type] ?? POSITIONS.department!);
      const box = `${mailbox(name)}@${unit.emailDomain}`;
      const seen = (mailSeen.get(box) ?? 0) + 1;
      mailSeen.set(box, seen);
      email = seen > 1 ? box.replace("@", `${c.seed % 97}${seen}@`) : box;
    } else if (kind === "organization") {
      name = unit.name;
      email = `vanthu@${unit.emailDomain}`;
    } else {
      dns = `${r.pick(["dichvucong", "hethong", "congketnoi", "motcua", "vanban"])}${r.int(1, 999)}.${unit.emailDomain}`;
      name = dns;
    }
    const sub: SubPlan = {
      id: 0, kind, unit, name, nationalId: kind === "individual" ? `0${String(r.int(10, 96)).padStart(2, "0")}${r.int(0, 1)}${String(r.int(0, 99_999_999)).padStart(8, "0")}` : null,
      position, email, phone: kind === "device" ? null : `09${String(r.int(0, 99_999_999)).padStart(8, "0")}`,
      purpose: kind === "device" ? "Ký số văn bản điện tử và kết nối liên thông" : null, responsible: kind === "device" ? personName(r) : null, at: new Date(issuedAt.getTime() - 2 * DAY),
    };
    plan.subs.push(sub);
    const tokType = kind === "device" ? (r.next() < 0.7 ? "hsm_slot" : "usb_token") : kind === "individual" && r.next() < 0.12 ? "sim_pki" : "usb_token";
    const tok: TokPlan = { id: 0, type: tokType, unit, holder: sub, state: "in_use", createdAt: new Date(issuedAt.getTime() - DAY), updatedAt: issuedAt };
    plan.toks.push(tok);
    const subject = subjectOf(kind, unit, province, name, position, email, dns);
    let cert = newCert(sub, tok, subject, issuedAt, null);
    for (;;) {
      const g = c.certsBefore + plan.certs.length; // certificates planned so far, this one included
      const due = Math.floor((c.totalRevoked * g) / c.totalCerts);
      if (revoked >= due) break;
      revoked++;
      const end = Math.min(cert.spec.notAfter.getTime(), now.getTime() - HOUR);
      cert.revokedAt = whole(cert.issuedAt.getTime() + HOUR + r.next() * Math.max(0, end - cert.issuedAt.getTime() - 2 * HOUR));
      let trigger = r.weighted(TRIGGERS[kind]);
      const superseded = TRIGGER_REASON[trigger] === "superseded";
      // A renewal or change brings a successor certificate, unless every certificate left must be a revoked one.
      const left = c.totalCerts - g;
      if (superseded && (left <= c.totalRevoked - revoked || plan.certs.length >= c.certs)) trigger = kind === "device" ? "device_decommissioned" : "agency_request";
      cert.trigger = trigger;
      if (TRIGGER_REASON[trigger] === "keyCompromise") {
        cert.invalidityDate = whole(Math.max(cert.issuedAt.getTime() + 60_000, cert.revokedAt.getTime() - r.int(0, 4) * DAY - r.int(1, 20) * HOUR));
      }
      if (TRIGGER_REASON[trigger] !== "superseded") break;
      // Mẫu 04: the new certificate is issued, then the old one revoked as superseded (RFC 5280 5.3.1).
      const next = newCert(sub, tok, trigger === "replaced_by_change" && kind === "individual" ? { ...subject, organizationalUnits: [...subject.organizationalUnits.slice(0, -1), r.pick(POSITIONS[unit.type] ?? POSITIONS.department!)] } : subject, new Date(cert.revokedAt.getTime() - 30 * 60_000), cert);
      cert = next;
    }
    // The token's state follows from how its last certificate ended (server/ra/token-states.ts).
    const last = cert;
    if (last.trigger === "token_lost") tok.state = "lost";
    else if (last.trigger === "token_damaged") tok.state = "damaged";
    else if (last.revokedAt) tok.state = "returned";
    else if (last.spec.notAfter < now) tok.state = r.next() < 0.6 ? "returned" : "in_use";
    else tok.state = r.weighted([["in_use", 86], ["issued", 4], ["locked", 5], ["recovered", 5]]);
    tok.updatedAt = last.revokedAt ?? (tok.state === "returned" ? last.spec.notAfter : last.issuedAt);
    if (tok.state === "returned" && tok.updatedAt > now) tok.updatedAt = new Date(now.getTime() - HOUR);
  }
  // Tokens in the agencies' stock: received, not yet handed to anyone.
  for (let i = 0; i < Math.round(plan.subs.length * 0.02); i++) {
    const at = officeHours(now, r.int(1, 200), r);
    plan.toks.push({ id: 0, type: "usb_token", unit: r.weighted(unitWeights), holder: null, state: "in_stock", createdAt: at, updatedAt: at });
  }
  plan.reqs = planRequests(c, r, plan);
  return plan;
}

const role = { file: "agency_focal_point", check: "provincial_officer", approve: "ca_operator" } as const;

function planRequests(c: ChunkInput, r: Prng, plan: ChunkPlan): ReqPlan[] {
  const now = c.now;
  const firsts = plan.certs.filter((x) => !x.replaces);
  const renewed = plan.certs.filter((x) => x.replaces);
  const revokedOther = plan.certs.filter((x) => x.trigger && TRIGGER_REASON[x.trigger] !== "superseded" && x.trigger !== "token_lost");
  const lost = plan.certs.filter((x) => x.trigger === "token_lost");
  const live = plan.certs.filter((x) => !x.revokedAt && x.spec.notAfter > now);
  const held = plan.toks.filter((t) => t.holder && t.state !== "in_stock");
  const pools: Record<string, { done: CertPlan[] | TokPlan[]; open: CertPlan[] | TokPlan[] }> = {
    new: { done: firsts, open: [] },
    renewal: { done: renewed.filter((x) => x.replaces!.trigger === "replaced_by_renewal"), open: live },
    change: { done: renewed.filter((x) => x.replaces!.trigger === "replaced_by_change"), open: live },
    revocation: { done: revokedOther, open: live },
    token_lost: { done: lost, open: [] },
    token_recovery: { done: plan.toks.filter((t) => t.state === "recovered"), open: plan.toks.filter((t) => t.state === "locked") },
    token_handover: { done: held, open: plan.toks.filter((t) => t.state === "in_stock") },
    token_return: { done: plan.toks.filter((t) => t.state === "returned"), open: held },
  };
  const used = new Set<object>();
  const take = <T extends object>(xs: T[]): T | null => {
    for (let tries = 0; tries < 8 && xs.length; tries++) {
      const x = xs[r.int(0, xs.length - 1)]!;
      if (!used.has(x)) return used.add(x), x;
    }
    return null;
  };
  const count = Math.floor((c.requests * (c.certsBefore + c.certs)) / c.totalCerts) - Math.floor((c.requests * c.certsBefore) / c.totalCerts);
  const reqs: ReqPlan[] = [];
  for (let i = 0; i < count; i++) {
    let type = r.weighted(TYPE_WEIGHTS);
    let state = r.weighted(STATE_WEIGHTS);
    let done = state === "completed";
    const key = type.startsWith("new_") ? "new" : type;
    let cert: CertPlan | null = null;
    let tok: TokPlan | null = null;
    if (key === "new" && done) {
      cert = take((pools.new!.done as CertPlan[]).filter((x) => x.sub.kind === type.slice(4)));
      if (!cert) cert = take(pools.new!.done as CertPlan[]);
      if (cert) type = `new_${cert.sub.kind}` as RequestType;
    } else if (key === "new") {
      // A dossier for someone not yet certified (or refused): the subscriber is registered, no certificate.
    } else if (type.startsWith("token_")) {
      tok = take((done ? pools[key]!.done : pools[key]!.open) as TokPlan[]);
      if (!tok && type === "token_lost") cert = take(pools.token_lost!.done as CertPlan[]);
      if (cert) tok = cert.tok;
      if (!tok) type = "new_individual";
    } else {
      cert = take((done ? pools[key]!.done : pools[key]!.open) as CertPlan[]);
      if (!cert) type = "new_individual";
    }
    // Nothing left in this chunk to have completed it with: a refused dossier instead.
    if (done && !cert && !tok) {
      state = "rejected";
      done = false;
    }
    const sub = cert?.sub ?? tok?.holder ?? plan.subs[r.int(0, plan.subs.length - 1)]!;
    if (type.startsWith("new_")) type = `new_${sub.kind}` as RequestType;
    // When it was filed: completed ones just before what they produced; open ones in the last weeks.
    const sla = c.config.sla[SLA_KEY_OF[type]];
    const doneAt = done ? (type.startsWith("new_") || type === "renewal" || type === "change" ? cert!.issuedAt : cert?.revokedAt ?? tok?.updatedAt ?? now) : null;
    const submittedAt = state === "draft" ? null : doneAt ? whole(doneAt.getTime() - r.next() * (sla + 1) * DAY - HOUR) : whole(Math.min(now.getTime() - 60_000, officeHours(now, r.int(0, 12), r).getTime()));
    const createdAt = whole((submittedAt ?? officeHours(now, r.int(0, 20), r)).getTime() - r.int(1, 48) * HOUR);
    const dueDate = submittedAt ? c.calendar.addWorkingDays(submittedAt, sla) : null;
    const ended = done || state === "rejected" || state === "withdrawn";
    const endAt = doneAt ?? (ended ? whole(Math.min(now.getTime(), (submittedAt ?? createdAt).getTime() + r.int(2, 60) * HOUR)) : null);
    const target = type === "renewal" || type === "change" ? cert!.replaces ?? cert : type === "revocation" ? cert : null;
    const result = done && (type.startsWith("new_") || type === "renewal" || type === "change") ? cert : null;
    const req: ReqPlan = {
      id: 0, type, state, sub, tok: tok ?? cert?.tok ?? null, target, result, data: {}, createdAt, submittedAt,
      completedAt: done ? endAt : null, updatedAt: endAt ?? submittedAt ?? createdAt, dueDate,
      lastReason: state === "returned" ? "Hồ sơ thiếu bản scan có chữ ký, đề nghị bổ sung" : state === "rejected" ? "Người đề nghị không thuộc biên chế của cơ quan" : null, events: [],
    };
    if (result) result.request = req;
    req.events = eventsOf(req, c.config.requests.delegatedToProvince.includes(type), now);
    reqs.push(req);
  }
  return reqs;
}

/** The form's fields (server/ra/request-forms.ts), once ids and serials are known. */
export function dataOf(q: ReqPlan, tokenSerial: string | undefined, targetSerial: string | undefined): Record<string, unknown> {
  const s = q.sub;
  switch (q.type) {
    case "new_individual": return { fullName: s.name, nationalId: s.nationalId, position: s.position, email: s.email, phone: s.phone, tokenSerial, days: 1095 };
    case "new_organization": return { organizationName: s.unit.name.slice(0, 64), clerkName: "Văn thư cơ quan", email: s.email, phone: s.phone, tokenSerial, days: 1095 };
    case "new_device": return { deviceName: s.name, purpose: s.purpose, responsiblePerson: s.responsible, dnsNames: [s.name], tokenSerial, days: 730 };
    case "renewal": return { targetSerial, days: 1095 };
    case "change": return { targetSerial, position: s.position, reasonText: "Thay đổi chức vụ" };
    case "revocation": return { targetSerial, trigger: q.target?.trigger ?? "agency_request", reasonText: "Đề nghị thu hồi theo Điều 17 Nghị định 68/2024" };
    case "token_handover": return { tokenSerial, holderSubscriberId: s.id };
    case "token_lost": return { tokenSerial, reasonText: "Thất lạc thiết bị" };
    default: return { tokenSerial, reasonText: q.type === "token_recovery" ? "Nhập sai mã PIN quá số lần cho phép" : "Thu hồi thiết bị sau khi thu hồi chứng thư" };
  }
}

function eventsOf(q: ReqPlan, delegated: boolean, now: Date): ReqPlan["events"] {
  const ev: ReqPlan["events"] = [{ action: "create", from: null, to: "draft", role: role.file, reason: null, at: q.createdAt }];
  if (q.state === "draft") return ev;
  const sub = q.submittedAt!;
  ev.push({ action: "submit", from: "draft", to: "submitted", role: role.file, reason: null, at: sub });
  if (q.state === "withdrawn") return [...ev, { action: "withdraw", from: "submitted", to: "withdrawn", role: role.file, reason: null, at: q.updatedAt }];
  const mid = new Date(Math.min(Math.max(sub.getTime() + HOUR, (q.updatedAt.getTime() + sub.getTime()) / 2), now.getTime() - 1000));
  const at = new Date(Math.floor(mid.getTime() / 1000) * 1000);
  switch (q.state) {
    case "submitted": return ev;
    case "returned": return [...ev, { action: "return", from: "submitted", to: "returned", role: role.check, reason: q.lastReason, at }];
    case "rejected": return [...ev, { action: "reject", from: "submitted", to: "rejected", role: role.check, reason: q.lastReason, at: q.updatedAt }];
    case "forwarded": return [...ev, { action: "forward", from: "submitted", to: "forwarded", role: role.check, reason: null, at }];
    default:
      if (delegated) return [...ev, { action: "complete", from: "submitted", to: "completed", role: role.check, reason: null, at: q.completedAt! }];
      return [...ev, { action: "forward", from: "submitted", to: "forwarded", role: role.check, reason: null, at }, { action: "approve", from: "forwarded", to: "approved", role: role.approve, reason: null, at: q.completedAt! }, { action: "complete", from: "approved", to: "completed", role: role.approve, reason: null, at: q.completedAt! }];
  }
}

/** RFC 5280 5.3.1 reason code of a planned revocation. */
export function reasonCode(trigger: RevocationTrigger): number {
  return CrlReason[TRIGGER_REASON[trigger]];
}
