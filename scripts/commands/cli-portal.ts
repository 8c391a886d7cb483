// The portal's services for a CLI command, built on the command's core exactly
// as the server builds them (so a lost token reported here opens its Mẫu 09
// record like the web's action). The CLI sends no e-mail: request notices are dropped.
import { randomBytes } from "node:crypto";
import { createArgon2Hasher } from "../../server/access/passwords";
import type { Core } from "../../server/core";
import { createPortal, type Portal } from "../../server/directory/portal";
import { unitSourceFromStore } from "../../server/directory/unit-source";

export function cliPortal(core: Core): Portal {
  return createPortal({
    config: core.config,
    store: core.store,
    units: unitSourceFromStore(core.store.units),
    passwords: createArgon2Hasher(),
    clock: core.clock,
    random: (n) => randomBytes(n),
    issuance: core.issuance,
    revocation: core.revocation,
    notify: () => {},
  });
}
