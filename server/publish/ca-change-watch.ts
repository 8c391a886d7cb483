// Notices when the set of active CAs changes (a renewed OCSP responder, a new
// CA made by another process), so a process that does not run the scheduler
// drops its issuer index and pre-signed answers and loads the new keys.
import type { CaStore } from "../store/ca-store";

export function createCaChangeWatch(deps: {
  cas: Pick<CaStore, "listActive">;
  intervalMs: number;
  onChange: () => void;
  log: (level: "warn", msg: string, fields?: Record<string, unknown>) => void;
}) {
  let last: string | null = null;
  let timer: NodeJS.Timeout | null = null;
  const signature = async () => (await deps.cas.listActive()).map((c) => `${c.id}:${c.kind}`).join(",");
  async function check(): Promise<void> {
    const now = await signature();
    if (last !== null && now !== last) deps.onChange();
    last = now;
  }
  const loop = () => {
    timer = setTimeout(() => {
      check()
        .catch((e: Error) => deps.log("warn", "CA change check failed", { error: e.message }))
        .finally(() => timer && loop());
    }, deps.intervalMs);
    timer.unref();
  };
  return {
    async start(): Promise<void> {
      last = await signature();
      loop();
    },
    async stop(): Promise<void> {
      if (timer) clearTimeout(timer);
      timer = null;
    },
    check,
  };
}
