// Reading requests for people: one request with its history, files and the
// actions this actor may take now; the scoped list with state, type and deadline
// filters; and what waits for an actor (dashboard panel, daily digest).
import type { Actor, CallContext } from "../access/actor";
import type { Permission } from "../access/roles";
import { inScope, type Scope, type Scoper } from "../access/scope";
import { vietnamDay } from "../directory/unit-source";
import { AppError } from "../errors/app-error";
import type { RequestAccess, RequestAccessDeps } from "./request-access";
import { referenceOf } from "./request-ports";
import { canTransition, isEditable, permissionsFor, TRANSITIONS, type RequestAction, type RequestState } from "./request-states";
import type { RequestType } from "./request-types";

type Counts = Awaited<ReturnType<RequestAccessDeps["store"]["requests"]["counts"]>>;

/** Actions a page may offer besides the transitions. */
export type RequestPageAction = RequestAction | "edit" | "attach";

export function createRequestReads(deps: RequestAccessDeps & { access: RequestAccess }) {
  const { store, clock } = deps;
  const { scopeOf, visible, isDelegated, typeRefuses } = deps.access;
  /** The scope for `permission`, from the caller's scoper of this request (scope.ts forOneRequest) if given. */
  const scopeWith = (scoper: Scoper | undefined, actor: Actor, permission: Permission): Promise<Scope | null> =>
    scoper ? (scoper.may(actor, permission) ? scoper.scopeFor(actor, clock(), permission) : Promise.resolve(null)) : scopeOf(actor, permission);
  return {
    /** The request page: the request, its history, files, what this actor may do now. */
    async get(ctx: CallContext, id: number) {
      const r = await visible(ctx, id, "view");
      const [events, attachments] = await Promise.all([store.requests.events(id), store.requests.attachments(id)]);
      const actions: RequestPageAction[] = [];
      // One scope per permission for the whole page (each is a subtree query for unit roles).
      const scopes = new Map<Permission, ReturnType<typeof scopeOf>>();
      const scopeFor = (p: Permission) => scopes.get(p) ?? scopes.set(p, scopeOf(ctx.actor, p)).get(p)!;
      for (const a of Object.keys(TRANSITIONS) as RequestAction[]) {
        if (!canTransition(a, r.state) || typeRefuses(r.type, a)) continue;
        for (const p of permissionsFor(a, r.state)) {
          const scope = await scopeFor(p);
          if (scope && inScope(scope, r.unitId)) {
            actions.push(a);
            break;
          }
        }
      }
      if (isEditable(r.state) && actions.includes("submit")) actions.push("edit", "attach");
      return { request: r, reference: referenceOf(r.id), events, attachments, actions, delegated: isDelegated(r.type), today: vietnamDay(clock()) };
    },

    /** The scoped list with state, type and deadline filters. `scoper`: the page's own (several lists, one subtree read). */
    async list(ctx: CallContext, f: { states?: RequestState[]; types?: RequestType[]; due?: "overdue" | "due_today"; text?: string; sort?: "due" | "newest"; page?: number; unitIds?: number[] }, scoper?: Scoper) {
      const scope = await scopeWith(scoper ?? ctx.scoper, ctx.actor, "requests.view");
      if (!scope) {
        await deps.accessAudit.denied({ actor: ctx.actor, requestId: ctx.requestId, action: "request.list", reason: "forbidden" });
        throw new AppError("FORBIDDEN", "Bạn không có quyền xem hồ sơ");
      }
      const units = f.unitIds ? (scope.all ? { all: false as const, unitIds: f.unitIds } : { all: false as const, unitIds: f.unitIds.filter((u) => scope.unitIds.includes(u)) }) : scope;
      const limit = 50;
      const page = Math.max(1, f.page ?? 1);
      const result = await store.requests.list({ units, states: f.states, types: f.types, due: f.due, today: vietnamDay(clock()), text: f.text, sort: f.sort ?? "due", limit, offset: (page - 1) * limit });
      return { ...result, page, today: vietnamDay(clock()) };
    },

    /**
     * What waits for this actor (the dashboard panel, the digest): per role, the
     * dossiers in the state that role acts on, and of those how many are past
     * their deadline or due today. `scoper`: the page's own, as for list.
     */
    async waitingFor(actor: Actor, scoper?: Scoper) {
      const today = vietnamDay(clock());
      const none = { overdue: 0, dueToday: 0 };
      const out = { toCheck: 0, toApprove: 0, returned: 0, drafts: 0, overdue: 0, dueToday: 0, checkDeadlines: none, approveDeadlines: none };
      // Each role's part of the queue, counted in the units where it holds that role.
      const parts = [
        { permission: "requests.check", states: ["submitted"], take: (c: Counts) => void ((out.toCheck = c.byState.submitted ?? 0), (out.checkDeadlines = c.deadlines.submitted ?? none)) },
        { permission: "requests.approve", states: ["forwarded"], take: (c: Counts) => void ((out.toApprove = c.byState.forwarded ?? 0), (out.approveDeadlines = c.deadlines.forwarded ?? none)) },
        { permission: "requests.file", states: ["returned", "draft"], take: (c: Counts) => void ((out.returned = c.byState.returned ?? 0), (out.drafts = c.byState.draft ?? 0)) },
      ] as const;
      // Roles of one unit give the same scope: one count per scope, of just the states its roles act on
      // (a provincial officer's count reads the submitted dossiers, not every live one).
      const byScope = new Map<string, { scope: Scope; states: Set<RequestState>; parts: Array<(typeof parts)[number]> }>();
      for (const part of parts) {
        const scope = await scopeWith(scoper, actor, part.permission);
        if (!scope) continue;
        const key = scope.all ? "all" : scope.unitIds.join(",");
        const group = byScope.get(key) ?? byScope.set(key, { scope, states: new Set(), parts: [] }).get(key)!;
        for (const s of part.states) group.states.add(s);
        group.parts.push(part);
      }
      for (const { scope, states, parts: taking } of byScope.values()) {
        const c = await store.requests.counts(scope, today, [...states]);
        for (const part of taking) part.take(c);
        out.overdue += c.overdue;
        out.dueToday += c.dueToday;
      }
      return out;
    },
  };
}
