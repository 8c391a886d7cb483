// Field rules shared by the report registers' forms (zod): text in NFC with one
// space and no control characters, a calendar day (yyyy-mm-dd or dd/mm/yyyy)
// not in the future, whole counts, one of a list. Every message is Vietnamese
// and names its field; REGISTER_INVALID carries them in details.fields. Knows
// nothing about units or scope.
import { z } from "zod";
import { AppError } from "../../errors/app-error";

/** What a form posts: strings, or lists of strings for repeated fields (a training's units). */
export type RegisterForm = Record<string, string | string[] | undefined>;

const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]/;

/** A form value as one string ("" if absent or repeated). */
export function one(form: RegisterForm, name: string): string {
  const v = form[name];
  return typeof v === "string" ? v : "";
}

/** A repeated form value as a list. */
export function many(form: RegisterForm, name: string): string[] {
  const v = form[name];
  return Array.isArray(v) ? v : typeof v === "string" ? [v] : [];
}

/** Free text: required or optional (blank → null); line breaks kept in long texts, runs of spaces folded. */
export function text(label: string, max: number, required: boolean) {
  return z
    .string()
    .optional()
    .transform((s) => (s ?? "").normalize("NFC").replace(/\r\n?/g, "\n").replace(/[ \t]+/g, " ").replace(/ *\n */g, "\n").trim())
    .refine((s) => !required || s.length > 0, `${label}: bắt buộc`)
    .refine((s) => !CONTROL.test(s), `${label}: có ký tự điều khiển hoặc ký tự ẩn`)
    .refine((s) => [...s].length <= max, `${label}: dài quá ${max} ký tự`)
    .transform((s) => s || null);
}

/** 'YYYY-MM-DD' from yyyy-mm-dd or dd/mm/yyyy, or null if it is not a real calendar day. */
export function isoDay(s: string): string | null {
  const t = s.trim();
  let m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(t);
  let y: number, mo: number, d: number;
  if (m) [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  else if ((m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(t))) [d, mo, y] = [Number(m[1]), Number(m[2]), Number(m[3])];
  else return null;
  const dt = new Date(Date.UTC(y, mo - 1, d));
  if (dt.getUTCFullYear() !== y || dt.getUTCMonth() !== mo - 1 || dt.getUTCDate() !== d) return null;
  return dt.toISOString().slice(0, 10);
}

/** A day something happened: a real date, from 2000 on, not after `today` (Vietnam calendar day). */
export function pastDay(label: string, today: string, required = true) {
  return z
    .string()
    .optional()
    .transform((s) => (s ?? "").trim())
    .refine((s) => !required || s.length > 0, `${label}: bắt buộc`)
    .refine((s) => s === "" || isoDay(s) !== null, `${label}: không phải ngày hợp lệ (nhập theo dạng ngày/tháng/năm)`)
    .transform((s) => (s === "" ? null : isoDay(s)!))
    .refine((s) => s === null || s >= "2000-01-01", `${label}: phải từ năm 2000 trở đi`)
    .refine((s) => s === null || s <= today, `${label}: không được sau ngày hôm nay`);
}

/** A whole number in [min, max]. */
export function count(label: string, min: number, max: number) {
  return z
    .string()
    .optional()
    .transform((s) => (s ?? "").trim().replace(/[.\s]/g, ""))
    .refine((s) => s.length > 0, `${label}: bắt buộc`)
    .refine((s) => s === "" || /^\d{1,9}$/.test(s), `${label}: phải là số nguyên không âm`)
    .transform((s) => Number(s))
    .refine((n) => Number.isNaN(n) || (n >= min && n <= max), `${label}: phải từ ${min} đến ${max}`);
}

/** One of `values`; `message` says what to choose. */
export function choice<T extends string>(values: readonly T[], message: string) {
  return z
    .string()
    .optional()
    .refine((s) => s !== undefined && (values as readonly string[]).includes(s), message)
    .transform((s) => s as T);
}

/** REGISTER_INVALID with one Vietnamese message per wrong field (the first for each). */
export function invalid(fields: Record<string, string>): AppError {
  return new AppError("REGISTER_INVALID", `Thông tin chưa hợp lệ: ${Object.values(fields).join("; ")}`, { fields });
}

/** Parses `input` with `schema`; collects each field's first message into `fields`. */
export function check<S extends z.ZodType>(schema: S, input: unknown, fields: Record<string, string>): z.output<S> | null {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  for (const issue of r.error.issues) fields[String(issue.path[0] ?? "_")] ??= issue.message;
  return null;
}
