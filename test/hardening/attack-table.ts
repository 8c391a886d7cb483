// Collects one row per attack tried by a hardening test and prints them as a
// table when the describe ends (issue 8: "a generated table lists what was tried").
export interface AttackRow {
  surface: string;
  payload: string;
  expected: string;
  got: string;
}

export class AttackTable {
  readonly rows: AttackRow[] = [];

  constructor(readonly title: string) {}

  add(surface: string, payload: string, expected: string, got: string): void {
    this.rows.push({ surface, payload: oneLine(payload), expected, got: oneLine(got) });
  }

  /** The rows whose outcome differs from what was expected. */
  failures(): AttackRow[] {
    return this.rows.filter((r) => r.got !== r.expected);
  }

  render(): string {
    const head: AttackRow = { surface: "surface", payload: "payload class", expected: "expected", got: "got" };
    const all = [head, ...this.rows];
    const keys = ["surface", "payload", "expected", "got"] as const;
    const width = keys.map((k) => Math.min(60, Math.max(...all.map((r) => r[k].length))));
    const line = (r: AttackRow) => "| " + keys.map((k, i) => cut(r[k], width[i]!).padEnd(width[i]!)).join(" | ") + " |";
    const rule = "|" + width.map((w) => "-".repeat(w + 2)).join("|") + "|";
    const mark = (r: AttackRow) => (r.got === r.expected ? "" : "   <-- differs");
    return [`${this.title} (${this.rows.length} attacks)`, line(head), rule, ...this.rows.map((r) => line(r) + mark(r))].join("\n");
  }

  print(): void {
    if (this.rows.length) console.log("\n" + this.render() + "\n");
  }
}

function oneLine(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}

function cut(s: string, n: number): string {
  return s.length <= n ? s : s.slice(0, n - 1) + "…";
}
