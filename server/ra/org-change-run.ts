// Runs a unit batch's effects on certificates and tokens (org-change-effects.ts)
// as one batch with progress: the run and its items are stored when it starts
// (exactly the confirmed preview), then processed in chunks, each chunk in its
// own transaction with its items' status, so an interrupted run resumes at its
// first pending item and nothing is done twice; a second run of the same batch
// finds the run finished and does nothing. Who may: admin, or a provincial
// officer whose province holds every affected unit. Every effect and refusal is audited.
import type { AccessAudit } from "../access/access-audit";
import { auditActor, auditRole, type CallContext } from "../access/actor";
import { inScope, type Scoper } from "../access/scope";
import { vietnamDay } from "../directory/unit-source";
import { AppError, isAppError } from "../errors/app-error";
import type { BatchPreview, UnitService } from "../org/unit-service";
import type { RunItem, RunRecord } from "../store/org-change-store";
import type { Store } from "../store/store";
import { isOrgChangeMode, planOrgChange, REVOKE_TRIGGER, type OrgChangeMode, type OrgChangePlan } from "./org-change-effects";
import { referenceOf, type DeadlinePort, type RevocationPort } from "./request-ports";
import type { RevocationNotice } from "./revocation-service";
import { TRIGGER_REASON } from "./revocation-reasons";
import { openChangeRequest } from "./staff-change";

/** A person on the web, or the operator on the server's command line (trusted like an admin). */
export type OrgCaller = { ctx: CallContext } | { cli: string };

export interface OrgChangeRunDeps {
  store: Store;
  units: UnitService;
  scoper: Scoper;
  accessAudit: AccessAudit;
  revocation: RevocationPort;
  openTokenReturn: (tx: Store, actor: string, input: { tokenId: number; unitId: number; reason: string }) => Promise<number | null>;
  deadlines: DeadlinePort;
  clock: () => Date;
  /** Items per transaction. */
  chunkSize?: number;
  /** Tests: called after each chunk commits (a throw interrupts the run as a crash would). */
  afterChunk?: (runId: number, chunk: number) => void | Promise<void>;
}

export interface OrgChangeView {
  batch: NonNullable<BatchPreview["batch"]>;
  plan: OrgChangePlan | null;
  /** Why the effects cannot be run now (draft batch, future date), or null. */
  blocker: string | null;
  run: RunRecord | null;
  /** The run stopped (interrupted, or no progress for a minute and not running here: its process died): it may be resumed. */
  resumable: boolean;
  items: RunItem[];
}

/** A run that has not moved for this long, and is not running in this process, is taken as stopped. */
const STALLED_MS = 60_000;

/** How many set-based revocations weigh as much, in a chunk, as one item done by itself. */
const SET_WEIGHT = 5;

/** A certificate revoked by the batch (revoke mode, or a dissolved unit): these are settled as a set. */
const isRevocation = (item: RunItem) => item.objectKind === "cert" && REVOKE_TRIGGER[item.action as keyof typeof REVOKE_TRIGGER] !== undefined;

const dayBefore = (date: string) => new Date(Date.parse(`${date}T00:00:00+07:00`) - 1000);

