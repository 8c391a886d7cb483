// `unit tree|show|add`, `unit batch preview|apply|list`, `demo units`.
//
// Batch flow: write the changes to a JSON file ({ "title", "effectiveDate",
// "changes": [...] }, see server/org/unit-validation.ts for the kinds), then
//   unit batch preview --file batch.json   checks it against the tree, stores it as a
//                                          draft (same file again: same draft) and
//                                          prints what it does and the digest;
//   unit batch apply --id N --expect DIGEST applies exactly that (refused if the tree
//                                          changed so the batch would now do otherwise).
// A draft never changes the tree; applying twice changes nothing the second time.
import type { Command } from "commander";
import { existsSync, readFileSync } from "node:fs";
import { seedDemoProvince, DEMO_PROVINCE_CODE } from "../../server/demo/demo-province";
import { AppError } from "../../server/errors/app-error";
import { dayBefore, isIsoDate } from "../../server/org/unit-dates";
import type { BatchPreview } from "../../server/org/unit-service";
import { renderTree, subtreeOf } from "../../server/org/unit-tree";
import { cliActor, withCore } from "./with-core";

function dateFlag(flag: string, v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  if (!isIsoDate(v)) throw new AppError("INPUT_INVALID", `${flag} must be a real date written YYYY-MM-DD`);
  return v;
}

function idFlag(v: string): number {
  if (!/^\d{1,9}$/.test(v) || Number(v) === 0) throw new AppError("INPUT_INVALID", `--id must be a batch number`);
  return Number(v);
}

