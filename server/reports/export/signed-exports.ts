// Keeps a signed export (the file, its detached .p7s and the root certificate)
// under DATA_DIR/reports/signed/<id>/ so both halves are downloaded from the
// same bytes: regenerating a report changes its generation time and data marks,
// so a signature can only ever match the copy it was made over. Files only;
// who may read a bundle is the export service's decision.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface SignedBundleInfo {
  id: string;
  /** Username of who made it: only they can fetch it again. */
  owner: string;
  title: string;
  format: string;
  fileName: string;
  contentType: string;
  contentSha256: string;
  figuresSha256: string;
  signerSerial: string;
  createdAt: string;
}

export interface SignedBundle {
  info: SignedBundleInfo;
  content: Buffer;
  p7s: Buffer;
  rootPem: string | null;
}

export interface SignedExportStore {
  save(bundle: SignedBundle): void;
  info(id: string): SignedBundleInfo | null;
  read(id: string, part: "content" | "p7s" | "root"): Buffer | null;
  /** Removes bundles older than `maxAgeMs`; returns how many. */
  prune(now: Date, maxAgeMs: number): number;
}

const ID = /^[0-9a-f]{32}$/;

export function createSignedExportStore(dataDir: string): SignedExportStore {
  const root = join(dataDir, "reports", "signed");
  const dir = (id: string) => join(root, id);
  const PART = { content: "content.bin", p7s: "signature.p7s", root: "root.pem" } as const;

  return {
    save(b) {
      if (!ID.test(b.info.id)) throw new Error("bad signed-export id");
      mkdirSync(root, { recursive: true });
      // Written to a temporary folder and renamed: a half-written bundle is never served.
      const tmp = join(root, `.${b.info.id}.tmp-${process.pid}`);
      mkdirSync(tmp, { recursive: true });
      writeFileSync(join(tmp, PART.content), b.content);
      writeFileSync(join(tmp, PART.p7s), b.p7s);
      if (b.rootPem) writeFileSync(join(tmp, PART.root), b.rootPem);
      writeFileSync(join(tmp, "info.json"), JSON.stringify(b.info));
      renameSync(tmp, dir(b.info.id));
    },
    info(id) {
      if (!ID.test(id) || !existsSync(join(dir(id), "info.json"))) return null;
      return JSON.parse(readFileSync(join(dir(id), "info.json"), "utf8")) as SignedBundleInfo;
    },
    read(id, part) {
      const p = join(dir(id), PART[part]);
      return ID.test(id) && existsSync(p) ? readFileSync(p) : null;
    },
    prune(now, maxAgeMs) {
      if (!existsSync(root)) return 0;
      let n = 0;
      for (const name of readdirSync(root)) {
        const p = join(root, name);
        if (now.getTime() - statSync(p).mtimeMs > maxAgeMs) {
          rmSync(p, { recursive: true, force: true });
          n++;
        }
      }
      return n;
    },
  };
}
