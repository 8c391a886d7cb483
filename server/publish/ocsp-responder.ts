// The OCSP responder (RFC 6960, RFC 5019 profile): parses a request, looks up
// each certificate's status in the database, and answers with a response
// signed by the CA's delegated responder. Single-certificate requests without
// a nonce are answered from a cache of pre-signed responses that is refreshed
// at half-life and dropped the moment a certificate's status changes. After a
// revocation, the cached "good" answers are dropped at once and signed anew as
// "revoked" in the background, from the revocation itself (no status read):
// after a mass revocation the clients' next requests are cache hits again.
import { performance } from "node:perf_hooks";
import { canonicalSerial } from "../ca/serial";
import type { Config } from "../config/schema";
import type { KeyRing } from "../ca/key-ring";
import type { Store } from "../store/store";
import { createIssuerIndex, IssuerIndex, KnownIssuer } from "./ocsp-issuers";
import { OcspCertId, OcspRequestError, parseOcspRequest } from "./ocsp-request";
import { CertStatusInput, encodeOcspError, encodeOcspSuccess, SingleResponseInput } from "./ocsp-response";
import { CachedResponse, createResponseCache, responseKey } from "./response-cache";

export interface OcspAnswer {
  body: Buffer;
  /** Set for a successful single response: the validity window HTTP caching may use (RFC 5019 6). */
  thisUpdate?: Date;
  nextUpdate?: Date;
  status: "successful" | "malformedRequest" | "unauthorized" | "internalError";
}

export interface OcspResponderDeps {
  config: Config;
  store: Store;
  keyRing: KeyRing;
  clock: () => Date;
  log: (level: "warn" | "error", msg: string, fields?: Record<string, unknown>) => void;
}

/** A revocation as the responder needs it (a RevocationNotice, or a revocation-feed event from another process). */
export interface RevokedCert {
  caId: number;
  serial: string;
  reason: number;
  revokedAt: Date;
}

/**
 * Re-signing runs in slices of this many milliseconds, yielding to requests
 * between them: ~100 answers a slice with P-256 (~0.1 ms each), ~10 with
 * RSA-2048 (~1 ms each), so a mass revocation never holds a request up long.
 */
const RESIGN_SLICE_MS = 10;

const MALFORMED: OcspAnswer = { body: encodeOcspError("malformedRequest"), status: "malformedRequest" };
const UNAUTHORIZED: OcspAnswer = { body: encodeOcspError("unauthorized"), status: "unauthorized" };
const INTERNAL: OcspAnswer = { body: encodeOcspError("internalError"), status: "internalError" };

