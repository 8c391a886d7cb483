// What an agency merger, split or dissolution (a unit batch of server/org) does
// to certificates, tokens and subscribers (Decree 68/2024 Art. 17: organisation
// dissolved, split or merged): one item per object and action, in the order a
// run processes them. Merged and split units' objects are re-homed to the
// successor (with a change-of-information request per certificate whose subject
// names the old unit), or revoked affiliationChanged in "revoke" mode; a
// dissolved unit's certificates are revoked cessationOfOperation and its held
// tokens get token-return tasks. Reads only (org-change-run.ts executes).
import type { BatchPreview } from "../org/unit-service";
import type { Store } from "../store/store";
import { referenceOf } from "./request-ports";
import { TRIGGER_REASON, type CrlReasonName, type RevocationTrigger } from "./revocation-reasons";
import { digestOf, HELD_TOKEN_STATES } from "./staff-change";

export const ORG_CHANGE_MODES = ["rehome", "revoke"] as const;
export type OrgChangeMode = (typeof ORG_CHANGE_MODES)[number];

export type OrgAction = "rehome" | "rehome_change" | "revoke_merged" | "revoke_split" | "revoke_dissolved" | "token_return";

/** The Art. 17 trigger behind each revoking action (reasons come from the one table). */
export const REVOKE_TRIGGER: Partial<Record<OrgAction, RevocationTrigger>> = {
  revoke_merged: "organisation_merged",
  revoke_split: "organisation_split",
  revoke_dissolved: "organisation_dissolved",
};

/** Tokens that still exist as devices (not lost, damaged or returned): they follow their unit. */
const LIVE_TOKEN_STATES = ["in_stock", ...HELD_TOKEN_STATES];

export interface OrgEffect {
  seq: number;
  objectKind: "subscriber" | "cert" | "token";
  objectId: string;
  label: string;
  action: OrgAction;
  fromUnitId: number;
  fromCode: string;
  /** The successor of a re-homing (null id: a unit the batch creates, not yet applied). */
  toUnitId: number | null;
  toCode: string | null;
  reason: CrlReasonName | null;
  note: string | null;
}

export interface UnitFate {
  unitId: number;
  code: string;
  name: string;
  fate: "merged" | "split" | "dissolved";
  /** Where its objects go (merged: the target; split: the first part named in the batch). */
  successor: string | null;
  successorId: number | null;
  counts: { subscribers: number; certificates: number; tokens: number };
}

export interface OrgChangePlan {
  mode: OrgChangeMode;
  units: UnitFate[];
  effects: OrgEffect[];
  counts: Partial<Record<OrgAction, number>>;
  digest: string;
}

export function isOrgChangeMode(s: unknown): s is OrgChangeMode {
  return typeof s === "string" && (ORG_CHANGE_MODES as readonly string[]).includes(s);
}

/** The units a batch ends, with their fate and final successor (following merges of merges within the batch). */
export async function fatesOf(s: Store, preview: BatchPreview): Promise<Array<Omit<UnitFate, "counts">>> {
  const ended = preview.units.filter((u) => u.outcome === "ended");
  const endedCodes = new Set(ended.map((u) => u.code));
  const next = (code: string) => {
    const out = preview.lineage.filter((l) => l.from === code && l.kind !== "renamed");
    return { kind: out[0]?.kind ?? null, to: out[0]?.to ?? null };
  };
  const fates: Array<Omit<UnitFate, "counts">> = [];
  for (const u of ended) {
    const id = await s.units.findByCode(u.code);
    if (!id) continue;
    const first = next(u.code);
    let successor = first.to;
    // A successor the same batch ends too (merged again): follow it to where objects can live.
    for (let i = 0; successor !== null && endedCodes.has(successor) && i < 64; i++) successor = next(successor).to;
    const successorId = successor ? ((await s.units.findByCode(successor))?.id ?? null) : null;
    fates.push({ unitId: id.id, code: u.code, name: u.before?.name ?? u.name, fate: first.kind === "merged_into" ? "merged" : first.kind === "split_into" ? "split" : "dissolved", successor, successorId });
  }
  return fates;
}

