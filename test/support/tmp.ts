// Temporary directories for tests, always under os.tmpdir().
//
//   makeTempDir(prefix?)      -> absolute path of a fresh, empty directory (0700)
//   removeTempDir(dir)        -> rm -rf; only accepts directories made by makeTempDir
//   useTempDir(prefix?)       -> call inside describe(): a fresh directory is made in
//                                before() and removed in after(); returns a getter
//   withTempDir(fn, prefix?)  -> runs fn(dir) and removes dir afterwards (also on throw)
//
// Every directory made here is also removed when the process exits, so a test
// that forgets to clean up (or a run interrupted by Ctrl-C) leaves nothing
// behind. Set CHUNGTHU_KEEP_TMP=1 to keep them for post-mortem debugging;
// their paths are then printed at exit.
import { mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve, sep } from "node:path";

const KEEP = process.env.CHUNGTHU_KEEP_TMP === "1";
const live = new Set<string>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    if (KEEP) {
      if (live.size) process.stderr.write(`CHUNGTHU_KEEP_TMP=1: kept ${[...live].join(", ")}\n`);
      return;
    }
    for (const dir of live) {
      try {
        rmSync(dir, { recursive: true, force: true });
      } catch {
        // best effort at exit
      }
    }
  });
}

/** Root under which all test temp dirs live (realpath of os.tmpdir()). */
export function tempRoot(): string {
  return realpathSync(tmpdir());
}

/** Creates a fresh empty directory under os.tmpdir(); returns its absolute (real) path. */
export function makeTempDir(prefix = "chungthu-test-"): string {
  if (prefix.includes("/") || prefix.includes(sep)) throw new Error(`makeTempDir: prefix must not contain a path separator: ${prefix}`);
  installExitHook();
  const dir = mkdtempSync(join(tempRoot(), prefix));
  live.add(dir);
  return dir;
}

/** Removes a directory made by makeTempDir (recursively). Idempotent. */
export function removeTempDir(dir: string): void {
  const abs = resolve(dir);
  if (!live.has(abs)) {
    // Refuse to rm -rf arbitrary paths handed in by mistake.
    throw new Error(`removeTempDir: ${abs} was not created by makeTempDir (or was already removed)`);
  }
  live.delete(abs);
  if (KEEP) {
    process.stderr.write(`CHUNGTHU_KEEP_TMP=1: keeping ${abs}\n`);
    return;
  }
  rmSync(abs, { recursive: true, force: true });
}

/**
 * Inside a describe(): a fresh temp dir per describe, made in before() and
 * removed in after(). Returns a getter; calling it outside hooks/tests (at
 * describe time) throws, since the directory does not exist yet.
 */
export function useTempDir(prefix?: string): () => string {
  let dir: string | undefined;
  before(() => {
    dir = makeTempDir(prefix);
  });
  after(() => {
    if (dir) removeTempDir(dir);
    dir = undefined;
  });
  return () => {
    if (!dir) throw new Error("useTempDir(): the directory only exists inside before()/it()/after() of this describe");
    return dir;
  };
}

/** Runs fn with a fresh temp dir and removes the dir afterwards, whatever happens. */
export async function withTempDir<T>(fn: (dir: string) => T | Promise<T>, prefix?: string): Promise<T> {
  const dir = makeTempDir(prefix);
  try {
    return await fn(dir);
  } finally {
    removeTempDir(dir);
  }
}
