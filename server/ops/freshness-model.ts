// The freshness dashboard's vocabulary: a metric, its threshold from
// config.freshness and its level (green, amber, red). Pure functions only; the
// values are gathered by freshness-probe.ts and mailed by server/mail/freshness-alert.ts.
export type Level = "green" | "amber" | "red";
export type MetricUnit = "hours" | "days" | "minutes" | "seconds" | "count" | "percent";

export type MetricKind =
  | "crl.age"
  | "crl.nextUpdate"
  | "crl.numberGap"
  | "ocsp.responderDaysLeft"
  | "ocsp.cacheAge"
  | "ocsp.cacheFill"
  | "ocsp.feedLag"
  | "requests.overdue"
  | "requests.dueToday"
  | "publication.failures"
  | "audit.verifiedAge";

export interface Metric {
  /** Stable across runs and processes: the kind, and the CA slug for per-CA metrics ("crl.age:issuing"). */
  key: string;
  kind: MetricKind;
  /** The CA slug for per-CA metrics, else null. */
  subject: string | null;
  /** null when there is nothing to measure (no CRL, empty cache, no run yet): `note` says why. */
  value: number | null;
  unit: MetricUnit;
  threshold: number;
  /** "max": red above the threshold; "min": red below it. */
  direction: "max" | "min";
  level: Level;
  /** A reason beyond the number (i18n key suffix under operations.note.*), or null. */
  note: string | null;
}

export const LEVEL_ORDER: Record<Level, number> = { green: 0, amber: 1, red: 2 };

export function worst(levels: Level[]): Level {
  return levels.reduce<Level>((w, l) => (LEVEL_ORDER[l] > LEVEL_ORDER[w] ? l : w), "green");
}

/**
 * Red past the threshold; amber once the value is `amberFraction` of the way
 * there (for a "min" metric: below threshold / amberFraction), so an operator
 * sees the drift before the alert mail goes out.
 */
export function judge(value: number, threshold: number, direction: "max" | "min", amberFraction: number): Level {
  if (direction === "max") {
    if (value > threshold) return "red";
    return value > threshold * amberFraction ? "amber" : "green";
  }
  if (value < threshold) return "red";
  return value < threshold / amberFraction ? "amber" : "green";
}

export interface MetricInput {
  kind: MetricKind;
  subject?: string | null;
  value: number | null;
  unit: MetricUnit;
  threshold: number;
  direction: "max" | "min";
  /** A level decided by the facts rather than the number (missing CRL, broken chain, past nextUpdate). */
  forced?: { level: Level; note: string } | undefined;
  /** For value null without `forced`: the level and note to show (e.g. green "empty"). */
  empty?: { level: Level; note: string } | undefined;
}

export function metric(m: MetricInput, amberFraction: number): Metric {
  const subject = m.subject ?? null;
  const base = { key: subject ? `${m.kind}:${subject}` : m.kind, kind: m.kind, subject, value: m.value === null ? null : round(m.value), unit: m.unit, threshold: m.threshold, direction: m.direction };
  if (m.forced) return { ...base, level: m.forced.level, note: m.forced.note };
  if (m.value === null) return { ...base, level: m.empty?.level ?? "amber", note: m.empty?.note ?? "unknown" };
  return { ...base, level: judge(m.value, m.threshold, m.direction, amberFraction), note: null };
}

/** Two decimals at most: the page and the mail show numbers, not floating-point noise. */
function round(n: number): number {
  return Math.round(n * 100) / 100;
}
