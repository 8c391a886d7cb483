// The requests part of an officer's daily digest (server/mail/digest.ts): what
// waits for them in their subtree, overdue and due today, the most urgent first.
// Reads through the request service, so the digest sees exactly what the pages show.
import { actorOfUser } from "../access/actor";
import type { Config } from "../config/schema";
import type { Store } from "../store/store";
import { referenceOf } from "./request-ports";
import type { RequestService } from "./request-service";

const ITEMS = 10;

export function createRequestDigestSource(deps: { store: Store; requests: RequestService; config: Config }) {
  return {
    async forUser(userId: number, _now: Date) {
      const user = await deps.store.users.findById(userId);
      const actor = await actorOfUser(deps.store.users, { id: userId, username: user?.username ?? `user-${userId}`, displayName: user?.displayName ?? "" });
      const waiting = await deps.requests.waitingFor(actor);
      const ctx = { actor, requestId: null };
      // The digest is the officer's own reading: no audit entries for it (list() audits only refusals).
      const urgent = await deps.requests.list(ctx, { states: ["submitted"], sort: "due", page: 1 });
      return {
        waiting: waiting.toCheck,
        overdue: waiting.overdue,
        dueToday: waiting.dueToday,
        items: urgent.rows.slice(0, ITEMS).map((r) => ({ reference: referenceOf(r.id), type: r.type, dueDate: r.dueDate, url: `${deps.config.publicUrl}/requests/${r.id}` })),
      };
    },
  };
}
