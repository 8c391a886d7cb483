// The inspection register's rules: an inspection of how a unit's subscribers
// use their certificates and keys (date, unit, who inspected, findings and the
// follow-up asked for; Decision 25/2020/QĐ-UBND: the province inspects and
// reports). A finding needs a follow-up. No SQL, no scope logic here.
import { z } from "zod";
import type { Store } from "../../store/store";
import type { InspectionInput, InspectionRecord } from "../../store/register-inspection-store";
import type { RegisterDef } from "./register-core";
import { check, invalid, one, pastDay, text, type RegisterForm } from "./register-fields";

export const inspectionRegister: RegisterDef<InspectionInput, InspectionRecord> = {
  objectType: "inspection",
  plural: "inspections",
  noun: "đợt kiểm tra",
  store: (s: Store) => s.registers.inspections,

  async parse(form: RegisterForm, env) {
    const fields: Record<string, string> = {};
    const hasFindings = ["1", "on", "true", "yes"].includes(one(form, "hasFindings"));
    const base = check(
      z.object({ inspectedOn: pastDay("Ngày kiểm tra", env.today), inspector: text("Đơn vị, người kiểm tra", 255, true), findings: text("Kết quả kiểm tra", 4000, true), followUp: text("Yêu cầu khắc phục, theo dõi", 4000, hasFindings) }),
      { inspectedOn: one(form, "inspectedOn"), inspector: one(form, "inspector"), findings: one(form, "findings"), followUp: one(form, "followUp") },
      fields,
    );
    const unitId = await env.unit("unitId", one(form, "unitId"), "Đơn vị được kiểm tra", fields, check(pastDay("", env.today), one(form, "inspectedOn"), {}));
    if (Object.keys(fields).length || !base || unitId === null) throw invalid(fields);
    return { unitId, inspectedOn: base.inspectedOn!, inspector: base.inspector!, hasFindings, findings: base.findings!, followUp: base.followUp };
  },

  dateOf: (i) => i.inspectedOn,
  unitsOf: (i) => [i.unitId],
  summary: (i) => ({ unitId: i.unitId, inspectedOn: i.inspectedOn, inspector: i.inspector, hasFindings: i.hasFindings, findings: i.findings, followUp: i.followUp }),
};
