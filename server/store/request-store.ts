// SQL for requests (dossiers): insert, read, conditional state changes (one
// UPDATE … WHERE state IN (…) so two concurrent actors can never both win),
// the step history; attachments (request-attachment-sql.ts) and the scoped
// lists with deadline filters (request-list-sql.ts) are parts of it.
// Decides nothing about who may do what (server/ra/request-service.ts does).
import type { Knex } from "knex";
import { OPEN_STATES, type RequestState } from "../ra/request-states";
import type { RequestType } from "../ra/request-types";
import { fromDbTime, optionalDbTime, toDbTime } from "./db-time";
import type { UnitFilter } from "./unit-scope-sql";
import { createAttachmentSql } from "./request-attachment-sql";
import { createRequestListSql } from "./request-list-sql";

export interface RequestInsert {
  type: RequestType;
  state: RequestState;
  unitId: number;
  subscriberId: number | null;
  targetSerial: string | null;
  tokenId: number | null;
  data: Record<string, unknown>;
  summary: string;
  csrDer: Buffer | null;
  source: "web" | "api" | "bulk" | "system";
  idempotencyKey: string | null;
  createdByUserId: number | null;
  createdBy: string;
  submittedAt: Date | null;
  dueDate: string | null;
}

export interface RequestRecord {
  id: number;
  type: RequestType;
  state: RequestState;
  unitId: number;
  subscriberId: number | null;
  targetSerial: string | null;
  tokenId: number | null;
  resultSerial: string | null;
  data: Record<string, unknown>;
  summary: string;
  hasCsr: boolean;
  source: string;
  idempotencyKey: string | null;
  createdByUserId: number | null;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
  submittedAt: Date | null;
  completedAt: Date | null;
  dueDate: string | null;
  lastReason: string | null;
  lastError: string | null;
}

export interface RequestEventInput {
  requestId: number;
  action: string;
  fromState: RequestState | null;
  toState: RequestState | null;
  actor: string;
  userId: number | null;
  role: string | null;
  reason: string | null;
  at: Date;
}

export interface RequestEvent extends Omit<RequestEventInput, "requestId"> {
  id: number;
}

export interface AttachmentInput {
  requestId: number;
  kind: "signed_form" | "other";
  filename: string;
  contentType: string;
  content: Buffer;
  sha256: string;
  uploadedBy: string;
  at: Date;
}

export interface AttachmentMeta {
  id: number;
  requestId: number;
  kind: string;
  filename: string;
  contentType: string;
  size: number;
  sha256: string;
  uploadedBy: string;
  uploadedAt: Date;
}

/** Fields changed together with a state change (only those given). */
export interface RequestPatch {
  subscriberId?: number | null;
  resultSerial?: string | null;
  submittedAt?: Date | null;
  completedAt?: Date | null;
  dueDate?: string | null;
  lastReason?: string | null;
  lastError?: string | null;
}

export interface RequestEdit {
  data: Record<string, unknown>;
  summary: string;
  subscriberId: number | null;
  targetSerial: string | null;
  tokenId: number | null;
  /** undefined keeps the CSR already stored. */
  csrDer?: Buffer | null;
}

export type DueFilter = "overdue" | "due_today";

export interface RequestListQuery {
  units: UnitFilter;
  states?: readonly RequestState[] | undefined;
  types?: readonly RequestType[] | undefined;
  due?: DueFilter | undefined;
  /** Today in Vietnam ('YYYY-MM-DD'), for the due filters. */
  today: string;
  /** A prefix of the summary (who the request is for), or a reference number. */
  text?: string | undefined;
  sort: "due" | "newest";
  limit: number;
  offset: number;
}

const COLUMNS = [
  "id", "type", "state", "unit_id", "subscriber_id", "target_serial", "token_id", "result_serial", "data", "summary",
  "source", "idempotency_key", "created_by_user_id", "created_by", "created_at", "updated_at", "submitted_at",
  "completed_at", "due_date", "last_reason", "last_error",
];

export interface Row {
  id: number;
  type: RequestType;
  state: RequestState;
  unit_id: number;
  subscriber_id: number | null;
  target_serial: string | null;
  token_id: number | null;
  result_serial: string | null;
  data: string;
  summary: string;
  has_csr: number | boolean;
  source: string;
  idempotency_key: string | null;
  created_by_user_id: number | null;
  created_by: string;
  created_at: string;
  updated_at: string;
  submitted_at: string | null;
  completed_at: string | null;
  due_date: string | null;
  last_reason: string | null;
  last_error: string | null;
}

