// Demo requests (DEMO=1): a dozen dossiers of the fictional province in every
// state of the workflow — drafts, waiting for the province, waiting for the CA,
// returned, rejected, withdrawn, completed with their certificate — filed,
// checked and approved through the real request service by the demo users, so
// /requests, the dashboards and the digests have something real to show.
// Idempotent: does nothing once any request exists.
import { actorOfUser, type CallContext } from "../access/actor";
import type { RequestService } from "../ra/request-service";
import type { RequestAction } from "../ra/request-states";
import type { Store } from "../store/store";
import { makeDemoCsr } from "./demo-certificates";

// A minimal PDF standing in for the scanned, signed form of the demo dossiers.
const DEMO_PDF = Buffer.from("%PDF-1.4\n% chungthu demo: bản scan mẫu đơn (giả lập)\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n");


interface Step {
  who: "officer" | "operator" | "filer";
  action: RequestAction;
  reason?: string;
}

interface Plan {
  filer: "demo.stc" | "demo.lamthu";
  type: string;
  data: Record<string, unknown>;
  csr: boolean;
  steps: Step[];
}

const submitted: Step[] = [{ who: "filer", action: "submit" }];
const forwarded: Step[] = [...submitted, { who: "officer", action: "forward", reason: "Hồ sơ đầy đủ, đề nghị Cục Chứng thực số cấp" }];
const completed: Step[] = [...forwarded, { who: "operator", action: "approve" }];

function plans(revokeSerial: string | null, lockedToken: string | null): Plan[] {
  const person = (n: number, name: string, position: string, email: string) => ({ fullName: name, nationalId: `0990990${String(n).padStart(5, "0")}`, position, email });
  const out: Plan[] = [
    { filer: "demo.stc", type: "new_individual", data: person(1, "Hoàng Minh Khoa", "Phó Giám đốc Sở", "khoa.hm@stc.thunghiemsonha.gov.vn"), csr: true, steps: completed },
    { filer: "demo.stc", type: "new_individual", data: person(2, "Vũ Thị Lan Anh", "Trưởng phòng Ngân sách", "anh.vtl@stc.thunghiemsonha.gov.vn"), csr: true, steps: forwarded },
    { filer: "demo.stc", type: "new_individual", data: person(3, "Đặng Quốc Bảo", "Chuyên viên", "bao.dq@stc.thunghiemsonha.gov.vn"), csr: true, steps: submitted },
    { filer: "demo.stc", type: "new_organization", data: { clerkName: "Lê Thị Thu (văn thư)", email: "vanthu2@stc.thunghiemsonha.gov.vn" }, csr: true, steps: [...submitted, { who: "officer", action: "return", reason: "Thiếu chữ ký của Thủ trưởng cơ quan trên Mẫu 02" }] },
    { filer: "demo.stc", type: "new_device", data: { deviceName: "Hệ thống quản lý ngân sách", purpose: "Ký số báo cáo quyết toán tự động", responsiblePerson: "Phòng Tin học – Thống kê", dnsNames: ["ngansach.stc.thunghiemsonha.gov.vn"] }, csr: true, steps: [] },
    { filer: "demo.lamthu", type: "new_individual", data: person(4, "Nguyễn Văn Tùng", "Chủ tịch UBND xã", "tung.nv@xalamthu.thunghiemsonha.gov.vn"), csr: true, steps: submitted },
    { filer: "demo.lamthu", type: "new_individual", data: person(5, "Phạm Thị Hoa", "Công chức Văn phòng – Thống kê", "hoa.pt@xalamthu.thunghiemsonha.gov.vn"), csr: true, steps: [...submitted, { who: "officer", action: "reject", reason: "Người đề nghị đang là hợp đồng lao động, chưa thuộc đối tượng cấp (Điều 4 Nghị định 68/2024)" }] },
    { filer: "demo.lamthu", type: "new_individual", data: person(6, "Trịnh Văn Sơn", "Phó Chủ tịch UBND xã", "son.tv@xalamthu.thunghiemsonha.gov.vn"), csr: true, steps: [...submitted, { who: "filer", action: "withdraw", reason: "Nộp trùng hồ sơ" }] },
  ];
  if (revokeSerial) out.push({ filer: "demo.stc", type: "revocation", data: { targetSerial: revokeSerial, trigger: "retired", reasonText: "Nghỉ hưu từ ngày 01/12/2026" }, csr: false, steps: submitted });
  if (lockedToken) out.push({ filer: "demo.stc", type: "token_recovery", data: { tokenSerial: lockedToken, reasonText: "Nhập sai mã PIN quá số lần cho phép" }, csr: false, steps: submitted });
  return out;
}

export interface DemoRequestsResult {
  seeded: boolean;
  count: number;
}

export async function seedDemoRequests(deps: { store: Store; requests: RequestService; clock: () => Date }): Promise<DemoRequestsResult> {
  const { store } = deps;
  if ((await store.requests.list({ units: { all: true }, today: "", sort: "newest", limit: 1, offset: 0 })).rows.length) return { seeded: false, count: 0 };
  const actors = new Map<string, CallContext>();
  for (const username of ["demo.stc", "demo.lamthu", "demo.tinh", "demo.vanhanh"]) {
    const user = await store.users.findByUsername(username);
    if (!user) return { seeded: false, count: 0 };
    actors.set(username, { actor: await actorOfUser(store.users, user), requestId: "demo-seed" });
  }
  const stc = await store.units.findByCode("SH-STC");
  const lamthu = await store.units.findByCode("SH-X-LAMTHU");
  if (!stc || !lamthu) return { seeded: false, count: 0 };
  const now = deps.clock();
  const live = await store.certificateQueries.list({ units: { all: false, unitIds: [stc.id] }, status: "active", profile: "individual", now, limit: 1 });
  const locked = await store.tokens.list({ units: { all: false, unitIds: [stc.id] }, state: "locked", limit: 1 });
  let count = 0;
  for (const p of plans(live.rows[0]?.serial ?? null, locked.rows[0]?.serial ?? null)) {
    const filer = actors.get(p.filer)!;
    const r = await deps.requests.create(filer, { type: p.type, unitId: p.filer === "demo.stc" ? stc.id : lamthu.id, data: p.data, csr: p.csr ? await makeDemoCsr() : null });
    await deps.requests.attach(filer, r.id, { kind: "signed_form", filename: `mau-${p.type}.pdf`, contentType: "application/pdf", content: DEMO_PDF });
    for (const s of p.steps) {
      const ctx = s.who === "filer" ? filer : actors.get(s.who === "officer" ? "demo.tinh" : "demo.vanhanh")!;
      await deps.requests.act(ctx, r.id, s.action, s.reason ?? null);
    }
    count++;
  }
  return { seeded: true, count };
}
