// Demo data: the tokens that hold the demo certificates' keys, in every state of
// the token life cycle (server/ra/token-states.ts), with a plausible history.
// Derived from the demo subscribers and their certificates: each official or
// seal holder gets a USB token (some a SIM-PKI), each device an HSM slot; whose
// certificates are all revoked for a lost key gets a lost (or damaged) token,
// whose were revoked for leaving gets a returned one; each agency keeps a few
// tokens in stock. The certificates were revoked by demo-certificates.ts with
// the reason the loss implies, so nothing is revoked here. Serials are derived
// from a hash of the holder, so a fresh start always shows the same ones.
// Idempotent: nothing is done when any token already belongs to a demo unit.
import { createHash } from "node:crypto";
import { CrlReason } from "../ra/revocation-reasons";
import type { TokenState, TokenType } from "../ra/token-states";
import type { Store } from "../store/store";
import type { UnitFilter } from "../store/unit-scope-sql";
import { DEMO_ACTOR, DEMO_PROVINCE_CODE } from "./demo-province";

const DAY = 86_400_000;

export interface DemoTokensResult {
  seeded: boolean;
  total: number;
  byState: Partial<Record<TokenState, number>>;
  certificates: number;
}

/** The life so far of a token, from registration to its state today: a path through the allow-list. */
const PATHS: Record<TokenState, TokenState[]> = {
  in_stock: ["in_stock"],
  issued: ["in_stock", "issued"],
  in_use: ["in_stock", "issued", "in_use"],
  locked: ["in_stock", "issued", "in_use", "locked"],
  recovered: ["in_stock", "issued", "in_use", "locked", "recovered"],
  lost: ["in_stock", "issued", "in_use", "lost"],
  damaged: ["in_stock", "issued", "in_use", "damaged"],
  returned: ["in_stock", "issued", "in_use", "returned"],
};

const REASONS: Partial<Record<TokenState, string>> = {
  in_stock: "Nhập kho theo lô cấp phát của Ban Cơ yếu Chính phủ",
  issued: "Bàn giao cho thuê bao (Mẫu 07)",
  in_use: "Thuê bao đã cài đặt và ký số thử thành công",
  locked: "Thuê bao nhập sai PIN quá số lần cho phép",
  recovered: "Đã mở khóa PIN (Mẫu 06)",
  lost: "Thuê bao báo mất token khi đi công tác (Mẫu 09)",
  damaged: "Token không nhận trên máy tính, vỏ bị nứt",
  returned: "Thu hồi token sau khi thu hồi chứng thư (Mẫu 08)",
};

function hash(key: string): Buffer {
  return createHash("sha256").update(key, "utf8").digest();
}

function serialFor(type: TokenType, key: string, n: number): string {
  const h = hash(key);
  if (type === "sim_pki") return `8984${(h.readUInt32BE(0) % 1e9).toString().padStart(9, "0")}${(h.readUInt16BE(4) % 1e6).toString().padStart(6, "0")}`; // ICCID, Vietnam 89 84
  if (type === "hsm_slot") return `HSM-${DEMO_PROVINCE_CODE}-01-SLOT-${String(n).padStart(3, "0")}`;
  return `TK${h.subarray(0, 6).toString("hex").toUpperCase()}`;
}

