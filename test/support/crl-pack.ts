// Revoked entries as objects, packed into the store's text page (PackedCrlEntries) for the CRL encoder; it checks nothing, so refusals stay the encoder's.
import type { PackedCrlEntries } from "../../server/publish/crl-encoder";

/** One revoked certificate, as a test or a benchmark writes it down. */
export interface CrlEntryFields {
  /** Certificate serial, lowercase hex (RFC 5280 4.1.2.2). */
  serialHex: string;
  revokedAt: Date;
  /** CRLReason code (RFC 5280 5.3.1); 0 = unspecified. */
  reason: number;
  /** When the key is known or suspected to have been compromised (RFC 5280 5.3.2). */
  invalidityDate?: Date | null;
}

const pad = (n: number, width: number): string => String(n).padStart(width, "0");

/**
 * The store's time form "YYYY-MM-DDTHH:MM:SSZ" (db-time toDbTime), milliseconds dropped. Unlike
 * toDbTime it never throws: an invalid Date or a year past 9999 becomes text the encoder must refuse.
 */
function packTime(d: Date): string {
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}T${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}Z`;
}

/**
 * "<serial> <reason> <revocationDate> [<invalidityDate>]" per entry, joined by "\n" (see PackedCrlEntries);
 * serial and reason go in as given, so a bad one reaches the encoder unchanged.
 */
export function packCrlEntries(entries: readonly CrlEntryFields[]): PackedCrlEntries {
  let packed = "";
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    packed += `${i ? "\n" : ""}${e.serialHex} ${e.reason} ${packTime(e.revokedAt)} ${e.invalidityDate != null ? packTime(e.invalidityDate) : ""}`;
  }
  return { packed, count: entries.length };
}
