// RFC 5280 Time encoders (UTCTime / GeneralizedTime TLVs) as DER (X.690 11.7, 11.8); re-exported by der-writer.ts.
//
// Allocating (utcTime, generalizedTime, encodeTime) and "size + write" (timeLength, writeTime, …)
// forms, the latter for the hot loop of a million-entry CRL. Depends on nothing else in asn1/, so
// every call in the hot path stays local to this module.

// Tags (X.690 8.1.2): universal 23 and 24.
export const TAG_UTC_TIME = 0x17;
export const TAG_GENERALIZED_TIME = 0x18;

// Time (RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050; always "Z",
// whole seconds, no fractional part). Dates with milliseconds are rounded DOWN to the second.

// [1950-01-01T00:00:00Z, 2050-01-01T00:00:00Z) in Unix seconds: the UTCTime window.
const UTC_TIME_FROM = -631152000;
const UTC_TIME_UNTIL = 2524608000;

function isUtcTimeYear(secs: number): boolean {
  return secs >= UTC_TIME_FROM && secs < UTC_TIME_UNTIL;
}

/** Encoded size of the RFC 5280 Time for `date`: 15 for UTCTime, 17 for GeneralizedTime. */
export function timeLength(date: Date): number {
  return isUtcTimeYear(secondsOf(date)) ? 15 : 17;
}

interface Civil {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

// Reused scratch object: the time writers run a million times per CRL.
const scratch: Civil = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };

function secondsOf(date: Date): number {
  const ms = date.getTime();
  if (!Number.isFinite(ms)) throw new RangeError("invalid Date");
  return Math.floor(ms / 1000);
}

/**
 * Proleptic Gregorian fields from Unix seconds (H. Hinnant's civil_from_days). `| 0` truncation
 * stands in for Math.floor wherever the operand is known non-negative and below 2^31.
 */
function civil(secs: number): Civil {
  const days = Math.floor(secs / 86400);
  const rem = secs - days * 86400; // 0..86399
  const hour = (rem / 3600) | 0;
  const minSec = rem - hour * 3600;
  const minute = (minSec / 60) | 0;
  scratch.hour = hour;
  scratch.minute = minute;
  scratch.second = minSec - minute * 60;
  const z = days + 719468; // days since 0000-03-01
  const era = Math.floor(z / 146097); // negative before 0000-03-01
  const doe = z - era * 146097; // 0..146096
  const yoe = ((doe - ((doe / 1460) | 0) + ((doe / 36524) | 0) - ((doe / 146096) | 0)) / 365) | 0;
  const doy = doe - (365 * yoe + ((yoe / 4) | 0) - ((yoe / 100) | 0));
  const mp = ((5 * doy + 2) / 153) | 0;
  const month = mp < 10 ? mp + 3 : mp - 9;
  scratch.day = doy - (((153 * mp + 2) / 5) | 0) + 1;
  scratch.month = month;
  scratch.year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return scratch;
}

function put2(buf: Buffer, off: number, v: number): void {
  buf[off] = 48 + ((v / 10) | 0);
  buf[off + 1] = 48 + (v % 10);
}

/** Writes a UTCTime (13 digits+Z) or GeneralizedTime (15 digits+Z) TLV for already-split fields. */
function writeCivil(buf: Buffer, off: number, c: Civil, generalized: boolean): number {
  if (generalized) {
    if (c.year < 0 || c.year > 9999) throw new RangeError(`year ${c.year} cannot be a GeneralizedTime`);
    buf[off] = TAG_GENERALIZED_TIME;
    buf[off + 1] = 15;
    put2(buf, off + 2, (c.year / 100) | 0);
    off += 4;
  } else {
    buf[off] = TAG_UTC_TIME;
    buf[off + 1] = 13;
    off += 2;
  }
  put2(buf, off, c.year % 100);
  put2(buf, off + 2, c.month);
  put2(buf, off + 4, c.day);
  put2(buf, off + 6, c.hour);
  put2(buf, off + 8, c.minute);
  put2(buf, off + 10, c.second);
  buf[off + 12] = 0x5a; // 'Z'
  return off + 13;
}

/** Writes a GeneralizedTime TLV "YYYYMMDDHHMMSSZ" (17 octets); returns the offset after it. */
export function writeGeneralizedTime(buf: Buffer, off: number, date: Date): number {
  return writeCivil(buf, off, civil(secondsOf(date)), true);
}

/** Writes a UTCTime TLV "YYMMDDHHMMSSZ" (15 octets) for 1950..2049; returns the offset after it. */
export function writeUtcTime(buf: Buffer, off: number, date: Date): number {
  const secs = secondsOf(date);
  if (!isUtcTimeYear(secs)) throw new RangeError(`${date.toISOString()} cannot be a UTCTime (RFC 5280 4.1.2.5.1: 1950..2049)`);
  return writeCivil(buf, off, civil(secs), false);
}

/** Writes the RFC 5280 Time CHOICE for `date`; returns the offset after it. */
export function writeTime(buf: Buffer, off: number, date: Date): number {
  const secs = secondsOf(date);
  return writeCivil(buf, off, civil(secs), !isUtcTimeYear(secs));
}

export function utcTime(date: Date): Buffer {
  const out = Buffer.allocUnsafe(15);
  writeUtcTime(out, 0, date);
  return out;
}

/** GeneralizedTime as RFC 6960 (producedAt, thisUpdate, …) and RFC 5280 5.3.2 use it. */
export function generalizedTime(date: Date): Buffer {
  const out = Buffer.allocUnsafe(17);
  writeGeneralizedTime(out, 0, date);
  return out;
}

/** RFC 5280 Time: UTCTime for years 1950–2049, GeneralizedTime otherwise (4.1.2.5). */
export function encodeTime(date: Date): Buffer {
  const out = Buffer.allocUnsafe(timeLength(date));
  writeTime(out, 0, date);
  return out;
}
