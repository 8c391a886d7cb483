// The operations service (issue 7): the freshness dashboard for those granted
// operations.view (admin, CA operator, oversight; refusals audited like every
// other page), the readiness answer for /readyz, and the unguarded freshness
// figures the background alert check reads. Built per process in server.ts,
// because the OCSP cache and the revocation feed it reports on are per process.
import type { CallContext } from "../access/actor";
import type { AccessAudit } from "../access/access-audit";
import type { Scoper } from "../access/scope";
import type { AuditStatus } from "../audit/audit-monitor";
import type { KeyRing } from "../ca/key-ring";
import type { Config } from "../config/schema";
import { createGuard } from "../directory/guard";
import type { Store } from "../store/store";
import { createFreshnessProbe, type FreshnessReport, type OcspProcessView } from "./freshness-probe";
import { createReadiness, type Readiness } from "./readiness";

export interface OperationsDeps {
  config: Config;
  store: Store;
  keyRing: KeyRing;
  ocsp: OcspProcessView | null;
  auditStatus: () => AuditStatus;
  scoper: Scoper;
  accessAudit: AccessAudit;
  clock: () => Date;
}

export interface Operations {
  /** The dashboard, for a caller granted operations.view (FORBIDDEN otherwise, audited). */
  dashboard(ctx: CallContext): Promise<FreshnessReport>;
  /** The same figures without a caller: the background alert check. */
  freshness(): Promise<FreshnessReport>;
  readiness(): Promise<Readiness>;
}

export function createOperations(deps: OperationsDeps): Operations {
  const guard = createGuard({ scoper: deps.scoper, audit: deps.accessAudit, clock: deps.clock });
  const freshness = createFreshnessProbe({ config: deps.config, store: deps.store, ocsp: deps.ocsp, auditStatus: deps.auditStatus, clock: deps.clock });
  const readiness = createReadiness({ store: deps.store, keyRing: deps.keyRing, clock: deps.clock });
  return {
    async dashboard(ctx) {
      await guard.scope(ctx, "operations.view", "operations.view");
      return freshness();
    },
    freshness,
    readiness,
  };
}
