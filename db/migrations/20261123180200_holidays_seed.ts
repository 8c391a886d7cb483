// The holiday calendar (data): Vietnam's public holidays 2024–2027 under Labour
// Code 2019 Art. 112 — Tết Dương lịch 1/1 (1 day), Tết Âm lịch (5 days), Giỗ Tổ
// Hùng Vương 10/3 lunar (1), 30/4 (1), 1/5 (1), Quốc khánh 2/9 plus one adjacent
// day (2) — as the days off of public servants (Saturday and Sunday off), and
// the compensating working Saturdays announced with them. Officers edit the
// calendar at /holidays or with `holiday add|remove`; this only seeds it.
//
// Where each date comes from — CHECK EVERY YEAR against the Ministry's notice:
//   Official (announced by the Prime Minister / Ministry of Labour, Invalids and
//   Social Affairs, from 2025 the Ministry of Home Affairs):
//     2024: 1/1; Tết Thu 8/2 – Wed 14/2; Giỗ Tổ Thu 18/4; Mon 29/4 swapped with
//           working Saturday 4/5, 30/4, 1/5; 2/9 and Tue 3/9.
//     2025: 1/1; Tết Mon 27/1 – Fri 31/1 (mùng 1 = 29/1); Giỗ Tổ Mon 7/4; 30/4,
//           1/5 and Fri 2/5 swapped with working Saturday 26/4; Mon 1/9 and 2/9.
//           Not seeded: whether a Saturday was worked after Tết 2025 in exchange
//           for a day off was not confirmed here; add it if the notice said so.
//     2026: 1/1; Tết Mon 16/2 – Fri 20/2 (mùng 1 = 17/2).
//   Computed from the Labour Code (Art. 111(3): a holiday on the weekly day off
//   is given back on the next working day) — check:
//     2026: Giỗ Tổ Sun 26/4 (10/3 Bính Ngọ) → Mon 27/4 off; 30/4 Thu, 1/5 Fri;
//           2/9 Wed with Thu 3/9 assumed as the adjacent day (as in 2020).
//     2027: 1/1 Fri; Tết Đinh Mùi (mùng 1 = Sat 6/2): Fri 5/2 and mùng 1–4
//           (6–9/2), the weekend given back Wed 10/2 and Thu 11/2; Giỗ Tổ Fri
//           16/4; 30/4 Fri; 1/5 Sat → Mon 3/5 off; 2/9 Thu with Fri 3/9 assumed.
//   Lunar dates by Hồ Ngọc Đức's algorithm at UTC+7 (the Vietnamese calendar).
//   Weekend days that are themselves holidays are listed so the page shows the
//   whole break; they change no deadline.
// Never edit once merged: later corrections are calendar edits (audited).
import type { Knex } from "knex";

type Row = [date: string, kind: "holiday" | "working_day", name: string];

const TDL = "Tết Dương lịch";
const TET = "Tết Nguyên đán";
const GIO_TO = "Giỗ Tổ Hùng Vương (10/3 âm lịch)";
const R304 = "Ngày Chiến thắng (30/4)";
const L15 = "Ngày Quốc tế Lao động (1/5)";
const QK = "Quốc khánh (2/9)";
const QK_ADJ = "Quốc khánh (ngày liền kề)";

