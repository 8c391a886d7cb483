// Opens the core for one CLI command and always closes it (so the process exits).
import { loadConfig, usesDevelopmentPassphrase } from "../../server/config/load-config";
import { Core, openCore } from "../../server/core";

export async function withCore<T>(fn: (core: Core) => Promise<T>): Promise<T> {
  const config = loadConfig();
  if (usesDevelopmentPassphrase(config) && process.env.CI !== "true" && !process.env.CHUNGTHU_QUIET_DEV_WARNING) {
    process.stderr.write("warning: CA keys are protected by the DEVELOPMENT passphrase; set CA_KEY_PASSPHRASE for anything real\n");
  }
  const core = await openCore(config);
  try {
    return await fn(core);
  } finally {
    await core.close();
  }
}

/** The CLI's actor name in the audit log. */
export function cliActor(): string {
  return `cli:${process.env.SUDO_USER ?? process.env.USER ?? "operator"}`;
}
