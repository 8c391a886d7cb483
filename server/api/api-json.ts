// What the API answers, as plain JSON: requests (with their steps, files and
// links), certificates' status, lost-token reports. Dates are ISO 8601, serials
// lowercase hex. Shapes only; openapi.ts describes the same objects.
import type { CertificateDetail } from "../directory/certificate-directory";
import type { UnitSummary } from "../directory/unit-source";
import { referenceOf } from "../ra/request-ports";
import { OPEN_STATES } from "../ra/request-states";
import { FORM_OF } from "../ra/request-types";
import { reasonName } from "../ra/revocation-reasons";
import type { RevocationNotice } from "../ra/revocation-service";
import type { AttachmentMeta, RequestEvent, RequestRecord } from "../store/request-store";
import type { TokenRecord } from "../store/token-store";

export const API_BASE = "/api/v1";

const iso = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);

export type UnitRef = { id: number; code: string; name: string } | null;

export function unitRef(units: Map<number, UnitSummary>, id: number | null): UnitRef {
  if (id === null) return null;
  const u = units.get(id);
  return u ? { id: u.id, code: u.code, name: u.name } : { id, code: "", name: "" };
}

/** Overdue: the deadline (a Vietnam calendar day) has passed and somebody still has to act. */
function overdue(r: RequestRecord, today: string): boolean {
  return r.dueDate !== null && r.dueDate < today && OPEN_STATES.includes(r.state);
}

function requestLinks(r: RequestRecord, actions: readonly string[] | null) {
  const self = `${API_BASE}/requests/${r.id}`;
  const links: Record<string, string> = { self, attachments: `${self}/attachments` };
  if (!actions || actions.includes("submit")) links.submit = `${self}/submit`;
  if (!actions || actions.includes("withdraw")) links.withdraw = `${self}/withdraw`;
  if (r.resultSerial) links.certificate = `${API_BASE}/certificates/${r.resultSerial}`;
  if (r.targetSerial) links.targetCertificate = `${API_BASE}/certificates/${r.targetSerial}`;
  return links;
}

export function requestSummaryJson(r: RequestRecord, unit: UnitRef, today: string) {
  return {
    id: r.id,
    reference: referenceOf(r.id),
    type: r.type,
    form: FORM_OF[r.type],
    state: r.state,
    unit,
    summary: r.summary,
    source: r.source,
    dueDate: r.dueDate,
    overdue: overdue(r, today),
    createdAt: iso(r.createdAt),
    updatedAt: iso(r.updatedAt),
    submittedAt: iso(r.submittedAt),
    completedAt: iso(r.completedAt),
    certificateSerial: r.resultSerial,
    links: { self: `${API_BASE}/requests/${r.id}` },
  };
}

export function requestJson(page: { request: RequestRecord; events: RequestEvent[]; attachments: AttachmentMeta[]; actions: string[]; today: string }, unit: UnitRef) {
  const r = page.request;
  // What this token may do next on the web's terms; edit/attach are the web's words for "still editable".
  const actions = page.actions.filter((a) => a !== "edit");
  return {
    ...requestSummaryJson(r, unit, page.today),
    data: r.data,
    hasCsr: r.hasCsr,
    targetSerial: r.targetSerial,
    lastReason: r.lastReason,
    lastError: r.lastError,
    idempotencyKey: r.idempotencyKey,
    actions,
    events: page.events.map((e) => ({ action: e.action, fromState: e.fromState, toState: e.toState, at: iso(e.at), actor: e.actor, role: e.role, reason: e.reason })),
    attachments: page.attachments.map(attachmentJson),
    links: requestLinks(r, actions),
  };
}

export function attachmentJson(a: AttachmentMeta) {
  return { id: a.id, kind: a.kind, filename: a.filename, contentType: a.contentType, size: a.size, sha256: a.sha256, uploadedAt: iso(a.uploadedAt), uploadedBy: a.uploadedBy };
}

/** OCSP's words (RFC 6960 2.2) plus "expired": good, revoked, expired, or unknown (never issued: pending or failed). */
export function certificateStatus(c: Pick<CertificateDetail, "displayStatus">): "good" | "revoked" | "expired" | "unknown" {
  switch (c.displayStatus) {
    case "active":
      return "good";
    case "revoked":
      return "revoked";
    case "expired":
      return "expired";
    default:
      return "unknown";
  }
}

export function certificateJson(c: CertificateDetail) {
  return {
    serial: c.serial,
    status: certificateStatus(c),
    revokedAt: iso(c.revokedAt),
    revocationReason: c.revocationReasonName,
    invalidityDate: iso(c.invalidityDate),
    notBefore: iso(c.notBefore),
    notAfter: iso(c.notAfter),
    subject: c.subjectDn,
    commonName: c.commonName,
    email: c.email,
    profile: c.profile,
    issuer: c.issuerDn,
    unit: c.unit ? { id: c.unit.id, code: c.unit.code, name: c.unit.name } : null,
    links: { self: `${API_BASE}/certificates/${c.serial}`, ...(c.hasDer ? { pem: `${API_BASE}/certificates/${c.serial}/pem` } : {}) },
  };
}

export function lostReportJson(token: TokenRecord, revoked: RevocationNotice[], alreadyRevoked: string[], record: { id: number } | null) {
  return {
    token: { serial: token.serial, type: token.type, state: token.state, unitId: token.unitId },
    revoked: revoked.map((n) => ({ serial: n.serial, revokedAt: iso(n.revokedAt), revocationReason: reasonName(n.reason) })),
    alreadyRevoked,
    request: record ? { id: record.id, reference: referenceOf(record.id), links: { self: `${API_BASE}/requests/${record.id}` } } : null,
  };
}