export const SEEDED_HOLIDAYS: readonly Row[] = [
  // 2024 (official)
  ["2024-01-01", "holiday", TDL],
  ["2024-02-08", "holiday", `${TET} (29 tháng Chạp)`],
  ["2024-02-09", "holiday", `${TET} (30 tháng Chạp)`],
  ["2024-02-10", "holiday", `${TET} (mùng 1)`],
  ["2024-02-11", "holiday", `${TET} (mùng 2)`],
  ["2024-02-12", "holiday", `${TET} (mùng 3)`],
  ["2024-02-13", "holiday", `${TET} (mùng 4)`],
  ["2024-02-14", "holiday", `${TET} (mùng 5)`],
  ["2024-04-18", "holiday", GIO_TO],
  ["2024-04-29", "holiday", "Nghỉ hoán đổi (làm bù thứ Bảy 04/05/2024)"],
  ["2024-04-30", "holiday", R304],
  ["2024-05-01", "holiday", L15],
  ["2024-05-04", "working_day", "Làm bù cho thứ Hai 29/04/2024"],
  ["2024-09-02", "holiday", QK],
  ["2024-09-03", "holiday", QK_ADJ],
  // 2025 (official)
  ["2025-01-01", "holiday", TDL],
  ["2025-01-27", "holiday", `${TET} (28 tháng Chạp)`],
  ["2025-01-28", "holiday", `${TET} (29 tháng Chạp)`],
  ["2025-01-29", "holiday", `${TET} (mùng 1)`],
  ["2025-01-30", "holiday", `${TET} (mùng 2)`],
  ["2025-01-31", "holiday", `${TET} (mùng 3)`],
  ["2025-04-07", "holiday", GIO_TO],
  ["2025-04-26", "working_day", "Làm bù cho thứ Sáu 02/05/2025"],
  ["2025-04-30", "holiday", R304],
  ["2025-05-01", "holiday", L15],
  ["2025-05-02", "holiday", "Nghỉ hoán đổi (làm bù thứ Bảy 26/04/2025)"],
  ["2025-09-01", "holiday", QK_ADJ],
  ["2025-09-02", "holiday", QK],
  // 2026 (1/1 and Tết official; the rest computed — check)
  ["2026-01-01", "holiday", TDL],
  ["2026-02-16", "holiday", `${TET} (29 tháng Chạp)`],
  ["2026-02-17", "holiday", `${TET} (mùng 1)`],
  ["2026-02-18", "holiday", `${TET} (mùng 2)`],
  ["2026-02-19", "holiday", `${TET} (mùng 3)`],
  ["2026-02-20", "holiday", `${TET} (mùng 4)`],
  ["2026-04-26", "holiday", GIO_TO],
  ["2026-04-27", "holiday", "Nghỉ bù Giỗ Tổ Hùng Vương"],
  ["2026-04-30", "holiday", R304],
  ["2026-05-01", "holiday", L15],
  ["2026-09-02", "holiday", QK],
  ["2026-09-03", "holiday", `${QK_ADJ} — giả định, cần kiểm tra`],
  // 2027 (computed — check against the notice)
  ["2027-01-01", "holiday", TDL],
  ["2027-02-05", "holiday", `${TET} (trước Tết) — cần kiểm tra`],
  ["2027-02-06", "holiday", `${TET} (mùng 1)`],
  ["2027-02-07", "holiday", `${TET} (mùng 2)`],
  ["2027-02-08", "holiday", `${TET} (mùng 3)`],
  ["2027-02-09", "holiday", `${TET} (mùng 4)`],
  ["2027-02-10", "holiday", `${TET} (nghỉ bù) — cần kiểm tra`],
  ["2027-02-11", "holiday", `${TET} (nghỉ bù) — cần kiểm tra`],
  ["2027-04-16", "holiday", GIO_TO],
  ["2027-04-30", "holiday", R304],
  ["2027-05-01", "holiday", L15],
  ["2027-05-03", "holiday", "Nghỉ bù Ngày Quốc tế Lao động"],
  ["2027-09-02", "holiday", QK],
  ["2027-09-03", "holiday", `${QK_ADJ} — giả định, cần kiểm tra`],
];

const SEED_ACTOR = "system:seed";

export async function up(knex: Knex): Promise<void> {
  const at = new Date().toISOString().slice(0, 19) + "Z";
  const rows = SEEDED_HOLIDAYS.map(([date, kind, name]) => ({ date, kind, name: name.normalize("NFC"), created_by: SEED_ACTOR, created_at: at }));
  // A date an officer already entered is kept as it is.
  await knex("holidays").insert(rows).onConflict("date").ignore();
}

export async function down(knex: Knex): Promise<void> {
  await knex("holidays").where({ created_by: SEED_ACTOR }).whereIn("date", SEEDED_HOLIDAYS.map((r) => r[0])).delete();
}
