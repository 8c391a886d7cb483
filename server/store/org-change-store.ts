// SQL for staff transfers and agency mergers/splits/dissolutions (issue 5): the
// certificates, tokens and subscribers a unit or a person has, conditional moves
// of their managing unit, and the org-change runs with their items. Decides
// nothing about what happens to whom (server/ra/staff-change.ts, org-change-*.ts do).
import type { Knex } from "knex";
import { fromDbTime, optionalDbTime, toDbTime } from "./db-time";

/** A live certificate as the effect planners need it. */
export interface AffectedCertificate {
  serial: string;
  unitId: number | null;
  subscriberId: number | null;
  tokenId: number | null;
  commonName: string;
  subjectDn: string;
  notAfter: Date;
}

export interface AffectedToken {
  id: number;
  serial: string;
  unitId: number;
  holderSubscriberId: number | null;
  state: string;
}

export interface AffectedSubscriber {
  id: number;
  kind: string;
  unitId: number;
  name: string;
}

export type RunState = "running" | "finished" | "interrupted";
export type ItemStatus = "pending" | "done" | "failed";

export interface RunItemInput {
  seq: number;
  objectKind: "cert" | "token" | "subscriber";
  objectId: string;
  action: string;
  fromUnitId: number;
  toUnitId: number | null;
}

export interface RunItem extends RunItemInput {
  id: number;
  runId: number;
  status: ItemStatus;
  outcome: string | null;
  error: string | null;
  doneAt: Date | null;
}

export interface RunRecord {
  id: number;
  batchId: number;
  mode: string;
  state: RunState;
  total: number;
  done: number;
  failed: number;
  digest: string;
  lastError: string | null;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
}

export interface OrgChangeStore {
  /** Certificates in status valid and not expired at `now`, of these units. */
  liveCertificatesOfUnits(unitIds: readonly number[], now: Date): Promise<AffectedCertificate[]>;
  liveCertificatesOfSubscriber(subscriberId: number, now: Date): Promise<AffectedCertificate[]>;
  tokensOfUnits(unitIds: readonly number[], states: readonly string[]): Promise<AffectedToken[]>;
  tokensHeldBy(subscriberId: number, states: readonly string[]): Promise<AffectedToken[]>;
  subscribersOfUnits(unitIds: readonly number[]): Promise<AffectedSubscriber[]>;
  /** Moves the managing unit only if it is still `from` (one conditional UPDATE). */
  moveSubscriber(id: number, from: number, to: number, now: Date): Promise<boolean>;
  moveCertificate(serial: string, from: number, to: number): Promise<boolean>;
  moveToken(id: number, from: number, to: number, now: Date): Promise<boolean>;

  insertRun(r: { batchId: number; mode: string; digest: string; createdBy: string }, items: RunItemInput[], now: Date): Promise<number>;
  findRunByBatch(batchId: number): Promise<RunRecord | null>;
  findRun(id: number): Promise<RunRecord | null>;
  items(runId: number): Promise<RunItem[]>;
  pendingItems(runId: number, limit: number): Promise<RunItem[]>;
  /** pending → done|failed, only if still pending: false when another process took it first. */
  settleItem(id: number, status: "done" | "failed", outcome: string | null, error: string | null, now: Date): Promise<boolean>;
  setOutcome(id: number, outcome: string): Promise<void>;
  /** settleItem(id, "done") for several items in one statement: the ids this call claimed (the others were settled already). */
  claimItems(ids: readonly number[], now: Date): Promise<Set<number>>;
  /** setOutcome for several items with the same outcome. */
  setOutcomes(ids: readonly number[], outcome: string): Promise<void>;
  /** Recounts done/failed from the items and sets the state. */
  updateRun(runId: number, state: RunState, lastError: string | null, now: Date): Promise<RunRecord>;
}

