// The oversight audit page: GET /audit (chain status + entries with filters and
// keyset paging), GET /audit/:id (one entry, JSON pretty-printed, hashes),
// POST /audit/verify ("verify now": starts a background run, redirects back).
import { Router } from "express";
import type { Portal } from "../directory/portal";
import { AppError } from "../errors/app-error";
import type { ChainProblem } from "../audit/verify-chain";
import { q, urlWith } from "./query-params";
import { callOf, requireSignIn } from "./request-context";


const PROBLEM_KEYS: Record<ChainProblem, string> = {
  "hash mismatch": "hashMismatch",
  "prev_hash mismatch": "prevHashMismatch",
  "missing entry (gap)": "gap",
  "checkpoint signature invalid": "checkpointSignature",
  "checkpoint does not match chain": "checkpointMismatch",
};


export function auditRoutes(deps: { portal: Portal }): Router {
  const r = Router();
  const { portal } = deps;
  const signedIn = requireSignIn();

  r.get("/audit", signedIn, async (req, res) => {
    const before = q(req, "before", 12);
    if (before !== undefined && !/^\d{1,12}$/.test(before)) throw new AppError("INPUT_INVALID", "bad before parameter");
    const filters = {
      action: q(req, "action", 64),
      actor: q(req, "actor", 128),
      outcome: q(req, "outcome", 16),
      objectType: q(req, "objectType", 32),
      objectId: q(req, "objectId", 128),
      from: q(req, "from", 10),
      to: q(req, "to", 10),
      before: before === undefined ? undefined : Number(before),
    };
    const page = await portal.audit.page(callOf(req), filters);
    const last = page.status.last;
    const result = last?.result ?? null;
    res.render("audit/list", {
      titleKey: "audit.title",
      nav: "audit",
      filters,
      page,
      last,
      result,
      problemKey: result?.problem ? `audit.problem.${PROBLEM_KEYS[result.problem]}` : null,
      running: page.status.runningSince !== null,
      verified: req.query.verify === "started",
      returnTo: urlWith(req, { verify: undefined }),
      firstUrl: filters.before !== undefined ? urlWith(req, { before: undefined, verify: undefined }) : null,
      nextUrl: page.next !== null ? urlWith(req, { before: page.next, verify: undefined }) : null,
      outcomes: ["ok", "refused"],
    });
  });

  r.post("/audit/verify", signedIn, async (req, res) => {
    await portal.audit.verifyNow(callOf(req));
    const back = (req.body as Record<string, unknown> | undefined)?.returnTo;
    // Only our own page: never an open redirect.
    const target = typeof back === "string" && /^\/audit(\?[^\s\\]*)?$/.test(back) ? back : "/audit";
    res.redirect(303, target + (target.includes("?") ? "&" : "?") + "verify=started");
  });

  r.get("/audit/:id", signedIn, async (req, res) => {
    const id = String(req.params.id);
    if (!/^\d{1,12}$/.test(id)) throw new AppError("NOT_FOUND", "no such page");
    const entry = await portal.audit.entry(callOf(req), Number(id));
    res.render("audit/detail", { titleKey: "audit.entryTitle", nav: "audit", entry });
  });

  return r;
}
