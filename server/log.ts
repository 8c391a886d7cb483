// A tiny structured logger: one JSON line per event on stderr. Injected, never
// imported as a singleton, so tests can capture it.
export type LogLevel = "debug" | "info" | "warn" | "error";
export type Logger = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => void;

export function createLogger(opts: { minLevel?: LogLevel; write?: (line: string) => void } = {}): Logger {
  const order: LogLevel[] = ["debug", "info", "warn", "error"];
  const min = order.indexOf(opts.minLevel ?? "info");
  const write = opts.write ?? ((line: string) => process.stderr.write(line + "\n"));
  return (level, msg, fields) => {
    if (order.indexOf(level) < min) return;
    write(JSON.stringify({ t: new Date().toISOString(), level, msg, ...fields }));
  };
}