export function createOrgChangeRunner(deps: OrgChangeRunDeps) {
  const { store, clock } = deps;
  const chunkSize = deps.chunkSize ?? 100;
  const now = () => new Date(Math.floor(clock().getTime() / 1000) * 1000);
  const processing = new Map<number, Promise<RunRecord>>();

  /**
   * The next chunk: `chunkSize` items done one by one, or up to SET_WEIGHT
   * times as many certificate revocations (set-based: a few statements
   * however many), so a merged agency's 10,000 certificates take 20
   * transactions of 500, not 100 of 100, and no transaction holds the
   * database longer than before.
   */
  const chunkOf = (pending: RunItem[]): RunItem[] => {
    let weight = 0;
    let n = 0;
    while (n < pending.length && weight < chunkSize * SET_WEIGHT) weight += isRevocation(pending[n++]!) ? 1 : SET_WEIGHT;
    return pending.slice(0, n);
  };

  const nameOf = (c: OrgCaller) => ("cli" in c ? c.cli : auditActor(c.ctx.actor));
  const who = (c: OrgCaller) => ("cli" in c ? { actor: c.cli, role: "cli", unitId: null, userId: null, requestId: null } : { actor: auditActor(c.ctx.actor), ...auditRole(c.ctx.actor), userId: c.ctx.actor.userId > 0 ? c.ctx.actor.userId : null, requestId: c.ctx.requestId });

  async function refuse(c: OrgCaller, action: string, batchId: number, e: AppError): Promise<never> {
    const w = who(c);
    await store.audit
      .append({ actor: w.actor, role: w.role, unitId: w.unitId, action, objectType: "unit_batch", objectId: String(batchId).slice(0, 32), outcome: "refused", requestId: w.requestId, details: { code: e.code, message: e.message.slice(0, 500) } }, clock())
      .catch(() => undefined);
    throw e;
  }

  /** Admin, or a provincial officer whose units (the day before the batch) hold every affected unit. */
  async function authorize(c: OrgCaller, action: string, batchId: number, effectiveDate: string, unitIds: number[]): Promise<void> {
    if ("cli" in c) return;
    const { actor } = c.ctx;
    let ok = actor.roles.some((r) => r.role === "admin");
    if (!ok && actor.roles.some((r) => r.role === "provincial_officer")) {
      const officer = { ...actor, roles: actor.roles.filter((r) => r.role === "provincial_officer") };
      const scope = await deps.scoper.scopeFor(officer, dayBefore(effectiveDate), "requests.check");
      ok = !scope.all && scope.unitIds.length > 0 && unitIds.every((id) => inScope(scope, id));
    }
    if (!ok) {
      await deps.accessAudit.denied({ actor, requestId: c.ctx.requestId, action, objectType: "unit_batch", objectId: String(batchId), reason: "forbidden" });
      throw new AppError("FORBIDDEN", "Chỉ quản trị viên hoặc cán bộ Sở phụ trách tỉnh có các đơn vị này được thực hiện");
    }
  }

  async function load(c: OrgCaller, action: string, batchId: number, mode: OrgChangeMode) {
    const preview = await deps.units.preview(batchId);
    const batch = preview.batch!;
    const plan = await planOrgChange(store, preview, mode, now());
    await authorize(c, action, batchId, batch.effectiveDate, plan.units.map((u) => u.unitId));
    const blocker =
      batch.status !== "applied" ? "Lô thay đổi chưa được áp dụng: áp dụng lô trước, rồi mới chạy"
      : batch.effectiveDate > vietnamDay(clock()) ? `Lô có hiệu lực từ ${batch.effectiveDate}: chỉ chạy từ ngày đó`
      : plan.effects.some((e) => e.toCode !== null && e.toUnitId === null) ? "Đơn vị tiếp nhận chưa tồn tại"
      : null;
    return { batch, plan, blocker };
  }

  /** One item's effect on `tx`; returns what it produced. */
  async function applyItem(tx: Store, c: OrgCaller, run: RunRecord, item: RunItem, notices: RevocationNotice[]): Promise<string> {
    const at = now();
    const w = who(c);
    const from = item.fromUnitId;
    const to = item.toUnitId;
    const trigger = REVOKE_TRIGGER[item.action as keyof typeof REVOKE_TRIGGER];
    if (item.objectKind === "subscriber") return (await tx.orgChanges.moveSubscriber(Number(item.objectId), from, to!, at)) ? "moved" : "skipped: no longer in the unit";
    if (item.objectKind === "token" && item.action === "rehome") return (await tx.orgChanges.moveToken(Number(item.objectId), from, to!, at)) ? "moved" : "skipped: no longer in the unit";
    if (item.objectKind === "token") {
      const id = await deps.openTokenReturn(tx, w.actor, { tokenId: Number(item.objectId), unitId: from, reason: `Thu hồi token sau khi thu hồi chứng thư do đơn vị thay đổi tổ chức (lô thay đổi #${run.batchId})` });
      return id === null ? "skipped: not held, or a return task is already open" : referenceOf(id);
    }
    const cert = await tx.certificates.findBySerial(item.objectId);
    if (trigger) {
      if (cert?.status !== "valid") return "skipped: already revoked";
      notices.push(await deps.revocation.revokeWithin(tx, { serial: item.objectId, reason: TRIGGER_REASON[trigger], actor: w.actor, details: { trigger, batchId: run.batchId, runId: run.id } }));
      return `revoked ${TRIGGER_REASON[trigger]}`;
    }
    if (!(await tx.orgChanges.moveCertificate(item.objectId, from, to!))) return "skipped: no longer in the unit";
    if (item.action !== "rehome_change") return "moved";
    const subscriberId = await tx.subscribers.subscriberIdOf(item.objectId);
    const open = await tx.requests.openForTarget(item.objectId, ["renewal", "change", "revocation"]);
    if (cert?.status !== "valid" || subscriberId === null || open.length) return "moved; no change request (revoked, no subscriber or a request open)";
    const reasonText = `Đơn vị cũ đã sáp nhập hoặc chia tách (lô thay đổi #${run.batchId}): cấp lại chứng thư với thông tin đơn vị mới (Mẫu 04)`;
    const id = await openChangeRequest(tx, deps.deadlines, w, { serial: item.objectId, unitId: to!, subscriberId, tokenId: await tx.requests.tokenOfCertificate(item.objectId), summary: cert.commonName, reasonText }, at);
    return `moved; ${referenceOf(id)}`;
  }

  /** Processes the run's pending items chunk by chunk until none is left. */
  async function process(c: OrgCaller, runId: number): Promise<RunRecord> {
    let chunkNo = 0;
    for (;;) {
      const run = (await store.orgChanges.findRun(runId))!;
      const items = chunkOf(await store.orgChanges.pendingItems(runId, chunkSize * SET_WEIGHT));
      if (items.length === 0) {
        const done = await store.orgChanges.updateRun(runId, "finished", null, now());
        const w = who(c);
        await store.audit.append({ actor: w.actor, role: w.role, unitId: w.unitId, action: "org_change.run.finish", objectType: "unit_batch", objectId: String(run.batchId), outcome: "ok", requestId: w.requestId, details: { runId, total: done.total, done: done.done, failed: done.failed } }, now());
        return done;
      }
      const notices: RevocationNotice[] = [];
      // Load the holiday calendar outside the chunk's transaction (sqlite has one connection).
      await deps.deadlines.dueDate("change", now());
      try {
        await store.transaction(async (tx) => {
          notices.length = 0;
          // In item order; consecutive revocations (a merged agency's certificates) are done as one set.
          for (let i = 0; i < items.length; ) {
            let j = i;
            while (j < items.length && isRevocation(items[j]!)) j++;
            if (j > i) {
              await settleRevocations(tx, c, run, items.slice(i, j), notices);
              i = j;
            } else await settle(tx, c, run, items[i++]!, notices);
          }
        });
      } catch (e) {
        if (!isAppError(e)) throw e;
        // One item refused: the chunk rolled back; do its items one by one so only the refused one fails.
        notices.length = 0;
        for (const item of items) {
          const mine: RevocationNotice[] = [];
          try {
            await store.transaction((tx) => settle(tx, c, run, item, mine));
            notices.push(...mine);
          } catch (err) {
            if (!isAppError(err)) throw err;
            await store.transaction(async (tx) => {
              if (!(await tx.orgChanges.settleItem(item.id, "failed", null, `${err.code}: ${err.message}`, now()))) return;
              const w = who(c);
              await tx.audit.append({ actor: w.actor, role: w.role, unitId: w.unitId, action: `org_change.${item.action}`, objectType: item.objectKind === "cert" ? "certificate" : item.objectKind, objectId: item.objectId, outcome: "refused", requestId: w.requestId, details: { runId, batchId: run.batchId, code: err.code, message: err.message.slice(0, 300) } }, now());
            });
          }
        }
      }
      deps.revocation.announce(notices);
      await store.orgChanges.updateRun(runId, "running", null, now());
      chunkNo++;
      await deps.afterChunk?.(runId, chunkNo);
    }
  }

  /** Claims the item (pending → done) and applies it in the same transaction: done once, or not at all. */
  async function settle(tx: Store, c: OrgCaller, run: RunRecord, item: RunItem, notices: RevocationNotice[]): Promise<void> {
    if (!(await tx.orgChanges.settleItem(item.id, "done", null, null, now()))) return; // another process did it
    const outcome = await applyItem(tx, c, run, item, notices);
    await tx.orgChanges.setOutcome(item.id, outcome);
    const w = who(c);
    await tx.audit.append(
      { actor: w.actor, role: w.role, unitId: w.unitId, action: `org_change.${item.action}`, objectType: item.objectKind === "cert" ? "certificate" : item.objectKind, objectId: item.objectId, outcome: "ok", requestId: w.requestId, details: { runId: run.id, batchId: run.batchId, from: item.fromUnitId, to: item.toUnitId, outcome } },
      now(),
    );
  }

  /**
   * settle() for consecutive certificate revocations, set-based: claim the
   * items, revoke those still valid (revokeManyWithin), record each outcome and
   * its audit entry — the same rows and entries as settle(), in a few statements.
   */
  async function settleRevocations(tx: Store, c: OrgCaller, run: RunRecord, batch: readonly RunItem[], notices: RevocationNotice[]): Promise<void> {
    const claimed = await tx.orgChanges.claimItems(batch.map((i) => i.id), now());
    const mine = batch.filter((i) => claimed.has(i.id)); // the others: another process did them
    const w = who(c);
    const triggerOf = (item: RunItem) => REVOKE_TRIGGER[item.action as keyof typeof REVOKE_TRIGGER]!;
    const reasonOf = (item: RunItem) => TRIGGER_REASON[triggerOf(item)];
    const revoked = await deps.revocation.revokeManyWithin(
      tx,
      mine.map((item) => ({ serial: item.objectId, reason: reasonOf(item), actor: w.actor, details: { trigger: triggerOf(item), batchId: run.batchId, runId: run.id } })),
      { onlyValid: true },
    );
    notices.push(...revoked);
    const done = new Set(revoked.map((n) => n.serial));
    const outcomeOf = (item: RunItem) => (done.has(item.objectId) ? `revoked ${reasonOf(item)}` : "skipped: already revoked");
    const byOutcome = new Map<string, number[]>();
    for (const item of mine) {
      const ids = byOutcome.get(outcomeOf(item));
      if (ids) ids.push(item.id);
      else byOutcome.set(outcomeOf(item), [item.id]);
    }
    for (const [outcome, ids] of byOutcome) await tx.orgChanges.setOutcomes(ids, outcome);
    await tx.audit.appendMany(
      mine.map((item) => ({ actor: w.actor, role: w.role, unitId: w.unitId, action: `org_change.${item.action}`, objectType: "certificate", objectId: item.objectId, outcome: "ok" as const, requestId: w.requestId, details: { runId: run.id, batchId: run.batchId, from: item.fromUnitId, to: item.toUnitId, outcome: outcomeOf(item) } })),
      now(),
    );
  }

  /** Single-flight per run in this process. */
  function drive(c: OrgCaller, runId: number): Promise<RunRecord> {
    let p = processing.get(runId);
    if (!p) {
      p = process(c, runId)
        .catch(async (e) => {
          await store.orgChanges.updateRun(runId, "interrupted", e instanceof Error ? e.message : String(e), now()).catch(() => undefined);
          throw e;
        })
        .finally(() => processing.delete(runId));
      processing.set(runId, p);
    }
    return p;
  }

  const api = {
    /** The batch, what its effects would be (or were planned as), and the run so far. */
    async view(c: OrgCaller, batchId: number, modeIn?: string): Promise<OrgChangeView> {
      try {
        const existing = await store.orgChanges.findRunByBatch(batchId);
        const mode = existing ? (existing.mode as OrgChangeMode) : isOrgChangeMode(modeIn) ? modeIn : "rehome";
        const { batch, plan, blocker } = await load(c, "org_change.preview", batchId, mode);
        const resumable = existing !== null && existing.state !== "finished" && !processing.has(existing.id) && (existing.state === "interrupted" || clock().getTime() - existing.updatedAt.getTime() > STALLED_MS);
        return { batch, plan: existing ? null : plan, blocker: existing ? null : blocker, run: existing, resumable, items: existing ? await store.orgChanges.items(existing.id) : [] };
      } catch (e) {
        if (isAppError(e) && e.code !== "FORBIDDEN") await refuse(c, "org_change.preview", batchId, e);
        throw e;
      }
    },

    /**
     * Starts the run (items = the plan now; with `expectDigest`, only if it is
     * what the preview showed), or finds the existing one. Returns at once; the
     * items are processed by `finish` (the web page runs it in the background).
     */
    async start(c: OrgCaller, batchId: number, opts: { mode?: string; expectDigest?: string }): Promise<{ run: RunRecord; created: boolean }> {
      try {
        const existing = await store.orgChanges.findRunByBatch(batchId);
        if (existing) {
          await load(c, "org_change.run", batchId, existing.mode as OrgChangeMode);
          return { run: existing, created: false };
        }
        if (opts.mode !== undefined && !isOrgChangeMode(opts.mode)) throw new AppError("ORG_CHANGE_INVALID", "Chế độ phải là rehome (chuyển về đơn vị tiếp nhận) hoặc revoke (thu hồi)");
        const mode = (opts.mode as OrgChangeMode | undefined) ?? "rehome";
        const { plan, blocker } = await load(c, "org_change.run", batchId, mode);
        if (blocker) throw new AppError("ORG_CHANGE_INVALID", blocker);
        if (opts.expectDigest !== undefined && opts.expectDigest !== plan.digest) {
          throw new AppError("ORG_CHANGE_INVALID", "Danh sách ảnh hưởng đã thay đổi từ lúc xem trước: hãy xem trước lại", { expected: opts.expectDigest, actual: plan.digest });
        }
        const w = who(c);
        const at = now();
        try {
          const runId = await store.transaction(async (tx) => {
            const id = await tx.orgChanges.insertRun({ batchId, mode, digest: plan.digest, createdBy: w.actor }, plan.effects.map((e) => ({ seq: e.seq, objectKind: e.objectKind, objectId: e.objectId, action: e.action, fromUnitId: e.fromUnitId, toUnitId: e.toUnitId })), at);
            await tx.audit.append({ actor: w.actor, role: w.role, unitId: w.unitId, action: "org_change.run.start", objectType: "unit_batch", objectId: String(batchId), outcome: "ok", requestId: w.requestId, details: { runId: id, mode, digest: plan.digest, counts: plan.counts } }, at);
            return id;
          });
          return { run: (await store.orgChanges.findRun(runId))!, created: true };
        } catch (e) {
          // Two starts at once: the unique batch id lets one win; the other resumes that run.
          const raced = await store.orgChanges.findRunByBatch(batchId);
          if (raced) return { run: raced, created: false };
          throw e;
        }
      } catch (e) {
        if (isAppError(e) && e.code !== "FORBIDDEN") await refuse(c, "org_change.run", batchId, e);
        throw e;
      }
    },

    /** Every unit batch with its run, for admins and provincial officers (newest first). */
    async batches(c: OrgCaller) {
      if ("ctx" in c && !c.ctx.actor.roles.some((r) => r.role === "admin" || r.role === "provincial_officer")) {
        await deps.accessAudit.denied({ actor: c.ctx.actor, requestId: c.ctx.requestId, action: "org_change.list", reason: "forbidden" });
        throw new AppError("FORBIDDEN", "Chỉ quản trị viên hoặc cán bộ Sở được xem");
      }
      const out = [];
      for (const b of (await deps.units.listBatches()).reverse()) out.push({ ...b, run: await store.orgChanges.findRunByBatch(b.id) });
      return out;
    },

    /** Processes the run's pending items to the end (resuming an interrupted run); a finished run is returned as it is. */
    async finish(c: OrgCaller, runId: number): Promise<RunRecord> {
      const run = await store.orgChanges.findRun(runId);
      if (!run) throw new AppError("NOT_FOUND", `Không có lượt chạy ${runId}`);
      if (run.state === "finished") return run;
      return drive(c, runId);
    },

    /** start + finish: what the command line does. */
    async run(c: OrgCaller, batchId: number, opts: { mode?: string; expectDigest?: string } = {}): Promise<{ run: RunRecord; created: boolean }> {
      const started = await api.start(c, batchId, opts);
      return { run: await api.finish(c, started.run.id), created: started.created };
    },

    nameOf,
  };
  return api;
}

export type OrgChangeRunner = ReturnType<typeof createOrgChangeRunner>;
