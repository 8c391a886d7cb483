// The holiday calendar pages: /holidays?year=YYYY for everyone signed in; adding,
// changing and removing a day (holidays.manage). Routes read the form, call the
// holiday directory, and redirect, or show the page again with the refusal.
import { Router, type Request, type Response } from "express";
import type { Portal } from "../directory/portal";
import type { HolidayForm } from "../ra/holiday-service";
import { HOLIDAY_KINDS } from "../ra/working-days";
import { isAppError } from "../errors/app-error";
import { intParam, q } from "./query-params";
import { callOf, requireSignIn } from "./request-context";

const field = (body: unknown, name: string, max = 600): string => {
  const v = (body as Record<string, unknown> | undefined)?.[name];
  return typeof v === "string" ? v.slice(0, max) : "";
};

const formOf = (body: unknown): HolidayForm => ({ date: field(body, "date", 32), kind: field(body, "kind", 32), name: field(body, "name", 300), justification: field(body, "justification") });

/** Refusals shown on the page: a duplicate conflicts, a missing day is not found, the rest are bad input. */
const STATUS_OF: Record<string, number> = { duplicate: 409, not_found: 404 };

export function holidayRoutes(deps: { portal: Portal }): Router {
  const r = Router();
  const { portal } = deps;
  const signedIn = requireSignIn();

  async function render(req: Request, res: Response, year: number, status: number, extra: Record<string, unknown>) {
    const page = await portal.holidays.year(callOf(req), year);
    const rows = page.rows.map((r) => ({ ...r, weekdayKey: `holidays.weekdays.${r.weekday}`, kindKey: `holidays.kinds.${r.kind}` }));
    res.status(status).render("holidays/list", {
      titleKey: "holidays.title",
      nav: "holidays",
      page: { ...page, rows },
      prevYear: year - 1,
      nextYear: year + 1,
      kinds: HOLIDAY_KINDS.map((k) => ({ value: k, key: `holidays.kinds.${k}` })),
      ...extra,
    });
  }

  const yearOf = (date: string, fallback: number) => (/^\d{4}-/.test(date) ? Number(date.slice(0, 4)) : fallback);

  /** Runs an edit: on success back to the year with a notice, on HOLIDAY_INVALID the page again with the message. */
  async function edit(req: Request, res: Response, date: string, done: string, form: HolidayForm, run: () => Promise<unknown>) {
    const fallback = portal.holidays.currentYear();
    let year = yearOf(date, fallback);
    if (year < 2000 || year > 2100) year = fallback;
    try {
      await run();
      res.redirect(303, `/holidays?year=${year}&done=${done}`);
    } catch (e) {
      if (!isAppError(e) || e.code !== "HOLIDAY_INVALID") throw e;
      const reason = String(e.details?.reason ?? "bad_date");
      await render(req, res, year, STATUS_OF[reason] ?? 400, { error: `holidays.errors.${reason}`, errorParams: { from: e.details?.from, to: e.details?.to, date }, form });
    }
  }

  r.get("/holidays", signedIn, async (req, res) => {
    const year = intParam(q(req, "year", 4), "year") ?? portal.holidays.currentYear();
    const done = q(req, "done", 16);
    await render(req, res, year, 200, { notice: done && ["added", "edited", "removed"].includes(done) ? `holidays.done.${done}` : null });
  });

  r.post("/holidays", signedIn, async (req, res) => {
    const form = formOf(req.body);
    await edit(req, res, String(form.date), "added", form, () => portal.holidays.add(callOf(req), form));
  });

  r.post("/holidays/:date", signedIn, async (req, res) => {
    const date = String(req.params.date).slice(0, 32);
    const form = formOf(req.body);
    await edit(req, res, date, "edited", {}, () => portal.holidays.edit(callOf(req), date, form));
  });

  r.post("/holidays/:date/delete", signedIn, async (req, res) => {
    const date = String(req.params.date).slice(0, 32);
    await edit(req, res, date, "removed", {}, () => portal.holidays.remove(callOf(req), date, field(req.body, "justification")));
  });

  return r;
}
