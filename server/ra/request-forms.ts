// The fields of each legal form (Decree 68/2024 annex, Mẫu 01–09) and their
// validation, with a Vietnamese message per field. A request's `data` is what
// this returns; nothing unvalidated is stored. Decides nothing about state.
import { z } from "zod";
import { AppError } from "../errors/app-error";
import { TRIGGER_REASON, type RevocationTrigger } from "./revocation-reasons";
import { CONTROL, DNS, EMAIL, mixedScripts } from "./subject-policy";
import type { RequestType } from "./request-types";
import { normaliseTokenSerial, TOKEN_SERIAL } from "./token-states";

// A name (on a certificate) refuses tabs and line breaks as well, before they are collapsed to spaces;
// prose (a reason, a purpose) may have line breaks from a textarea. Names also refuse mixed scripts
// (homoglyphs, see subject-policy.ts).
const PROSE_WHITESPACE = /[\t\n\r]/g;
const MIXED = (label: string) => `${label}: trộn chữ của nhiều hệ chữ (ví dụ chữ Latinh với chữ Kirin hoặc Hy Lạp trông giống nhau)`;

function name(label: string, max = 64, prose = false) {
  return z
    .string({ error: `${label}: bắt buộc` })
    .refine((s) => !CONTROL.test(prose ? s.replace(PROSE_WHITESPACE, " ") : s), `${label}: có ký tự điều khiển hoặc ký tự ẩn`)
    .transform((s) => s.normalize("NFC").trim().replace(/\s+/g, " "))
    .refine((s) => s.length > 0, `${label}: bắt buộc`)
    .refine((s) => prose || !mixedScripts(s), MIXED(label))
    .refine((s) => [...s].length <= max, `${label}: dài quá ${max} ký tự`);
}

function optionalText(label: string, max: number, prose = false) {
  return z
    .string()
    .optional()
    .refine((s) => s === undefined || !CONTROL.test(prose ? s.replace(PROSE_WHITESPACE, " ") : s), `${label}: có ký tự điều khiển hoặc ký tự ẩn`)
    .transform((s) => (s === undefined ? undefined : s.normalize("NFC").trim().replace(/\s+/g, " ") || undefined))
    .refine((s) => s === undefined || prose || !mixedScripts(s), MIXED(label))
    .refine((s) => s === undefined || [...s].length <= max, `${label}: dài quá ${max} ký tự`);
}

const email = (label: string) =>
  z
    .string({ error: `${label}: bắt buộc` })
    .transform((s) => s.trim().toLowerCase())
    .refine((s) => s.length <= 128 && EMAIL.test(s), `${label}: không đúng định dạng địa chỉ thư điện tử`);

const optionalEmail = (label: string) =>
  z
    .string()
    .optional()
    .transform((s) => (s === undefined || s.trim() === "" ? undefined : s.trim().toLowerCase()))
    .refine((s) => s === undefined || (s.length <= 128 && EMAIL.test(s)), `${label}: không đúng định dạng địa chỉ thư điện tử`);

// The 12-digit citizen identity number (CCCD, Law on Identification 2023).
const nationalId = z
  .string({ error: "Số định danh cá nhân (CCCD): bắt buộc" })
  .transform((s) => s.trim())
  .refine((s) => /^\d{12}$/.test(s), "Số định danh cá nhân (CCCD): phải gồm đúng 12 chữ số");

const phone = z
  .string()
  .optional()
  .transform((s) => (s === undefined || s.trim() === "" ? undefined : s.replace(/[\s.-]/g, "")))
  .refine((s) => s === undefined || /^\+?\d{9,15}$/.test(s), "Số điện thoại: chỉ gồm 9–15 chữ số");

const serial = (label: string) =>
  z
    .string({ error: `${label}: bắt buộc` })
    // As server/ca/serial.ts canonicalSerial: no leading zero octets, whole octets ("0a…" is stored, never "a…").
    .transform((s) => s.trim().toLowerCase().replace(/^0+(?=.)/, "").replace(/^(?=(?:..)*.$)/, "0"))
    .refine((s) => /^[0-9a-f]{1,40}$/.test(s), `${label}: phải là số hiệu chứng thư dạng hex`);

const TOKEN_SERIAL_MESSAGE = "Số hiệu token: 3–64 ký tự gồm chữ, số, dấu chấm, hai chấm, gạch ngang, gạch dưới";

const tokenSerial = z
  .string({ error: "Số hiệu token: bắt buộc" })
  .transform(normaliseTokenSerial)
  .refine((s) => TOKEN_SERIAL.test(s), TOKEN_SERIAL_MESSAGE);

const optionalTokenSerial = z
  .string()
  .optional()
  .transform((s) => (s === undefined || s.trim() === "" ? undefined : normaliseTokenSerial(s)))
  .refine((s) => s === undefined || TOKEN_SERIAL.test(s), TOKEN_SERIAL_MESSAGE);

const days = z
  .union([z.number(), z.string()])
  .optional()
  .transform((v) => (v === undefined || v === "" ? undefined : Number(v)))
  .refine((v) => v === undefined || (Number.isInteger(v) && v >= 1 && v <= 1827), "Thời hạn (ngày): số nguyên từ 1 đến 1827");

