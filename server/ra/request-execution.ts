// Executes an approved request through the PKI core, after Boulder's pattern:
// claim the request (one conditional UPDATE: of two officers approving at once
// exactly one proceeds), issue (the certificate row carries request_id, and a
// partial unique index allows one live certificate per request), then complete
// the request, supersede the old certificate and apply token changes in one
// transaction. A crash between the steps is finished by resumeStuck() at start.
import { X509Certificate } from "node:crypto";
import { auditActor, auditRole, type CallContext } from "../access/actor";
import type { Config } from "../config/schema";
import { vietnamDay, type UnitSource } from "../directory/unit-source";
import { AppError, isAppError } from "../errors/app-error";
import type { RequestRecord } from "../store/request-store";
import type { Store } from "../store/store";
import type { IssuanceService } from "./issuance-service";
import type { RevocationNotice } from "./revocation-service";
import { TRIGGER_REASON, type RevocationTrigger } from "./revocation-reasons";
import { referenceOf, type DeadlinePort, type NoticeSink, type RevocationPort, type TokenPort } from "./request-ports";
import type { RequestState } from "./request-states";
import { subjectFor, type UnitChain } from "./request-subject";
import { issuesCertificate, NEW_CERT_PROFILE } from "./request-types";

export interface ExecutorDeps {
  config: Config;
  store: Store;
  issuance: IssuanceService;
  revocation: RevocationPort;
  tokens: TokenPort;
  deadlines: DeadlinePort;
  units: UnitSource;
  notify: NoticeSink;
  clock: () => Date;
}

/** Who runs a step: a person (CallContext) or the system (recovery). */
interface Runner {
  actor: string;
  role: string | null;
  unitId: number | null;
  userId: number | null;
  requestId: string | null;
}

function runnerOf(ctx: CallContext): Runner {
  return { actor: auditActor(ctx.actor), ...auditRole(ctx.actor), userId: ctx.actor.userId > 0 ? ctx.actor.userId : null, requestId: ctx.requestId };
}

const SYSTEM: Runner = { actor: "system:recovery", role: null, unitId: null, userId: null, requestId: null };

/** Token states in which the agency still has to collect the token (Mẫu 08 within 5 working days). */
const HELD_STATES = ["issued", "in_use", "locked", "recovered"];

