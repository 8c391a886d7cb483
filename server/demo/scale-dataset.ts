// Builds a scale dataset (issue 7, `npm run cli -- demo scale`): a fictional
// province of `units` units, then chunk after chunk of subscribers, tokens,
// requests and REAL certificates signed by the active issuing CA in worker
// threads (server/ca/bulk-signer.ts), revoked with the domain's reason mix,
// written in one transaction per chunk with an audit entry (server/store/scale-store.ts).
// Signing of the next chunk overlaps the writing of this one.
//
// The bulk path skips the issuance cycle's lint copy and pending row per
// certificate (server/ca/issue-cycle.ts): a crash mid-chunk rolls the chunk's
// rows back, and the certificates signed for it were never handed to anyone.
// Refuses to run on a database that already holds a scale dataset unless `append`.
import type { Config } from "../config/schema";
import { openBulkSigner, type BulkSigned } from "../ca/bulk-signer";
import type { KeyRing } from "../ca/key-ring";
import { unitSourceFromStore, vietnamDay } from "../directory/unit-source";
import { AppError } from "../errors/app-error";
import { createUnitService } from "../org/unit-service";
import { createWorkingCalendar } from "../ra/working-days";
import { reasonName } from "../ra/revocation-reasons";
import type { ScaleChunkRows, ScaleStore } from "../store/scale-store";
import type { Store } from "../store/store";
import { dataOf, planChunk, reasonCode, type ChunkPlan, type PlanUnit } from "./scale-plan";
import { SCALE_ACTOR, SCALE_PROVINCE, SCALE_PROVINCE_CODE, scaleUnitTree } from "./scale-names";

export interface ScaleOptions {
  certs: number;
  revoked: number;
  units: number;
  requests: number;
  append: boolean;
  /** Signing threads (default: one per core). */
  workers?: number;
  /** Certificates per chunk (one transaction, one audit entry). */
  chunk?: number;
}

export interface ScaleProgress {
  done: number;
  total: number;
  elapsedMs: number;
}

export interface ScaleDeps {
  config: Config;
  store: Store;
  scale: ScaleStore;
  keyRing: KeyRing;
  clock: () => Date;
  actor?: string;
  onProgress?: (p: ScaleProgress) => void;
}

export interface ScaleResult {
  certificates: number;
  revoked: number;
  expired: number;
  reasons: Record<string, number>;
  subscribers: number;
  tokens: number;
  requests: number;
  units: number;
  workers: number;
  ms: number;
  /** Of `ms`: spent writing chunks to the database, and waiting for the signing threads. */
  writeMs: number;
  signWaitMs: number;
  database: "sqlite" | "postgres";
}

const tokenSerial = (type: string, id: number) =>
  type === "sim_pki" ? `8984${String(id).padStart(12, "0")}` : type === "hsm_slot" ? `HSM-QM-SLOT-${String(id).padStart(8, "0")}` : `USB-QM-${String(id).padStart(10, "0")}`;

async function ensureUnits(deps: ScaleDeps, k: number, append: boolean): Promise<PlanUnit[]> {
  const actor = deps.actor ?? SCALE_ACTOR;
  const existing = await deps.store.units.findByCode(SCALE_PROVINCE_CODE);
  if (existing && !append) {
    // Units left by a run that stopped before its first chunk are reused; certificates mean a dataset.
    const ids = await deps.store.units.subtreeIdsAsOf(existing.id, vietnamDay(deps.clock()));
    const one = await deps.store.certificateQueries.list({ units: { all: false, unitIds: ids }, now: deps.clock(), limit: 1 });
    if (one.rows.length > 0) throw new AppError("SCALE_DATASET_EXISTS", `this database already holds a scale dataset (province ${SCALE_PROVINCE_CODE}); add --append to add to it`);
  }
  if (!existing) {
    const units = createUnitService({ store: deps.store, clock: deps.clock });
    const changes = scaleUnitTree(k).map((u) => ({ kind: "create", unit: u }));
    // Dated well before the certificates, so reports for past years find the units (the tree as it stood).
    const draft = await units.draftBatch(`Cơ cấu tổ chức ${SCALE_PROVINCE} (dữ liệu quy mô, thử nghiệm)`, "2019-01-01", changes, actor);
    await units.apply(draft.id, actor);
  }
  const source = unitSourceFromStore(deps.store.units);
  const province = (await source.findByCode(SCALE_PROVINCE_CODE))!;
  const now = deps.clock();
  const ids = await source.subtreeIds(province.id, now);
  const list = await source.unitsAsOf(now, ids);
  list.sort((a, b) => (a.id === province.id ? -1 : b.id === province.id ? 1 : a.code.localeCompare(b.code)));
  return list.map((u) => ({ id: u.id, code: u.code, name: u.name, type: u.type, emailDomain: u.emailDomain ?? "thunghiemquymo.gov.vn" }));
}