function readBatchFile(file: string): { title: unknown; effectiveDate: unknown; changes: unknown } {
  if (!existsSync(file)) throw new AppError("INPUT_INVALID", `batch file ${file} does not exist`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new AppError("BATCH_INVALID", `batch file ${file} is not valid JSON: ${(e as Error).message.split("\n")[0]}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new AppError("BATCH_INVALID", `batch file ${file} must hold an object with "title", "effectiveDate" and "changes"`);
  }
  const o = parsed as Record<string, unknown>;
  return { title: o.title, effectiveDate: o.effectiveDate, changes: o.changes };
}

function printPreview(p: BatchPreview): void {
  const b = p.batch;
  if (b) console.log(`batch ${b.id} (${b.status}) "${b.title}", effective ${b.effectiveDate}`);
  console.log("changes:");
  for (const c of p.changes) console.log(`  ${c.seq}. ${c.summary}`);
  console.log("units:");
  for (const u of p.units) console.log(`  ${u.code} ${u.outcome}${u.effects.length ? `: ${u.effects.join("; ")}` : ""}`);
  const date = b?.effectiveDate ?? "";
  console.log(`tree on ${date} after the batch:`);
  const text = renderTree(p.treeAfter);
  if (text) console.log(text.replace(/^/gm, "  "));
  console.log(`digest: ${p.digest}`);
}

export function registerUnitCommands(program: Command): void {
  const unit = program.command("unit").description("administrative units (agencies) and their history");

  unit.command("tree")
    .description("print the unit tree as it stood on a date (default: today)")
    .option("--at <date>", "YYYY-MM-DD")
    .option("--root <code>", "only this unit and the units below it")
    .action(async (o: { at?: string; root?: string }) => {
      const at = dateFlag("--at", o.at);
      await withCore(async (core) => {
        const date = at ?? core.units.today();
        let tree = await core.units.treeAsOf(date);
        if (o.root) tree = subtreeOf(tree, o.root.trim().toUpperCase());
        console.log(tree.length ? renderTree(tree) : `(no units on ${date})`);
      });
    });

  unit.command("show")
    .description("a unit on a date, every version it had, and what it merged or split into")
    .requiredOption("--code <code>", "unit code")
    .option("--at <date>", "YYYY-MM-DD (default: today)")
    .action(async (o: { code: string; at?: string }) => {
      const at = dateFlag("--at", o.at);
      await withCore(async (core) => {
        const history = await core.units.history(o.code);
        const date = at ?? core.units.today();
        const now = history.find((v) => v.validFrom <= date && (v.validTo === null || v.validTo > date));
        console.log(now ? `${now.code} ${now.name} [${now.type}] on ${date}` : `${history[0]!.code} did not exist on ${date}`);
        if (now) {
          console.log(`  parent: ${now.parentCode ?? "-"}  MST: ${now.taxCode ?? "-"}  QHNS: ${now.budgetCode ?? "-"}  domain: ${now.emailDomain ?? "-"}`);
          if (now.address) console.log(`  address: ${now.address}`);
          if (now.focalPoint) console.log(`  focal point: ${[now.focalPoint.name, now.focalPoint.email, now.focalPoint.phone].filter(Boolean).join(", ")}`);
        }
        console.log("versions:");
        for (const v of history) {
          console.log(`  ${v.validFrom} to ${v.validTo ? dayBefore(v.validTo) : "now"}  ${v.name} [${v.type}] under ${v.parentCode ?? "-"}`);
        }
        const lineage = await core.units.lineage(o.code);
        const events = [...lineage.to.filter((l) => l.fromUnitId !== l.toUnitId), ...lineage.from].sort((a, b) => (a.effectiveDate < b.effectiveDate ? -1 : 1));
        if (events.length) console.log("lineage:");
        for (const l of events) console.log(`  ${l.effectiveDate}: ${l.fromCode} ${l.kind.replace("_", " ")}${l.kind === "renamed" ? "" : ` ${l.toCode}`}`);
      });
    });

  unit.command("add")
    .description("add one unit directly (structure changes to existing units go through `unit batch`)")
    .requiredOption("--code <code>", "stable code, e.g. SH-SNV (never reused)")
    .requiredOption("--name <name>", "official name in Vietnamese")
    .requiredOption("--type <type>", "province | department | district | commune | central_in_province | other")
    .option("--parent <code>", "parent unit (every unit but a province has one)")
    .option("--mst <taxCode>", "tax code (MST): 10 digits, or 13 for a dependent unit")
    .option("--qhns <budgetCode>", "budget relationship code (mã QHNS): 7 digits")
    .option("--domain <domain>", "official e-mail domain, ending .gov.vn")
    .option("--address <address>", "address")
    .option("--focal-name <name>", "focal point (đầu mối): name")
    .option("--focal-email <email>", "focal point: e-mail")
    .option("--focal-phone <phone>", "focal point: phone")
    .option("--from <date>", "first day the unit exists, YYYY-MM-DD (default: today)")
    .action(async (o: Record<string, string | undefined>) => {
      const from = dateFlag("--from", o.from);
      await withCore(async (core) => {
        const u = await core.units.createUnit(
          {
            code: o.code,
            name: o.name,
            type: o.type,
            parent: o.parent,
            taxCode: o.mst,
            budgetCode: o.qhns,
            emailDomain: o.domain,
            address: o.address,
            focalPoint: { name: o.focalName, email: o.focalEmail, phone: o.focalPhone },
            validFrom: from,
          },
          cliActor(),
        );
        console.log(`added ${u.code} "${u.name}" [${u.type}] under ${u.parentCode ?? "-"} from ${u.validFrom}`);
      });
    });

  const batch = unit.command("batch").description("dated batches of structure changes: preview, then apply");

  batch.command("preview")
    .description("check a batch against the tree and show what it does (--file also stores it as a draft)")
    .option("--file <file>", "batch JSON: { title, effectiveDate, changes }")
    .option("--id <n>", "a stored batch")
    .action(async (o: { file?: string; id?: string }) => {
      if ((o.file === undefined) === (o.id === undefined)) throw new AppError("INPUT_INVALID", "give either --file or --id");
      const id = o.id === undefined ? undefined : idFlag(o.id);
      const input = o.file === undefined ? undefined : readBatchFile(o.file);
      await withCore(async (core) => {
        let batchId = id;
        if (input) {
          const changes = input.changes as unknown[]; // shape checked by the service
          // Check that it fits before storing anything: a refused preview leaves no draft behind.
          await core.units.previewChanges(input.title as string, input.effectiveDate as string, changes);
          batchId = (await core.units.draftBatch(input.title as string, input.effectiveDate as string, changes, cliActor())).id;
        }
        const p = await core.units.preview(batchId!);
        printPreview(p);
        if (p.batch?.status === "draft") console.log(`apply with: unit batch apply --id ${p.batch.id} --expect ${p.digest}`);
      });
    });

  batch.command("apply")
    .description("apply a draft batch in one transaction (a batch already applied is left alone)")
    .requiredOption("--id <n>", "the batch")
    .option("--expect <digest>", "the digest its preview printed: refuse if it would now do anything else")
    .action(async (o: { id: string; expect?: string }) => {
      const id = idFlag(o.id);
      if (o.expect !== undefined && !/^[0-9a-f]{64}$/.test(o.expect)) throw new AppError("INPUT_INVALID", "--expect must be the 64-character digest printed by `unit batch preview`");
      await withCore(async (core) => {
        const r = await core.units.apply(id, cliActor(), { expectedDigest: o.expect });
        const counts = new Map<string, number>();
        for (const u of r.preview.units) counts.set(u.outcome, (counts.get(u.outcome) ?? 0) + 1);
        const summary = ["created", "changed", "ended"].map((k) => `${counts.get(k) ?? 0} ${k}`).join(", ");
        console.log(r.applied ? `applied batch ${id} effective ${r.preview.batch?.effectiveDate}: ${summary}` : `batch ${id} was already applied: nothing to do`);
      });
    });

  batch.command("list")
    .description("every batch, oldest first")
    .action(async () => {
      await withCore(async (core) => {
        const all = await core.units.listBatches();
        if (all.length === 0) console.log("(no batches)");
        for (const b of all) console.log(`${b.id}  ${b.effectiveDate}  ${b.status.padEnd(7)}  ${b.title}`);
      });
    });

  const demo = program.commands.find((c) => c.name() === "demo") ?? program.command("demo").description("demonstration data (fictional)");
  demo.command("units")
    .description(`seed the fictional demo province ${DEMO_PROVINCE_CODE} (2020 structure, 2025 reforms); does nothing if it exists`)
    .action(async () => {
      await withCore(async (core) => {
        const r = await seedDemoProvince({ store: core.store, clock: core.clock, actor: cliActor() });
        console.log(r.seeded ? `seeded demo province ${DEMO_PROVINCE_CODE}: batches ${r.batchIds.join(", ")} applied` : `demo province ${DEMO_PROVINCE_CODE} already exists: nothing to do`);
      });
    });
}
