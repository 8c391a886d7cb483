// SQL for operations (issue 7): a database ping for /readyz, the history of CRL
// publications and responder renewals, and the freshness alerts' per-metric
// state. Decides nothing about thresholds or mail (server/ops/, server/mail/).
import type { Knex } from "knex";
import { fromDbTime, toDbTime } from "./db-time";

export type PublicationKind = "crl" | "responder";

export interface PublicationEvent {
  id: number;
  kind: PublicationKind;
  caId: number | null;
  outcome: "ok" | "failed";
  crlNumber: number | null;
  error: string | null;
  at: Date;
}

export interface FailureStreak {
  kind: PublicationKind;
  caId: number | null;
  /** Failures since the last success of this kind (and CA). */
  failures: number;
  lastError: string | null;
  lastFailedAt: Date | null;
}

export interface AlertState {
  metric: string;
  alerting: boolean;
  episode: number;
}

export interface OperationsStore {
  /** A trivial query: the database answers. */
  ping(): Promise<void>;
  recordPublication(e: Omit<PublicationEvent, "id" | "at">, now: Date): Promise<void>;
  /** Newest first. */
  recentPublications(limit: number): Promise<PublicationEvent[]>;
  failureStreaks(): Promise<FailureStreak[]>;
  alertStates(): Promise<Map<string, AlertState>>;
  /** Marks a metric alerting; the new episode if this call made the change (one caller wins), else null. */
  startAlert(metric: string, now: Date): Promise<number | null>;
  /** Marks a metric recovered; its episode if this call made the change, else null. */
  endAlert(metric: string, now: Date): Promise<number | null>;
}

interface EventRow {
  id: number;
  kind: PublicationKind;
  ca_id: number | null;
  outcome: "ok" | "failed";
  crl_number: number | null;
  error: string | null;
  at: string;
}

const toEvent = (r: EventRow): PublicationEvent => ({
  id: Number(r.id),
  kind: r.kind,
  caId: r.ca_id === null ? null : Number(r.ca_id),
  outcome: r.outcome,
  crlNumber: r.crl_number === null ? null : Number(r.crl_number),
  error: r.error,
  at: fromDbTime(r.at),
});

export function createOperationsStore(db: Knex | Knex.Transaction): OperationsStore {
  const episodeOf = async (metric: string): Promise<number> => {
    const row = (await db("freshness_alerts").where({ metric }).first("episode")) as { episode: number } | undefined;
    return Number(row?.episode ?? 0);
  };
  return {
    async ping() {
      await db.raw("select 1");
    },
    async recordPublication(e, now) {
      await db("publication_events").insert({ kind: e.kind, ca_id: e.caId, outcome: e.outcome, crl_number: e.crlNumber, error: e.error ? e.error.slice(0, 500) : null, at: toDbTime(now) });
    },
    async recentPublications(limit) {
      return ((await db("publication_events").orderBy("id", "desc").limit(limit)) as EventRow[]).map(toEvent);
    },
    async failureStreaks() {
      const groups = (await db("publication_events")
        .groupBy("kind", "ca_id")
        .select("kind", "ca_id", db.raw("max(case when outcome = 'ok' then id else 0 end) as last_ok"))) as Array<{ kind: PublicationKind; ca_id: number | null; last_ok: number | string }>;
      const out: FailureStreak[] = [];
      for (const g of groups) {
        const q = db("publication_events").where({ kind: g.kind, outcome: "failed" }).andWhere("id", ">", Number(g.last_ok));
        if (g.ca_id === null) q.whereNull("ca_id");
        else q.andWhere({ ca_id: g.ca_id });
        const failed = (await q.orderBy("id", "desc").select("error", "at")) as Array<{ error: string | null; at: string }>;
        out.push({ kind: g.kind, caId: g.ca_id === null ? null : Number(g.ca_id), failures: failed.length, lastError: failed[0]?.error ?? null, lastFailedAt: failed[0] ? fromDbTime(failed[0].at) : null });
      }
      return out;
    },
    async alertStates() {
      const rows = (await db("freshness_alerts").select("metric", "alerting", "episode")) as Array<{ metric: string; alerting: boolean | number; episode: number }>;
      return new Map(rows.map((r) => [r.metric, { metric: r.metric, alerting: Boolean(r.alerting), episode: Number(r.episode) }]));
    },
    async startAlert(metric, now) {
      const at = toDbTime(now);
      // The first crossing inserts; a later one flips alerting under a guard, so two checkers never both win.
      const inserted = (await db("freshness_alerts").insert({ metric, alerting: true, episode: 1, changed_at: at }).onConflict("metric").ignore().returning("metric")) as unknown[];
      if (inserted.length) return 1;
      const n = await db("freshness_alerts").where({ metric, alerting: false }).update({ alerting: true, episode: db.raw("episode + 1"), changed_at: at });
      return n === 1 ? episodeOf(metric) : null;
    },
    async endAlert(metric, now) {
      const n = await db("freshness_alerts").where({ metric, alerting: true }).update({ alerting: false, changed_at: toDbTime(now) });
      return n === 1 ? episodeOf(metric) : null;
    },
  };
}
