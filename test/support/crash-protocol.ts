// What crash-child.ts and the tests that drive it say to each other: the
// fixture it acts with, the outcomes it records, the race commands over IPC.

export interface CrashFixture {
  units: { PROV: number; DEPT_A: number };
  users: { operator: number; provincial: number; focal_a: number };
}

/** One line of CRASH_OUT: what the child got back and may have shown a client. */
export type Outcome =
  | { kind: "cert"; serial: string; der: string; requestId: number | null }
  | { kind: "revoked"; serial: string }
  | { kind: "crl"; caId: number; crlNumber: number };

export type RaceCommand = { op: "approve"; requestId: number; at: number } | { op: "revoke"; serial: string; at: number } | { op: "publish"; at: number } | { op: "exit" };

export type RaceReply = { ok: true; value: string | number | null } | { ok: false; code: string };

/** mulberry32: a small seeded PRNG, so a failing round can be replayed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
