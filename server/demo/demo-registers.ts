// Demo data: the report registers of the fictional demo province for 2024–2026
// (and demand for 2027) — a few trainings with the units trained, inspections,
// incidents and quarterly demand — on the units as they stood on each date
// (districts and their communes before the 1 July 2025 reform, the merged
// communes after). Invented events only. Idempotent: nothing is added once any
// training concerns the demo province; days after today are skipped.
import { vietnamDay } from "../directory/unit-source";
import type { Store } from "../store/store";
import type { IncidentKind } from "../store/register-incident-store";
import { DEMO_ACTOR, DEMO_PROVINCE_CODE } from "./demo-province";

export interface DemoRegistersResult {
  seeded: boolean;
  counts: { trainings: number; inspections: number; incidents: number; demand: number };
}

const TRAININGS: Array<{ unit: string; on: string; topic: string; organiser: string; trained: Array<[string, number]> }> = [
  { unit: "SH-STTTT", on: "2024-04-12", topic: "Sử dụng chữ ký số trên văn bản điện tử và hệ thống quản lý văn bản", organiser: "Sở Thông tin và Truyền thông", trained: [["SH-SNV", 14], ["SH-STC", 18], ["SH-SYT", 11], ["SH-H-LAMTHU", 9]] },
  { unit: "SH-H-LAMTHU", on: "2024-09-20", topic: "Hướng dẫn ký số cho văn thư cấp xã", organiser: "UBND huyện Lam Thử", trained: [["SH-X-TTLAMTHU", 4], ["SH-X-DONGMAU", 3], ["SH-X-TANTHU", 3], ["SH-X-PHUMAU", 2]] },
  { unit: "SH-SKHCN", on: "2025-05-15", topic: "Bảo quản thiết bị lưu khóa (USB token), xử lý khi mất thiết bị", organiser: "Sở Khoa học và Công nghệ", trained: [["SH-SGDDT", 20], ["SH-KBNN", 6], ["SH-BHXH", 7]] },
  { unit: "SH", on: "2025-08-26", topic: "Chữ ký số cho chính quyền địa phương hai cấp sau sắp xếp", organiser: "Sở Khoa học và Công nghệ", trained: [["SH-X-LAMTHU", 8], ["SH-X-TANPHU", 7], ["SH-X-VANHA", 6], ["SH-X-VANTHU", 9]] },
  { unit: "SH-SKHCN", on: "2026-06-10", topic: "Ký số trên thiết bị di động (SIM-PKI)", organiser: "Ban Cơ yếu Chính phủ phối hợp Sở Khoa học và Công nghệ", trained: [["SH-SNV", 10], ["SH-STC", 12], ["SH-SYT", 9], ["SH-X-VANHA", 5]] },
];

const INSPECTIONS: Array<{ unit: string; on: string; inspector: string; findings: string | null; ok: string; followUp?: string }> = [
  { unit: "SH-SYT", on: "2024-10-08", inspector: "Đoàn kiểm tra Sở Thông tin và Truyền thông", findings: "Hai cán bộ dùng chung một USB token; chưa có sổ theo dõi bàn giao thiết bị.", ok: "", followUp: "Cấp riêng chứng thư số cho từng người; lập sổ bàn giao trong 30 ngày." },
  { unit: "SH-X-DONGMAU", on: "2024-11-14", inspector: "UBND huyện Lam Thử", findings: null, ok: "Quản lý, sử dụng chứng thư số đúng quy định." },
  { unit: "SH-STC", on: "2025-06-18", inspector: "Đoàn kiểm tra Sở Khoa học và Công nghệ", findings: null, ok: "Không phát hiện sai sót." },
  { unit: "SH-X-TANPHU", on: "2025-10-02", inspector: "Đoàn kiểm tra Sở Khoa học và Công nghệ", findings: "Chứng thư số của xã cũ (Tân Thử) chưa được thu hồi sau sắp xếp.", ok: "", followUp: "Lập hồ sơ thu hồi và cấp mới theo đơn vị mới." },
  { unit: "SH-BHXH", on: "2026-04-21", inspector: "Đoàn kiểm tra Sở Khoa học và Công nghệ", findings: null, ok: "Không phát hiện sai sót." },
];

const INCIDENTS: Array<{ unit: string; kind: IncidentKind; on: string; text: string; handling?: string; closed?: string }> = [
  { unit: "SH-STC", kind: "lost_key", on: "2024-03-05", text: "Cán bộ làm mất USB token khi đi công tác.", handling: "Thu hồi ngay chứng thư số (lý do lộ khóa), cấp chứng thư số và thiết bị mới.", closed: "2024-03-08" },
  { unit: "SH-X-TANTHU", kind: "misuse", on: "2024-07-22", text: "Văn thư cho người khác dùng thiết bị ký số của cơ quan.", handling: "Nhắc nhở, đổi mã PIN, ghi nhận trong kỳ kiểm tra.", closed: "2024-07-30" },
  { unit: "SH-SKHCN", kind: "outage", on: "2025-03-03", text: "Không ký số được trong ngày chuyển giao sau hợp nhất Sở.", handling: "Cập nhật phần mềm ký số và danh sách chứng thư.", closed: "2025-03-04" },
  { unit: "SH-X-VANHA", kind: "compromised_key", on: "2025-12-18", text: "Nghi lộ mã PIN USB token do dán trên thiết bị.", handling: "Thu hồi, cấp mới; tập huấn lại cho văn thư.", closed: "2026-01-06" },
  { unit: "SH-SGDDT", kind: "lost_key", on: "2026-09-09", text: "Mất USB token của phó giám đốc Sở." },
  { unit: "SH-X-LAMTHU", kind: "other", on: "2026-10-15", text: "Tên đơn vị trên chứng thư số chưa đúng sau sắp xếp." },
];

