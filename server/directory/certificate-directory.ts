// Reading certificates for people: the scoped, filtered, paged list, one
// certificate's details, its PEM/DER. The actor's scope is applied in every
// query; a certificate outside it does not exist for them.
import type { CallContext } from "../access/actor";
import { inScope, narrow, Scope } from "../access/scope";
import { SUBSCRIBER_PROFILES } from "../ca/profiles";
import { canonicalSerial } from "../ca/serial";
import { AppError } from "../errors/app-error";
import { reasonName } from "../ra/revocation-reasons";
import type { CertificateRecord } from "../store/certificate-store";
import type { CertificateSummary, DisplayStatus, UnitFilter } from "../store/certificate-query-store";
import type { Store } from "../store/store";
import type { Guard } from "./guard";
import type { UnitSource, UnitSummary } from "./unit-source";

export const DISPLAY_STATUSES: readonly DisplayStatus[] = ["active", "expired", "revoked", "pending", "failed"];
export const PAGE_SIZE = 50;

export interface CertificateFilters {
  status?: string | undefined;
  profile?: string | undefined;
  text?: string | undefined;
  unitId?: number | undefined;
  after?: string | undefined;
}

export interface CertificateRow extends CertificateSummary {
  displayStatus: DisplayStatus;
  unit: UnitSummary | null;
}

export interface CertificateDetail extends CertificateRow {
  subjectDn: string;
  issuerDn: string | null;
  keyAlg: string;
  spkiSha256: string;
  revocationReasonName: string | null;
  invalidityDate: Date | null;
  hasDer: boolean;
}

export function displayStatus(c: { status: CertificateSummary["status"]; notAfter: Date }, now: Date): DisplayStatus {
  if (c.status === "valid") return c.notAfter > now ? "active" : "expired";
  return c.status;
}

export function toUnitFilter(scope: Scope): UnitFilter {
  return scope.all ? { all: true } : { all: false, unitIds: scope.unitIds };
}

export function createCertificateDirectory(deps: { store: Store; units: UnitSource; guard: Guard; clock: () => Date }) {
  const { store, guard, clock } = deps;

  async function unitNames(ids: Array<number | null>, at: Date): Promise<Map<number, UnitSummary>> {
    const wanted = [...new Set(ids.filter((x): x is number => x !== null))];
    const units = wanted.length ? await deps.units.unitsAsOf(at, wanted) : [];
    return new Map(units.map((u) => [u.id, u]));
  }

  async function visible(ctx: CallContext, serialText: string, action: string): Promise<CertificateRecord> {
    const scope = await guard.scope(ctx, "certificates.view", action);
    const serial = canonicalSerial(serialText);
    const cert = serial ? await store.certificates.findBySerial(serial) : null;
    if (!cert || !inScope(scope, cert.unitId)) return guard.notFound(ctx, action, "certificate", serial ?? serialText, cert !== null);
    return cert;
  }

  return {
    async list(ctx: CallContext, f: CertificateFilters) {
      const now = clock();
      let scope = await guard.scope(ctx, "certificates.view", "certificates.list");
      if (f.status !== undefined && !(DISPLAY_STATUSES as readonly string[]).includes(f.status)) throw new AppError("INPUT_INVALID", "unknown status filter");
      if (f.profile !== undefined && !(SUBSCRIBER_PROFILES as readonly string[]).includes(f.profile)) throw new AppError("INPUT_INVALID", "unknown profile filter");
      let unit: UnitSummary | null = null;
      if (f.unitId !== undefined) {
        const [current] = await deps.units.unitsAsOf(now, [f.unitId]);
        if (!current || !inScope(scope, f.unitId)) return guard.notFound(ctx, "certificates.list", "unit", String(f.unitId), current !== undefined);
        unit = current;
        scope = narrow(scope, await deps.units.subtreeIds(f.unitId, now));
      }
      const page = await store.certificateQueries.list({
        units: toUnitFilter(scope),
        status: f.status as DisplayStatus | undefined,
        profile: f.profile,
        text: f.text?.slice(0, 128),
        now,
        limit: PAGE_SIZE,
        after: f.after,
      });
      const names = await unitNames(page.rows.map((r) => r.unitId), now);
      const rows: CertificateRow[] = page.rows.map((r) => ({ ...r, displayStatus: displayStatus(r, now), unit: r.unitId === null ? null : (names.get(r.unitId) ?? null) }));
      return { rows, next: page.next, unit };
    },

    async get(ctx: CallContext, serial: string): Promise<CertificateDetail> {
      const cert = await visible(ctx, serial, "certificates.view");
      const now = clock();
      const ca = await store.cas.findById(cert.caId);
      const names = await unitNames([cert.unitId], now);
      return {
        serial: cert.serial,
        profile: cert.profile,
        status: cert.status,
        commonName: cert.commonName,
        email: cert.email,
        unitId: cert.unitId,
        notBefore: cert.notBefore,
        notAfter: cert.notAfter,
        createdAt: cert.createdAt,
        revokedAt: cert.revokedAt,
        revocationReason: cert.revocationReason,
        displayStatus: displayStatus(cert, now),
        unit: cert.unitId === null ? null : (names.get(cert.unitId) ?? null),
        subjectDn: cert.subjectDn,
        issuerDn: ca?.subjectDn ?? null,
        keyAlg: cert.keyAlg,
        spkiSha256: cert.spkiSha256,
        revocationReasonName: cert.status === "revoked" ? reasonName(cert.revocationReason ?? 0) : null,
        invalidityDate: cert.invalidityDate,
        hasDer: cert.certDer !== null,
      };
    },

    /** The signed certificate (DER) for download; NOT_FOUND when out of scope or never signed. */
    async der(ctx: CallContext, serial: string): Promise<{ serial: string; der: Buffer }> {
      const cert = await visible(ctx, serial, "certificates.download");
      if (!cert.certDer) throw new AppError("NOT_FOUND", "this certificate was never signed");
      return { serial: cert.serial, der: cert.certDer };
    },
  };
}

export type CertificateDirectory = ReturnType<typeof createCertificateDirectory>;
