// The token life cycle as one allow-list: which state may follow which, who may
// make each move, and what it demands. Decides nothing about particular tokens
// or certificates (token-transitions.ts applies a move; the services scope it).
//
//   in_stock ──handover (Mẫu 07)──► issued ──► in_use ──wrong PIN──► locked
//                                     │          ▲                      │
//                                     │          └──── recovered ◄──────┘ (Mẫu 06)
//   issued | in_use | locked | recovered ──► lost (Mẫu 09) | damaged | returned (Mẫu 08)
//   in_stock ──► lost | damaged            returned ──re-initialised──► in_stock
//
// Decisions (Decree 68/2024 Art. 17 and the forms of its annex):
// - lost and damaged are terminal: the key may be in someone else's hands, so
//   the token is never trusted again; every valid certificate on it is revoked
//   with keyCompromise in the same transaction (TRIGGER_REASON token_lost / token_damaged).
// - returned is refused while a valid certificate is still on the token: the
//   agency collects the token after revocation (Mẫu 08), so the certificate is
//   revoked first (Mẫu 05) — returning a token must never silently revoke.
// - returned → in_stock only once no valid certificate is on it, after the key
//   store was wiped (re-initialised); the holder is cleared then.
// - locked → recovered (PIN unlock, Mẫu 06) is done by the CA operator or the
//   province it delegates to, not by the agency itself.
// - A token in stock can itself go missing or be found faulty (stock count).
import type { Permission, Role } from "../access/roles";

export const TOKEN_STATES = ["in_stock", "issued", "in_use", "locked", "recovered", "lost", "damaged", "returned"] as const;
export type TokenState = (typeof TOKEN_STATES)[number];

export const TOKEN_TYPES = ["usb_token", "sim_pki", "hsm_slot"] as const;
export type TokenType = (typeof TOKEN_TYPES)[number];

export interface TokenMove {
  from: TokenState;
  to: TokenState;
  /** The permission the person needs (on the token's unit). */
  permission: Permission;
  /** Only these roles, when narrower than the permission. */
  roles?: readonly Role[];
  /** The move names the subscriber who receives the token. */
  needsHolder?: boolean;
  /** Refused while a valid certificate is on the token. */
  needsNoValidCertificate?: boolean;
  /** Revokes every valid certificate on the token (keyCompromise). */
  revokesCertificates?: boolean;
  /** The Decree 68/2024 form that documents the move, if any. */
  form?: string;
}

const HELD: readonly TokenState[] = ["issued", "in_use", "locked", "recovered"];
const RECOVERERS: readonly Role[] = ["admin", "ca_operator", "provincial_officer"];

export const TOKEN_MOVES: readonly TokenMove[] = [
  { from: "in_stock", to: "issued", permission: "tokens.manage", needsHolder: true, form: "07" },
  { from: "issued", to: "in_use", permission: "tokens.manage" },
  { from: "in_use", to: "locked", permission: "tokens.manage" },
  { from: "locked", to: "recovered", permission: "tokens.manage", roles: RECOVERERS, form: "06" },
  { from: "recovered", to: "in_use", permission: "tokens.manage" },
  ...HELD.flatMap((from): TokenMove[] => [
    { from, to: "lost", permission: "tokens.report_lost", revokesCertificates: true, form: "09" },
    { from, to: "damaged", permission: "tokens.manage", revokesCertificates: true },
    { from, to: "returned", permission: "tokens.manage", needsNoValidCertificate: true, form: "08" },
  ]),
  { from: "in_stock", to: "lost", permission: "tokens.report_lost", revokesCertificates: true, form: "09" },
  { from: "in_stock", to: "damaged", permission: "tokens.manage", revokesCertificates: true },
  { from: "returned", to: "in_stock", permission: "tokens.manage", needsNoValidCertificate: true },
];

/** States nothing leaves. */
export const TERMINAL_STATES: readonly TokenState[] = TOKEN_STATES.filter((s) => !TOKEN_MOVES.some((m) => m.from === s));

export function isTokenState(s: unknown): s is TokenState {
  return typeof s === "string" && (TOKEN_STATES as readonly string[]).includes(s);
}

export function isTokenType(s: unknown): s is TokenType {
  return typeof s === "string" && (TOKEN_TYPES as readonly string[]).includes(s);
}

/** The move from → to, or null when the allow-list has none. */
export function moveOf(from: TokenState, to: TokenState): TokenMove | null {
  return TOKEN_MOVES.find((m) => m.from === from && m.to === to) ?? null;
}

export function movesFrom(from: TokenState): TokenMove[] {
  return TOKEN_MOVES.filter((m) => m.from === from);
}

/** Token serials as the registry keeps them: upper-case, 3–64 of A–Z 0–9 . _ : - */
export const TOKEN_SERIAL = /^[A-Z0-9][A-Z0-9._:-]{2,63}$/;

export function normaliseTokenSerial(s: string): string {
  return s.normalize("NFC").trim().toUpperCase();
}