interface CertRow { serial: string; unit_id: number | null; subscriber_id: number | null; token_id: number | null; common_name: string; subject_dn: string; not_after: string }
interface TokenRow { id: number; serial: string; unit_id: number; holder_subscriber_id: number | null; state: string }
interface RunRow { id: number; batch_id: number; mode: string; state: RunState; total: number; done: number; failed: number; digest: string; last_error: string | null; created_by: string; created_at: string; updated_at: string; finished_at: string | null }
interface ItemRow { id: number; run_id: number; seq: number; object_kind: RunItem["objectKind"]; object_id: string; action: string; from_unit_id: number; to_unit_id: number | null; status: ItemStatus; outcome: string | null; error: string | null; done_at: string | null }

const n = (v: number | string | null) => (v === null ? null : Number(v));
const CERT_COLUMNS = ["serial", "unit_id", "subscriber_id", "token_id", "common_name", "subject_dn", "not_after"];
const toCert = (r: CertRow): AffectedCertificate => ({ serial: r.serial, unitId: n(r.unit_id), subscriberId: n(r.subscriber_id), tokenId: n(r.token_id), commonName: r.common_name, subjectDn: r.subject_dn, notAfter: fromDbTime(r.not_after) });
const toToken = (r: TokenRow): AffectedToken => ({ id: Number(r.id), serial: r.serial, unitId: Number(r.unit_id), holderSubscriberId: n(r.holder_subscriber_id), state: r.state });
const toRun = (r: RunRow): RunRecord => ({
  id: Number(r.id), batchId: Number(r.batch_id), mode: r.mode, state: r.state, total: Number(r.total), done: Number(r.done), failed: Number(r.failed), digest: r.digest,
  lastError: r.last_error, createdBy: r.created_by, createdAt: fromDbTime(r.created_at), updatedAt: fromDbTime(r.updated_at), finishedAt: optionalDbTime(r.finished_at),
});
const toItem = (r: ItemRow): RunItem => ({
  id: Number(r.id), runId: Number(r.run_id), seq: Number(r.seq), objectKind: r.object_kind, objectId: r.object_id, action: r.action, fromUnitId: Number(r.from_unit_id),
  toUnitId: n(r.to_unit_id), status: r.status, outcome: r.outcome, error: r.error, doneAt: optionalDbTime(r.done_at),
});

// sqlite: at most 400 rows or bound values per statement.
const CHUNK = 400;
function chunks<T>(xs: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}

