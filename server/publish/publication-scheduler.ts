// Keeps publication fresh: rebuilds a CA's CRL within seconds of a revocation
// (debounced, one build at a time per CA), on a schedule so nextUpdate never
// passes, and renews the OCSP responder certificate before it expires.
import type { Config } from "../config/schema";
import type { Store } from "../store/store";
import type { CrlPublisher } from "./crl-publisher";

export interface SchedulerDeps {
  config: Config;
  store: Store;
  publisher: CrlPublisher;
  /** Renews the responder certificate when due; true when it did. */
  ensureResponder: () => Promise<boolean>;
  onResponderRenewed: () => void;
  clock: () => Date;
  log: (level: "info" | "warn" | "error", msg: string, fields?: Record<string, unknown>) => void;
  /** Told of every CRL build and responder renewal, success or failure (the operations history, issue 7). */
  onEvent?: (e: PublicationOutcome) => void;
}

export type PublicationOutcome =
  | { kind: "crl"; caId: number; ok: true; crlNumber: number }
  | { kind: "crl"; caId: number; ok: false; error: string }
  | { kind: "responder"; ok: true }
  | { kind: "responder"; ok: false; error: string };

const ACTOR = "system:scheduler";
const TICK_MS = 60_000;
/** A burst of revocations waits at most this many debounce periods for its CRL. */
const MAX_WAIT_DEBOUNCES = 3;

export function createPublicationScheduler(deps: SchedulerDeps) {
  const { config, store, publisher, clock, log } = deps;
  /** Per CA: the pending build's timer, when the burst began, and when the timer fires. */
  const debounce = new Map<number, { timer: NodeJS.Timeout; first: number; at: number }>();
  const building = new Map<number, Promise<void>>();
  const dirty = new Set<number>();
  let tickTimer: NodeJS.Timeout | null = null;
  let stopped = false;
  let lastError: { at: Date; message: string } | null = null;

  function build(caId: number): Promise<void> {
    const inFlight = building.get(caId);
    if (inFlight) {
      // A revocation arrived during the build: build once more afterwards.
      dirty.add(caId);
      return inFlight;
    }
    const run = (async () => {
      try {
        const r = await publisher.publish(caId, ACTOR);
        log("info", "CRL published", { caId, crlNumber: r.crlNumber, entries: r.entryCount });
        deps.onEvent?.({ kind: "crl", caId, ok: true, crlNumber: r.crlNumber });
      } catch (e) {
        lastError = { at: clock(), message: (e as Error).message };
        log("error", "CRL publication failed", { caId, error: (e as Error).message });
        deps.onEvent?.({ kind: "crl", caId, ok: false, error: (e as Error).message });
      } finally {
        building.delete(caId);
        if (dirty.delete(caId) && !stopped) void build(caId);
      }
    })();
    building.set(caId, run);
    return run;
  }

  async function tick(): Promise<void> {
    try {
      // A failed renewal must not hold back the CRLs below: recorded, logged, tried again next tick.
      let renewed = false;
      try {
        renewed = await deps.ensureResponder();
      } catch (e) {
        lastError = { at: clock(), message: (e as Error).message };
        log("error", "OCSP responder renewal failed", { error: (e as Error).message });
        deps.onEvent?.({ kind: "responder", ok: false, error: (e as Error).message });
      }
      if (renewed) {
        log("info", "OCSP responder certificate renewed");
        deps.onEvent?.({ kind: "responder", ok: true });
        deps.onResponderRenewed();
      }
      const now = clock().getTime();
      for (const ca of await store.cas.listActive()) {
        if (ca.kind === "ocsp") continue;
        const latest = await store.crls.latest(ca.id);
        const age = latest ? now - latest.thisUpdate.getTime() : Infinity;
        if (age >= config.crl.scheduleMinutes * 60_000) await build(ca.id);
      }
    } catch (e) {
      lastError = { at: clock(), message: (e as Error).message };
      log("error", "publication tick failed", { error: (e as Error).message });
    }
  }

  return {
    async start(): Promise<void> {
      await tick();
      const loop = () => {
        tickTimer = setTimeout(() => void tick().finally(() => !stopped && loop()), TICK_MS);
      };
      loop();
    },
    /**
     * A certificate of this CA was revoked: publish a new CRL shortly. A burst
     * (a merger batch: thousands of revocations in a few seconds) is one build,
     * debounceMs after its last revocation; a burst that goes on is built at
     * most MAX_WAIT_DEBOUNCES × debounceMs after its first, so a steady stream
     * of revocations cannot hold the CRL back (freshness, issue 7: ≤5 s).
     */
    revoked(caId: number): void {
      if (stopped) return;
      const now = Date.now();
      const pending = debounce.get(caId);
      const first = pending?.first ?? now;
      const at = Math.min(now + config.crl.debounceMs, first + MAX_WAIT_DEBOUNCES * config.crl.debounceMs);
      if (pending) {
        // The timer, when it fires, waits on until `at` (no timer churn at thousands of calls a second).
        pending.at = at;
        return;
      }
      const fire = () => {
        const left = entry.at - Date.now();
        if (left > 0) {
          entry.timer = setTimeout(fire, left);
          return;
        }
        debounce.delete(caId);
        void build(caId);
      };
      const entry = { timer: setTimeout(fire, at - now), first, at };
      debounce.set(caId, entry);
    },
    async stop(): Promise<void> {
      stopped = true;
      if (tickTimer) clearTimeout(tickTimer);
      for (const d of debounce.values()) clearTimeout(d.timer);
      debounce.clear();
      await Promise.all([...building.values()]);
    },
    lastError: () => lastError,
  };
}

export type PublicationScheduler = ReturnType<typeof createPublicationScheduler>;