const optionalId = (label: string) =>
  z
    .union([z.number(), z.string()])
    .optional()
    .transform((v) => (v === undefined || v === "" ? undefined : Number(v)))
    .refine((v) => v === undefined || (Number.isInteger(v) && v > 0), `${label}: không hợp lệ`);

const dnsNames = z
  .union([z.array(z.string()), z.string()])
  .optional()
  .transform((v) => (v === undefined ? [] : (Array.isArray(v) ? v : v.split(/[\s,;]+/)).map((d) => d.trim().toLowerCase()).filter(Boolean)))
  .refine((v) => v.length <= 10 && v.every((d) => DNS.test(d)), "Tên miền: không đúng định dạng (tối đa 10 tên)");

const reasonText = (required: boolean) =>
  required ? name("Lý do", 1000, true) : optionalText("Lý do", 1000, true);

const TRIGGERS = Object.keys(TRIGGER_REASON) as [RevocationTrigger, ...RevocationTrigger[]];

const FORMS = {
  // Mẫu 01: a certificate for an official (cá nhân).
  new_individual: z.object({
    subscriberId: optionalId("Thuê bao"),
    fullName: name("Họ và tên"),
    nationalId,
    position: name("Chức vụ", 64),
    email: email("Thư điện tử công vụ"),
    phone,
    tokenSerial: optionalTokenSerial,
    days,
  }),
  // Mẫu 02: the agency's own certificate, kept by its clerk (văn thư).
  new_organization: z.object({
    subscriberId: optionalId("Thuê bao"),
    organizationName: optionalText("Tên cơ quan, tổ chức", 64),
    clerkName: name("Người quản lý chứng thư (văn thư)"),
    email: email("Thư điện tử của cơ quan"),
    phone,
    tokenSerial: optionalTokenSerial,
    days,
  }),
  // Mẫu 03: a device, service or software.
  new_device: z.object({
    subscriberId: optionalId("Thuê bao"),
    deviceName: name("Tên thiết bị, dịch vụ, phần mềm"),
    purpose: name("Mục đích sử dụng", 500, true),
    responsiblePerson: name("Người chịu trách nhiệm"),
    email: optionalEmail("Thư điện tử"),
    dnsNames,
    tokenSerial: optionalTokenSerial,
    days,
  }),
  // Mẫu 04 (gia hạn): a new certificate for the same subscriber, at most 3 years.
  renewal: z.object({ targetSerial: serial("Chứng thư cần gia hạn"), days, reasonText: reasonText(false) }),
  // Mẫu 04 (thay đổi thông tin): re-issue with the changed fields; the old one is superseded.
  change: z.object({
    targetSerial: serial("Chứng thư cần thay đổi thông tin"),
    fullName: optionalText("Họ và tên mới", 64),
    position: optionalText("Chức vụ mới", 64),
    email: optionalEmail("Thư điện tử mới"),
    reasonText: reasonText(true),
  }),
  // Mẫu 05: revocation, for one of the Art. 17 triggers.
  revocation: z.object({
    targetSerial: serial("Chứng thư cần thu hồi"),
    trigger: z.enum(TRIGGERS, { error: "Căn cứ thu hồi: chọn một căn cứ theo Điều 17" }),
    reasonText: reasonText(true),
  }),
  // Mẫu 06: token recovery / PIN unlock.
  token_recovery: z.object({ tokenSerial, reasonText: reasonText(true) }),
  // Mẫu 07: handing a token to its holder.
  token_handover: z.object({ tokenSerial, holderSubscriberId: optionalId("Người nhận token").refine((v) => v !== undefined, "Người nhận token: bắt buộc") }),
  // Mẫu 08: returning a token after revocation.
  token_return: z.object({ tokenSerial, reasonText: reasonText(true) }),
  // Mẫu 09: the lost-token record (the revocation itself is immediate: token-service reportLost).
  token_lost: z.object({ tokenSerial, reasonText: reasonText(false) }),
} satisfies Record<RequestType, z.ZodType>;

export type RequestData<T extends RequestType = RequestType> = z.output<(typeof FORMS)[T]>;

/** Field names each form has (for the pages and the bulk import template). */
export function fieldsOf(type: RequestType): string[] {
  return Object.keys(FORMS[type].shape);
}

/**
 * Validates a form's fields. REQUEST_INVALID lists every wrong field with its
 * Vietnamese message in `details.fields` (the page shows each next to its input).
 */
export function parseRequestData<T extends RequestType>(type: T, raw: unknown): RequestData<T> {
  const result = FORMS[type].safeParse(raw ?? {});
  if (result.success) return result.data as RequestData<T>;
  const fields: Record<string, string> = {};
  for (const issue of result.error.issues) {
    const key = String(issue.path[0] ?? "_");
    fields[key] ??= issue.message;
  }
  throw new AppError("REQUEST_INVALID", `Hồ sơ chưa hợp lệ: ${Object.values(fields).join("; ")}`, { fields });
}
