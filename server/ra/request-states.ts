// The request workflow of Decree 68/2024 as one allow-list: which action moves a
// request from which state to which, and which permission it takes. The agency
// files (its focal point), the provincial department checks and forwards or
// completes delegated types, the Cipher Committee's CA operator approves.
// Decides nothing about particular requests (request-service.ts does).
import type { Permission } from "../access/roles";

export const REQUEST_STATES = ["draft", "submitted", "returned", "forwarded", "approved", "completed", "rejected", "withdrawn"] as const;
export type RequestState = (typeof REQUEST_STATES)[number];

export function isRequestState(s: unknown): s is RequestState {
  return typeof s === "string" && (REQUEST_STATES as readonly string[]).includes(s);
}

/** States a request no longer leaves. */
export const FINAL_STATES: readonly RequestState[] = ["completed", "rejected", "withdrawn"];

/** States in which the request waits for somebody (counted against its deadline). */
export const OPEN_STATES: readonly RequestState[] = ["submitted", "returned", "forwarded", "approved"];

export type RequestAction = "submit" | "withdraw" | "forward" | "return" | "reject" | "complete" | "approve";

export interface Transition {
  from: readonly RequestState[];
  to: RequestState;
  permission: Permission;
  /** A reason is required (returns and rejections must say why). */
  reason: "required" | "optional";
}

export const TRANSITIONS: Readonly<Record<RequestAction, Transition>> = {
  // The focal point sends a complete dossier (again, after a return).
  submit: { from: ["draft", "returned"], to: "submitted", permission: "requests.file", reason: "optional" },
  withdraw: { from: ["draft", "submitted", "returned"], to: "withdrawn", permission: "requests.file", reason: "optional" },
  // The provincial officer checks: forward to the CA, return for correction, or reject.
  forward: { from: ["submitted"], to: "forwarded", permission: "requests.check", reason: "optional" },
  return: { from: ["submitted", "forwarded"], to: "returned", permission: "requests.check", reason: "required" },
  // Rejection by the province (at check) or by the CA (after forwarding).
  reject: { from: ["submitted", "forwarded"], to: "rejected", permission: "requests.check", reason: "required" },
  // Delegated types (config requests.delegatedToProvince): the province completes them itself.
  complete: { from: ["submitted"], to: "completed", permission: "requests.check", reason: "optional" },
  // The CA operator approves; execution (issue, revoke, token change) follows at once.
  approve: { from: ["forwarded"], to: "approved", permission: "requests.approve", reason: "optional" },
};

/** Permissions that may also take an action, beyond the table's (the CA rejects and returns forwarded requests). */
export function permissionsFor(action: RequestAction, from: RequestState): Permission[] {
  const base = TRANSITIONS[action].permission;
  if ((action === "reject" || action === "return") && from === "forwarded") return ["requests.approve"];
  return [base];
}

export function canTransition(action: RequestAction, from: RequestState): boolean {
  return TRANSITIONS[action].from.includes(from);
}

/** Whether the fields and attachments may still be changed (the filer corrects a draft or a returned request). */
export function isEditable(state: RequestState): boolean {
  return state === "draft" || state === "returned";
}