export async function seedDemoTokens(deps: { store: Store; clock: () => Date; actor?: string }): Promise<DemoTokensResult> {
  const { store } = deps;
  const actor = deps.actor ?? DEMO_ACTOR;
  const now = new Date(Math.floor(deps.clock().getTime() / 1000) * 1000);
  const result: DemoTokensResult = { seeded: false, total: 0, byState: {}, certificates: 0 };
  const province = await store.units.findByCode(DEMO_PROVINCE_CODE);
  if (!province) return result;
  const unitIds = await store.units.subtreeIdsAsOf(province.id, new Date(now.getTime() + 7 * 3_600_000).toISOString().slice(0, 10));
  const units: UnitFilter = { all: false, unitIds };
  if (unitIds.length === 0 || (await store.tokens.list({ units, limit: 1 })).rows.length > 0) return result;

  // The demo certificates with their holders, oldest first.
  const bySubscriber = new Map<number, Array<{ serial: string; status: string; reason: number | null; createdAt: Date; unitId: number }>>();
  let after: string | undefined;
  for (;;) {
    const page = await store.certificateQueries.list({ units, now, limit: 500, after });
    for (const c of page.rows) {
      const sid = c.unitId === null ? null : await store.subscribers.subscriberIdOf(c.serial);
      if (sid === null) continue;
      const list = bySubscriber.get(sid) ?? [];
      list.push({ serial: c.serial, status: c.status, reason: c.revocationReason, createdAt: c.createdAt, unitId: c.unitId! });
      bySubscriber.set(sid, list);
    }
    if (!page.next) break;
    after = page.next;
  }
  if (bySubscriber.size === 0) return result;

  return store.transaction(async (tx) => {
    const stockUnits = new Set<number>();
    let i = 0;
    let hsm = 0;
    const add = async (type: TokenType, key: string, unitId: number, state: TokenState, holder: number | null, since: Date, certs: string[]) => {
      const serial = serialFor(type, key, type === "hsm_slot" ? ++hsm : 0);
      const path = PATHS[state];
      const id = await tx.tokens.insert({ serial, type, unitId, state, holderSubscriberId: holder }, since);
      if (id === "taken") return;
      // The history, spread between registration and (for the last move) a few days ago.
      const span = Math.max(now.getTime() - since.getTime(), DAY);
      for (let k = 0; k < path.length; k++) {
        const at = new Date(since.getTime() + Math.floor((span * k) / path.length / 1000) * 1000);
        await tx.tokens.addEvent({ tokenId: id, fromState: k === 0 ? null : path[k - 1]!, toState: path[k]!, actor, reason: REASONS[path[k]!] ?? null, requestId: null }, at);
      }
      for (const s of certs) await tx.tokens.attachCertificate(s, id);
      result.total++;
      result.byState[state] = (result.byState[state] ?? 0) + 1;
      result.certificates += certs.length;
    };

    for (const [sid, certs] of [...bySubscriber.entries()].sort((a, b) => a[0] - b[0])) {
      const s = (await tx.subscribers.findById(sid))!;
      const valid = certs.filter((c) => c.status === "valid");
      const compromised = certs.some((c) => c.reason === CrlReason.keyCompromise);
      let state: TokenState;
      if (valid.length) state = (["in_use", "in_use", "in_use", "in_use", "issued", "locked", "recovered"] as const)[i++ % 7]!;
      else if (compromised) state = i++ % 3 === 2 ? "damaged" : "lost";
      else if (certs.every((c) => c.status === "revoked")) state = "returned";
      else continue; // pending or failed only: no token handed out yet
      const type: TokenType = s.kind === "device" ? "hsm_slot" : sid % 6 === 0 ? "sim_pki" : "usb_token";
      const first = certs.reduce((a, c) => (c.createdAt < a ? c.createdAt : a), certs[0]!.createdAt);
      // A token in use never carries a certificate revoked for a lost key: that key was on an earlier token.
      const onIt = valid.length ? certs.filter((c) => c.reason !== CrlReason.keyCompromise) : certs;
      await add(type, `${s.unitId}|${s.kind}|${s.name}|${s.email ?? ""}`, s.unitId, state, s.id, new Date(first.getTime() - 2 * DAY), onIt.map((c) => c.serial));
      stockUnits.add(s.unitId);
    }
    // Each agency with token holders keeps two blank tokens in stock.
    for (const unitId of [...stockUnits].sort((a, b) => a - b)) {
      for (const k of [1, 2]) await add("usb_token", `stock|${unitId}|${k}`, unitId, "in_stock", null, new Date(now.getTime() - 30 * DAY), []);
    }
    result.seeded = true;
    await tx.audit.append({ actor, action: "demo.tokens", objectType: "unit", objectId: DEMO_PROVINCE_CODE, outcome: "ok", details: { total: result.total, byState: result.byState, certificates: result.certificates } }, now);
    return result;
  });
}

/** One line for the start-up log. */
export function demoTokensLine(r: DemoTokensResult): string {
  return `demo tokens: ${r.total} holding ${r.certificates} certificates — ${Object.entries(r.byState).map(([k, v]) => `${k} ${v}`).join(", ")}`;
}