/** Assigns ids, fills in serials and forms, and lays the chunk out as rows in foreign-key order. */
async function toRows(plan: ChunkPlan, signed: BulkSigned[], caId: number, scale: ScaleStore, actor: string): Promise<ScaleChunkRows> {
  const [subIds, tokIds, reqIds] = await Promise.all([scale.reserveIds("subscribers", plan.subs.length), scale.reserveIds("tokens", plan.toks.length), scale.reserveIds("requests", plan.reqs.length)]);
  plan.subs.forEach((s, i) => (s.id = subIds[i]!));
  plan.toks.forEach((t, i) => (t.id = tokIds[i]!));
  plan.reqs.forEach((q, i) => (q.id = reqIds[i]!));
  plan.certs.forEach((c, i) => (c.serial = signed[i]!.serial));
  const requestRow = (q: ChunkPlan["reqs"][number]) => ({
    id: q.id, type: q.type, state: q.state, unitId: q.sub.unit.id, subscriberId: q.sub.id, targetSerial: q.target?.serial ?? null, tokenId: q.tok?.id ?? null,
    resultSerial: q.result?.serial ?? null, data: dataOf(q, q.tok ? tokenSerial(q.tok.type, q.tok.id) : undefined, q.target?.serial), summary: q.tok && q.type.startsWith("token_") ? `${tokenSerial(q.tok.type, q.tok.id)} — ${q.sub.name}` : q.sub.name,
    createdBy: actor, createdAt: q.createdAt, updatedAt: q.updatedAt, submittedAt: q.submittedAt, completedAt: q.completedAt, dueDate: q.dueDate, lastReason: q.lastReason, events: q.events,
  });
  return {
    subscribers: plan.subs.map((s) => ({ id: s.id, kind: s.kind, unitId: s.unit.id, name: s.name, nationalId: s.nationalId, position: s.position, email: s.email, phone: s.phone, purpose: s.purpose, responsiblePerson: s.responsible, at: s.at })),
    tokens: plan.toks.map((t) => ({ id: t.id, serial: tokenSerial(t.type, t.id), type: t.type, unitId: t.unit.id, holderSubscriberId: t.holder?.id ?? null, state: t.state, createdAt: t.createdAt, updatedAt: t.updatedAt })),
    certificates: plan.certs.map((c, i) => {
      const s = signed[i]!;
      return {
        serial: s.serial, caId, profile: c.spec.profile, status: c.revokedAt ? "revoked" : "valid", subjectDn: s.subjectDn, commonName: c.spec.subject.commonName, email: c.spec.subject.email ?? null,
        spkiSha256: s.spkiSha256, keyAlg: s.keyAlg, tbsDer: s.tbsDer, certDer: s.certDer, notBefore: c.spec.notBefore, notAfter: c.spec.notAfter, issuedAt: c.issuedAt,
        revokedAt: c.revokedAt, revocationReason: c.trigger ? reasonCode(c.trigger) : null, invalidityDate: c.invalidityDate, unitId: c.sub.unit.id, subscriberId: c.sub.id,
        requestId: c.request?.id ?? null, tokenId: c.tok.id,
      };
    }),
    requests: plan.reqs.map(requestRow),
  };
}

