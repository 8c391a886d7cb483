// Publishes a CRL from the CLI right after a revocation, so the CRL is fresh
// even when no server is running.
import type { Core } from "../../server/core";
import { createCrlPublisher } from "../../server/publish/crl-publisher";
import { cliActor } from "./with-core";

export function publishCrlFor(core: Core, caId: number) {
  const publisher = createCrlPublisher({ config: core.config, store: core.store, keyRing: core.keyRing, clock: core.clock });
  return publisher.publish(caId, cliActor());
}
