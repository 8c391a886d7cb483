// Demo data: the unit tree of a FICTIONAL province ("Thử Nghiệm Sơn Hà") from its
// 2020 three-tier structure through the 2025 reforms, as three dated batches.
// Names, tax and budget codes, domains and people are invented; never real ones.
import type { Store } from "../store/store";
import { createUnitService } from "../org/unit-service";

export const DEMO_PROVINCE_CODE = "SH";
export const DEMO_ACTOR = "system:demo";

const DOMAIN = "thunghiemsonha.gov.vn";
const PROVINCE = "tỉnh Thử Nghiệm Sơn Hà";

export interface DemoBatch {
  title: string;
  effectiveDate: string;
  changes: Array<Record<string, unknown>>;
}

function unit(
  code: string,
  name: string,
  type: string,
  parent: string | null,
  taxCode: string,
  budgetCode: string,
  sub: string,
  address: string,
  focal?: [string, string, string],
): Record<string, unknown> {
  return {
    kind: "create",
    unit: {
      code,
      name,
      type,
      parent,
      taxCode,
      budgetCode,
      address,
      emailDomain: sub ? `${sub}.${DOMAIN}` : DOMAIN,
      focalPoint: focal ? { name: focal[0], email: `${focal[1]}@${sub ? `${sub}.` : ""}${DOMAIN}`, phone: focal[2] } : null,
    },
  };
}

const addr = (place: string) => `${place}, ${PROVINCE}`;

/** 1 January 2020: province → departments, district People's Committees → communes; central agencies in the province. */
const STRUCTURE_2020: DemoBatch = {
  title: "Cơ cấu tổ chức tỉnh Thử Nghiệm Sơn Hà năm 2020 (dữ liệu thử nghiệm)",
  effectiveDate: "2020-01-01",
  changes: [
    unit("SH", `Ủy ban nhân dân ${PROVINCE}`, "province", null, "9900100017", "1099001", "", addr("Số 1 Quảng trường Trung tâm, thành phố Sơn Hà"), ["Nguyễn Văn Thử", "thunv", "0900000101"]),
    unit("SH-SNV", `Sở Nội vụ ${PROVINCE}`, "department", "SH", "9900100024", "1099002", "snv", addr("Số 3 đường Hành Chính, thành phố Sơn Hà")),
    unit("SH-STC", `Sở Tài chính ${PROVINCE}`, "department", "SH", "9900100031", "1099003", "stc", addr("Số 5 đường Hành Chính, thành phố Sơn Hà")),
    unit("SH-SKHCN", `Sở Khoa học và Công nghệ ${PROVINCE}`, "department", "SH", "9900100049", "1099004", "skhcn", addr("Số 7 đường Hành Chính, thành phố Sơn Hà"), ["Trần Thị Mẫu", "mautt", "0900000102"]),
    unit("SH-STTTT", `Sở Thông tin và Truyền thông ${PROVINCE}`, "department", "SH", "9900100056", "1099005", "stttt", addr("Số 9 đường Hành Chính, thành phố Sơn Hà"), ["Lê Văn Số", "solv", "0900000103"]),
    unit("SH-SGDDT", `Sở Giáo dục và Đào tạo ${PROVINCE}`, "department", "SH", "9900100063", "1099006", "sgddt", addr("Số 11 đường Hành Chính, thành phố Sơn Hà")),
    unit("SH-SYT", `Sở Y tế ${PROVINCE}`, "department", "SH", "9900100070", "1099007", "syt", addr("Số 13 đường Hành Chính, thành phố Sơn Hà")),
    unit("SH-KBNN", "Kho bạc Nhà nước Thử Nghiệm Sơn Hà", "central_in_province", "SH", "9900100088", "1099008", "kbnn", addr("Số 20 đường Ngân Khố, thành phố Sơn Hà")),
    unit("SH-BHXH", `Bảo hiểm xã hội ${PROVINCE}`, "central_in_province", "SH", "9900100095", "1099009", "bhxh", addr("Số 22 đường Ngân Khố, thành phố Sơn Hà")),
    unit("SH-H-LAMTHU", "Ủy ban nhân dân huyện Lam Thử", "district", "SH", "9900200014", "1099101", "lamthu", addr("Thị trấn Lam Thử, huyện Lam Thử"), ["Phạm Văn Lam", "lampv", "0900000201"]),
    unit("SH-X-TTLAMTHU", "Ủy ban nhân dân thị trấn Lam Thử", "commune", "SH-H-LAMTHU", "9900200021", "1099111", "ttlamthu", addr("Thị trấn Lam Thử, huyện Lam Thử")),
    unit("SH-X-DONGMAU", "Ủy ban nhân dân xã Đồng Mẫu", "commune", "SH-H-LAMTHU", "9900200039", "1099112", "dongmau", addr("Xã Đồng Mẫu, huyện Lam Thử")),
    unit("SH-X-TANTHU", "Ủy ban nhân dân xã Tân Thử", "commune", "SH-H-LAMTHU", "9900200046", "1099113", "tanthu", addr("Xã Tân Thử, huyện Lam Thử")),
    unit("SH-X-PHUMAU", "Ủy ban nhân dân xã Phú Mẫu", "commune", "SH-H-LAMTHU", "9900200053", "1099114", "phumau", addr("Xã Phú Mẫu, huyện Lam Thử")),
    unit("SH-H-VANTHU", "Ủy ban nhân dân huyện Vân Thử", "district", "SH", "9900300010", "1099201", "vanthu", addr("Thị trấn Vân Thử, huyện Vân Thử"), ["Hoàng Thị Vân", "vanht", "0900000301"]),
    unit("SH-X-VANTHU", "Ủy ban nhân dân thị trấn Vân Thử", "commune", "SH-H-VANTHU", "9900300027", "1099211", "ttvanthu", addr("Thị trấn Vân Thử, huyện Vân Thử")),
    unit("SH-X-VANDIEN", "Ủy ban nhân dân xã Vân Điền", "commune", "SH-H-VANTHU", "9900300034", "1099212", "vandien", addr("Xã Vân Điền, huyện Vân Thử")),
    unit("SH-X-HAMAU", "Ủy ban nhân dân xã Hạ Mẫu", "commune", "SH-H-VANTHU", "9900300041", "1099213", "hamau", addr("Xã Hạ Mẫu, huyện Vân Thử")),
  ],
};

