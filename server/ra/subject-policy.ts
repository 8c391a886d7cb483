// Validates the subject fields a certificate will carry: the RA builds the
// subject from these, never from the CSR. Upper bounds from RFC 5280 Appendix A
// (ub-common-name 64, ub-organization-name 64, ub-locality-name 128).
import { AppError } from "../errors/app-error";

export interface SubjectInput {
  commonName?: string | undefined;
  organization?: string | undefined;
  organizationalUnits?: string[] | undefined;
  locality?: string | undefined;
  email?: string | undefined;
  dnsNames?: string[] | undefined;
}

export interface ValidSubject {
  commonName: string;
  organization?: string;
  organizationalUnits: string[];
  locality?: string;
  email?: string;
  dnsNames: string[];
}

/** Control and invisible characters: never in a name that ends up in a certificate. */
export const CONTROL = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]/;

// Homoglyphs (UTS #39 5.2 "single script"): a name whose letters come from more
// than one script, e.g. Latin with a Cyrillic "а" (U+0430) or a Greek "ο", could
// pass for another name on a certificate. Refused, not flagged: Vietnamese names
// are Latin script, and a name that cannot be told apart must not be signed.
const SCRIPTS: ReadonlyArray<[string, RegExp]> = [
  ["Latin", /\p{Script=Latin}/u],
  ["Cyrillic", /\p{Script=Cyrillic}/u],
  ["Greek", /\p{Script=Greek}/u],
  ["Armenian", /\p{Script=Armenian}/u],
  ["Cherokee", /\p{Script=Cherokee}/u],
  ["Han", /\p{Script=Han}/u],
];

/** The scripts of the letters of `s` when there is more than one (else null). */
export function mixedScripts(s: string): string[] | null {
  const found = new Set<string>();
  for (const ch of s) {
    if (!/\p{L}/u.test(ch)) continue;
    found.add(SCRIPTS.find(([, re]) => re.test(ch))?.[0] ?? "other");
  }
  return found.size > 1 ? [...found] : null;
}
export const EMAIL = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;
export const DNS = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

function text(field: string, value: string | undefined, max: number, required: boolean): string | undefined {
  if (value === undefined || value.trim() === "") {
    if (required) throw new AppError("SUBJECT_INVALID", `${field} is required`, { field });
    return undefined;
  }
  if (CONTROL.test(value)) throw new AppError("SUBJECT_INVALID", `${field} contains control or invisible characters`, { field });
  const v = value.normalize("NFC").trim().replace(/\s+/g, " ");
  const scripts = mixedScripts(v);
  if (scripts) throw new AppError("SUBJECT_INVALID", `${field} mixes letters of several scripts (${scripts.join(", ")}): look-alike characters are not accepted`, { field });
  if ([...v].length > max) throw new AppError("SUBJECT_INVALID", `${field} is longer than ${max} characters`, { field });
  return v;
}

export function validateSubject(input: SubjectInput): ValidSubject {
  const commonName = text("common name (--cn)", input.commonName, 64, true)!;
  const out: ValidSubject = { commonName, organizationalUnits: [], dnsNames: [] };
  const o = text("organisation (--o)", input.organization, 64, false);
  if (o) out.organization = o;
  const l = text("locality (--l)", input.locality, 128, false);
  if (l) out.locality = l;
  const ous = input.organizationalUnits ?? [];
  if (ous.length > 4) throw new AppError("SUBJECT_INVALID", "at most 4 organisational units (--ou)", { field: "ou" });
  for (const ou of ous) {
    const v = text("organisational unit (--ou)", ou, 64, true);
    if (v) out.organizationalUnits.push(v);
  }
  if (input.email !== undefined && input.email.trim() !== "") {
    const e = input.email.trim();
    if (e.length > 128 || !EMAIL.test(e)) throw new AppError("SUBJECT_INVALID", `e-mail address "${e.slice(0, 64)}" is not valid`, { field: "email" });
    out.email = e;
  }
  for (const d of input.dnsNames ?? []) {
    const v = d.trim().toLowerCase();
    if (!DNS.test(v)) throw new AppError("SUBJECT_INVALID", `DNS name "${v.slice(0, 64)}" is not valid`, { field: "dns" });
    out.dnsNames.push(v);
  }
  return out;
}
