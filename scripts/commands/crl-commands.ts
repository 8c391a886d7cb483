// `crl publish`: build and publish a full CRL for every CA now.
import type { Command } from "commander";
import { AppError } from "../../server/errors/app-error";
import { createCrlPublisher } from "../../server/publish/crl-publisher";
import { cliActor, withCore } from "./with-core";

export function registerCrlCommands(program: Command): void {
  const crl = program.command("crl").description("certificate revocation lists");
  crl.command("publish")
    .description("build, sign and publish a full CRL for each CA")
    .action(async () => {
      await withCore(async (core) => {
        if (!(await core.keyRing.active("issuing"))) throw new AppError("CA_NOT_INITIALISED", "no CA yet: run `npm run cli -- ca init`");
        const publisher = createCrlPublisher({ config: core.config, store: core.store, keyRing: core.keyRing, clock: core.clock });
        for (const r of await publisher.publishAll(cliActor())) {
          const ca = await core.store.cas.findById(r.caId);
          console.log(`${ca?.slug}: CRL #${r.crlNumber}, ${r.entryCount} entries, ${r.byteLength} bytes, next update ${r.nextUpdate.toISOString()}`);
        }
      });
    });
}
