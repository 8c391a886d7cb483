// Loads the configuration: defaults ← chungthu.config.json (or CONFIG_FILE) ←
// environment. Returns a validated, frozen object; never reads process.env elsewhere.
import { existsSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import { AppError } from "../errors/app-error";
import { defaults } from "./defaults";
import { Config, DEV_PASSPHRASE, parseConfig } from "./schema";

type Env = Record<string, string | undefined>;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    out[k] = isObject(v) && isObject(out[k]) ? deepMerge(out[k] as Record<string, unknown>, v) : v;
  }
  return out;
}

function fromEnv(env: Env): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (env.PORT !== undefined) out.port = env.PORT;
  if (env.HOST) out.host = env.HOST;
  if (env.PUBLIC_URL) out.publicUrl = env.PUBLIC_URL;
  if (env.DATA_DIR) out.dataDir = env.DATA_DIR;
  if (env.DATABASE_URL) out.databaseUrl = env.DATABASE_URL;
  if (env.CA_KEY_PASSPHRASE) out.caKeyPassphrase = env.CA_KEY_PASSPHRASE;
  if (env.WORKERS) out.workers = env.WORKERS === "auto" ? availableParallelism() : env.WORKERS;
  if (env.SHUTDOWN_GRACE_MS) out.shutdownGraceMs = env.SHUTDOWN_GRACE_MS;
  if (env.SMTP_URL) out.mail = { ...(out.mail as object | undefined), smtpUrl: env.SMTP_URL };
  // PKCS11_MODULE selects the token keystore; the PIN stays in the variable PKCS11_PIN_ENV names.
  if (env.PKCS11_MODULE) out.ca = { keystore: { kind: "pkcs11", module: env.PKCS11_MODULE, slot: env.PKCS11_SLOT ?? "", pinEnv: env.PKCS11_PIN_ENV ?? "PKCS11_PIN" } };
  if (env.NODE_ENV === "development") out.viewCache = false;
  if (env.DEMO !== undefined) out.demo = !["0", "false", "no"].includes(env.DEMO.toLowerCase());
  return out;
}

export interface LoadOptions {
  env?: Env;
  cwd?: string;
}

export function loadConfig(opts: LoadOptions = {}): Config {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const file = resolve(cwd, env.CONFIG_FILE ?? "chungthu.config.json");
  let fileValues: Record<string, unknown> = {};
  if (existsSync(file)) {
    try {
      const parsed: unknown = JSON.parse(readFileSync(file, "utf8"));
      if (!isObject(parsed)) throw new Error("top level must be an object");
      fileValues = parsed;
    } catch (e) {
      throw new AppError("CONFIG_INVALID", `cannot read ${file}: ${(e as Error).message}`);
    }
  } else if (env.CONFIG_FILE) {
    throw new AppError("CONFIG_INVALID", `CONFIG_FILE ${file} does not exist`);
  }
  const merged = deepMerge(deepMerge(defaults as unknown as Record<string, unknown>, fileValues), fromEnv(env));
  const config = parseConfig(merged);
  config.dataDir = resolve(cwd, config.dataDir);
  return Object.freeze(config);
}

export function usesDevelopmentPassphrase(config: Config): boolean {
  return config.caKeyPassphrase === DEV_PASSPHRASE;
}
