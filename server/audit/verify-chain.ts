// Walks the audit chain from its first entry, page by page (flat memory for
// millions of entries), and says whether it is intact and, if not, the first
// entry (or checkpoint) that breaks it and why. Read-only: never writes.
//
// What each check catches:
//   entry ids are consecutive from 1         a deleted entry in the middle
//   hash = SHA-256(canonical form)           an edited entry (audit-hash.ts)
//   prev_hash = previous entry's hash        an edited entry whose own hash was recomputed
//   signed checkpoints match the chain       a rewritten (re-hashed) chain, a truncated tail
//   the chain head matches the last entry    an edited or deleted newest entry
import { CHAIN_VERSION, entryHash, GENESIS_HASH } from "../store/audit-hash";
import type { AuditCheckpoint } from "../store/audit-checkpoint-store";
import type { ChainRow } from "../store/audit-store";
import type { Store } from "../store/store";
import { createCheckpointSignatureCheck } from "./signer-trust";

export type ChainProblem =
  | "hash mismatch"
  | "prev_hash mismatch"
  | "missing entry (gap)"
  | "checkpoint signature invalid"
  | "checkpoint does not match chain";

export interface VerifyResult {
  intact: boolean;
  /** Entries checked and found good (all of them when intact). */
  entries: number;
  /** Checkpoints whose signature and claim were checked and found good. */
  checkpointsVerified: number;
  /** The newest entry the walk covered (entries appended during the walk are left for next time). */
  lastEntryId: number;
  firstBrokenEntryId?: number;
  brokenCheckpointId?: number;
  problem?: ChainProblem;
  /** One line for people: what exactly does not match. */
  detail?: string;
}

export type VerifyDeps = { store: Pick<Store, "audit" | "auditCheckpoints" | "auditSigners" | "cas" | "certificates">; pageSize?: number };

