// Reading list-page parameters from a request: one optional query value,
// a whole number, a numeric path id, and the current URL with some values changed.
import type { Request } from "express";
import { AppError } from "../errors/app-error";

/** One optional query string parameter, trimmed; arrays and over-long values are refused. */
export function q(req: Request, name: string, max = 128): string | undefined {
  const v = req.query[name];
  if (v === undefined) return undefined;
  if (typeof v !== "string" || v.length > max) throw new AppError("INPUT_INVALID", `bad ${name} parameter`);
  const t = v.trim();
  return t === "" ? undefined : t;
}

export function intParam(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d{1,9}$/.test(v)) throw new AppError("INPUT_INVALID", `bad ${name} parameter`);
  return Number(v);
}

/** A path id: anything but digits is simply not found. */
export function idParam(v: string | string[] | undefined): number {
  if (typeof v !== "string" || !/^\d{1,9}$/.test(v)) throw new AppError("NOT_FOUND", "no such page");
  return Number(v);
}

/** The current URL with some query parameters replaced (undefined removes one). */
export function urlWith(req: Request, changes: Record<string, string | number | undefined>): string {
  const url = new URL(req.originalUrl, "http://x");
  url.searchParams.delete("lang");
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined) url.searchParams.delete(k);
    else url.searchParams.set(k, String(v));
  }
  return url.pathname + url.search;
}