const num = (v: number | string | null | undefined) => (v === null || v === undefined ? null : Number(v));

function toRecord(r: Row): RequestRecord {
  return {
    id: Number(r.id),
    type: r.type,
    state: r.state,
    unitId: Number(r.unit_id),
    subscriberId: num(r.subscriber_id),
    targetSerial: r.target_serial,
    tokenId: num(r.token_id),
    resultSerial: r.result_serial,
    data: JSON.parse(r.data) as Record<string, unknown>,
    summary: r.summary,
    hasCsr: Boolean(Number(r.has_csr)),
    source: r.source,
    idempotencyKey: r.idempotency_key,
    createdByUserId: num(r.created_by_user_id),
    createdBy: r.created_by,
    createdAt: fromDbTime(r.created_at),
    updatedAt: fromDbTime(r.updated_at),
    submittedAt: optionalDbTime(r.submitted_at),
    completedAt: optionalDbTime(r.completed_at),
    dueDate: r.due_date,
    lastReason: r.last_reason,
    lastError: r.last_error,
  };
}

function patchColumns(p: RequestPatch): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (p.subscriberId !== undefined) out.subscriber_id = p.subscriberId;
  if (p.resultSerial !== undefined) out.result_serial = p.resultSerial;
  if (p.submittedAt !== undefined) out.submitted_at = p.submittedAt ? toDbTime(p.submittedAt) : null;
  if (p.completedAt !== undefined) out.completed_at = p.completedAt ? toDbTime(p.completedAt) : null;
  if (p.dueDate !== undefined) out.due_date = p.dueDate;
  if (p.lastReason !== undefined) out.last_reason = p.lastReason?.slice(0, 1000) ?? null;
  if (p.lastError !== undefined) out.last_error = p.lastError?.slice(0, 1000) ?? null;
  return out;
}

export interface RequestCounts {
  byState: Partial<Record<RequestState, number>>;
  overdue: number;
  dueToday: number;
  /** Per open state: how many are past their deadline, and due today (a draft's deadline does not run). */
  deadlines: Partial<Record<RequestState, { overdue: number; dueToday: number }>>;
}

export interface RequestStore {
  insert(r: RequestInsert, now: Date): Promise<number>;
  findById(id: number): Promise<RequestRecord | null>;
  findByIdempotencyKey(unitId: number, key: string): Promise<RequestRecord | null>;
  csrOf(id: number): Promise<Buffer | null>;
  /** Changes the fields of a draft or returned request; false if it was in another state. */
  edit(id: number, e: RequestEdit, now: Date): Promise<boolean>;
  /** Moves the request from one of `from` to `to`; false if another actor changed it first. */
  transition(id: number, from: readonly RequestState[], to: RequestState, patch: RequestPatch, now: Date): Promise<boolean>;
  /** Changes fields without a state change (execution errors, links). */
  patch(id: number, patch: RequestPatch, now: Date): Promise<void>;
  appendEvent(e: RequestEventInput): Promise<void>;
  events(requestId: number): Promise<RequestEvent[]>;
  addAttachment(a: AttachmentInput): Promise<number>;
  attachments(requestId: number): Promise<AttachmentMeta[]>;
  attachmentContent(requestId: number, attachmentId: number): Promise<{ meta: AttachmentMeta; content: Buffer } | null>;
  /** Open requests about this certificate (a second revocation or renewal of it is a duplicate). */
  openForTarget(serial: string, types: readonly RequestType[]): Promise<RequestRecord[]>;
  /** Open requests about this token. */
  openForToken(tokenId: number, types: readonly RequestType[]): Promise<RequestRecord[]>;
  list(q: RequestListQuery): Promise<{ rows: RequestRecord[]; more: boolean }>;
  /**
   * Live dossiers (drafts and open states; or just `states`) by state, and past or
   * at their deadline: in total over the open states, and per state.
   */
  counts(units: UnitFilter, today: string, states?: readonly RequestState[]): Promise<RequestCounts>;
  /** Approved requests whose execution did not finish (a crash between approval and completion). */
  stuckApproved(): Promise<number[]>;
  /** The certificate issued for a request, if any (certificates.request_id). */
  certificateOf(requestId: number): Promise<{ serial: string; status: string } | null>;
  /** The token a certificate's key is on (certificates.token_id). */
  tokenOfCertificate(serial: string): Promise<number | null>;
}

