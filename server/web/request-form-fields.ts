// Which inputs each request form (Decree 68/2024 annex, Mẫu 01–09) shows on the
// web page, with their label and hint keys, and how a submitted form becomes the
// raw `data` the request service validates (server/ra/request-forms.ts decides
// what is valid; this file only lays the form out and never validates).
import { TRIGGER_REASON } from "../ra/revocation-reasons";
import { fieldsOf } from "../ra/request-forms";
import { issuesCertificate, REQUEST_TYPES, type RequestType } from "../ra/request-types";

export type InputKind = "text" | "email" | "tel" | "number" | "textarea" | "select";

export interface FieldSpec {
  name: string;
  input: InputKind;
  required: boolean;
  /** i18n keys. */
  label: string;
  hint?: string;
  maxLength?: number;
  options?: ReadonlyArray<{ value: string; label: string }>;
}

const f = (name: string, input: InputKind, required: boolean, extra: Partial<FieldSpec> = {}): FieldSpec => ({
  name,
  input,
  required,
  label: `requests.fields.${name}`,
  ...extra,
});

// Art. 17 triggers (revocation-reasons.ts), without the two the system uses itself for renewal and change.
const TRIGGER_OPTIONS = Object.keys(TRIGGER_REASON)
  .filter((t) => t !== "replaced_by_renewal" && t !== "replaced_by_change")
  .map((t) => ({ value: t, label: `requests.triggers.${t}` }));

const subscriberId = f("subscriberId", "number", false, { hint: "requests.hints.subscriberId" });
const phone = f("phone", "tel", false, { maxLength: 20 });
const tokenOptional = f("tokenSerial", "text", false, { hint: "requests.hints.tokenForNew", maxLength: 64 });
const tokenRequired = f("tokenSerial", "text", true, { hint: "requests.hints.tokenSerial", maxLength: 64 });
const days = f("days", "number", false, { hint: "requests.hints.days" });
const target = (label: string) => f("targetSerial", "text", true, { label, hint: "requests.hints.targetSerial", maxLength: 64 });
const reason = (required: boolean, label = "requests.fields.reasonText") => f("reasonText", "textarea", required, { label, maxLength: 1000 });

export const FORM_FIELDS: Readonly<Record<RequestType, readonly FieldSpec[]>> = {
  new_individual: [
    f("fullName", "text", true, { maxLength: 64 }),
    f("nationalId", "text", true, { hint: "requests.hints.nationalId", maxLength: 12 }),
    f("position", "text", true, { maxLength: 64 }),
    f("email", "email", true, { label: "requests.fields.officialEmail", hint: "requests.hints.email", maxLength: 128 }),
    phone,
    subscriberId,
    tokenOptional,
    days,
  ],
  new_organization: [
    f("organizationName", "text", false, { hint: "requests.hints.organizationName", maxLength: 64 }),
    f("clerkName", "text", true, { maxLength: 64 }),
    f("email", "email", true, { label: "requests.fields.organizationEmail", hint: "requests.hints.email", maxLength: 128 }),
    phone,
    subscriberId,
    tokenOptional,
    days,
  ],
  new_device: [
    f("deviceName", "text", true, { maxLength: 64 }),
    f("purpose", "textarea", true, { maxLength: 500 }),
    f("responsiblePerson", "text", true, { maxLength: 64 }),
    f("email", "email", false, { maxLength: 128 }),
    f("dnsNames", "text", false, { hint: "requests.hints.dnsNames", maxLength: 1000 }),
    subscriberId,
    tokenOptional,
    days,
  ],
  renewal: [target("requests.fields.renewalTarget"), f("days", "number", false, { hint: "requests.hints.renewalDays" }), reason(false)],
  change: [
    target("requests.fields.changeTarget"),
    f("fullName", "text", false, { label: "requests.fields.newFullName", maxLength: 64 }),
    f("position", "text", false, { label: "requests.fields.newPosition", maxLength: 64 }),
    f("email", "email", false, { label: "requests.fields.newEmail", maxLength: 128 }),
    reason(true, "requests.fields.changeReason"),
  ],
  revocation: [
    target("requests.fields.revocationTarget"),
    f("trigger", "select", true, { options: TRIGGER_OPTIONS, hint: "requests.hints.trigger" }),
    reason(true),
  ],
  token_recovery: [tokenRequired, reason(true, "requests.fields.recoveryReason")],
  token_handover: [tokenRequired, f("holderSubscriberId", "number", true, { hint: "requests.hints.holderSubscriberId" })],
  token_return: [tokenRequired, reason(true)],
  token_lost: [tokenRequired, reason(false)],
};

// The page must offer exactly the form's fields: a field added to request-forms.ts and missing here is a bug found at start-up.
for (const t of REQUEST_TYPES) {
  const shown = FORM_FIELDS[t].map((s) => s.name).sort().join(",");
  const known = fieldsOf(t).sort().join(",");
  if (shown !== known) throw new Error(`request form ${t}: the page shows ${shown} but the form has ${known}`);
}

/** Whether a form of this type takes a CSR made on the token (new certificate, renewal, change). */
export const takesCsr = issuesCertificate;

/** The raw form data for the service: only this type's fields, as submitted (strings, trimmed by the service). */
export function rawDataOf(type: RequestType, body: unknown): Record<string, string> {
  const b = (body ?? {}) as Record<string, unknown>;
  const out: Record<string, string> = {};
  for (const spec of FORM_FIELDS[type]) {
    const v = b[spec.name];
    if (typeof v === "string") out[spec.name] = v.slice(0, 4000);
  }
  return out;
}

/** A stored request's data as form values (to edit it). */
export function valuesOf(data: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(data)) {
    if (v === undefined || v === null) continue;
    out[k] = Array.isArray(v) ? v.join(" ") : String(v);
  }
  return out;
}

/** The form's fields with their current value and message, for the template. */
export function formView(type: RequestType, values: Record<string, string>, errors: Record<string, string>) {
  return FORM_FIELDS[type].map((spec) => ({
    ...spec,
    id: `f-${spec.name}`,
    value: values[spec.name] ?? "",
    error: errors[spec.name] ?? null,
    isTextarea: spec.input === "textarea",
    isSelect: spec.input === "select",
    options: spec.options?.map((o) => ({ ...o, selected: o.value === values[spec.name] })),
  }));
}
