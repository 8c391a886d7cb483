// Gathers the freshness figures: each CA's published CRL (age, time to
// nextUpdate, numbers allocated vs published), the OCSP responder certificate,
// this process's OCSP cache and revocation feed, request deadlines, publication
// failures and the audit chain's last verification, each judged against
// config.freshness. Reads only; never signs, publishes or mails.
import type { AuditStatus } from "../audit/audit-monitor";
import type { Config } from "../config/schema";
import { vietnamDay } from "../directory/unit-source";
import type { CaRecord } from "../store/ca-store";
import type { PublicationEvent } from "../store/operations-store";
import type { Store } from "../store/store";
import { metric, worst, type Level, type Metric } from "./freshness-model";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** This process's OCSP cache and revocation feed (absent in a process that serves no OCSP). */
export interface OcspProcessView {
  cacheStats(): { size: number; max: number; oldestThisUpdate: Date | null };
  feedPosition(): { watermark: number; seenAbove: number[]; lastPollAt: Date | null };
}

export interface FreshnessProbeDeps {
  config: Config;
  store: Pick<Store, "cas" | "crls" | "certificates" | "requests" | "operations">;
  ocsp: OcspProcessView | null;
  auditStatus: () => AuditStatus;
  clock: () => Date;
}

export interface CaCrlView {
  id: number;
  slug: string;
  kind: string;
  crlNumber: number | null;
  allocated: number;
  published: number;
  thisUpdate: Date | null;
  nextUpdate: Date | null;
  entries: number | null;
}

export interface FreshnessReport {
  at: Date;
  level: Level;
  metrics: Metric[];
  cas: CaCrlView[];
  feed: { seenId: number; databaseMaxId: number; lastPollAt: Date | null } | null;
  cache: { size: number; max: number } | null;
  requests: { overdue: number; dueToday: number; today: string };
  publications: PublicationEvent[];
  audit: { finishedAt: Date | null; intact: boolean | null; entries: number | null };
}

