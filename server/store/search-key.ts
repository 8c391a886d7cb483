// The search key of a name: what the certificate list matches a typed prefix
// against. Folding is storage representation, so it lives with the SQL.
// "Nguyễn Văn  Đức" → "nguyen van duc": NFD, combining marks dropped, đ → d,
// lowercase, anything but [a-z0-9] becomes one space. Pure ASCII, so a prefix
// range compares the same in sqlite and in PostgreSQL's "C" collation.
export const SEARCH_KEY_MAX = 128;

export function searchKey(s: string): string {
  return s
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[đĐ]/g, "d")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, " ")
    .trim()
    .slice(0, SEARCH_KEY_MAX);
}

/** The smallest string greater than every string starting with `prefix` (ASCII keys only). */
export function prefixUpperBound(prefix: string): string {
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}
