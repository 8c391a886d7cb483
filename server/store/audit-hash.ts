// The audit chain's canonical form: exactly which bytes an entry's hash covers,
// so an auditor can recompute every hash with nothing but SHA-256. Pure; no SQL.
//
// Version 1 ("chungthu-audit/1"), frozen: a change is a new version, never an edit.
//
//   hash = lowercase hex of SHA-256(preimage)
//   preimage = F("chungthu-audit/1") F(id) F(prev_hash) F(at) F(actor) F(role)
//              F(unit_id) F(action) F(object_type) F(object_id) F(outcome)
//              F(request_id) F(details) F(before_summary) F(after_summary)
//   F(NULL)  = the two bytes "-,"
//   F(value) = decimal byte length of UTF-8(value), ":", UTF-8(value), ","   (a netstring)
//
// Every value is the text exactly as stored in the audit_log row: id and unit_id
// as decimal integers without leading zeros; prev_hash as 64 lowercase hex digits
// (64 zeros for the first entry); at as "YYYY-MM-DDTHH:MM:SSZ"; details, before
// and after as the stored JSON text (written by canonicalJson below, but the hash
// covers the stored text, so a verifier never has to re-serialise JSON).
// Example: the field "ok" is "2:ok,", an absent role is "-,", "Hà" is "3:Hà,".
import { createHash } from "node:crypto";

export const CHAIN_VERSION = 1;
export const CHAIN_TAG = "chungthu-audit/1";
/** prev_hash of the first entry. */
export const GENESIS_HASH = "0".repeat(64);

export interface HashedEntry {
  id: number;
  prevHash: string;
  at: string;
  actor: string;
  role: string | null;
  unitId: number | null;
  action: string;
  objectType: string | null;
  objectId: string | null;
  outcome: string;
  requestId: string | null;
  details: string | null;
  before: string | null;
  after: string | null;
}

const NULL_FIELD = Buffer.from("-,");

function field(value: string | null): Buffer {
  if (value === null) return NULL_FIELD;
  const bytes = Buffer.from(value, "utf8");
  return Buffer.concat([Buffer.from(`${bytes.length}:`, "ascii"), bytes, Buffer.from(",", "ascii")]);
}

const int = (n: number | null) => (n === null ? null : String(n));

/** The exact bytes hashed for an entry (version 1). */
export function entryPreimage(e: HashedEntry): Buffer {
  return Buffer.concat(
    [
      CHAIN_TAG,
      int(e.id),
      e.prevHash,
      e.at,
      e.actor,
      e.role,
      int(e.unitId),
      e.action,
      e.objectType,
      e.objectId,
      e.outcome,
      e.requestId,
      e.details,
      e.before,
      e.after,
    ].map(field),
  );
}

export function entryHash(e: HashedEntry): string {
  return createHash("sha256").update(entryPreimage(e)).digest("hex");
}

/**
 * JSON with object keys sorted (by UTF-16 code units, Array.prototype.sort's
 * default) at every depth and no whitespace, so equal summaries are stored as
 * equal text. BigInts become decimal strings; undefined members are dropped.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === "bigint") return v.toString();
    if (v !== null && typeof v === "object" && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      return Object.fromEntries(
        Object.keys(o)
          .sort()
          .map((k) => [k, o[k]]),
      );
    }
    return v;
  });
}
