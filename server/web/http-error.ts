// Maps AppError codes to HTTP statuses, in one place.
import type { ErrorCode } from "../errors/app-error";

const STATUS: Partial<Record<ErrorCode, number>> = {
  NOT_FOUND: 404,
  USER_NOT_FOUND: 404,
  UNIT_NOT_FOUND: 404,
  FORBIDDEN: 403,
  CSRF_INVALID: 403,
  AUTH_REQUIRED: 401,
  LOGIN_FAILED: 401,
  ACCOUNT_LOCKED: 423,
  RATE_LIMITED: 429,
  USER_EXISTS: 409,
  CERT_NOT_FOUND: 404,
  CA_NOT_FOUND: 404,
  CA_NOT_INITIALISED: 503,
  CERT_ALREADY_REVOKED: 409,
  CERT_NOT_REVOCABLE: 409,
  KEY_DUPLICATE: 409,
  CA_HAS_CERTIFICATES: 409,
  CA_ALREADY_INITIALISED: 409,
  CONFIG_INVALID: 500,
  KEY_DECRYPT_FAILED: 500,
  LINT_FAILED: 500,
};

export function httpStatusFor(code: ErrorCode): number {
  return STATUS[code] ?? 400;
}
