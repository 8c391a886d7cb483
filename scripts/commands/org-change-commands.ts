// `org-change preview|run --batch N`: what a unit batch (merger, split,
// dissolution) does to certificates, tokens and subscribers, and running it as
// one resumable batch. The operator on the server is trusted like an admin;
// every effect is audited as cli:<user>. Running again resumes an interrupted
// run, or does nothing once it finished.
import type { Command } from "commander";
import { createAccessAudit } from "../../server/access/access-audit";
import { createScoper } from "../../server/access/scope";
import { unitSourceFromStore } from "../../server/directory/unit-source";
import { AppError } from "../../server/errors/app-error";
import type { Core } from "../../server/core";
import { createOrgChangeRunner } from "../../server/ra/org-change-run";
import type { OrgChangePlan } from "../../server/ra/org-change-effects";
import { createRequestExecutor } from "../../server/ra/request-execution";
import { createSla } from "../../server/ra/sla";
import { cliActor, withCore } from "./with-core";

function batchFlag(v: string): number {
  if (!/^\d{1,9}$/.test(v) || Number(v) === 0) throw new AppError("INPUT_INVALID", "--batch must be a batch number");
  return Number(v);
}

function runnerOf(core: Core) {
  const { store, config, clock } = core;
  const units = unitSourceFromStore(store.units);
  const deadlines = createSla({ store, config, clock });
  const executor = createRequestExecutor({
    config, store, issuance: core.issuance, revocation: core.revocation, deadlines, units, clock, notify: () => {},
    // Token moves are not part of an org change (token-return tasks are opened, not executed).
    tokens: { applyTransition: async () => { throw new AppError("TOKEN_TRANSITION_INVALID", "not available from org-change"); } },
  });
  return createOrgChangeRunner({
    store, units: core.units, scoper: createScoper(units), accessAudit: createAccessAudit({ store, clock }), revocation: core.revocation,
    openTokenReturn: executor.openTokenReturn, deadlines, clock,
  });
}

function printPlan(plan: OrgChangePlan): void {
  for (const u of plan.units) console.log(`unit ${u.code} ${u.fate}${u.successor ? ` → ${u.successor}` : ""}: ${u.counts.certificates} certificates, ${u.counts.tokens} tokens, ${u.counts.subscribers} subscribers`);
  for (const e of plan.effects) console.log(`${String(e.seq).padStart(5)} ${e.objectKind.padEnd(10)} ${e.objectId.padEnd(40)} ${e.action}${e.toCode ? ` → ${e.toCode}` : ""}${e.reason ? ` (${e.reason})` : ""}${e.note ? `  # ${e.note}` : ""}`);
  console.log(`${plan.effects.length} effects (${Object.entries(plan.counts).map(([k, v]) => `${k} ${v}`).join(", ") || "none"}), mode ${plan.mode}`);
  console.log(`digest ${plan.digest}`);
}

export function registerOrgChangeCommands(program: Command): void {
  const oc = program.command("org-change").description("effects of a unit batch (merger, split, dissolution) on certificates and tokens");

  oc.command("preview")
    .description("every certificate, token and subscriber affected and what will happen to each (or the run so far)")
    .requiredOption("--batch <id>", "unit batch number (unit batch list)")
    .option("--mode <mode>", "rehome (default) | revoke: what merged and split units' certificates get")
    .action(async (o: { batch: string; mode?: string }) => {
      await withCore(async (core) => {
        const view = await runnerOf(core).view({ cli: cliActor() }, batchFlag(o.batch), o.mode);
        console.log(`batch ${view.batch.id} "${view.batch.title}" ${view.batch.status}, effective ${view.batch.effectiveDate}`);
        if (view.run) {
          for (const i of view.items) console.log(`${String(i.seq).padStart(5)} ${i.objectKind.padEnd(10)} ${i.objectId.padEnd(40)} ${i.action} ${i.status}${i.outcome ? ` ${i.outcome}` : ""}${i.error ? ` ${i.error}` : ""}`);
          console.log(`run ${view.run.id} ${view.run.state}: ${view.run.done}/${view.run.total} done, ${view.run.failed} failed`);
          return;
        }
        printPlan(view.plan!);
        if (view.blocker) console.log(`not runnable yet: ${view.blocker}`);
      });
    });

  oc.command("run")
    .description("runs the effects in chunks (resumes an interrupted run; a finished one is left alone)")
    .requiredOption("--batch <id>", "unit batch number")
    .option("--mode <mode>", "rehome (default) | revoke")
    .option("--expect <digest>", "refuse unless the effects are still those of the preview with this digest")
    .action(async (o: { batch: string; mode?: string; expect?: string }) => {
      await withCore(async (core) => {
        const { run, created } = await runnerOf(core).run({ cli: cliActor() }, batchFlag(o.batch), { ...(o.mode ? { mode: o.mode } : {}), ...(o.expect ? { expectDigest: o.expect } : {}) });
        console.log(`run ${run.id} ${created ? "started" : "resumed or already done"}: ${run.state}, ${run.done}/${run.total} done, ${run.failed} failed`);
      });
    });
}
