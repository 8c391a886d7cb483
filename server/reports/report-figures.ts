// The figures of one period, grouped: runs the report store's aggregate queries
// once and folds their grouped rows (units × profile, never certificates) into
// the groups a report shows. Working days are counted on the holiday calendar
// (Decree 68/2024: deadlines in working days). No SQL, no scoping, no labels.
import type { WorkingCalendar } from "../ra/working-days";
import { vnDate } from "../ra/working-days";
import type { CertFigureRow, ReportStore, ReportWindow } from "../store/report-store";

export interface CertCounts { issued: number; active: number; revoked: number; expired: number }
export const zeroCounts = (): CertCounts => ({ issued: 0, active: 0, revoked: 0, expired: 0 });

export interface Figures {
  certs: Map<string, CertCounts>;
  reasons: Map<number, number>;
  /** `${type}|${state}` → tokens at the end of the period. */
  tokens: Map<string, number>;
  /** Requests completed in the period per type. */
  requests: Map<string, number>;
  /** Working days from receipt to completion, per type. */
  days: Map<string, number[]>;
  /** Completed after their deadline, per type. */
  late: Map<string, number>;
}

export const emptyFigures = (): Figures => ({ certs: new Map(), reasons: new Map(), tokens: new Map(), requests: new Map(), days: new Map(), late: new Map() });

const bump = <K>(m: Map<K, number>, k: K, n: number) => m.set(k, (m.get(k) ?? 0) + n);

/**
 * `groupOf` maps an object's unit on the as-of day to the report's group (null:
 * not in this report). With `previous` (the year before, for the year-on-year
 * comparison) its certificate figures come from the same scan into `previous`.
 */
export async function computeFigures(
  store: ReportStore,
  calendar: WorkingCalendar,
  w: ReportWindow,
  groupOf: (unitId: number | null) => string | null,
  previous?: { window: ReportWindow; into: Map<string, Figures> },
): Promise<Map<string, Figures>> {
  const [certSets, reasonRows, tokenRows, timeRows] = await Promise.all([
    store.certificateFiguresOf(previous ? [w, previous.window] : [w]),
    store.revocationsByReason(w),
    store.tokenStates(w),
    // A completed request was always submitted first: its row counts it as completed, too.
    store.processingTimes(w),
  ]);
  const out = new Map<string, Figures>();
  const into = (target: Map<string, Figures>) => (unitId: number | null): Figures | null => {
    const g = groupOf(unitId);
    if (g === null) return null;
    let f = target.get(g);
    if (!f) target.set(g, (f = emptyFigures()));
    return f;
  };
  const of = into(out);
  const addCerts = (rows: CertFigureRow[], pick: (u: number | null) => Figures | null) => {
    for (const r of rows) {
      const f = pick(r.unitId);
      if (!f) continue;
      const c = f.certs.get(r.profile) ?? zeroCounts();
      c.issued += r.issued;
      c.active += r.active;
      c.revoked += r.revoked;
      c.expired += r.expired;
      f.certs.set(r.profile, c);
    }
  };
  addCerts(certSets[0]!, of);
  if (previous) addCerts(certSets[1]!, into(previous.into));
  for (const r of reasonRows) {
    const f = of(r.unitId);
    if (f) bump(f.reasons, r.reason, r.n);
  }
  for (const r of tokenRows) {
    const f = of(r.unitId);
    if (f) bump(f.tokens, `${r.type}|${r.state}`, r.n);
  }

  // A few thousand pairs a year: counting working days here is cheap and uses the one calendar.
  for (const r of timeRows) {
    const f = of(r.unitId);
    if (!f) continue;
    const done = new Date(r.completedAt);
    const days = calendar.workingDaysBetween(new Date(r.submittedAt), done);
    bump(f.requests, r.type, 1);
    const list = f.days.get(r.type) ?? [];
    list.push(days);
    f.days.set(r.type, list);
    if (r.dueDate !== null && vnDate(done) > r.dueDate) bump(f.late, r.type, 1);
  }
  return out;
}

/** Sum of several groups' figures (a subtree, the province). */
export function mergeFigures(list: Iterable<Figures>): Figures {
  const t = emptyFigures();
  for (const f of list) {
    for (const [k, c] of f.certs) {
      const s = t.certs.get(k) ?? zeroCounts();
      s.issued += c.issued;
      s.active += c.active;
      s.revoked += c.revoked;
      s.expired += c.expired;
      t.certs.set(k, s);
    }
    for (const [k, n] of f.reasons) bump(t.reasons, k, n);
    for (const [k, n] of f.tokens) bump(t.tokens, k, n);
    for (const [k, n] of f.requests) bump(t.requests, k, n);
    for (const [k, n] of f.late) bump(t.late, k, n);
    for (const [k, d] of f.days) t.days.set(k, [...(t.days.get(k) ?? []), ...d]);
  }
  return t;
}

export function certTotal(f: Figures): CertCounts {
  const t = zeroCounts();
  for (const c of f.certs.values()) {
    t.issued += c.issued;
    t.active += c.active;
    t.revoked += c.revoked;
    t.expired += c.expired;
  }
  return t;
}

/** Median of working-day counts (mean of the two middle values for an even count), one decimal. */
export function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  const v = s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
  return Math.round(v * 10) / 10;
}

export const sumTokens = (f: Figures, pred: (type: string, state: string) => boolean): number => {
  let n = 0;
  for (const [k, v] of f.tokens) {
    const [type, state] = k.split("|") as [string, string];
    if (pred(type, state)) n += v;
  }
  return n;
};
