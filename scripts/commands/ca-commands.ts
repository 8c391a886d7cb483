// `ca init`: create (or finish creating) the TEST hierarchy; `ca show`.
import type { Command } from "commander";
import { X509Certificate } from "node:crypto";
import { join } from "node:path";
import { AppError } from "../../server/errors/app-error";
import type { KeyAlgorithm } from "../../server/ca/signer";
import { cliActor, withCore } from "./with-core";

const ALGS: KeyAlgorithm[] = ["rsa2048", "rsa3072", "p256", "p384"];

export function registerCaCommands(program: Command): void {
  const ca = program.command("ca").description("the TEST CA hierarchy");
  ca.command("init")
    .description("create the root, issuing CA and OCSP responder (idempotent)")
    .option("--alg <alg>", `key algorithm: ${ALGS.join(", ")}`, "rsa2048")
    .option("--force", "replace a hierarchy that has not issued any subscriber certificate")
    .action(async (opts: { alg: string; force?: boolean }) => {
      if (!ALGS.includes(opts.alg as KeyAlgorithm)) {
        throw new AppError("INPUT_INVALID", `unknown --alg "${opts.alg}" (use ${ALGS.join(", ")})`);
      }
      await withCore(async (core) => {
        const r = await core.hierarchy.init({ alg: opts.alg as KeyAlgorithm, force: !!opts.force, actor: cliActor() });
        console.log(r.created.length ? `created: ${r.created.join(", ")}` : "CA already initialised: nothing to do");
        for (const c of [r.root, r.issuing, r.responder]) {
          const x = new X509Certificate(c.record.certDer);
          console.log(`${c.record.kind.padEnd(8)} ${c.record.slug.padEnd(28)} ${c.alg.padEnd(8)} until ${x.validTo}  ${x.subject.split("\n").reverse().join(", ")}`);
        }
        console.log(`certificates: ${join(core.config.dataDir, "pki")}`);
      });
    });
  ca.command("show")
    .description("list the active CAs")
    .action(async () => {
      await withCore(async (core) => {
        const cas = await core.store.cas.listActive();
        if (!cas.length) throw new AppError("CA_NOT_INITIALISED", "no CA yet: run `npm run cli -- ca init`");
        for (const c of cas) console.log(`${c.kind.padEnd(8)} ${c.slug.padEnd(28)} ${c.keyAlg.padEnd(8)} until ${c.notAfter.toISOString()}  ${c.subjectDn}`);
      });
    });
}