/** Every object of every ended unit and what will happen to it, as of `now`. */
export async function planOrgChange(s: Store, preview: BatchPreview, mode: OrgChangeMode, now: Date): Promise<OrgChangePlan> {
  const fates = await fatesOf(s, preview);
  const effects: Omit<OrgEffect, "seq">[] = [];
  const units: UnitFate[] = [];
  for (const f of fates) {
    const subscribers = await s.orgChanges.subscribersOfUnits([f.unitId]);
    const certs = await s.orgChanges.liveCertificatesOfUnits([f.unitId], now);
    const tokens = await s.orgChanges.tokensOfUnits([f.unitId], LIVE_TOKEN_STATES);
    const rehome = f.fate !== "dissolved" && mode === "rehome" && f.successor !== null;
    const base = { fromUnitId: f.unitId, fromCode: f.code };
    const to = rehome ? { toUnitId: f.successorId, toCode: f.successor } : { toUnitId: null, toCode: null };
    if (rehome) {
      for (const p of subscribers) effects.push({ ...base, ...to, objectKind: "subscriber", objectId: String(p.id), label: p.name, action: "rehome", reason: null, note: null });
      for (const c of certs) {
        // RFC 5280 4.1.2.6: the subject names the unit (OU, or CN of a seal certificate): it must be re-issued.
        const names = c.subjectDn.includes(f.name);
        const open = names && c.subscriberId !== null ? await s.requests.openForTarget(c.serial, ["renewal", "change", "revocation"]) : [];
        const change = names && c.subscriberId !== null && open.length === 0;
        const note = !names ? "Chủ thể chứng thư không ghi tên đơn vị cũ" : c.subscriberId === null ? "Chứng thư chưa gắn thuê bao: không lập được hồ sơ thay đổi" : open.length ? `Đã có hồ sơ ${open.map((r) => referenceOf(r.id)).join(", ")} đang xử lý` : null;
        effects.push({ ...base, ...to, objectKind: "cert", objectId: c.serial, label: c.commonName, action: change ? "rehome_change" : "rehome", reason: null, note });
      }
      for (const t of tokens) effects.push({ ...base, ...to, objectKind: "token", objectId: String(t.id), label: t.serial, action: "rehome", reason: null, note: null });
    } else {
      const action: OrgAction = f.fate === "merged" ? "revoke_merged" : f.fate === "split" ? "revoke_split" : "revoke_dissolved";
      for (const c of certs) effects.push({ ...base, ...to, objectKind: "cert", objectId: c.serial, label: c.commonName, action, reason: TRIGGER_REASON[REVOKE_TRIGGER[action]!], note: null });
      for (const t of tokens) {
        if (!(HELD_TOKEN_STATES as readonly string[]).includes(t.state)) continue; // in stock: nobody to collect it from
        const open = await s.requests.openForToken(t.id, ["token_return"]);
        effects.push({ ...base, ...to, objectKind: "token", objectId: String(t.id), label: t.serial, action: "token_return", reason: null, note: open.length ? `Đã có nhiệm vụ thu hồi token ${referenceOf(open[0]!.id)}` : null });
      }
    }
    units.push({ ...f, counts: { subscribers: rehome ? subscribers.length : 0, certificates: certs.length, tokens: effects.filter((e) => e.objectKind === "token" && e.fromUnitId === f.unitId).length } });
  }
  // Subscribers first (so a change request finds its subscriber in the new unit), then certificates, then tokens.
  const order = { subscriber: 0, cert: 1, token: 2 } as const;
  const sorted = effects
    .map((e, i) => ({ e, i }))
    .sort((a, b) => order[a.e.objectKind] - order[b.e.objectKind] || a.i - b.i)
    .map(({ e }, i) => ({ seq: i + 1, ...e }));
  const counts: Partial<Record<OrgAction, number>> = {};
  for (const e of sorted) counts[e.action] = (counts[e.action] ?? 0) + 1;
  return { mode, units, effects: sorted, counts, digest: digestOf([mode, sorted.map((e) => [e.objectKind, e.objectId, e.action, e.fromUnitId, e.toCode])]) };
}
