// Builds, signs (through the CA's Signer), stores and publishes a full CRL for
// one CA. Streams entries page by page so a 1M-entry CRL stays well under
// 300 MB. The file is DATA_DIR/crl/<slug>/<number>.crl; the database says
// which number is current, so concurrent publishers can never roll it back.
import { createHash } from "node:crypto";
import { createWriteStream, linkSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { once } from "node:events";
import type { Config } from "../config/schema";
import { AppError } from "../errors/app-error";
import type { KeyRing } from "../ca/key-ring";
import type { Store } from "../store/store";
import type { CrlRecord } from "../store/crl-store";
import { encodeCrl } from "./crl-encoder";

export interface CrlPublisherDeps {
  config: Config;
  store: Store;
  keyRing: KeyRing;
  clock: () => Date;
}

/** How many old CRL files to keep beside the current one (for clients mid-download). */
const KEEP_FILES = 3;

export function crlDir(dataDir: string, slug: string): string {
  return join(dataDir, "crl", slug);
}

export function crlFilePath(dataDir: string, slug: string, crlNumber: number): string {
  return join(crlDir(dataDir, slug), `${crlNumber}.crl`);
}

async function writeChunks(path: string, chunks: Buffer[]): Promise<string> {
  const hash = createHash("sha256");
  const tmp = `${path}.tmp-${process.pid}`;
  const out = createWriteStream(tmp);
  for (const c of chunks) {
    hash.update(c);
    if (!out.write(c)) await once(out, "drain");
  }
  out.end();
  await once(out, "finish");
  renameSync(tmp, path);
  return hash.digest("hex");
}

export function createCrlPublisher(deps: CrlPublisherDeps) {
  const { config, store, keyRing, clock } = deps;

  return {
    async publish(caId: number, actor: string): Promise<CrlRecord> {
      const ca = await keyRing.byId(caId);
      if (!ca || ca.record.kind === "ocsp") throw new AppError("CA_NOT_FOUND", `no CRL-issuing CA with id ${caId}`);
      const crlNumber = await store.cas.allocateCrlNumber(caId);
      const thisUpdate = new Date(Math.floor(clock().getTime() / 1000) * 1000);
      const validityMs = config.crl.validityHours * 3_600_000;
      const nextUpdate = new Date(thisUpdate.getTime() + validityMs);
      // RFC 5280 3.3: an entry stays until it has appeared on a CRL issued after
      // the certificate expired; two CRL periods of grace covers that.
      const since = new Date(thisUpdate.getTime() - 2 * validityMs);
      // Packed text pages straight from the database: no object or Date per entry.
      const entries = store.crls.revokedEntries(caId, since);
      const encoded = await encodeCrl(
        { issuerNameDer: ca.subjectDer, authorityKeyId: Buffer.from(ca.record.ski, "hex"), crlNumber, thisUpdate, nextUpdate, entries },
        ca.signer,
      );
      const entryCount = encoded.entryCount;
      const dir = crlDir(config.dataDir, ca.record.slug);
      mkdirSync(dir, { recursive: true });
      const fileName = `${crlNumber}.crl`;
      const sha256 = await writeChunks(join(dir, fileName), encoded.chunks);
      const record: CrlRecord = { caId, crlNumber, thisUpdate, nextUpdate, entryCount, byteLength: encoded.length, sha256, fileName };
      const current = await store.transaction(async (tx) => {
        await tx.crls.insert(record, clock());
        const became = await tx.cas.markCrlPublished(caId, crlNumber);
        await tx.audit.append(
          { actor, action: "crl.publish", objectType: "crl", objectId: `${ca.record.slug}#${crlNumber}`, outcome: "ok", details: { entries: entryCount, bytes: encoded.length, current: became } },
          clock(),
        );
        return became;
      });
      if (current) {
        // A stable copy for operators: DATA_DIR/pki/<slug>.crl (hard link, atomic rename).
        const stable = join(config.dataDir, "pki", `${ca.record.slug}.crl`);
        mkdirSync(join(config.dataDir, "pki"), { recursive: true });
        const tmp = `${stable}.tmp-${process.pid}`;
        rmSync(tmp, { force: true });
        linkSync(join(dir, fileName), tmp);
        renameSync(tmp, stable);
      }
      for (const old of await store.crls.olderThanNewest(caId, KEEP_FILES)) rmSync(join(dir, old), { force: true });
      return record;
    },

    /** Publishes a CRL for every active root and issuing CA. */
    async publishAll(actor: string): Promise<CrlRecord[]> {
      const out: CrlRecord[] = [];
      for (const ca of await store.cas.listActive()) {
        if (ca.kind !== "ocsp") out.push(await this.publish(ca.id, actor));
      }
      return out;
    },

    /** The current CRL file of a CA (by slug), or null when none is published yet. */
    async currentFile(slug: string): Promise<{ path: string; record: CrlRecord } | null> {
      const ca = await store.cas.findBySlug(slug);
      if (!ca || ca.kind === "ocsp" || ca.publishedCrlNumber === 0) return null;
      const record = await store.crls.find(ca.id, ca.publishedCrlNumber);
      if (!record) return null;
      return { path: join(crlDir(config.dataDir, slug), record.fileName), record };
    },
  };
}

export type CrlPublisher = ReturnType<typeof createCrlPublisher>;