export function createFreshnessProbe(deps: FreshnessProbeDeps) {
  const { config, store, clock } = deps;
  const f = config.freshness;
  const m = (input: Parameters<typeof metric>[0]) => metric(input, f.amberFraction);

  async function crlMetrics(ca: CaRecord, now: Date, out: Metric[], views: CaCrlView[]): Promise<void> {
    const latest = await store.crls.latest(ca.id);
    views.push({ id: ca.id, slug: ca.slug, kind: ca.kind, crlNumber: latest?.crlNumber ?? null, allocated: ca.crlNumber, published: ca.publishedCrlNumber, thisUpdate: latest?.thisUpdate ?? null, nextUpdate: latest?.nextUpdate ?? null, entries: latest?.entryCount ?? null });
    const none = latest ? undefined : { level: "red" as const, note: "noCrl" };
    // RFC 5280 5.1.2.5: past nextUpdate a relying party may treat the CRL as unusable.
    const past = latest && latest.nextUpdate.getTime() <= now.getTime() ? { level: "red" as const, note: "pastNextUpdate" } : undefined;
    out.push(m({ kind: "crl.age", subject: ca.slug, value: latest ? (now.getTime() - latest.thisUpdate.getTime()) / HOUR : null, unit: "hours", threshold: f.crlMaxAgeHours, direction: "max", forced: none ?? past }));
    out.push(m({ kind: "crl.nextUpdate", subject: ca.slug, value: latest ? (latest.nextUpdate.getTime() - now.getTime()) / HOUR : null, unit: "hours", threshold: f.crlMinHoursToNextUpdate, direction: "min", forced: none ?? past }));
    // RFC 5280 5.2.3: CRL numbers only ever increase; a published number above the counter means one could be reused.
    const gap = ca.crlNumber - ca.publishedCrlNumber;
    out.push(m({ kind: "crl.numberGap", subject: ca.slug, value: gap, unit: "count", threshold: f.crlMaxNumberGap, direction: "max", forced: gap < 0 ? { level: "red", note: "numberRollback" } : undefined }));
  }

  function responderMetric(cas: CaRecord[], now: Date): Metric[] {
    return cas
      .filter((c) => c.kind === "issuing")
      .map((issuing) => {
        const responder = cas.filter((c) => c.kind === "ocsp" && c.parentId === issuing.id).sort((a, b) => a.notAfter.getTime() - b.notAfter.getTime()).at(-1);
        return m({
          kind: "ocsp.responderDaysLeft",
          subject: issuing.slug,
          value: responder ? (responder.notAfter.getTime() - now.getTime()) / DAY : null,
          unit: "days",
          threshold: f.responderMinDaysLeft,
          direction: "min",
          forced: responder ? undefined : { level: "red", note: "noResponder" },
        });
      });
  }

  async function feedMetric(now: Date): Promise<{ metric: Metric; view: FreshnessReport["feed"] }> {
    const dbMax = await store.certificates.maxRevocationId();
    if (!deps.ocsp) return { metric: m({ kind: "ocsp.feedLag", value: null, unit: "seconds", threshold: f.feedMaxLagSeconds, direction: "max", empty: { level: "green", note: "noFeed" } }), view: null };
    const pos = deps.ocsp.feedPosition();
    const seen = new Set(pos.seenAbove);
    // The oldest revocation this process has not delivered to its OCSP cache yet: its age is the lag.
    const after = await store.certificates.revocationsAfter(pos.watermark, pos.seenAbove.length + 1);
    const unseen = after.find((e) => !seen.has(e.id));
    const lag = unseen ? Math.max(0, now.getTime() - unseen.revokedAt.getTime()) / 1000 : 0;
    const seenId = Math.max(pos.watermark, ...pos.seenAbove);
    return { metric: m({ kind: "ocsp.feedLag", value: lag, unit: "seconds", threshold: f.feedMaxLagSeconds, direction: "max" }), view: { seenId, databaseMaxId: dbMax, lastPollAt: pos.lastPollAt } };
  }

  function cacheMetrics(now: Date): { metrics: Metric[]; view: FreshnessReport["cache"] } {
    if (!deps.ocsp) return { metrics: [], view: null };
    const s = deps.ocsp.cacheStats();
    const age = s.oldestThisUpdate ? (now.getTime() - s.oldestThisUpdate.getTime()) / HOUR : null;
    return {
      metrics: [
        m({ kind: "ocsp.cacheAge", value: age, unit: "hours", threshold: f.ocspCacheMaxAgeHours, direction: "max", empty: { level: "green", note: "cacheEmpty" } }),
        m({ kind: "ocsp.cacheFill", value: s.max > 0 ? (100 * s.size) / s.max : null, unit: "percent", threshold: 100 * f.ocspCacheMaxFill, direction: "max", empty: { level: "green", note: "cacheOff" } }),
      ],
      view: { size: s.size, max: s.max },
    };
  }

  function auditMetric(now: Date): { metric: Metric; view: FreshnessReport["audit"] } {
    const last = deps.auditStatus().last;
    const base = { kind: "audit.verifiedAge" as const, unit: "minutes" as const, threshold: f.auditMaxAgeMinutes, direction: "max" as const };
    const view = { finishedAt: last?.finishedAt ?? null, intact: last?.result ? last.result.intact : null, entries: last?.result?.entries ?? null };
    if (!last) return { metric: m({ ...base, value: null, empty: { level: "amber", note: "auditNotYet" } }), view };
    const value = (now.getTime() - last.finishedAt.getTime()) / 60_000;
    if (last.error) return { metric: m({ ...base, value, forced: { level: "red", note: "auditError" } }), view };
    if (last.result && !last.result.intact) return { metric: m({ ...base, value, forced: { level: "red", note: "auditBroken" } }), view };
    return { metric: m({ ...base, value }), view };
  }

  return async function freshness(): Promise<FreshnessReport> {
    const now = clock();
    const metrics: Metric[] = [];
    const cas = await store.cas.listActive();
    const views: CaCrlView[] = [];
    for (const ca of cas.filter((c) => c.kind === "root" || c.kind === "issuing")) await crlMetrics(ca, now, metrics, views);
    metrics.push(...responderMetric(cas, now));
    const cache = cacheMetrics(now);
    metrics.push(...cache.metrics);
    const feed = await feedMetric(now);
    metrics.push(feed.metric);
    // Decree 68/2024 deadlines are working days in Vietnam: "today" is the Vietnamese date.
    const today = vietnamDay(now);
    const counts = await store.requests.counts({ all: true }, today);
    metrics.push(m({ kind: "requests.overdue", value: counts.overdue, unit: "count", threshold: f.overdueRequestsMax, direction: "max" }));
    metrics.push(m({ kind: "requests.dueToday", value: counts.dueToday, unit: "count", threshold: f.dueTodayRequestsMax, direction: "max" }));
    const streaks = await store.operations.failureStreaks();
    metrics.push(m({ kind: "publication.failures", value: Math.max(0, ...streaks.map((s) => s.failures)), unit: "count", threshold: f.publicationFailuresMax, direction: "max" }));
    const audit = auditMetric(now);
    metrics.push(audit.metric);
    return {
      at: now,
      level: worst(metrics.map((x) => x.level)),
      metrics,
      cas: views,
      feed: feed.view,
      cache: cache.view,
      requests: { overdue: counts.overdue, dueToday: counts.dueToday, today },
      publications: await store.operations.recentPublications(10),
      audit: audit.view,
    };
  };
}

export type FreshnessProbe = ReturnType<typeof createFreshnessProbe>;