export async function verifyAuditChain(deps: VerifyDeps): Promise<VerifyResult> {
  const { store } = deps;
  // Read the head first, then the newest checkpoint: every entry up to either is committed.
  const head = await store.audit.head();
  const newestCheckpoint = await store.auditCheckpoints.latest();
  const until = Math.max(head.lastId, newestCheckpoint?.lastEntryId ?? 0);
  const checkSignature = createCheckpointSignatureCheck(store);

  const checkpoints = store.auditCheckpoints.inChainOrder()[Symbol.asyncIterator]();
  let buffered: AuditCheckpoint[] = [];
  const nextCheckpoint = async (): Promise<AuditCheckpoint | null> => {
    if (!buffered.length) {
      const page = await checkpoints.next();
      if (page.done) return null;
      buffered = page.value;
    }
    return buffered.shift() ?? null;
  };

  let pending = await nextCheckpoint();
  let entries = 0;
  let checkpointsVerified = 0;
  let prevId = 0;
  let prevHash = GENESIS_HASH;
  let lastGoodCheckpointEntry = 0;

  const broken = (problem: ChainProblem, detail: string, at: { entry?: number; checkpoint?: number }): VerifyResult => ({
    intact: false,
    entries,
    checkpointsVerified,
    lastEntryId: until,
    problem,
    detail,
    ...(at.entry !== undefined ? { firstBrokenEntryId: at.entry } : {}),
    ...(at.checkpoint !== undefined ? { brokenCheckpointId: at.checkpoint } : {}),
  });

  for await (const page of store.audit.chain(until, deps.pageSize)) {
    for (const r of page) {
      if (r.id !== prevId + 1) {
        return broken("missing entry (gap)", `${span(prevId + 1, r.id - 1)} missing: entry ${r.id} follows entry ${prevId}`, { entry: prevId + 1 });
      }
      const problem = entryProblem(r, prevHash);
      if (problem) return broken(problem.problem, problem.detail, { entry: r.id });
      entries++;
      prevId = r.id;
      prevHash = r.hash!;

      while (pending && pending.lastEntryId <= r.id) {
        const cp = pending;
        const bad = await checkSignature(cp);
        if (bad) return broken("checkpoint signature invalid", `it covers entries up to ${cp.lastEntryId}: ${bad}`, { checkpoint: cp.id });
        if (cp.lastEntryId !== r.id) {
          return broken("checkpoint does not match chain", `checkpoint #${cp.id} names entry ${cp.lastEntryId}, which is not in the chain`, { entry: cp.lastEntryId, checkpoint: cp.id });
        }
        if (cp.lastHash !== r.hash || cp.entryCount !== entries) {
          const range = `${lastGoodCheckpointEntry + 1}..${r.id}`;
          return broken(
            "checkpoint does not match chain",
            cp.lastHash !== r.hash
              ? `checkpoint #${cp.id} signed hash ${cp.lastHash.slice(0, 16)}… for entry ${r.id}, the chain has ${r.hash!.slice(0, 16)}…: an entry in ${range} was altered and the chain re-hashed`
              : `checkpoint #${cp.id} signed ${cp.entryCount} entries up to entry ${r.id}, the chain has ${entries}`,
            { entry: r.id, checkpoint: cp.id },
          );
        }
        checkpointsVerified++;
        lastGoodCheckpointEntry = r.id;
        pending = await nextCheckpoint();
      }
    }
  }

  if (pending) {
    // A signed checkpoint covers entries the chain no longer has: the tail was cut off.
    return broken("checkpoint does not match chain", `checkpoint #${pending.id} covers entries up to ${pending.lastEntryId}, but the chain ends at entry ${prevId}: ${span(prevId + 1, pending.lastEntryId)} missing`, {
      entry: prevId + 1,
      checkpoint: pending.id,
    });
  }
  if (prevId < head.lastId) {
    return broken("missing entry (gap)", `the chain head says the last entry is ${head.lastId}, but the chain ends at entry ${prevId}`, { entry: prevId + 1 });
  }
  if (prevId === head.lastId && (head.lastHash !== prevHash || head.entryCount !== entries)) {
    return broken("hash mismatch", `entry ${prevId} does not match the chain head (hash ${head.lastHash.slice(0, 16)}… recorded when it was appended): it was altered since`, { entry: prevId });
  }
  return { intact: true, entries, checkpointsVerified, lastEntryId: until };
}

const span = (from: number, to: number) => (from === to ? `entry ${from} is` : `entries ${from}..${to} are`);

function entryProblem(r: ChainRow, expectedPrev: string): { problem: ChainProblem; detail: string } | null {
  if (r.chainVersion !== CHAIN_VERSION || !r.hash || r.prevHash === null) {
    return { problem: "hash mismatch", detail: `no chain hash of a known version (chain_version ${r.chainVersion ?? "NULL"})` };
  }
  const computed = entryHash({
    id: r.id,
    prevHash: r.prevHash,
    at: r.at,
    actor: r.actor,
    role: r.role,
    unitId: r.unitId,
    action: r.action,
    objectType: r.objectType,
    objectId: r.objectId,
    outcome: r.outcome,
    requestId: r.requestId,
    details: r.details,
    before: r.before,
    after: r.after,
  });
  if (computed !== r.hash) return { problem: "hash mismatch", detail: `its content hashes to ${computed.slice(0, 16)}…, the stored hash is ${r.hash.slice(0, 16)}…: the entry was altered` };
  if (r.prevHash !== expectedPrev) {
    return {
      problem: "prev_hash mismatch",
      detail:
        r.id === 1
          ? `it links to ${r.prevHash.slice(0, 16)}…, but the first entry must link to 64 zeros`
          : `it links to ${r.prevHash.slice(0, 16)}…, but entry ${r.id - 1} hashes to ${expectedPrev.slice(0, 16)}…: entry ${r.id - 1} was altered and re-hashed, or this link was`,
    };
  }
  return null;
}