export function createRequestExecutor(deps: ExecutorDeps) {
  const { store, clock } = deps;
  const now = () => new Date(Math.floor(clock().getTime() / 1000) * 1000);

  async function record(tx: Store, run: Runner, r: RequestRecord, action: string, from: RequestState | null, to: RequestState | null, reason: string | null, details: Record<string, unknown> = {}, outcome: "ok" | "refused" = "ok") {
    const at = now();
    await tx.requests.appendEvent({ requestId: r.id, action, fromState: from, toState: to, actor: run.actor, userId: run.userId, role: run.role, reason, at });
    await tx.audit.append({ actor: run.actor, role: run.role, unitId: run.unitId, action: `request.${action}`, objectType: "request", objectId: String(r.id), outcome, requestId: run.requestId, details: { type: r.type, from, to, ...(reason ? { reason } : {}), ...details } }, at);
  }

  async function unitChain(unitId: number): Promise<UnitChain> {
    const chain: UnitChain = [];
    let id: number | null = unitId;
    while (id !== null && chain.length < 16) {
      const [u] = await deps.units.unitsAsOf(clock(), [id]);
      if (!u) break;
      chain.unshift(u);
      id = u.parentId;
    }
    if (!chain.length) throw new AppError("UNIT_NOT_FOUND", "Đơn vị của hồ sơ không còn tồn tại: cần cập nhật đơn vị trước");
    return chain;
  }

  /** New-certificate requests: the subscriber the data describes (a known person is reused, matched by CCCD). */
  async function subscriberFor(tx: Store, r: RequestRecord): Promise<number> {
    if (r.subscriberId !== null) return r.subscriberId;
    const d = r.data;
    const profile = NEW_CERT_PROFILE[r.type]!;
    if (profile === "individual") {
      const known = await tx.subscribers.findIndividual(r.unitId, String(d.nationalId));
      if (known) return known.id;
      return tx.subscribers.insert({ kind: "individual", unitId: r.unitId, name: String(d.fullName), nationalId: String(d.nationalId), position: String(d.position), email: String(d.email), phone: (d.phone as string | undefined) ?? null }, now());
    }
    if (profile === "organization") {
      return tx.subscribers.insert({ kind: "organization", unitId: r.unitId, name: r.summary, email: String(d.email), phone: (d.phone as string | undefined) ?? null, responsiblePerson: String(d.clerkName) }, now());
    }
    return tx.subscribers.insert({ kind: "device", unitId: r.unitId, name: String(d.deviceName), email: (d.email as string | undefined) ?? null, purpose: String(d.purpose), responsiblePerson: String(d.responsiblePerson) }, now());
  }

  /** Issues the certificate for an approved request (unless an earlier run did) and completes it. */
  async function issueAndComplete(run: Runner, id: number, backTo: RequestState): Promise<RequestRecord> {
    const r = (await store.requests.findById(id))!;
    let serial: string;
    const existing = await store.requests.certificateOf(id);
    if (existing?.status === "pending") throw new AppError("REQUEST_CONFLICT", `Hồ sơ ${referenceOf(id)} đang được cấp chứng thư`);
    if (existing) {
      serial = existing.serial;
    } else {
      const sub = (await store.subscribers.findById(r.subscriberId!))!;
      const d = r.data;
      const change = r.type === "change";
      const person = {
        kind: sub.kind,
        name: change && d.fullName ? String(d.fullName) : r.type.startsWith("new_") ? r.summary : sub.name,
        position: change && d.position ? String(d.position) : sub.position,
        email: change && d.email ? String(d.email) : (sub.email ?? undefined),
        dnsNames: (d.dnsNames as string[] | undefined) ?? (r.targetSerial ? await dnsNamesOf(r.targetSerial) : []),
      };
      const profile = NEW_CERT_PROFILE[r.type] ?? sub.kind;
      const days = typeof d.days === "number" ? d.days : r.type === "renewal" ? deps.config.requests.renewalMaxDays : undefined;
      try {
        const issued = await deps.issuance.issue({
          csr: (await store.requests.csrOf(id))!,
          profile,
          days,
          ...subjectFor(person, await unitChain(r.unitId)),
          actor: run.actor,
          unitId: r.unitId,
          subscriberId: sub.id,
          requestId: id,
          tokenId: r.tokenId,
        });
        serial = issued.serial;
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        await store.transaction(async (tx) => {
          if (await tx.requests.transition(id, ["approved"], backTo, { lastError: message }, now())) {
            await record(tx, run, r, "fail", "approved", backTo, message.slice(0, 500), { code: isAppError(e) ? e.code : "INTERNAL" }, "refused");
          }
        });
        throw e;
      }
    }
    const notices: RevocationNotice[] = [];
    await store.transaction(async (tx) => {
      if (!(await tx.requests.transition(id, ["approved"], "completed", { resultSerial: serial, completedAt: now(), lastError: null }, now()))) {
        throw new AppError("REQUEST_STATE_INVALID", `Hồ sơ ${referenceOf(id)} đã được hoàn tất`);
      }
      await record(tx, run, r, "complete", "approved", "completed", null, { certificate: serial });
      if ((r.type === "renewal" || r.type === "change") && r.targetSerial) {
        const old = await tx.certificates.findBySerial(r.targetSerial);
        // RFC 5280 5.3.1 superseded: the old certificate is replaced by the new one.
        if (old?.status === "valid") notices.push(await deps.revocation.revokeWithin(tx, { serial: r.targetSerial, reason: TRIGGER_REASON[r.type === "renewal" ? "replaced_by_renewal" : "replaced_by_change"], actor: run.actor, details: { request: id, replacedBy: serial } }));
      }
      if (r.type === "change" && r.subscriberId) {
        const d = r.data;
        await tx.subscribers.update(r.subscriberId, { ...(d.fullName ? { name: String(d.fullName) } : {}), ...(d.position ? { position: String(d.position) } : {}), ...(d.email ? { email: String(d.email) } : {}) }, now());
      }
    });
    deps.revocation.announce(notices);
    const done = (await store.requests.findById(id))!;
    notify("completed", done);
    return done;
  }

  /** A device certificate's DNS names carry over to its renewal or change (RFC 5280 4.2.1.6). */
  async function dnsNamesOf(serial: string): Promise<string[]> {
    const der = (await store.certificates.findBySerial(serial))?.certDer;
    if (!der) return [];
    const san = new X509Certificate(der).subjectAltName ?? "";
    return san.split(", ").filter((n) => n.startsWith("DNS:")).map((n) => n.slice(4));
  }

  function notify(kind: "completed" | "approved", r: RequestRecord) {
    deps.notify({ kind, requestId: r.id, reference: referenceOf(r.id), type: r.type, unitId: r.unitId, filedByUserId: r.createdByUserId, reason: null, dueDate: r.dueDate, summary: r.summary });
  }

  /** Opens the token-return task (Mẫu 08) the agency must finish within 5 working days of a revocation. */
  async function openTokenReturn(tx: Store, run: Runner, input: { tokenId: number; unitId: number; reason: string }): Promise<number | null> {
    const token = await tx.tokens.findById(input.tokenId);
    if (!token || !HELD_STATES.includes(token.state)) return null;
    if ((await tx.requests.openForToken(input.tokenId, ["token_return"])).length) return null;
    const at = now();
    const id = await tx.requests.insert(
      { type: "token_return", state: "submitted", unitId: input.unitId, subscriberId: token.holderSubscriberId ?? null, targetSerial: null, tokenId: token.id, data: { tokenSerial: token.serial, reasonText: input.reason }, summary: `Token ${token.serial}`, csrDer: null, source: "system", idempotencyKey: null, createdByUserId: null, createdBy: run.actor, submittedAt: at, dueDate: await deps.deadlines.dueDate("token_return", at, tx) },
      at,
    );
    const r = (await tx.requests.findById(id))!;
    await record(tx, run, r, "create", null, "submitted", input.reason);
    return id;
  }

  /** The request's own effect for types that issue nothing: revoke, or change a token. Inside `tx`. */
  async function apply(tx: Store, run: Runner, r: RequestRecord): Promise<RevocationNotice[]> {
    const d = r.data;
    switch (r.type) {
      case "revocation": {
        const trigger = d.trigger as RevocationTrigger;
        const cert = await tx.certificates.findBySerial(r.targetSerial!);
        const notices: RevocationNotice[] = [];
        // Revoked meanwhile (e.g. the token was reported lost): the request is done, nothing more to revoke.
        if (cert?.status === "valid") notices.push(await deps.revocation.revokeWithin(tx, { serial: r.targetSerial!, reason: TRIGGER_REASON[trigger], actor: run.actor, details: { request: r.id, trigger } }));
        const tokenId = await tx.requests.tokenOfCertificate(r.targetSerial!);
        if (tokenId !== null && !["token_lost", "token_damaged", "key_exposed"].includes(trigger)) {
          await openTokenReturn(tx, run, { tokenId, unitId: r.unitId, reason: `Thu hồi token sau khi thu hồi chứng thư ${r.targetSerial} (${referenceOf(r.id)})` });
        }
        return notices;
      }
      case "token_recovery":
        return (await deps.tokens.applyTransition(tx, { tokenId: r.tokenId!, to: "recovered", actor: run.actor, reason: String(d.reasonText ?? ""), requestId: r.id })).revoked;
      case "token_handover":
        return (await deps.tokens.applyTransition(tx, { tokenId: r.tokenId!, to: "issued", actor: run.actor, reason: null, requestId: r.id, holderSubscriberId: r.subscriberId })).revoked;
      case "token_return":
        return (await deps.tokens.applyTransition(tx, { tokenId: r.tokenId!, to: "returned", actor: run.actor, reason: String(d.reasonText ?? ""), requestId: r.id })).revoked;
      case "token_lost": {
        const token = await tx.tokens.findById(r.tokenId!);
        if (token && token.state !== "lost") return (await deps.tokens.applyTransition(tx, { tokenId: r.tokenId!, to: "lost", actor: run.actor, reason: String(d.reasonText ?? ""), requestId: r.id })).revoked;
        return [];
      }
      default:
        throw new Error(`type ${r.type} issues a certificate`);
    }
  }

  return {
    /** Approve (CA operator, from forwarded) or complete (province, delegated types, from submitted). */
    async execute(ctx: CallContext, r: RequestRecord, mode: "approve" | "complete", reason: string | null): Promise<RequestRecord> {
      const run = runnerOf(ctx);
      const from: RequestState = mode === "approve" ? "forwarded" : "submitted";
      if (issuesCertificate(r.type)) {
        const claimed = await store.transaction(async (tx) => {
          const subscriberId = r.type.startsWith("new_") ? await subscriberFor(tx, r) : r.subscriberId;
          if (!(await tx.requests.transition(r.id, [from], "approved", { subscriberId }, now()))) return false;
          await record(tx, run, r, mode, from, "approved", reason);
          return true;
        });
        if (!claimed) throw await staleError(run, r.id, mode);
        return issueAndComplete(run, r.id, from);
      }
      const notices: RevocationNotice[] = [];
      try {
        const ok = await store.transaction(async (tx) => {
          if (!(await tx.requests.transition(r.id, [from], "completed", { completedAt: now() }, now()))) return false;
          await record(tx, run, r, mode, from, "completed", reason);
          notices.push(...(await apply(tx, run, r)));
          return true;
        });
        if (!ok) throw await staleError(run, r.id, mode);
      } catch (e) {
        if (isAppError(e) && e.code !== "REQUEST_STATE_INVALID") {
          await store.transaction(async (tx) => {
            await tx.requests.patch(r.id, { lastError: e.message }, now());
            await record(tx, run, r, "fail", from, from, e.message.slice(0, 500), { code: e.code }, "refused");
          });
        }
        throw e;
      }
      deps.revocation.announce(notices);
      const done = (await store.requests.findById(r.id))!;
      notify("completed", done);
      return done;
    },

    /**
     * The Mẫu 09 lost-token record, opened inside the token service's transaction
     * that already revoked the certificates; the province confirms it afterwards.
     */
    async recordLost(tx: Store, info: { tokenId: number; unitId: number; actor: string; revokedSerials: string[]; note: string | null }): Promise<number> {
      const token = (await tx.tokens.findById(info.tokenId))!;
      const at = now();
      const id = await tx.requests.insert(
        { type: "token_lost", state: "submitted", unitId: info.unitId, subscriberId: token.holderSubscriberId ?? null, targetSerial: null, tokenId: token.id, data: { tokenSerial: token.serial, ...(info.note ? { reasonText: info.note } : {}) }, summary: `Token ${token.serial}`, csrDer: null, source: "system", idempotencyKey: null, createdByUserId: null, createdBy: info.actor, submittedAt: at, dueDate: await deps.deadlines.dueDate("token_lost", at, tx) },
        at,
      );
      const r = (await tx.requests.findById(id))!;
      // The coordination report counts lost or compromised keys as incidents (Decision 25/2020): record it with the revocation.
      const incidentId = await tx.registers.incidents.insert(
        {
          unitId: info.unitId,
          kind: "lost_key",
          occurredOn: vietnamDay(at),
          description: `Mất token ${token.serial} (${referenceOf(id)})${info.note ? `: ${info.note}` : ""}`.slice(0, 2000),
          handling: `Đã thu hồi ngay ${info.revokedSerials.length} chứng thư (keyCompromise)`,
          state: "open",
          closedOn: null,
        },
        at,
      );
      const run: Runner = { actor: info.actor, role: null, unitId: null, userId: null, requestId: null };
      await record(tx, run, r, "create", null, "submitted", `Đã thu hồi ngay ${info.revokedSerials.length} chứng thư (keyCompromise): ${info.revokedSerials.join(", ") || "không có"}`, { incident: incidentId });
      // The agency hears that it was done; the province that a record waits for its confirmation.
      for (const kind of ["lost_reported", "waiting_check"] as const) {
        deps.notify({ kind, requestId: id, reference: referenceOf(id), type: "token_lost", unitId: info.unitId, filedByUserId: null, reason: info.note, dueDate: r.dueDate, summary: r.summary });
      }
      return id;
    },

    /** Opens a token-return task (staff leaving, revocations): for the transfer workflow. */
    openTokenReturn: (tx: Store, actor: string, input: { tokenId: number; unitId: number; reason: string }) => openTokenReturn(tx, { ...SYSTEM, actor }, input),

    /** Finishes approvals a crash interrupted: complete those whose certificate was issued, put back the others. */
    async resumeStuck(): Promise<number[]> {
      const done: number[] = [];
      for (const id of await store.requests.stuckApproved()) {
        const cert = await store.requests.certificateOf(id);
        if (cert?.status === "pending") continue; // issuance recovery decides first (pending → failed after 10 minutes)
        const r = (await store.requests.findById(id))!;
        if (cert) {
          await issueAndComplete(SYSTEM, id, "forwarded");
          done.push(id);
        } else {
          await store.transaction(async (tx) => {
            if (await tx.requests.transition(id, ["approved"], "forwarded", { lastError: "interrupted before issuance" }, now())) await record(tx, SYSTEM, r, "fail", "approved", "forwarded", "Bị gián đoạn trước khi cấp: cần phê duyệt lại");
          });
        }
      }
      return done;
    },
  };

  async function staleError(run: Runner, id: number, action: string): Promise<AppError> {
    const current = await store.requests.findById(id);
    const e = new AppError("REQUEST_STATE_INVALID", `Hồ sơ ${referenceOf(id)} vừa được người khác xử lý (trạng thái hiện tại: ${current?.state ?? "?"})`, { state: current?.state });
    await store.audit.append({ actor: run.actor, role: run.role, unitId: run.unitId, action: `request.${action}`, objectType: "request", objectId: String(id), outcome: "refused", requestId: run.requestId, details: { code: e.code, state: current?.state } }, clock());
    return e;
  }
}

export type RequestExecutor = ReturnType<typeof createRequestExecutor>;
