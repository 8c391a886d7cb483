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
    .option("--keystore <kind>", "where the keys are made: file (sealed in DATA_DIR) or pkcs11 (a token); default: config ca.keystore")
    .option("--module <path>", "PKCS#11 library, e.g. /usr/lib/softhsm/libsofthsm2.so")
    .option("--slot <n|label>", "PKCS#11 slot ID or token label")
    .option("--pin-env <VAR>", "environment variable holding the token PIN", "PKCS11_PIN")
    .action(async (opts: { alg: string; force?: boolean; keystore?: string; module?: string; slot?: string; pinEnv: string }) => {
      if (!ALGS.includes(opts.alg as KeyAlgorithm)) {
        throw new AppError("INPUT_INVALID", `unknown --alg "${opts.alg}" (use ${ALGS.join(", ")})`);
      }
      // The keystore options reach the configuration the way the server's do (PKCS11_* variables, server/config/load-config.ts).
      if (opts.keystore === "pkcs11") {
        if (!opts.module || !opts.slot) throw new AppError("INPUT_INVALID", "--keystore pkcs11 needs --module and --slot");
        Object.assign(process.env, { PKCS11_MODULE: opts.module, PKCS11_SLOT: opts.slot, PKCS11_PIN_ENV: opts.pinEnv });
      } else if (opts.keystore === "file") {
        delete process.env.PKCS11_MODULE;
      } else if (opts.keystore !== undefined) {
        throw new AppError("INPUT_INVALID", `unknown --keystore "${opts.keystore}" (use file or pkcs11)`);
      }
      await withCore(async (core) => {
        const r = await core.hierarchy.init({ alg: opts.alg as KeyAlgorithm, force: !!opts.force, actor: cliActor() });
        console.log(r.created.length ? `created: ${r.created.join(", ")}` : "CA already initialised: nothing to do");
        for (const c of [r.root, r.issuing, r.responder]) {
          const x = new X509Certificate(c.record.certDer);
          console.log(`${c.record.kind.padEnd(8)} ${c.record.slug.padEnd(28)} ${c.alg.padEnd(8)} until ${x.validTo}  ${x.subject.split("\n").reverse().join(", ")}`);
        }
        console.log(`certificates: ${join(core.config.dataDir, "pki")}`);
        console.log(`keys: ${core.keyRing.keystore.kind === "pkcs11" ? "in the PKCS#11 token (non-extractable)" : "sealed files in " + join(core.config.dataDir, "ca", "keys")}`);
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
