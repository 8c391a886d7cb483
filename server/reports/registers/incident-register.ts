// The incident register's rules: a problem raised in a unit — a lost or
// compromised key (Decree 68/2024 Art. 17: the certificate is revoked), an
// outage, misuse — with what happened, how it was handled and, once closed,
// the day it was closed (required then, never before it occurred, never while
// open). No SQL, no scope logic here.
import { z } from "zod";
import type { Store } from "../../store/store";
import { INCIDENT_KINDS, INCIDENT_STATES, type IncidentInput, type IncidentRecord } from "../../store/register-incident-store";
import type { RegisterDef } from "./register-core";
import { check, choice, invalid, one, pastDay, text, type RegisterForm } from "./register-fields";

export const incidentRegister: RegisterDef<IncidentInput, IncidentRecord> = {
  objectType: "incident",
  plural: "incidents",
  noun: "sự cố",
  store: (s: Store) => s.registers.incidents,

  async parse(form: RegisterForm, env) {
    const fields: Record<string, string> = {};
    const closing = one(form, "state") === "closed";
    const base = check(
      z.object({
        kind: choice(INCIDENT_KINDS, "Loại sự cố: chọn mất khóa, lộ khóa, gián đoạn dịch vụ, sử dụng sai mục đích hoặc khác"),
        occurredOn: pastDay("Ngày xảy ra", env.today),
        description: text("Mô tả sự cố", 4000, true),
        handling: text("Biện pháp xử lý", 4000, closing),
        state: choice(INCIDENT_STATES, "Tình trạng: chọn đang xử lý hoặc đã đóng"),
        closedOn: pastDay("Ngày đóng", env.today, closing),
      }),
      { kind: one(form, "kind"), occurredOn: one(form, "occurredOn"), description: one(form, "description"), handling: one(form, "handling"), state: one(form, "state"), closedOn: one(form, "closedOn") },
      fields,
    );
    const unitId = await env.unit("unitId", one(form, "unitId"), "Đơn vị", fields, check(pastDay("", env.today), one(form, "occurredOn"), {}));
    if (base && base.state === "open" && base.closedOn) fields.closedOn ??= "Ngày đóng: chỉ ghi khi sự cố đã đóng";
    if (base && base.closedOn && base.occurredOn && base.closedOn < base.occurredOn) fields.closedOn ??= "Ngày đóng: không được trước ngày xảy ra";
    if (Object.keys(fields).length || !base || unitId === null) throw invalid(fields);
    return { unitId, kind: base.kind, occurredOn: base.occurredOn!, description: base.description!, handling: base.handling, state: base.state, closedOn: base.state === "closed" ? base.closedOn : null };
  },

  dateOf: (i) => i.occurredOn,
  unitsOf: (i) => [i.unitId],
  summary: (i) => ({ unitId: i.unitId, kind: i.kind, occurredOn: i.occurredOn, description: i.description, handling: i.handling, state: i.state, closedOn: i.closedOn }),
};
