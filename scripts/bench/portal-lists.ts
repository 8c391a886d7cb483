// How the people-facing certificate queries behave at a national scale: loads
// N certificates (default 1,000,000) spread over 2,000 units into a fresh
// database, then times the list, search, count and expiry queries the pages run,
// for a whole-CA actor and for a focal point, and prints each query plan's
// access path (no full table scans expected).
//
//   npx tsx scripts/bench/portal-lists.ts [N]            (sqlite in a temp dir)
//   DATABASE_URL=postgres://… npx tsx scripts/bench/portal-lists.ts [N]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { openDatabase } from "../../server/store/connection";
import { migrateLatest } from "../../server/store/migrate";
import { createStore } from "../../server/store/store";
import { toDbTime } from "../../server/store/db-time";
import { searchKey } from "../../server/store/search-key";
import type { CertificateListQuery, UnitFilter } from "../../server/store/certificate-query-store";

const N = Number(process.argv[2] ?? 1_000_000);
const UNITS = Number(process.env.BENCH_UNITS ?? 2_000);
const SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý"];
const MIDDLE = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Ngọc", "Thanh", "Quang"];
const GIVEN = ["An", "Bình", "Cường", "Dung", "Em", "Giang", "Hà", "Hải", "Hùng", "Lan", "Long", "Mai", "Nam", "Phúc", "Quân", "Sơn", "Tâm", "Thảo", "Trang", "Tuấn", "Việt", "Yến"];

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), "chungthu-bench-lists-"));
  const db = openDatabase({ dataDir, databaseUrl: process.env.DATABASE_URL });
  const postgres = db.client.config.client === "pg";
  try {
    await migrateLatest(db);
    const store = createStore(db);
    const now = new Date();
    const t0 = performance.now();
    const [ca] = (await db("cas")
      .insert({ slug: "bench", kind: "issuing", subject_dn: "CN=bench", cert_der: Buffer.from([0]), key_ref: "x", key_alg: "p256", ski: "00", not_before: toDbTime(now), not_after: toDbTime(now), created_at: toDbTime(now) })
      .returning("id")) as Array<{ id: number } | number>;
    const caId = typeof ca === "number" ? ca : ca!.id;
    for (let i = 1; i <= UNITS; i++) await db("units").insert({ id: i, code: `U${i}`, created_at: toDbTime(now) });
    let x = 12345;
    const rand = () => ((x = (x * 1103515245 + 12345) % 2147483648), x / 2147483648);
    const pick = <T>(a: readonly T[]) => a[Math.floor(rand() * a.length)]!;
    const BATCH = postgres ? 2000 : 500;
    for (let i = 0; i < N; i += BATCH) {
      const rows = [];
      for (let j = i; j < Math.min(N, i + BATCH); j++) {
        const cn = `${pick(SURNAMES)} ${pick(MIDDLE)} ${pick(GIVEN)}`;
        const created = new Date(now.getTime() - Math.floor(rand() * 5 * 365 * 86_400_000));
        const notAfter = new Date(created.getTime() + 3 * 365 * 86_400_000);
        const r = rand();
        rows.push({
          serial: (0x100000000000 + j).toString(16),
          ca_id: caId,
          profile: r < 0.8 ? "individual" : r < 0.97 ? "organization" : "device",
          status: rand() < 0.22 ? "revoked" : "valid",
          subject_dn: `CN=${cn}`,
          common_name: cn,
          email: `user${j}@bench.gov.vn`,
          spki_sha256: j.toString(16).padStart(64, "0"),
          key_alg: "p256",
          tbs_der: Buffer.from([0]),
          cert_der: null,
          not_before: toDbTime(created),
          not_after: toDbTime(notAfter),
          created_at: toDbTime(created),
          unit_id: 1 + Math.floor(rand() * UNITS),
          search_name: searchKey(cn),
        });
      }
      await db("certificates").insert(rows);
    }
    if (postgres) await db.raw("analyze certificates");
    else await db.raw("analyze");
    console.log(`${N.toLocaleString("en")} certificates over ${UNITS} units loaded in ${((performance.now() - t0) / 1000).toFixed(0)} s (${postgres ? "PostgreSQL" : "sqlite"})`);

    const all: UnitFilter = { all: true };
    const focal: UnitFilter = { all: false, unitIds: [17, 18, 19] };
    const province: UnitFilter = { all: false, unitIds: Array.from({ length: 300 }, (_, i) => i + 1) };
    const base = { now, limit: 50 };
    const page2 = async (q: CertificateListQuery) => {
      const p1 = await store.certificateQueries.list(q);
      return store.certificateQueries.list({ ...q, after: p1.next ?? undefined });
    };
    const cases: Array<[string, () => Promise<unknown>]> = [
      ["list, whole CA, newest first (page 2)", () => page2({ ...base, units: all })],
      ["list, whole CA, status=active", () => page2({ ...base, units: all, status: "active" })],
      ["list, whole CA, status=revoked, profile=device", () => page2({ ...base, units: all, status: "revoked", profile: "device" })],
      ["list, focal point (3 units)", () => page2({ ...base, units: focal })],
      ["list, province (300 units)", () => page2({ ...base, units: province })],
      ["search name 'nguyen van', whole CA", () => page2({ ...base, units: all, text: "nguyen van" })],
      ["search name 'tran thi lan', focal point", () => page2({ ...base, units: focal, text: "tran thi lan" })],
      ["search serial, whole CA", () => store.certificateQueries.list({ ...base, units: all, text: (0x100000000000 + 4242).toString(16) })],
      ["search e-mail, whole CA", () => store.certificateQueries.list({ ...base, units: all, text: "user4242@bench.gov.vn" })],
      ["counts by status, focal point", () => store.certificateQueries.countByStatus(focal, now)],
      ["counts by status, province", () => store.certificateQueries.countByStatus(province, now)],
      ["counts by status, whole CA", () => store.certificateQueries.countByStatus(all, now)],
      ["expiring in 30 days, whole CA", () => store.certificateQueries.expiring(all, now, new Date(now.getTime() + 30 * 86_400_000), 10)],
      ["expiring in 30 days, focal point", () => store.certificateQueries.expiring(focal, now, new Date(now.getTime() + 30 * 86_400_000), 10)],
    ];
    for (const [name, fn] of cases) {
      await fn();
      const times: number[] = [];
      for (let i = 0; i < 5; i++) {
        const s = performance.now();
        await fn();
        times.push(performance.now() - s);
      }
      times.sort((a, b) => a - b);
      console.log(`${name.padEnd(48)} median ${times[2]!.toFixed(1).padStart(8)} ms`);
    }
  } finally {
    await db.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
