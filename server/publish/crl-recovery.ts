// Recovery of CRL publication after a crash, run by the background process at
// start: a revocation committed just before the crash may be missing from the
// current CRL (the debounced rebuild never ran), and a publication cut off
// mid-write leaves temporary files. It checks and republishes through the
// publisher; it never builds or signs a CRL itself.
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { createHash } from "node:crypto";
import { join } from "node:path";
import type { Logger } from "../log";
import type { Store } from "../store/store";
import type { CrlRecord } from "../store/crl-store";
import { crlDir, type CrlPublisher } from "./crl-publisher";

export interface CrlRecoveryDeps {
  dataDir: string;
  store: Store;
  publisher: CrlPublisher;
  log: Logger;
}

/** Why the current CRL of a CA no longer matches the database, or null when it does. */
async function staleness(deps: CrlRecoveryDeps, slug: string, current: CrlRecord): Promise<string | null> {
  // The publisher listed every revocation of certificates not expired two CRL
  // periods before thisUpdate (RFC 5280 3.3). Revocations are only ever added,
  // so the same query returning more rows now means some came after the CRL.
  const since = new Date(current.thisUpdate.getTime() - 2 * (current.nextUpdate.getTime() - current.thisUpdate.getTime()));
  // Counted in the database: reading the entries out took seconds at 1M certificates, at every start.
  if ((await deps.store.crls.countRevokedEntries(current.caId, since)) > current.entryCount) return `revocations after CRL #${current.crlNumber}`;
  // The file served is the registered one, whole; the operators' stable copy
  // (DATA_DIR/pki/<slug>.crl) is linked after the commit, so a crash in between leaves the previous one.
  const files = { "the current CRL file": join(crlDir(deps.dataDir, slug), current.fileName), "the stable copy": join(deps.dataDir, "pki", `${slug}.crl`) };
  for (const [what, path] of Object.entries(files)) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch {
      return `${what} is missing`;
    }
    if (createHash("sha256").update(bytes).digest("hex") !== current.sha256) return `${what} is not CRL #${current.crlNumber}`;
  }
  return null;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Removes `*.tmp-<pid>` files a dead process left behind in `dir` (a live one may still be writing its own). */
function removeOrphanTemps(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = /\.tmp-(\d+)$/.exec(name);
    if (!m || Number(m[1]) === process.pid || alive(Number(m[1]))) continue;
    rmSync(join(dir, name), { force: true });
    removed.push(name);
  }
  return removed;
}

/**
 * For every active CRL-issuing CA whose current CRL misses revocations (or
 * whose stable copy is behind), publishes a new CRL — with a new, higher CRL
 * number (RFC 5280 5.2.3: never reused). Returns the CAs republished.
 */
export async function republishStaleCrls(deps: CrlRecoveryDeps, actor = "system:recovery"): Promise<Array<{ slug: string; reason: string; crlNumber: number }>> {
  const out: Array<{ slug: string; reason: string; crlNumber: number }> = [];
  for (const ca of await deps.store.cas.listActive()) {
    if (ca.kind === "ocsp") continue;
    const temps = removeOrphanTemps(crlDir(deps.dataDir, ca.slug));
    if (temps.length) deps.log("warn", "removed CRL files left half-written by a crash", { ca: ca.slug, files: temps });
    if (ca.publishedCrlNumber === 0) continue; // none yet: the scheduler's first tick publishes one
    const current = await deps.store.crls.find(ca.id, ca.publishedCrlNumber);
    const reason = current ? await staleness(deps, ca.slug, current) : "the current CRL is not registered";
    if (!reason) continue;
    const r = await deps.publisher.publish(ca.id, actor);
    deps.log("warn", "CRL republished after a crash", { ca: ca.slug, reason, crlNumber: r.crlNumber });
    out.push({ slug: ca.slug, reason, crlNumber: r.crlNumber });
  }
  const pkiTemps = removeOrphanTemps(join(deps.dataDir, "pki"));
  if (pkiTemps.length) deps.log("warn", "removed CRL copies left half-written by a crash", { files: pkiTemps });
  return out;
}
