// `cert issue-batch`: issues the certificates of a manifest (CSV, one row per
// certificate) through the issuance service's batch path: every row validated
// and linted, pending rows and their audit entries stored in one transaction,
// all signed, all completed in one transaction. A bad row is refused with its
// code and its own audit entry; the others are issued (issuance-service.ts).
import type { Command } from "commander";
import { parse as parseCsv } from "csv-parse/sync";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { AppError, isAppError } from "../../server/errors/app-error";
import { pem } from "../../server/ca/pki-files";
import type { IssueRequest } from "../../server/ra/issuance-service";
import { cliActor, withCore } from "./with-core";

const COLUMNS = ["csr", "profile", "cn", "email", "o", "ou", "l", "dns", "days", "unit"] as const;
type Row = Partial<Record<(typeof COLUMNS)[number], string>>;
/** Rows per issuance batch: each batch is three transactions; memory stays small on any manifest. */
const BATCH = 500;
const list = (v: string | undefined) => (v ? v.split(";").map((x) => x.trim()).filter(Boolean) : []);

/** The manifest's rows; refuses the file (not a row) when its header is wrong. */
export function readManifest(file: string): Row[] {
  if (!existsSync(file)) throw new AppError("INPUT_INVALID", `manifest ${file} does not exist`);
  let rows: Array<Record<string, string>>;
  try {
    rows = parseCsv(readFileSync(file), { columns: true, bom: true, skip_empty_lines: true, trim: true }) as Array<Record<string, string>>;
  } catch (e) {
    throw new AppError("IMPORT_INVALID", `manifest ${file} is not CSV: ${(e as Error).message}`);
  }
  const header = rows.length ? Object.keys(rows[0]!) : [];
  const unknown = header.filter((h) => !(COLUMNS as readonly string[]).includes(h));
  if (unknown.length) throw new AppError("IMPORT_INVALID", `unknown column(s) ${unknown.join(", ")} (columns: ${COLUMNS.join(", ")})`);
  for (const need of ["csr", "profile", "cn"]) if (rows.length && !header.includes(need)) throw new AppError("IMPORT_INVALID", `the manifest needs a "${need}" column`);
  return rows;
}

export function registerCertBatchCommands(program: Command): void {
  const cert = program.commands.find((c) => c.name() === "cert") ?? program.command("cert").description("subscriber certificates");
  cert.command("issue-batch")
    .description("issue the certificates of a CSV manifest; prints one line a row (issued serial, or refused with its code)")
    .requiredOption("--manifest <file>", `CSV with a header: ${COLUMNS.join(", ")} (csr: a file relative to the manifest; ou and dns: ';'-separated; days and unit optional)`)
    .requiredOption("--out-dir <dir>", "write each certificate here as <serial>.pem")
    .action(async (o: { manifest: string; outDir: string }) => {
      const rows = readManifest(o.manifest);
      const base = dirname(resolve(o.manifest));
      mkdirSync(o.outDir, { recursive: true });
      const actor = cliActor();
      let issued = 0;
      let refused = 0;
      const report = (line: number, text: string) => console.log(`row ${line}: ${text}`);
      await withCore(async (core) => {
        for (let start = 0; start < rows.length; start += BATCH) {
          const chunk = rows.slice(start, start + BATCH);
          const requests: IssueRequest[] = [];
          const lines: number[] = [];
          for (let i = 0; i < chunk.length; i++) {
            const r = chunk[i]!;
            const line = start + i + 2; // the header is line 1
            try {
              const csrFile = resolve(base, r.csr ?? "");
              if (!r.csr || !existsSync(csrFile)) throw new AppError("INPUT_INVALID", `CSR file ${r.csr ?? "(empty)"} does not exist`);
              if (r.days && !/^\d+$/.test(r.days)) throw new AppError("INPUT_INVALID", "days must be a whole number of days");
              const unit = r.unit ? await core.store.units.findByCode(r.unit) : null;
              if (r.unit && !unit) throw new AppError("UNIT_NOT_FOUND", `no unit with code ${r.unit}`);
              requests.push({
                csr: readFileSync(csrFile),
                profile: r.profile ?? "",
                commonName: r.cn ?? "",
                organization: r.o || undefined,
                organizationalUnits: list(r.ou),
                locality: r.l || undefined,
                email: r.email || undefined,
                dnsNames: list(r.dns),
                days: r.days ? Number(r.days) : undefined,
                unitId: unit?.id ?? null,
                actor,
              });
              lines.push(line);
            } catch (e) {
              if (!isAppError(e)) throw e;
              refused++;
              report(line, `refused [${e.code}] ${e.message}`);
            }
          }
          const outcomes = await core.issuance.issueMany(requests);
          outcomes.forEach((out, j) => {
            if (out.ok) {
              issued++;
              writeFileSync(join(o.outDir, `${out.issued.serial}.pem`), pem("CERTIFICATE", out.issued.certDer));
              report(lines[j]!, `issued ${out.issued.serial} ${out.issued.subjectDn}`);
            } else {
              refused++;
              const code = isAppError(out.error) ? out.error.code : "INTERNAL";
              report(lines[j]!, `refused [${code}] ${out.error.message}`);
            }
          });
        }
      });
      console.log(`issued ${issued}, refused ${refused}`);
      if (refused) throw new AppError("IMPORT_INVALID", `${refused} of ${rows.length} rows refused (listed above); the other ${issued} were issued`);
    });
}
