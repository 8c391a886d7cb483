// Progress lines on stderr, and the number format they and the report share.
export function log(msg: string): void {
  process.stderr.write(`[bench:ocsp] ${msg}\n`);
}

export function fmt(n: number, digits = 0): string {
  return n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}