export function createRequestStore(db: Knex | Knex.Transaction): RequestStore {
  const select = () => db("requests").select([...COLUMNS, db.raw("case when csr_der is null then 0 else 1 end as has_csr")]);

  return {
    async insert(r, now) {
      const [row] = (await db("requests")
        .insert({
          type: r.type,
          state: r.state,
          unit_id: r.unitId,
          subscriber_id: r.subscriberId,
          target_serial: r.targetSerial,
          token_id: r.tokenId,
          data: JSON.stringify(r.data),
          summary: r.summary.slice(0, 255),
          csr_der: r.csrDer,
          source: r.source,
          idempotency_key: r.idempotencyKey,
          created_by_user_id: r.createdByUserId,
          created_by: r.createdBy.slice(0, 128),
          created_at: toDbTime(now),
          updated_at: toDbTime(now),
          submitted_at: r.submittedAt ? toDbTime(r.submittedAt) : null,
          due_date: r.dueDate,
        })
        .returning("id")) as Array<{ id: number } | number>;
      return Number(typeof row === "object" ? row.id : row);
    },
    async findById(id) {
      const row = (await select().where({ id }).first()) as Row | undefined;
      return row ? toRecord(row) : null;
    },
    async findByIdempotencyKey(unitId, key) {
      const row = (await select().where({ unit_id: unitId, idempotency_key: key }).first()) as Row | undefined;
      return row ? toRecord(row) : null;
    },
    async csrOf(id) {
      const row = (await db("requests").where({ id }).first("csr_der")) as { csr_der: Buffer | null } | undefined;
      return row?.csr_der ? Buffer.from(row.csr_der) : null;
    },
    async edit(id, e, now) {
      const n = await db("requests")
        .where({ id })
        .whereIn("state", ["draft", "returned"])
        .update({
          data: JSON.stringify(e.data),
          summary: e.summary.slice(0, 255),
          subscriber_id: e.subscriberId,
          target_serial: e.targetSerial,
          token_id: e.tokenId,
          ...(e.csrDer !== undefined ? { csr_der: e.csrDer } : {}),
          updated_at: toDbTime(now),
        });
      return Number(n) === 1;
    },
    async transition(id, from, to, patch, now) {
      const n = await db("requests")
        .where({ id })
        .whereIn("state", [...from])
        .update({ state: to, updated_at: toDbTime(now), ...patchColumns(patch) });
      return Number(n) === 1;
    },
    async patch(id, p, now) {
      await db("requests").where({ id }).update({ updated_at: toDbTime(now), ...patchColumns(p) });
    },
    async appendEvent(e) {
      await db("request_events").insert({
        request_id: e.requestId,
        action: e.action,
        from_state: e.fromState,
        to_state: e.toState,
        actor: e.actor.slice(0, 128),
        user_id: e.userId,
        role: e.role?.slice(0, 64) ?? null,
        reason: e.reason?.slice(0, 1000) ?? null,
        at: toDbTime(e.at),
      });
    },
    async events(requestId) {
      const rows = (await db("request_events").where({ request_id: requestId }).orderBy("id", "asc")) as Array<{
        id: number;
        action: string;
        from_state: RequestState | null;
        to_state: RequestState | null;
        actor: string;
        user_id: number | null;
        role: string | null;
        reason: string | null;
        at: string;
      }>;
      return rows.map((r) => ({ id: Number(r.id), action: r.action, fromState: r.from_state, toState: r.to_state, actor: r.actor, userId: num(r.user_id), role: r.role, reason: r.reason, at: fromDbTime(r.at) }));
    },
    ...createAttachmentSql(db),
    ...createRequestListSql(db, select, toRecord),
    async openForTarget(serial, types) {
      const rows = (await select().where({ target_serial: serial }).whereIn("type", [...types]).whereIn("state", ["draft", ...OPEN_STATES])) as Row[];
      return rows.map(toRecord);
    },
    async openForToken(tokenId, types) {
      const rows = (await select().where({ token_id: tokenId }).whereIn("type", [...types]).whereIn("state", ["draft", ...OPEN_STATES])) as Row[];
      return rows.map(toRecord);
    },
    async stuckApproved() {
      const rows = (await db("requests").where({ state: "approved" }).select("id")) as Array<{ id: number }>;
      return rows.map((r) => Number(r.id));
    },
    async certificateOf(requestId) {
      const row = (await db("certificates").where({ request_id: requestId }).whereNot("status", "failed").first("serial", "status")) as
        | { serial: string; status: string }
        | undefined;
      return row ?? null;
    },
    async tokenOfCertificate(serial) {
      const row = (await db("certificates").where({ serial }).first("token_id")) as { token_id: number | null } | undefined;
      return num(row?.token_id);
    },
  };
}
