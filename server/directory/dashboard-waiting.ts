// The dashboard's "what waits for me" panel: per role, the dossiers (Decree
// 68/2024 requests) that wait for this actor and the tokens and certificates
// that need them, each number with the link to its filtered list. Reads only,
// through the request service (which applies the actor's scope); decides nothing.
import type { CallContext } from "../access/actor";
import { type Scoper } from "../access/scope";
import { referenceOf } from "../ra/request-ports";
import type { RequestService } from "../ra/request-service";
import { OPEN_STATES, type RequestState } from "../ra/request-states";
import type { RequestRecord } from "../store/request-store";
import type { Store } from "../store/store";
import { toUnitFilter } from "./certificate-directory";
import { vietnamDay, type UnitSource } from "./unit-source";

/** How many of the most urgent dossiers the panel lists. */
export const URGENT_ROWS = 5;
/** Certificates expiring within this many days count as "to renew" for the agency. */
export const WAITING_EXPIRY_DAYS = 30;

/** One number on the panel: `more` when it is a lower bound (a list page holds at most 50). */
export interface WaitCount {
  key: string;
  n: number;
  more: boolean;
  href: string;
}

export interface UrgentRow {
  id: number;
  reference: string;
  typeKey: string;
  summary: string;
  unitName: string | null;
  due: string | null;
  overdue: boolean;
  dueToday: boolean;
}

export interface WaitingPanel {
  /** Provincial officer: dossiers to check (submitted), overdue, due today, the most urgent. */
  check: { counts: WaitCount[]; urgent: UrgentRow[]; allHref: string } | null;
  /** CA operator: dossiers forwarded, awaiting approval. */
  approve: { counts: WaitCount[]; urgent: UrgentRow[]; allHref: string } | null;
  /** Agency focal point: returned, drafts, tokens to collect, certificates expiring. */
  file: { counts: WaitCount[] } | null;
  /** Read-only roles (oversight, admin): counts only. */
  counts: WaitCount[] | null;
}

const list = (params: Record<string, string>) => `/requests?${new URLSearchParams(params).toString()}`;

/** 'YYYY-MM-DD' → dd/mm/yyyy, the official form in both languages. */
const dmy = (day: string | null) => (day ? day.split("-").reverse().join("/") : null);

export function createWaitingPanel(deps: { store: Store; units: UnitSource; scoper: Scoper; requests: RequestService; clock: () => Date }) {
  const { requests, clock } = deps;

  async function urgentRows(rows: RequestRecord[], today: string): Promise<UrgentRow[]> {
    const top = rows.slice(0, URGENT_ROWS);
    const ids = [...new Set(top.map((r) => r.unitId))];
    const names = new Map((ids.length ? await deps.units.unitsAsOf(clock(), ids) : []).map((u) => [u.id, u.name]));
    return top.map((r) => ({
      id: r.id,
      reference: referenceOf(r.id),
      typeKey: `dashboard.wait.type.${r.type}`,
      summary: r.summary,
      unitName: names.get(r.unitId) ?? null,
      due: dmy(r.dueDate),
      overdue: r.dueDate !== null && r.dueDate < today,
      dueToday: r.dueDate === today,
    }));
  }

  /** A count from the scoped list (first page): exact up to a page, a lower bound beyond. */
  async function counted(ctx: CallContext, scoper: Scoper, key: string, href: string, f: Parameters<RequestService["list"]>[1]): Promise<WaitCount> {
    const page = await requests.list(ctx, f, scoper);
    return { key, n: page.rows.length, more: page.more, href };
  }

  /**
   * Dossiers in `state` for the checking or approving role: the total, overdue,
   * due today (all three from waitingFor's one counting statement), the most urgent.
   */
  async function queue(ctx: CallContext, scoper: Scoper, state: RequestState, total: number, deadlines: { overdue: number; dueToday: number }, totalKey: string) {
    const today = vietnamDay(clock());
    const allHref = list({ state });
    const urgent = await requests.list(ctx, { states: [state], sort: "due" }, scoper);
    return {
      counts: [
        { key: totalKey, n: total, more: false, href: allHref },
        { key: "dashboard.wait.overdue", n: deadlines.overdue, more: false, href: list({ state, due: "overdue" }) },
        { key: "dashboard.wait.dueToday", n: deadlines.dueToday, more: false, href: list({ state, due: "due_today" }) },
      ],
      urgent: await urgentRows(urgent.rows, today),
      allHref,
    };
  }

  return {
    /** `scoper`: the page's own (scope.ts forOneRequest), so the unit subtree is read once for the whole panel. */
    async forCaller(ctx: CallContext, scoper: Scoper = ctx.scoper ?? deps.scoper.forOneRequest()): Promise<WaitingPanel> {
      const out: WaitingPanel = { check: null, approve: null, file: null, counts: null };
      if (!scoper.may(ctx.actor, "requests.view")) return out;
      const w = await requests.waitingFor(ctx.actor, scoper);
      if (scoper.may(ctx.actor, "requests.check")) out.check = await queue(ctx, scoper, "submitted", w.toCheck, w.checkDeadlines, "dashboard.wait.toCheck");
      if (scoper.may(ctx.actor, "requests.approve")) out.approve = await queue(ctx, scoper, "forwarded", w.toApprove, w.approveDeadlines, "dashboard.wait.toApprove");
      if (scoper.may(ctx.actor, "requests.file") && !out.check) {
        // The agency's own subtree (requests.file scope) for the certificates to renew.
        const scope = await scoper.scopeFor(ctx.actor, clock(), "requests.file");
        const now = clock();
        const expiring = await deps.store.certificateQueries.expiring(toUnitFilter(scope), now, new Date(now.getTime() + WAITING_EXPIRY_DAYS * 86_400_000), 1);
        out.file = {
          counts: [
            { key: "dashboard.wait.returned", n: w.returned, more: false, href: list({ state: "returned" }) },
            { key: "dashboard.wait.drafts", n: w.drafts, more: false, href: list({ state: "draft" }) },
            // Mẫu 08: the agency collects the token within 5 working days of the revocation.
            await counted(ctx, scoper, "dashboard.wait.tokens", list({ type: "token_return" }), { types: ["token_return"], states: [...OPEN_STATES] }),
            // The certificate list has no expiry filter: the number opens this page's own list of them.
            { key: "dashboard.wait.expiring", n: expiring.count, more: false, href: "#expiring" },
          ],
        };
      }
      if (!out.check && !out.approve && !out.file) {
        const scope = await scoper.scopeFor(ctx.actor, clock(), "requests.view");
        const c = await deps.store.requests.counts(toUnitFilter(scope), vietnamDay(clock()));
        const n = (s: RequestState) => c.byState[s] ?? 0;
        out.counts = [
          { key: "dashboard.wait.submitted", n: n("submitted"), more: false, href: list({ state: "submitted" }) },
          { key: "dashboard.wait.forwarded", n: n("forwarded"), more: false, href: list({ state: "forwarded" }) },
          { key: "dashboard.wait.returned", n: n("returned"), more: false, href: list({ state: "returned" }) },
          { key: "dashboard.wait.overdue", n: c.overdue, more: false, href: list({ due: "overdue" }) },
          { key: "dashboard.wait.dueToday", n: c.dueToday, more: false, href: list({ due: "due_today" }) },
        ];
      }
      return out;
    },
  };
}

export type WaitingPanelService = ReturnType<typeof createWaitingPanel>;
