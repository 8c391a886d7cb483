// How far V8 lets a server process's heap grow between full collections
// (issue 7: ≤300 MB at 1M certificates, peak included).
//
// V8 starts a full (mark-compact) collection once the old generation reaches
// its size after the last one × a growing factor. That factor goes up to 4
// when the heap limit is large (heap-controller.cc, MaxGrowingFactor), and
// Node derives the limit from the machine's RAM: 4 GB on a 24 GB machine. The
// pages' short-lived objects do reach the old generation: with one sqlite
// connection a request's rows wait in the pool's queue while other requests
// render (about 1 MB of garbage per page), so they outlive two scavenges and
// are promoted. Measured on the web bench's dataset (1M certificates, 100k
// requests), the five pages loaded with 4 in flight for 5 s each: heapUsed
// 55 → 180 MB and RSS 164 → 310 MB in 30 s, but 54 MB live after a full GC;
// the web bench's peak was 330 MB. With a factor of 1.5 the same run peaks at
// 211 MB (heap 116 MB): a full collection every few seconds under that load,
// 9 in the run, ~8 ms of pause each (the marking runs on helper threads).
import { setFlagsFromString } from "node:v8";

/** The old generation may grow by this share of what survived the last full collection. */
export const HEAP_GROWING_PERCENT = 50;

/** True when the process was started with its own --heap-growing-percent (node flag or NODE_OPTIONS): that one wins. */
export function operatorChoseGrowth(execArgv: readonly string[], nodeOptions: string | undefined): boolean {
  return [...execArgv, ...(nodeOptions ?? "").split(/\s+/)].some((a) => /^--heap[-_]growing[-_]percent(=|$)/.test(a));
}

/**
 * Sets V8's heap growing factor for this process. V8 reads the flag at every
 * limit computation (MemoryController::GrowingFactor), so setting it after
 * start-up takes effect at the next collection. Process-wide: every server in
 * the process (tests start several) shares it.
 */
export function limitHeapGrowth(percent = HEAP_GROWING_PERCENT): void {
  if (operatorChoseGrowth(process.execArgv, process.env.NODE_OPTIONS)) return;
  setFlagsFromString(`--heap-growing-percent=${percent}`);
}