/** 1 March 2025: the Department of Information and Communications is merged into Science and Technology. */
const DIC_MERGER_2025: DemoBatch = {
  title: "Hợp nhất Sở Thông tin và Truyền thông vào Sở Khoa học và Công nghệ",
  effectiveDate: "2025-03-01",
  changes: [{ kind: "merge", units: ["SH-STTTT"], into: "SH-SKHCN" }],
};

const newCommune = (code: string, name: string, taxCode: string, budgetCode: string, sub: string, place: string) => ({
  code,
  name,
  type: "commune",
  parent: "SH",
  taxCode,
  budgetCode,
  emailDomain: `${sub}.${DOMAIN}`,
  address: addr(place),
});

/** 1 July 2025: two-tier local government. Districts go, communes merge pairwise and report to the province. */
const REFORM_2025: DemoBatch = {
  title: "Sắp xếp đơn vị hành chính, tổ chức chính quyền địa phương hai cấp",
  effectiveDate: "2025-07-01",
  changes: [
    { kind: "merge", units: ["SH-X-TTLAMTHU", "SH-X-DONGMAU"], into: newCommune("SH-X-LAMTHU", "Ủy ban nhân dân xã Lam Thử", "9900400016", "1099311", "xalamthu", "Xã Lam Thử") },
    { kind: "merge", units: ["SH-X-TANTHU", "SH-X-PHUMAU"], into: newCommune("SH-X-TANPHU", "Ủy ban nhân dân xã Tân Phú", "9900400023", "1099312", "tanphu", "Xã Tân Phú") },
    { kind: "merge", units: ["SH-X-VANDIEN", "SH-X-HAMAU"], into: newCommune("SH-X-VANHA", "Ủy ban nhân dân xã Vân Hà", "9900400030", "1099313", "vanha", "Xã Vân Hà") },
    { kind: "rename", unit: "SH-X-VANTHU", name: "Ủy ban nhân dân phường Vân Thử" },
    { kind: "move", unit: "SH-X-VANTHU", parent: "SH" },
    { kind: "update", unit: "SH-X-VANTHU", set: { address: addr("Phường Vân Thử") } },
    { kind: "dissolve", unit: "SH-H-LAMTHU" },
    { kind: "dissolve", unit: "SH-H-VANTHU" },
  ],
};

/** The demo province's history, oldest first (each batch is applied in this order). */
export const DEMO_BATCHES: readonly DemoBatch[] = [STRUCTURE_2020, DIC_MERGER_2025, REFORM_2025];

export interface SeedDemoDeps {
  store: Store;
  clock: () => Date;
  actor?: string;
}

/**
 * Seeds the demo province (all three batches, one transaction). Idempotent: does
 * nothing when a unit with the demo province's code already exists.
 */
export async function seedDemoProvince(deps: SeedDemoDeps): Promise<{ seeded: boolean; batchIds: number[] }> {
  const actor = deps.actor ?? DEMO_ACTOR;
  return deps.store.transaction(async (tx) => {
    if (await tx.units.findByCode(DEMO_PROVINCE_CODE)) return { seeded: false, batchIds: [] };
    const units = createUnitService({ store: tx, clock: deps.clock });
    const batchIds: number[] = [];
    for (const b of DEMO_BATCHES) {
      const draft = await units.draftBatch(b.title, b.effectiveDate, b.changes, actor);
      await units.apply(draft.id, actor);
      batchIds.push(draft.id);
    }
    return { seeded: true, batchIds };
  });
}