export function createOcspResponder(deps: OcspResponderDeps) {
  const { config, store, keyRing, clock } = deps;
  const cache = createResponseCache(config.ocsp.cacheMax);
  const validityMs = config.ocsp.validityHours * 3_600_000;
  let issuers: Promise<IssuerIndex> | null = null;
  const issuerIndex = () => (issuers ??= store.cas.listActive().then(createIssuerIndex));

  async function statusOf(issuer: KnownIssuer, certId: OcspCertId): Promise<CertStatusInput> {
    const serial = canonicalSerial(certId.serialHex);
    if (!serial) return { kind: "unknown" };
    const row = await store.certificates.ocspStatus(issuer.caId, serial);
    // Pending or failed issuance never produced a certificate anyone holds.
    if (!row || row.status === "pending" || row.status === "failed") return { kind: "unknown" };
    if (row.status === "revoked") {
      // RFC 5280 5.3.1: unspecified is expressed by leaving the reason out, as on the CRL.
      return { kind: "revoked", revokedAt: row.revokedAt!, reason: row.reason ? row.reason : null };
    }
    return { kind: "good" };
  }

  // Answers dropped by a revocation, to sign again as "revoked": cache key → what to sign.
  const resign = new Map<string, { caId: number; serial: string; alg: string; certIdDer: Buffer; status: CertStatusInput }>();
  let draining = false;
  let resets = 0;

  /** Signs the waiting answers a slice at a time, yielding to requests between slices. */
  async function drain(): Promise<void> {
    draining = true;
    try {
      while (resign.size) {
        await new Promise<void>((r) => setImmediate(r));
        const now = new Date(Math.floor(clock().getTime() / 1000) * 1000);
        const nextUpdate = new Date(now.getTime() + validityMs);
        const until = performance.now() + RESIGN_SLICE_MS;
        for (const [key, w] of resign) {
          if (performance.now() > until) break;
          // A request may have signed it first; until it is cached, requests find its status here.
          if (!cache.peek(w.caId, w.serial, w.alg)?.revoked) {
            const epoch = resets;
            const der = await sign(w.caId, [{ certIdDer: w.certIdDer, status: w.status, thisUpdate: now, nextUpdate }], null, now);
            // Not an answer by a responder that reset() just replaced.
            if (der && epoch === resets) cache.set(w.caId, w.serial, w.alg, { der, thisUpdate: now, nextUpdate, certIdDer: w.certIdDer, revoked: true });
          }
          resign.delete(key);
        }
      }
    } catch (e) {
      // The answers not signed here are signed on request, from the database.
      deps.log("error", "OCSP re-signing after revocations failed", { error: (e as Error).message });
      resign.clear();
    } finally {
      draining = false;
    }
  }

  async function sign(caId: number, responses: SingleResponseInput[], nonce: Buffer | null, now: Date): Promise<Buffer | null> {
    const responder = await keyRing.responderFor(caId);
    if (!responder) return null;
    return encodeOcspSuccess(
      { responderKeyHash: responder.signer.publicKeyHash, producedAt: now, responses, nonceExtension: nonce, responderCertDer: responder.record.certDer },
      responder.signer,
    );
  }

  const halfLifeMs = validityMs / 2;
  const fresh = (hit: CachedResponse, nowMs: number) => nowMs - hit.thisUpdate.getTime() < halfLifeMs;
  const answerOf = (hit: CachedResponse): OcspAnswer => ({ body: hit.der, thisUpdate: hit.thisUpdate, nextUpdate: hit.nextUpdate, status: "successful" });

  return {
    /**
     * The pre-signed answer for exactly these request bytes (`requestKey`, as
     * given to an earlier respond()), without parsing: undefined when there is
     * none, or it is past half-life. Synchronous: the HTTP handler answers a
     * repeated request in the same tick. `nowMs`: the caller's clock reading,
     * if it has one (the handler reuses it for the caching headers).
     */
    answerFor(requestKey: string, nowMs: number = clock().getTime()): OcspAnswer | undefined {
      const hit = cache.byRequest(requestKey);
      return hit && fresh(hit, nowMs) ? answerOf(hit) : undefined;
    },

    /** `requestKey`: a string that identifies these request bytes (see answerFor); a cacheable answer is indexed by it. */
    async respond(der: Buffer, requestKey?: string): Promise<OcspAnswer> {
      let request;
      try {
        request = parseOcspRequest(der, { maxCertIds: config.ocsp.maxCertIds });
      } catch (e) {
        if (e instanceof OcspRequestError) return MALFORMED;
        throw e;
      }
      const index = await issuerIndex();
      const matched: Array<{ certId: OcspCertId; issuer: KnownIssuer }> = [];
      for (const certId of request.certIds) {
        const issuer = index.find(certId);
        // RFC 6960 2.3: we are not authorised to answer for an issuer we do not run.
        if (!issuer) return UNAUTHORIZED;
        matched.push({ certId, issuer });
      }
      // One responder signs a response; all CertIDs must name the same CA.
      const caId = matched[0]!.issuer.caId;
      if (matched.some((m) => m.issuer.caId !== caId)) return UNAUTHORIZED;

      const now = new Date(Math.floor(clock().getTime() / 1000) * 1000);
      const single = matched.length === 1 && !request.nonce;
      const first = matched[0]!.certId;
      const serial = canonicalSerial(first.serialHex) ?? first.serialHex;
      if (single) {
        const hit = cache.get(caId, serial, first.hashAlgorithm);
        // Refresh at half-life so a cached answer never nears its nextUpdate.
        if (hit && fresh(hit, now.getTime()) && hit.certIdDer.equals(first.der)) {
          if (requestKey !== undefined) cache.rememberRequest(requestKey, caId, serial, first.hashAlgorithm);
          return answerOf(hit);
        }
      }
      const nextUpdate = new Date(now.getTime() + validityMs);
      // An invalidation while the status is read may make it stale: such an answer is sent, not cached.
      const generation = cache.generation;
      const epoch = resets;
      const waiting = single ? resign.get(responseKey(caId, serial, first.hashAlgorithm)) : undefined;
      const responses: SingleResponseInput[] = [];
      for (const m of matched) {
        // A revoked certificate waiting to be re-signed: its status is known, no read needed.
        const status = waiting?.certIdDer.equals(m.certId.der) ? waiting.status : await statusOf(m.issuer, m.certId);
        responses.push({ certIdDer: m.certId.der, status, thisUpdate: now, nextUpdate });
      }
      let body: Buffer | null;
      try {
        body = await sign(caId, responses, request.nonce, now);
      } catch (e) {
        deps.log("error", "OCSP signing failed", { error: (e as Error).message });
        return INTERNAL;
      }
      if (!body) {
        deps.log("error", "no OCSP responder certificate for CA", { caId });
        return INTERNAL;
      }
      // Unknown serials are not cached: the certificate may be issued a moment later.
      const kind = responses[0]!.status.kind;
      if (single && kind !== "unknown" && epoch === resets && (kind === "revoked" || cache.generation === generation)) {
        cache.set(caId, serial, first.hashAlgorithm, { der: body, thisUpdate: now, nextUpdate, certIdDer: first.der, revoked: kind === "revoked" });
        if (requestKey !== undefined) cache.rememberRequest(requestKey, caId, serial, first.hashAlgorithm);
      }
      return { body, thisUpdate: now, nextUpdate, status: "successful" };
    },

    /**
     * Certificates were revoked (this process's notices, or the revocation
     * feed): drop their cached answers now, and sign those that were cached
     * anew as "revoked" in the background. Answers already "revoked" stay.
     */
    revoked(certs: readonly RevokedCert[]): void {
      for (const c of certs) {
        // RFC 5280 5.3.1: unspecified is expressed by leaving the reason out, as on the CRL.
        const status: CertStatusInput = { kind: "revoked", revokedAt: c.revokedAt, reason: c.reason ? c.reason : null };
        for (const { alg, value } of cache.takeUnrevoked(c.caId, c.serial)) {
          resign.set(responseKey(c.caId, c.serial, alg), { caId: c.caId, serial: c.serial, alg, certIdDer: value.certIdDer, status });
        }
      }
      if (resign.size && !draining) void drain();
    },

    /** CAs or responder certificates changed: rebuild the issuer index and drop everything signed. */
    reset(): void {
      issuers = null;
      keyRing.refresh();
      resets++;
      resign.clear();
      cache.clear();
    },

    cacheSize: () => cache.size,
    /** Size, capacity and oldest pre-signed answer of this process's cache (the freshness dashboard). */
    cacheStats: () => cache.stats(),
  };
}

export type OcspResponder = ReturnType<typeof createOcspResponder>;
