// Times are stored as fixed-width ISO 8601 UTC text at whole seconds
// ("2026-11-23T14:53:30Z"): portable across sqlite and PostgreSQL and sortable.
export function toDbTime(d: Date): string {
  return d.toISOString().slice(0, 19) + "Z";
}

export function fromDbTime(s: string): Date {
  return new Date(s);
}

export function optionalDbTime(s: string | null | undefined): Date | null {
  return s ? new Date(s) : null;
}