export function createOrgChangeStore(db: Knex | Knex.Transaction): OrgChangeStore {
  async function inUnits<R>(table: string, unitIds: readonly number[], build: (qb: Knex.QueryBuilder) => Knex.QueryBuilder): Promise<R[]> {
    const out: R[] = [];
    for (const part of chunks([...new Set(unitIds)])) out.push(...((await build(db(table).whereIn("unit_id", part))) as R[]));
    return out;
  }
  return {
    async liveCertificatesOfUnits(unitIds, now) {
      const rows = await inUnits<CertRow>("certificates", unitIds, (qb) => qb.where("status", "valid").andWhere("not_after", ">", toDbTime(now)).select(CERT_COLUMNS));
      return rows.map(toCert).sort((a, b) => (a.serial < b.serial ? -1 : 1));
    },
    async liveCertificatesOfSubscriber(subscriberId, now) {
      const rows = (await db("certificates").where({ subscriber_id: subscriberId, status: "valid" }).andWhere("not_after", ">", toDbTime(now)).orderBy("serial").select(CERT_COLUMNS)) as CertRow[];
      return rows.map(toCert);
    },
    async tokensOfUnits(unitIds, states) {
      const rows = await inUnits<TokenRow>("tokens", unitIds, (qb) => qb.whereIn("state", [...states]).select("id", "serial", "unit_id", "holder_subscriber_id", "state"));
      return rows.map(toToken).sort((a, b) => a.id - b.id);
    },
    async tokensHeldBy(subscriberId, states) {
      const rows = (await db("tokens").where({ holder_subscriber_id: subscriberId }).whereIn("state", [...states]).orderBy("id").select("id", "serial", "unit_id", "holder_subscriber_id", "state")) as TokenRow[];
      return rows.map(toToken);
    },
    async subscribersOfUnits(unitIds) {
      const rows = await inUnits<{ id: number; kind: string; unit_id: number; name: string }>("subscribers", unitIds, (qb) => qb.select("id", "kind", "unit_id", "name"));
      return rows.map((r) => ({ id: Number(r.id), kind: r.kind, unitId: Number(r.unit_id), name: r.name })).sort((a, b) => a.id - b.id);
    },
    async moveSubscriber(id, from, to, now) {
      return Number(await db("subscribers").where({ id, unit_id: from }).update({ unit_id: to, updated_at: toDbTime(now) })) === 1;
    },
    async moveCertificate(serial, from, to) {
      return Number(await db("certificates").where({ serial, unit_id: from }).update({ unit_id: to })) === 1;
    },
    async moveToken(id, from, to, now) {
      return Number(await db("tokens").where({ id, unit_id: from }).update({ unit_id: to, updated_at: toDbTime(now) })) === 1;
    },

    async insertRun(r, items, now) {
      const at = toDbTime(now);
      const [row] = (await db("org_change_runs")
        .insert({ batch_id: r.batchId, mode: r.mode, state: "running", total: items.length, done: 0, failed: 0, digest: r.digest, created_by: r.createdBy.slice(0, 128), created_at: at, updated_at: at })
        .returning("id")) as Array<{ id: number } | number>;
      const runId = Number(typeof row === "object" ? row.id : row);
      const rows = items.map((i) => ({ run_id: runId, seq: i.seq, object_kind: i.objectKind, object_id: i.objectId, action: i.action, from_unit_id: i.fromUnitId, to_unit_id: i.toUnitId, status: "pending" }));
      // 9 columns a row: stay under sqlite's bound-value limit.
      for (const part of chunks(rows, 100)) await db("org_change_items").insert(part);
      return runId;
    },
    async findRunByBatch(batchId) {
      const row = (await db("org_change_runs").where({ batch_id: batchId }).first()) as RunRow | undefined;
      return row ? toRun(row) : null;
    },
    async findRun(id) {
      const row = (await db("org_change_runs").where({ id }).first()) as RunRow | undefined;
      return row ? toRun(row) : null;
    },
    async items(runId) {
      return ((await db("org_change_items").where({ run_id: runId }).orderBy("seq")) as ItemRow[]).map(toItem);
    },
    async pendingItems(runId, limit) {
      return ((await db("org_change_items").where({ run_id: runId, status: "pending" }).orderBy("seq").limit(limit)) as ItemRow[]).map(toItem);
    },
    async settleItem(id, status, outcome, error, now) {
      const changed = await db("org_change_items")
        .where({ id, status: "pending" })
        .update({ status, outcome: outcome?.slice(0, 500) ?? null, error: error?.slice(0, 1000) ?? null, done_at: toDbTime(now) });
      return Number(changed) === 1;
    },
    async setOutcome(id, outcome) {
      await db("org_change_items").where({ id }).update({ outcome: outcome.slice(0, 500) });
    },
    async claimItems(ids, now) {
      const claimed = new Set<number>();
      for (const part of chunks([...ids], 500)) {
        const rows = (await db("org_change_items").whereIn("id", part).andWhere("status", "pending").update({ status: "done", outcome: null, error: null, done_at: toDbTime(now) }).returning("id")) as Array<{ id: number }>;
        for (const r of rows) claimed.add(Number(r.id));
      }
      return claimed;
    },
    async setOutcomes(ids, outcome) {
      for (const part of chunks([...ids], 500)) await db("org_change_items").whereIn("id", part).update({ outcome: outcome.slice(0, 500) });
    },
    async updateRun(runId, state, lastError, now) {
      const counts = (await db("org_change_items").where({ run_id: runId }).groupBy("status").select("status").count({ c: "*" })) as Array<{ status: ItemStatus; c: number | string }>;
      const of = (s: ItemStatus) => Number(counts.find((c) => c.status === s)?.c ?? 0);
      const at = toDbTime(now);
      await db("org_change_runs")
        .where({ id: runId })
        .update({ state, done: of("done"), failed: of("failed"), last_error: lastError?.slice(0, 1000) ?? null, updated_at: at, finished_at: state === "finished" ? at : null });
      return toRun((await db("org_change_runs").where({ id: runId }).first()) as RunRow);
    },
  };
}
