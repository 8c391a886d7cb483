// RFC 5280 5.3.1 CRLReason codes and the one table that maps the revocation
// triggers of Decree 68/2024 Art. 17 onto them. There is no suspension in this
// regime, so certificateHold (6) and removeFromCRL (8) are never issued.
export const CrlReason = {
  unspecified: 0,
  keyCompromise: 1,
  cACompromise: 2,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  certificateHold: 6,
  removeFromCRL: 8,
  privilegeWithdrawn: 9,
  aACompromise: 10,
} as const;

export type CrlReasonName = keyof typeof CrlReason;

/** Reasons an operator may give (RFC 5280 5.3.1 minus hold/removeFromCRL/aACompromise). */
export const ALLOWED_REASONS: readonly CrlReasonName[] = [
  "unspecified",
  "keyCompromise",
  "cACompromise",
  "affiliationChanged",
  "superseded",
  "cessationOfOperation",
  "privilegeWithdrawn",
];

export function reasonName(code: number): CrlReasonName | null {
  const e = Object.entries(CrlReason).find(([, v]) => v === code);
  return e ? (e[0] as CrlReasonName) : null;
}

/** Decree 68/2024 Art. 17 triggers. */
export type RevocationTrigger =
  | "key_exposed"
  | "token_lost"
  | "token_damaged"
  | "police_or_court_order"
  | "agency_request"
  | "post_changed"
  | "transferred"
  | "retired"
  | "resigned"
  | "deceased"
  | "organisation_dissolved"
  | "organisation_merged"
  | "organisation_split"
  | "device_decommissioned"
  | "replaced_by_renewal"
  | "replaced_by_change"
  | "other";

export const TRIGGER_REASON: Record<RevocationTrigger, CrlReasonName> = {
  key_exposed: "keyCompromise",
  token_lost: "keyCompromise",
  // A damaged token's key cannot be shown to be destroyed: treat as exposed.
  token_damaged: "keyCompromise",
  police_or_court_order: "privilegeWithdrawn",
  agency_request: "unspecified",
  post_changed: "affiliationChanged",
  transferred: "affiliationChanged",
  organisation_merged: "affiliationChanged",
  organisation_split: "affiliationChanged",
  retired: "cessationOfOperation",
  resigned: "cessationOfOperation",
  deceased: "cessationOfOperation",
  organisation_dissolved: "cessationOfOperation",
  device_decommissioned: "cessationOfOperation",
  replaced_by_renewal: "superseded",
  replaced_by_change: "superseded",
  other: "unspecified",
};
