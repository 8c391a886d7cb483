// Builds the request workflow from its dependencies: the executor (PKI core,
// tokens) and the service (filing, checking, approval) that uses it.
import type { AccessAudit } from "../access/access-audit";
import type { Scoper } from "../access/scope";
import type { Config } from "../config/schema";
import type { UnitSource } from "../directory/unit-source";
import type { Store } from "../store/store";
import type { IssuanceService } from "./issuance-service";
import { createRequestExecutor } from "./request-execution";
import type { DeadlinePort, NoticeSink, RevocationPort, TokenPort } from "./request-ports";
import { createRequestService } from "./request-service";

export interface RequestWorkflowDeps {
  config: Config;
  store: Store;
  units: UnitSource;
  scoper: Scoper;
  accessAudit: AccessAudit;
  issuance: IssuanceService;
  revocation: RevocationPort;
  tokens: TokenPort;
  deadlines: DeadlinePort;
  notify: NoticeSink;
  clock: () => Date;
}

export function createRequestWorkflow(deps: RequestWorkflowDeps) {
  const executor = createRequestExecutor(deps);
  const requests = createRequestService({ ...deps, executor });
  return { requests, executor };
}