// Demand per unit: [individual, organisation, device, usbToken, simPki, hsmSlot] for each quarter of a year.
const DEMAND: Array<{ unit: string; year: number; quarters: Array<[number, number, number, number, number, number]> }> = [
  { unit: "SH-STC", year: 2024, quarters: [[6, 1, 0, 6, 0, 0], [2, 0, 0, 2, 0, 0], [0, 0, 1, 0, 0, 1], [3, 0, 0, 3, 0, 0]] },
  { unit: "SH-H-LAMTHU", year: 2024, quarters: [[10, 4, 0, 14, 0, 0], [0, 0, 0, 0, 0, 0], [4, 0, 0, 4, 0, 0], [0, 0, 0, 0, 0, 0]] },
  { unit: "SH-SKHCN", year: 2025, quarters: [[12, 1, 1, 10, 2, 1], [4, 0, 0, 4, 0, 0], [0, 0, 0, 0, 0, 0], [2, 0, 0, 2, 0, 0]] },
  { unit: "SH-X-LAMTHU", year: 2026, quarters: [[5, 1, 0, 4, 2, 0], [0, 0, 0, 0, 0, 0], [1, 0, 0, 1, 0, 0], [0, 0, 0, 0, 0, 0]] },
  { unit: "SH-SYT", year: 2026, quarters: [[8, 0, 1, 6, 2, 1], [3, 0, 0, 3, 0, 0], [0, 0, 0, 0, 0, 0], [2, 0, 0, 0, 2, 0]] },
  { unit: "SH-SKHCN", year: 2027, quarters: [[6, 0, 2, 2, 4, 2], [2, 0, 0, 0, 2, 0], [2, 0, 0, 2, 0, 0], [0, 0, 0, 0, 0, 0]] },
];

export async function seedDemoRegisters(deps: { store: Store; clock: () => Date; actor?: string }): Promise<DemoRegistersResult> {
  const counts = { trainings: 0, inspections: 0, incidents: 0, demand: 0 };
  const province = await deps.store.units.findByCode(DEMO_PROVINCE_CODE);
  if (!province) return { seeded: false, counts };
  const today = vietnamDay(deps.clock());
  const now = new Date(Math.floor(deps.clock().getTime() / 1000) * 1000);
  return deps.store.transaction(async (tx) => {
    const ids = new Map<string, number>();
    const id = async (code: string) => {
      if (!ids.has(code)) {
        const u = await tx.units.findByCode(code);
        if (!u) throw new Error(`demo unit ${code} is missing`);
        ids.set(code, u.id);
      }
      return ids.get(code)!;
    };
    // Already there: any training recorded by or for the province itself or one of its departments.
    const seen = await tx.registers.trainings.list({ units: { all: false, unitIds: [province.id, await id("SH-STTTT"), await id("SH-SKHCN")] }, limit: 1, offset: 0 });
    if (seen.rows.length) return { seeded: false, counts };
    for (const t of TRAININGS.filter((x) => x.on <= today)) {
      // One query at a time: a transaction is one connection.
      const participants = [];
      for (const [code, people] of t.trained) participants.push({ unitId: await id(code), people });
      await tx.registers.trainings.insert({ unitId: await id(t.unit), heldOn: t.on, topic: t.topic, organiser: t.organiser, notes: null, participants }, now);
      counts.trainings++;
    }
    for (const i of INSPECTIONS.filter((x) => x.on <= today)) {
      await tx.registers.inspections.insert({ unitId: await id(i.unit), inspectedOn: i.on, inspector: i.inspector, hasFindings: i.findings !== null, findings: i.findings ?? i.ok, followUp: i.followUp ?? null }, now);
      counts.inspections++;
    }
    for (const x of INCIDENTS.filter((v) => v.on <= today)) {
      const closed = x.closed && x.closed <= today ? x.closed : null;
      await tx.registers.incidents.insert({ unitId: await id(x.unit), kind: x.kind, occurredOn: x.on, description: x.text, handling: x.handling ?? null, state: closed ? "closed" : "open", closedOn: closed }, now);
      counts.incidents++;
    }
    for (const d of DEMAND) {
      for (const [q, c] of d.quarters.entries()) {
        await tx.registers.demand.insert({ unitId: await id(d.unit), year: d.year, quarter: q + 1, individual: c[0], organization: c[1], device: c[2], usbToken: c[3], simPki: c[4], hsmSlot: c[5], notes: null }, now);
        counts.demand++;
      }
    }
    await tx.audit.append({ actor: deps.actor ?? DEMO_ACTOR, action: "demo.registers", objectType: "unit", objectId: DEMO_PROVINCE_CODE, outcome: "ok", details: counts }, now);
    return { seeded: true, counts };
  });
}
