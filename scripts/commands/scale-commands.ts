// `demo scale`: builds a scale dataset (issue 7) on the configured database
// (DATA_DIR / DATABASE_URL) with a progress bar on stderr and a summary line.
import type { Command } from "commander";
import { AppError } from "../../server/errors/app-error";
import { buildScaleDataset, scaleSummaryLine, type ScaleProgress } from "../../server/demo/scale-dataset";
import { openScaleStore } from "../../server/store/scale-store";
import { cliActor, withCore } from "./with-core";

function count(name: string) {
  return (v: string): number => {
    const n = Number(v.replace(/[_,]/g, ""));
    if (!Number.isSafeInteger(n) || n < 0) throw new AppError("INPUT_INVALID", `${name}: a whole number, got ${JSON.stringify(v)}`);
    return n;
  };
}

/** A one-line bar redrawn in place on a terminal; a line every 10% otherwise (logs, CI). */
function progressBar(out: NodeJS.WriteStream) {
  let lastDecile = -1;
  return (p: ScaleProgress) => {
    const frac = p.done / p.total;
    const rate = p.done / Math.max(p.elapsedMs / 1000, 0.001);
    const eta = Math.max(0, (p.total - p.done) / Math.max(rate, 1e-9));
    const text = `${p.done.toLocaleString("en-US")}/${p.total.toLocaleString("en-US")} certificates, ${Math.round(rate).toLocaleString("en-US")}/s, ETA ${eta < 90 ? `${Math.ceil(eta)} s` : `${Math.ceil(eta / 60)} min`}`;
    if (out.isTTY) {
      const width = 30;
      const filled = Math.round(frac * width);
      out.write(`\r[${"#".repeat(filled)}${".".repeat(width - filled)}] ${(frac * 100).toFixed(0).padStart(3)}% ${text}\x1b[K${p.done === p.total ? "\n" : ""}`);
    } else {
      const decile = Math.floor(frac * 10);
      if (decile !== lastDecile) out.write(`${(frac * 100).toFixed(0)}% ${text}\n`);
      lastDecile = decile;
    }
  };
}

export function registerScaleCommands(program: Command): void {
  const demo = program.commands.find((c) => c.name() === "demo") ?? program.command("demo").description("demonstration data (fictional)");
  demo.command("scale")
    .description("build a scale dataset: a fictional province's units, subscribers, tokens, requests and real signed certificates, some revoked (issue 7)")
    .requiredOption("--certs <n>", "certificates to issue", count("--certs"))
    .option("--revoked <m>", "how many of them are revoked (default 22%)", count("--revoked"))
    .option("--units <k>", "units in the province tree (default: one per 1,000 certificates, 30 to 1,000)", count("--units"))
    .option("--requests <r>", "requests in every state (default: one per 10 certificates)", count("--requests"))
    .option("--workers <w>", "signing threads (default: one per core)", count("--workers"))
    .option("--append", "add to the scale dataset already in the database")
    .action(async (o: { certs: number; revoked?: number; units?: number; requests?: number; workers?: number; append?: boolean }) => {
      await withCore(async (core) => {
        const scale = openScaleStore(core.config);
        try {
          const r = await buildScaleDataset(
            { config: core.config, store: core.store, scale, keyRing: core.keyRing, clock: core.clock, actor: cliActor(), onProgress: progressBar(process.stderr) },
            {
              certs: o.certs,
              revoked: o.revoked ?? Math.round(o.certs * 0.22),
              units: o.units ?? Math.min(1000, Math.max(30, Math.round(o.certs / 1000))),
              requests: o.requests ?? Math.round(o.certs / 10),
              append: Boolean(o.append),
              ...(o.workers ? { workers: o.workers } : {}),
            },
          );
          console.log(scaleSummaryLine(r));
        } finally {
          await scale.close();
        }
      });
    });
}
