// The request (dossier) types of Decree 68/2024 and the legal form (Mẫu) each
// one is filed on, the certificate profile a new-certificate request asks for,
// and which SLA deadline applies. One table; everything else reads it.
import type { Config } from "../config/schema";

export const REQUEST_TYPES = [
  "new_individual",
  "new_organization",
  "new_device",
  "renewal",
  "change",
  "revocation",
  "token_recovery",
  "token_handover",
  "token_return",
  "token_lost",
] as const;

export type RequestType = (typeof REQUEST_TYPES)[number];

export function isRequestType(s: unknown): s is RequestType {
  return typeof s === "string" && (REQUEST_TYPES as readonly string[]).includes(s);
}

/** Decree 68/2024 annex forms: Mẫu 01–09 (renewal and change share Mẫu 04). */
export const FORM_OF: Readonly<Record<RequestType, string>> = {
  new_individual: "01",
  new_organization: "02",
  new_device: "03",
  renewal: "04",
  change: "04",
  revocation: "05",
  token_recovery: "06",
  token_handover: "07",
  token_return: "08",
  token_lost: "09",
};

export type SlaKey = keyof Config["sla"];

/** Which working-day deadline of the configuration applies to each type. */
export const SLA_KEY_OF: Readonly<Record<RequestType, SlaKey>> = {
  new_individual: "newCertificate",
  new_organization: "newCertificate",
  new_device: "newCertificate",
  renewal: "renewal",
  change: "change",
  revocation: "revocation",
  token_recovery: "tokenRecovery",
  token_handover: "tokenHandover",
  token_return: "tokenReturn",
  token_lost: "tokenLost",
};

/** New-certificate requests and the profile (and subscriber kind) they ask for. */
export const NEW_CERT_PROFILE: Readonly<Partial<Record<RequestType, "individual" | "organization" | "device">>> = {
  new_individual: "individual",
  new_organization: "organization",
  new_device: "device",
};

/** Types whose completion issues a certificate (through the PKI core). */
export function issuesCertificate(t: RequestType): boolean {
  return t === "new_individual" || t === "new_organization" || t === "new_device" || t === "renewal" || t === "change";
}

/** Types about a token rather than a certificate (Mẫu 06–09). */
export function isTokenRequest(t: RequestType): boolean {
  return t === "token_recovery" || t === "token_handover" || t === "token_return" || t === "token_lost";
}