export async function buildScaleDataset(deps: ScaleDeps, o: ScaleOptions): Promise<ScaleResult> {
  const started = Date.now();
  const actor = deps.actor ?? SCALE_ACTOR;
  if (!(o.certs >= 1) || o.revoked < 0 || o.revoked > o.certs / 2 || o.units < 1 || o.requests < 0) {
    throw new AppError("INPUT_INVALID", "demo scale: --certs ≥ 1, 0 ≤ --revoked ≤ half of --certs, --units ≥ 1, --requests ≥ 0");
  }
  if (!(await deps.keyRing.active("issuing"))) throw new AppError("CA_NOT_INITIALISED", "no issuing CA: run `npm run cli -- ca init` first");
  const units = await ensureUnits(deps, o.units, o.append);
  const calendar = createWorkingCalendar((await deps.store.holidays.all()).map((h) => ({ date: h.date, kind: h.kind })));
  const signer = await openBulkSigner({ config: deps.config, keyRing: deps.keyRing, workers: o.workers });
  const size = Math.max(1, o.chunk ?? 2000);
  const now = deps.clock();
  const seedBase = o.append ? (now.getTime() / 1000) >>> 0 : 0x5ca1e;
  const result: ScaleResult = { certificates: 0, revoked: 0, expired: 0, reasons: {}, subscribers: 0, tokens: 0, requests: 0, units: units.length, workers: signer.workers, ms: 0, writeMs: 0, signWaitMs: 0, database: deps.config.databaseUrl ? "postgres" : "sqlite" };
  let revokedBefore = 0;
  const prepare = (index: number) => {
    const certsBefore = index * size;
    const plan = planChunk({
      seed: seedBase + index, units, now, calendar, config: deps.config, caNotAfter: signer.caNotAfter,
      certsBefore, revokedBefore, certs: Math.min(size, o.certs - certsBefore), totalCerts: o.certs, totalRevoked: o.revoked, requests: o.requests,
    });
    revokedBefore += plan.certs.filter((c) => c.revokedAt).length;
    return { plan, signed: signer.signBatch(plan.certs.map((c) => c.spec)) };
  };
  try {
    const chunks = Math.ceil(o.certs / size);
    let next = prepare(0);
    for (let i = 0; i < chunks; i++) {
      const cur = next;
      const waitFrom = Date.now();
      const signed = await cur.signed;
      result.signWaitMs += Date.now() - waitFrom;
      if (i + 1 < chunks) next = prepare(i + 1);
      const writeFrom = Date.now();
      const rows = await toRows(cur.plan, signed, signer.caId, deps.scale, actor);
      const revoked = rows.certificates.filter((c) => c.status === "revoked");
      await deps.scale.writeChunk(rows, {
        actor, action: "demo.scale.batch", objectType: "ca", objectId: signer.caSlug, outcome: "ok",
        details: { certificates: rows.certificates.length, revoked: revoked.length, subscribers: rows.subscribers.length, tokens: rows.tokens.length, requests: rows.requests.length, firstSerial: rows.certificates[0]?.serial, lastSerial: rows.certificates.at(-1)?.serial },
      }, deps.clock());
      result.writeMs += Date.now() - writeFrom;
      result.certificates += rows.certificates.length;
      result.revoked += revoked.length;
      result.expired += rows.certificates.filter((c) => c.status === "valid" && c.notAfter < now).length;
      for (const c of revoked) {
        const name = reasonName(c.revocationReason!) ?? String(c.revocationReason);
        result.reasons[name] = (result.reasons[name] ?? 0) + 1;
      }
      result.subscribers += rows.subscribers.length;
      result.tokens += rows.tokens.length;
      result.requests += rows.requests.length;
      deps.onProgress?.({ done: result.certificates, total: o.certs, elapsedMs: Date.now() - started });
    }
  } finally {
    await signer.close();
  }
  // Planner statistics for the new rows (PostgreSQL would get there by autovacuum, later).
  await deps.scale.analyze();
  result.ms = Date.now() - started;
  await deps.store.audit.append({ actor, action: "demo.scale", objectType: "unit", objectId: SCALE_PROVINCE_CODE, outcome: "ok", details: { ...result, append: o.append } }, deps.clock());
  return result;
}

/** The summary line: counts and rates. */
export function scaleSummaryLine(r: ScaleResult): string {
  const f = (n: number) => n.toLocaleString("en-US");
  const s = r.ms / 1000;
  const reasons = Object.entries(r.reasons).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${f(v)}`).join(", ");
  return (
    `scale dataset (${r.database}): ${f(r.certificates)} certificates (${f(r.revoked)} revoked: ${reasons}; ${f(r.expired)} expired), ` +
    `${f(r.subscribers)} subscribers, ${f(r.tokens)} tokens, ${f(r.requests)} requests in ${f(r.units)} units; ` +
    `${s.toFixed(1)} s, ${f(Math.round(r.certificates / Math.max(s, 0.001)))} certificates/s with ${r.workers} signing thread${r.workers === 1 ? "" : "s"} (database writes ${(r.writeMs / 1000).toFixed(1)} s, waiting for signatures ${(r.signWaitMs / 1000).toFixed(1)} s)`
  );
}
