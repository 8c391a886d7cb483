// Invented names for scale datasets: a FICTIONAL province's unit tree (one
// province, its departments, central agencies in the province and communes,
// the two-tier structure of July 2025) and a seeded generator of Vietnamese
// personal names. Pure data; writes nothing. Never real people or real bodies.

export const SCALE_PROVINCE_CODE = "QM";
export const SCALE_ACTOR = "system:scale";
export const SCALE_DOMAIN = "thunghiemquymo.gov.vn";
export const SCALE_PROVINCE = "tỉnh Thử Nghiệm Quy Mô";
export const SCALE_LOCALITY = "Thử Nghiệm Quy Mô";

import { prng } from "./prng";

export { prng };
export type Prng = ReturnType<typeof prng>;

const FAMILY: ReadonlyArray<readonly [string, number]> = [
  ["Nguyễn", 38], ["Trần", 11], ["Lê", 9], ["Phạm", 7], ["Hoàng", 5], ["Huỳnh", 3], ["Phan", 4], ["Vũ", 4], ["Võ", 3], ["Đặng", 2],
  ["Bùi", 2], ["Đỗ", 2], ["Hồ", 1.5], ["Ngô", 1.5], ["Dương", 1], ["Lý", 1], ["Đinh", 1], ["Trịnh", 1], ["Đào", 1], ["Lương", 0.5],
];
const MIDDLE_M = ["Văn", "Văn", "Hữu", "Đức", "Quang", "Minh", "Thành", "Xuân", "Công", "Mạnh", "Tiến", "Ngọc", "Duy", "Anh"];
const MIDDLE_F = ["Thị", "Thị", "Thị", "Ngọc", "Thu", "Thanh", "Phương", "Minh", "Hồng", "Kim", "Thùy", "Mai", "Bích"];
const GIVEN_M = ["An", "Bình", "Cường", "Dũng", "Hùng", "Hải", "Long", "Nam", "Quân", "Sơn", "Thắng", "Tuấn", "Việt", "Khánh", "Phúc", "Trung", "Hiếu", "Đạt", "Huy", "Kiên", "Lâm", "Tâm", "Thịnh", "Vinh", "Toàn", "Đông", "Quý", "Phong", "Khoa", "Tùng"];
const GIVEN_F = ["Anh", "Hà", "Hạnh", "Hoa", "Hương", "Lan", "Linh", "Mai", "Ngân", "Nhung", "Phượng", "Thảo", "Trang", "Vân", "Yến", "Hằng", "Huyền", "Loan", "Dung", "Oanh", "Giang", "Thúy", "Nga", "Liên", "Quỳnh", "Diệp", "Châu", "Ly"];

export const POSITIONS: Record<string, readonly string[]> = {
  province: ["Chủ tịch", "Phó Chủ tịch", "Chánh Văn phòng", "Trưởng phòng", "Phó Trưởng phòng", "Chuyên viên", "Chuyên viên", "Chuyên viên chính", "Văn thư"],
  department: ["Giám đốc", "Phó Giám đốc", "Chánh Văn phòng", "Chánh Thanh tra", "Trưởng phòng", "Phó Trưởng phòng", "Chuyên viên chính", "Chuyên viên", "Chuyên viên", "Kế toán trưởng", "Văn thư"],
  commune: ["Chủ tịch", "Phó Chủ tịch", "Công chức Văn phòng - Thống kê", "Công chức Tài chính - Kế toán", "Công chức Tư pháp - Hộ tịch", "Công chức Địa chính - Xây dựng", "Công chức Văn hóa - Xã hội", "Văn thư"],
  central_in_province: ["Giám đốc", "Phó Giám đốc", "Trưởng phòng", "Kế toán viên", "Kiểm soát viên", "Chuyên viên", "Văn thư"],
};

/** A full name, NFC ("Nguyễn Thị Lan"). */
export function personName(r: Prng): string {
  const female = r.next() < 0.48;
  return [r.weighted(FAMILY), r.pick(female ? MIDDLE_F : MIDDLE_M), r.pick(female ? GIVEN_F : GIVEN_M)].join(" ").normalize("NFC");
}

