// The row and column labels of the reports in both languages (the sections carry
// them so every exporter prints the same words). Words only; no figures here.
import type { ReportColumn } from "./report-model";

export type Bi = readonly [vi: string, en: string];

export const PROFILE_LABEL: Record<string, Bi> = {
  individual: ["Cá nhân", "Individual"],
  organization: ["Cơ quan, tổ chức", "Organisation"],
  device: ["Thiết bị, dịch vụ, phần mềm", "Device, service, software"],
};
export const PROFILES = ["individual", "organization", "device"] as const;

export const TOKEN_TYPE_LABEL: Record<string, Bi> = {
  usb_token: ["USB token", "USB token"],
  sim_pki: ["SIM-PKI", "SIM-PKI"],
  hsm_slot: ["Khe HSM", "HSM slot"],
};
export const TOKEN_TYPES = ["usb_token", "sim_pki", "hsm_slot"] as const;

export const TOKEN_STATE_LABEL: Record<string, Bi> = {
  in_stock: ["Trong kho", "In stock"],
  issued: ["Đã bàn giao", "Handed over"],
  in_use: ["Đang sử dụng", "In use"],
  locked: ["Bị khóa", "Locked"],
  recovered: ["Đã khôi phục", "Recovered"],
  lost: ["Đã mất", "Lost"],
  damaged: ["Bị hỏng", "Damaged"],
  returned: ["Đã thu hồi", "Returned"],
};
export const TOKEN_STATES = ["in_stock", "issued", "in_use", "locked", "recovered", "lost", "damaged", "returned"] as const;

export const REQUEST_TYPE_LABEL: Record<string, Bi> = {
  new_individual: ["Cấp mới cho cá nhân (Mẫu 01)", "New, individual (form 01)"],
  new_organization: ["Cấp mới cho cơ quan, tổ chức (Mẫu 02)", "New, organisation (form 02)"],
  new_device: ["Cấp mới cho thiết bị (Mẫu 03)", "New, device (form 03)"],
  renewal: ["Gia hạn (Mẫu 04)", "Renewal (form 04)"],
  change: ["Thay đổi thông tin (Mẫu 04)", "Change of information (form 04)"],
  revocation: ["Thu hồi (Mẫu 05)", "Revocation (form 05)"],
  token_recovery: ["Khôi phục token (Mẫu 06)", "Token recovery (form 06)"],
  token_handover: ["Bàn giao token (Mẫu 07)", "Token handover (form 07)"],
  token_return: ["Thu hồi token (Mẫu 08)", "Token return (form 08)"],
  token_lost: ["Mất token (Mẫu 09)", "Token lost (form 09)"],
};
export const REQUEST_TYPES = Object.keys(REQUEST_TYPE_LABEL);

// RFC 5280 5.3.1 reason codes.
export const REASON_LABEL: Record<number, Bi> = {
  0: ["Không nêu lý do", "Unspecified"],
  1: ["Lộ khoá hoặc mất token", "Key compromise or token lost"],
  2: ["CA bị lộ khoá", "CA compromise"],
  3: ["Thay đổi cơ quan, chức vụ", "Affiliation changed"],
  4: ["Được thay thế (gia hạn, thay đổi)", "Superseded"],
  5: ["Thôi sử dụng (nghỉ hưu, thôi việc, giải thể)", "Cessation of operation"],
  6: ["Tạm dừng", "Certificate hold"],
  8: ["Gỡ khỏi CRL", "Remove from CRL"],
  9: ["Theo yêu cầu của cơ quan có thẩm quyền", "Privilege withdrawn"],
  10: ["Lộ khoá cơ quan cấp thuộc tính", "AA compromise"],
};

export const ACTIVITY_LABEL: Record<string, Bi> = {
  new: ["Cấp mới", "New"],
  renewed: ["Gia hạn", "Renewed"],
  changed: ["Thay đổi thông tin", "Changed"],
  revoked: ["Thu hồi", "Revoked"],
  recovered: ["Khôi phục thiết bị", "Recovered (tokens)"],
};

export const col = (key: string, [labelVi, labelEn]: Bi, kind: ReportColumn["kind"] = "int"): ReportColumn => ({ key, labelVi, labelEn, kind });

export const LABEL_COL = (vi = "Nội dung", en = "Item"): ReportColumn => col("label", [vi, en], "text");
