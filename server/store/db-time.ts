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

/** Fast path for our own fixed-width form (hot loops: CRL entries); anything else goes through Date. */
export function parseDbTime(s: string): Date {
  if (s.length === 20 && s.charCodeAt(19) === 90 /* Z */) {
    return new Date(Date.UTC(+s.slice(0, 4), +s.slice(5, 7) - 1, +s.slice(8, 10), +s.slice(11, 13), +s.slice(14, 16), +s.slice(17, 19)));
  }
  return new Date(s);
}
