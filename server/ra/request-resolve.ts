// Turns a form's validated fields into what a request row refers to: the
// subscriber, the certificate a renewal/change/revocation is about, the token a
// Mẫu 06–09 is about, the CSR's key, and the summary the lists show. Every
// reference is checked against the filer's scope; duplicates of an open request
// are refused. Reads only; never changes anything.
import { AppError } from "../errors/app-error";
import { inScope, type Scope } from "../access/scope";
import type { Config } from "../config/schema";
import type { Store } from "../store/store";
import { vietnamDay } from "../directory/unit-source";
import { checkCsr, decodeCsr } from "./csr-check";
import { referenceOf } from "./request-ports";
import { parseRequestData, type RequestData } from "./request-forms";
import { issuesCertificate, isTokenRequest, NEW_CERT_PROFILE, type RequestType } from "./request-types";

export interface Resolved {
  data: Record<string, unknown>;
  summary: string;
  subscriberId: number | null;
  targetSerial: string | null;
  tokenId: number | null;
}

/** Requests of these types about one certificate exclude each other while open. */
const CERT_TYPES: readonly RequestType[] = ["renewal", "change", "revocation"];

export async function resolveRequest(
  deps: { store: Store; config: Config; clock: () => Date },
  input: { type: RequestType; unitId: number; raw: unknown; scope: Scope; selfId?: number | null },
): Promise<Resolved> {
  const { store } = deps;
  const { type, unitId, scope } = input;
  const data = parseRequestData(type, input.raw) as RequestData;
  const d = data as Record<string, unknown>;
  const invalid = (field: string, message: string): never => {
    throw new AppError("REQUEST_INVALID", `Hồ sơ chưa hợp lệ: ${message}`, { fields: { [field]: message } });
  };
  let subscriberId: number | null = null;
  let targetSerial: string | null = null;
  let tokenId: number | null = null;
  let summary = "";

  const profile = NEW_CERT_PROFILE[type];
  if (profile) {
    if (typeof d.subscriberId === "number") {
      const s = await store.subscribers.findById(d.subscriberId);
      if (!s || !inScope(scope, s.unitId)) invalid("subscriberId", "Thuê bao không tồn tại trong đơn vị của bạn");
      if (s!.kind !== profile || s!.unitId !== unitId) invalid("subscriberId", "Thuê bao không thuộc đơn vị này hoặc khác loại chứng thư");
      subscriberId = s!.id;
    }
    summary = String(d.fullName ?? d.organizationName ?? d.clerkName ?? d.deviceName ?? "");
    if (type === "new_organization" && !d.organizationName) {
      const unit = (await store.units.versionsAsOf(vietnamDay(deps.clock()), [unitId]))[0];
      summary = unit?.name ?? summary;
    }
  }

  if (type === "renewal" || type === "change" || type === "revocation") {
    const serial = String(d.targetSerial);
    const cert = await store.certificates.findBySerial(serial);
    if (!cert || !inScope(scope, cert.unitId)) invalid("targetSerial", `Không có chứng thư số hiệu ${serial} trong đơn vị của bạn`);
    if (cert!.unitId !== unitId) invalid("targetSerial", "Chứng thư thuộc đơn vị khác: hãy lập hồ sơ tại đơn vị quản lý thuê bao");
    if (cert!.status !== "valid" || cert!.notAfter <= deps.clock()) invalid("targetSerial", "Chứng thư không còn hiệu lực (đã thu hồi, hết hạn hoặc chưa cấp)");
    targetSerial = serial;
    subscriberId = await store.subscribers.subscriberIdOf(serial);
    if (type !== "revocation" && subscriberId === null) invalid("targetSerial", "Chứng thư chưa gắn với thuê bao nào trong sổ: hãy cập nhật thuê bao trước");
    if (type === "renewal" && typeof d.days === "number" && d.days > deps.config.requests.renewalMaxDays) {
      invalid("days", `Gia hạn tối đa ${deps.config.requests.renewalMaxDays} ngày (3 năm, Nghị định 68/2024)`);
    }
    summary = cert!.commonName;
    const open = (await store.requests.openForTarget(serial, CERT_TYPES)).filter((r) => r.id !== input.selfId);
    if (open.length) throw new AppError("REQUEST_DUPLICATE", `Chứng thư này đang có hồ sơ ${open.map((r) => referenceOf(r.id)).join(", ")} chưa xử lý xong`, { requestIds: open.map((r) => r.id) });
  }

  if (typeof d.tokenSerial === "string") {
    const token = await store.tokens.findBySerial(d.tokenSerial);
    if (!token || !inScope(scope, token.unitId)) invalid("tokenSerial", `Không có token số hiệu ${d.tokenSerial} trong đơn vị của bạn`);
    if (token!.unitId !== unitId) invalid("tokenSerial", "Token thuộc đơn vị khác");
    if (profile && ["lost", "damaged", "returned"].includes(token!.state)) invalid("tokenSerial", "Token đã mất, hỏng hoặc đã thu hồi: không dùng được cho chứng thư mới");
    tokenId = token!.id;
    if (isTokenRequest(type)) {
      summary = `Token ${token!.serial}`;
      const open = (await store.requests.openForToken(token!.id, [type])).filter((r) => r.id !== input.selfId);
      if (open.length) throw new AppError("REQUEST_DUPLICATE", `Token này đang có hồ sơ cùng loại chưa xử lý xong (${referenceOf(open[0]!.id)})`, { requestIds: open.map((r) => r.id) });
    }
  }

  if (type === "token_handover") {
    const s = await store.subscribers.findById(Number(d.holderSubscriberId));
    if (!s || s.unitId !== unitId) invalid("holderSubscriberId", "Người nhận token phải là thuê bao của đơn vị này");
    subscriberId = s!.id;
    summary = `Token ${String(d.tokenSerial)} → ${s!.name}`;
  }

  return { data: d, summary: summary.slice(0, 255), subscriberId, targetSerial, tokenId };
}

/** Checks an uploaded CSR (PEM or DER): proof of possession, key strength. Only for types that issue. */
export async function checkRequestCsr(type: RequestType, csr: Buffer | string | null | undefined): Promise<Buffer | null> {
  if (csr === null || csr === undefined || (typeof csr === "string" && csr.trim() === "") || (Buffer.isBuffer(csr) && csr.length === 0)) return null;
  if (!issuesCertificate(type)) throw new AppError("REQUEST_INVALID", "Loại hồ sơ này không kèm yêu cầu ký chứng thư (CSR)", { fields: { csr: "Không dùng CSR cho loại hồ sơ này" } });
  await checkCsr(csr);
  return decodeCsr(csr);
}
