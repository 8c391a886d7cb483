// GET /readyz's answer: is this process fit to take traffic? The database
// answers, the issuing CA and its OCSP responder keys load (through the key
// ring: no key leaves server/ca), every CRL-issuing CA's current CRL is before
// its nextUpdate. Reasons are fixed words, never error text: the endpoint has
// no authentication, so nothing here may carry a URL, a path or a secret.
import type { KeyRing } from "../ca/key-ring";
import type { Store } from "../store/store";

export type ReadinessReason = "unreachable" | "timeout" | "missing" | "unloadable" | "expired" | "stale";

export interface ReadinessCheck {
  ok: boolean;
  reason?: ReadinessReason;
  [detail: string]: unknown;
}

export interface Readiness {
  ready: boolean;
  checkedAt: string;
  checks: { database: ReadinessCheck; issuingKey: ReadinessCheck; responderKey: ReadinessCheck; crl: ReadinessCheck };
}

export interface ReadinessDeps {
  store: Pick<Store, "operations" | "cas" | "crls">;
  keyRing: KeyRing;
  clock: () => Date;
  /** Each check gives up after this long (default 2 s): a hung database must not hang the probe. */
  timeoutMs?: number;
}

class Timeout extends Error {}

function within<T>(ms: number, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Timeout()), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

const failed = (e: unknown, otherwise: ReadinessReason): ReadinessCheck => ({ ok: false, reason: e instanceof Timeout ? "timeout" : otherwise });

export function createReadiness(deps: ReadinessDeps) {
  const timeoutMs = deps.timeoutMs ?? 2_000;

  async function database(): Promise<ReadinessCheck> {
    const started = Date.now();
    try {
      await within(timeoutMs, deps.store.operations.ping());
      return { ok: true, ms: Date.now() - started };
    } catch (e) {
      return failed(e, "unreachable");
    }
  }

  async function keys(now: Date): Promise<{ issuing: ReadinessCheck; responder: ReadinessCheck }> {
    let issuingId: number;
    try {
      const issuing = await within(timeoutMs, deps.keyRing.active("issuing"));
      if (!issuing) return { issuing: { ok: false, reason: "missing" }, responder: { ok: false, reason: "missing" } };
      issuingId = issuing.record.id;
      if (issuing.record.notAfter <= now) return { issuing: { ok: false, reason: "expired", ca: issuing.record.slug }, responder: await responder(issuingId, now) };
    } catch (e) {
      return { issuing: failed(e, "unloadable"), responder: { ok: false, reason: "missing" } };
    }
    return { issuing: { ok: true }, responder: await responder(issuingId, now) };
  }

  async function responder(issuingId: number, now: Date): Promise<ReadinessCheck> {
    try {
      const r = await within(timeoutMs, deps.keyRing.responderFor(issuingId));
      if (!r) return { ok: false, reason: "missing" };
      // RFC 6960 4.2.2.2: an expired delegated responder certificate makes every answer unverifiable.
      if (r.record.notAfter <= now) return { ok: false, reason: "expired", notAfter: r.record.notAfter.toISOString() };
      return { ok: true, notAfter: r.record.notAfter.toISOString() };
    } catch (e) {
      return failed(e, "unloadable");
    }
  }

  async function crl(now: Date): Promise<ReadinessCheck> {
    try {
      const cas = (await within(timeoutMs, deps.store.cas.listActive())).filter((c) => c.kind === "root" || c.kind === "issuing");
      const out: Array<{ ca: string; crlNumber: number | null; nextUpdate: string | null; fresh: boolean }> = [];
      for (const ca of cas) {
        const latest = await within(timeoutMs, deps.store.crls.latest(ca.id));
        // RFC 5280 5.1.2.5: past nextUpdate the CRL we serve is stale for every relying party.
        out.push({ ca: ca.slug, crlNumber: latest?.crlNumber ?? null, nextUpdate: latest?.nextUpdate.toISOString() ?? null, fresh: !!latest && latest.nextUpdate > now });
      }
      const bad = out.find((c) => !c.fresh);
      if (cas.length === 0) return { ok: false, reason: "missing", cas: out };
      if (bad) return { ok: false, reason: bad.crlNumber === null ? "missing" : "stale", cas: out };
      return { ok: true, cas: out };
    } catch (e) {
      return failed(e, "unreachable");
    }
  }

  return async function readiness(): Promise<Readiness> {
    const now = deps.clock();
    const [db, k, c] = await Promise.all([database(), keys(now), crl(now)]);
    const checks = { database: db, issuingKey: k.issuing, responderKey: k.responder, crl: c };
    return { ready: Object.values(checks).every((x) => x.ok), checkedAt: now.toISOString(), checks };
  };
}