/** ASCII mailbox of a Vietnamese name: given name + initials ("Nguyễn Văn An" → "annv"). */
export function mailbox(fullName: string): string {
  const parts = fullName.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/[đĐ]/g, "d").toLowerCase().split(" ");
  return parts.at(-1)! + parts.slice(0, -1).map((p) => p[0]).join("");
}

const DEPARTMENTS = [
  "Sở Nội vụ", "Sở Tài chính", "Sở Khoa học và Công nghệ", "Sở Tư pháp", "Sở Công Thương", "Sở Giáo dục và Đào tạo", "Sở Y tế",
  "Sở Xây dựng", "Sở Nông nghiệp và Môi trường", "Sở Văn hóa, Thể thao và Du lịch", "Sở Ngoại vụ", "Sở Dân tộc và Tôn giáo",
  "Văn phòng Ủy ban nhân dân tỉnh", "Thanh tra tỉnh", "Ban Quản lý các khu công nghiệp",
];
const CENTRAL = ["Kho bạc Nhà nước khu vực", "Bảo hiểm xã hội tỉnh", "Cục Thuế tỉnh", "Chi cục Hải quan", "Cục Thống kê tỉnh", "Ngân hàng Nhà nước chi nhánh tỉnh"];
const PLACES = ["Quy", "Mô", "Thử", "Nghiệm", "Tân", "Phú", "An", "Hòa", "Bình", "Đông", "Tây", "Nam", "Bắc", "Trung", "Thượng", "Hạ", "Vĩnh", "Phúc", "Lạc", "Thịnh", "Hưng", "Long", "Sơn", "Hà"];

export interface ScaleUnitSpec {
  code: string;
  name: string;
  type: "province" | "department" | "central_in_province" | "commune";
  parent: string | null;
  taxCode: string;
  budgetCode: string;
  emailDomain: string;
  address: string;
}

/** The province tree of `k` units (k ≥ 1): the province, up to 15 departments, up to 6 central agencies, the rest communes. */
export function scaleUnitTree(k: number): ScaleUnitSpec[] {
  const r = prng(0x5ca1e);
  const units: ScaleUnitSpec[] = [];
  const add = (name: string, type: ScaleUnitSpec["type"], sub: string) => {
    const i = units.length;
    units.push({
      code: i === 0 ? SCALE_PROVINCE_CODE : `${SCALE_PROVINCE_CODE}-${type === "commune" ? "X" : type === "department" ? "S" : "TW"}${String(i).padStart(4, "0")}`,
      name,
      type,
      parent: i === 0 ? null : SCALE_PROVINCE_CODE,
      taxCode: `98${String(10_000_000 + i).slice(-8)}`,
      budgetCode: String(9_000_000 + i),
      emailDomain: sub ? `${sub}.${SCALE_DOMAIN}` : SCALE_DOMAIN,
      address: `${name}, ${SCALE_PROVINCE}`,
    });
  };
  add(`Ủy ban nhân dân ${SCALE_PROVINCE}`, "province", "");
  const departments = Math.min(DEPARTMENTS.length, Math.max(0, Math.round((k - 1) * 0.15)));
  const central = Math.min(CENTRAL.length, Math.max(0, Math.round((k - 1) * 0.05)));
  for (let i = 0; i < departments && units.length < k; i++) add(`${DEPARTMENTS[i]} ${SCALE_PROVINCE}`, "department", `s${units.length}`);
  for (let i = 0; i < central && units.length < k; i++) add(`${CENTRAL[i]} Thử Nghiệm Quy Mô`, "central_in_province", `tw${units.length}`);
  while (units.length < k) {
    const n = units.length;
    const ward = r.next() < 0.2;
    add(`Ủy ban nhân dân ${ward ? "phường" : "xã"} ${r.pick(PLACES)} ${r.pick(PLACES)} ${n}`, "commune", `x${n}`);
  }
  return units;
}
