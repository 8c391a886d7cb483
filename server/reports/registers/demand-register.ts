// The demand register's rules: what a unit expects to need in a year, quarter
// by quarter — certificates for individuals, organisations and devices, and
// USB tokens, SIM-PKI and HSM slots (Decision 25/2020/QĐ-UBND: each agency
// reports next year's needs). One line per unit, year and quarter: a second
// is refused (REGISTER_DUPLICATE) and the existing line is edited instead.
import { z } from "zod";
import { AppError } from "../../errors/app-error";
import type { Store } from "../../store/store";
import { DEMAND_COUNTS, type DemandInput, type DemandRecord } from "../../store/register-demand-store";
import type { RegisterDef } from "./register-core";
import { check, choice, count, invalid, one, text, type RegisterForm } from "./register-fields";

export const DEMAND_LABELS: Record<(typeof DEMAND_COUNTS)[number], string> = {
  individual: "Chứng thư số cá nhân",
  organization: "Chứng thư số tổ chức",
  device: "Chứng thư số thiết bị, dịch vụ, phần mềm",
  usbToken: "USB token",
  simPki: "SIM-PKI",
  hsmSlot: "Khe HSM",
};

export const demandRegister: RegisterDef<DemandInput, DemandRecord> = {
  objectType: "demand",
  plural: "demand",
  noun: "dòng nhu cầu",
  store: (s: Store) => s.registers.demand,

  async parse(form: RegisterForm, env) {
    const fields: Record<string, string> = {};
    const thisYear = Number(env.today.slice(0, 4));
    const shape = {
      year: count("Năm", 2015, thisYear + 5),
      quarter: choice(["1", "2", "3", "4"] as const, "Quý: chọn quý 1, 2, 3 hoặc 4"),
      notes: text("Ghi chú", 2000, false),
      ...Object.fromEntries(DEMAND_COUNTS.map((k) => [k, count(DEMAND_LABELS[k], 0, 100_000)])),
    } as Record<string, z.ZodType>;
    const base = check(z.object(shape), Object.fromEntries(Object.keys(shape).map((k) => [k, one(form, k)])), fields) as Record<string, unknown> | null;
    // A demand line stands on 1 January of its year (units as they stood then; today for a coming year).
    const year = one(form, "year").trim();
    const unitId = await env.unit("unitId", one(form, "unitId"), "Đơn vị", fields, /^\d{4}$/.test(year) ? `${year}-01-01` : null);
    if (Object.keys(fields).length || !base || unitId === null) throw invalid(fields);
    const counts = Object.fromEntries(DEMAND_COUNTS.map((k) => [k, base[k] as number])) as Record<(typeof DEMAND_COUNTS)[number], number>;
    return { unitId, year: base.year as number, quarter: Number(base.quarter), notes: (base.notes as string | null) ?? null, ...counts };
  },

  dateOf: (d) => `${String(d.year).padStart(4, "0")}-01-01`,
  unitsOf: (d) => [d.unitId],
  summary: (d) => ({ unitId: d.unitId, year: d.year, quarter: d.quarter, notes: d.notes, ...Object.fromEntries(DEMAND_COUNTS.map((k) => [k, d[k]])) }),

  async conflict(tx, d, selfId) {
    const other = await tx.registers.demand.findLine(d.unitId, d.year, d.quarter);
    if (!other || other.id === selfId) return null;
    const message = `Quý ${d.quarter} năm ${d.year}: đơn vị đã có dòng nhu cầu cho quý này, hãy sửa dòng đó`;
    return new AppError("REGISTER_DUPLICATE", message, { fields: { quarter: message }, existingId: other.id });
  },
};
