// The unit commands as an operator uses them: seed the demo province, print the
// tree on a date, preview a batch file then apply it (twice); every refusal is one
// line with a stable code, a non-zero exit, and no change.
import { strict as assert } from "node:assert";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import knex from "knex";
import { runCli, type CliResult } from "../support/cli";
import { forEachDatabase } from "../support/databases";
import { DEMO_TREE_2024_12_31 } from "../unit/org/demo-trees.fixture";

forEachDatabase("CLI: units", (db) => {
  let env: NodeJS.ProcessEnv;
  const cli = (...args: string[]) => runCli(args, env);

  before(() => {
    env = db.env();
  });

  const ok = (r: CliResult) => {
    assert.equal(r.status, 0, r.stderr);
    return r.stdout;
  };
  const refusal = (r: CliResult, code: string, match?: RegExp) => {
    assert.notEqual(r.status, 0, "expected a refusal, got exit 0");
    const lines = r.stderr.trim().split("\n");
    assert.equal(lines.length, 1, `expected one line on stderr, got:\n${r.stderr}`);
    assert.match(lines[0]!, new RegExp(`^error \\[${code}\\]: `));
    if (match) assert.match(lines[0]!, match);
  };

  it("demo units seeds the province; unit tree --at prints it as it stood that day", async function () {
    this.timeout(30_000);
    assert.match(ok(await cli("demo", "units")), /seeded demo province SH: batches 1, 2, 3 applied/);
    assert.equal(ok(await cli("unit", "tree", "--at", "2024-12-31")).trimEnd(), DEMO_TREE_2024_12_31);
  });

  it("unit batch preview --file, then apply --id --expect; applying again does nothing", async function () {
    this.timeout(30_000);
    const file = join(db.dataDir, "batch.json");
    writeFileSync(
      file,
      JSON.stringify({
        title: "Hợp nhất Sở Giáo dục và Sở Y tế (thử)",
        effectiveDate: "2026-01-01",
        changes: [{ kind: "merge", units: ["SH-SGDDT", "SH-SYT"], into: { code: "SH-SGDYT", name: "Sở Giáo dục và Y tế tỉnh Thử Nghiệm Sơn Hà", type: "department", parent: "SH", taxCode: "9900100200", emailDomain: "sgdyt.thunghiemsonha.gov.vn" } }],
      }),
    );
    const preview = ok(await cli("unit", "batch", "preview", "--file", file));
    assert.match(preview, /^batch 4 \(draft\) "Hợp nhất Sở Giáo dục và Sở Y tế \(thử\)", effective 2026-01-01$/m);
    assert.match(preview, /^ {2}SH-SYT ended: merged into SH-SGDYT$/m);
    assert.match(preview, /^ {2}SH-SGDYT created: created by merging SH-SGDDT, SH-SYT$/m);
    assert.match(preview, /^ {2}SH-SNV unchanged$/m);
    assert.match(preview, /^ {4}SH-SGDYT Sở Giáo dục và Y tế tỉnh Thử Nghiệm Sơn Hà \[department\]$/m);
    const digest = /^digest: ([0-9a-f]{64})$/m.exec(preview)![1]!;
    assert.match(ok(await cli("unit", "batch", "apply", "--id", "4", "--expect", digest)), /applied batch 4 effective 2026-01-01: 1 created, 0 changed, 2 ended/);
    assert.match(ok(await cli("unit", "batch", "apply", "--id", "4")), /batch 4 was already applied: nothing to do/);
  });

  it("refusals are one line with a stable code, and change nothing", async function () {
    this.timeout(30_000);
    const stale = join(db.dataDir, "stale.json");
    writeFileSync(stale, JSON.stringify({ title: "Dùng huyện đã giải thể", effectiveDate: "2026-02-01", changes: [{ kind: "rename", unit: "SH-H-LAMTHU", name: "Huyện Lam" }] }));
    const counts = async () => {
      const k = knex(db.knexConfig());
      try {
        const n = async (t: string) => Number(((await k(t).count({ n: "*" })) as Array<{ n: number | string }>)[0]!.n);
        return { batches: await n("unit_change_batches"), units: await n("units"), versions: await n("unit_versions") };
      } finally {
        await k.destroy();
      }
    };
    const before = await counts();
    refusal(await cli("unit", "batch", "preview", "--file", stale), "UNIT_CONFLICT", /change 1 \(rename\): unit SH-H-LAMTHU no longer exists on 2026-02-01: it was dissolved on 2025-07-01/);
    refusal(await cli("unit", "add", "--code", "SH-SXD", "--name", "Sở Xây dựng", "--type", "department", "--parent", "SH", "--mst", "99001"), "UNIT_INVALID", /MST/);
    assert.deepEqual(await counts(), before, "no draft, no unit, no version stored");
    const added = ok(await cli("unit", "add", "--code", "SH-SXD", "--name", "Sở Xây dựng tỉnh Thử Nghiệm Sơn Hà", "--type", "department", "--parent", "SH", "--mst", "9900100102", "--qhns", "1099010", "--domain", "sxd.thunghiemsonha.gov.vn", "--from", "2026-02-01"));
    assert.match(added, /added SH-SXD "Sở Xây dựng tỉnh Thử Nghiệm Sơn Hà" \[department\] under SH from 2026-02-01/);
  });
});
