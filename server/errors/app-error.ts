// The one error class: a stable machine code for the API and tests, a message for
// people. Services throw it; the web middleware and the CLI map it to output.
export type ErrorCode =
  | "CONFIG_INVALID"
  | "CA_NOT_INITIALISED"
  | "CA_ALREADY_INITIALISED"
  | "CA_HAS_CERTIFICATES"
  | "CA_NOT_FOUND"
  | "KEY_DECRYPT_FAILED"
  | "AUDIT_CHAIN_BROKEN"
  | "CSR_MALFORMED"
  | "CSR_BAD_SIGNATURE"
  | "KEY_WEAK"
  | "KEY_UNSUPPORTED"
  | "KEY_DUPLICATE"
  | "KEY_COMPROMISED"
  | "SUBJECT_INVALID"
  | "PROFILE_UNKNOWN"
  | "VALIDITY_INVALID"
  | "LINT_FAILED"
  | "CERT_NOT_FOUND"
  | "CERT_ALREADY_REVOKED"
  | "CERT_NOT_REVOCABLE"
  | "REASON_INVALID"
  | "INPUT_INVALID"
  | "NOT_FOUND"
  | "FORBIDDEN"
  | "AUTH_REQUIRED"
  | "LOGIN_FAILED"
  | "ACCOUNT_LOCKED"
  | "RATE_LIMITED"
  | "CSRF_INVALID"
  | "PASSWORD_POLICY"
  | "PASSWORD_WRONG"
  | "MAIL_LANG_UNKNOWN"
  | "USER_INVALID"
  | "USER_NOT_FOUND"
  | "USER_EXISTS"
  | "ROLE_INVALID"
  | "UNIT_INVALID"
  | "UNIT_NOT_FOUND"
  | "UNIT_CODE_TAKEN"
  | "BATCH_INVALID"
  | "BATCH_NOT_FOUND"
  | "UNIT_CONFLICT"
  | "SUBSCRIBER_NOT_FOUND"
  | "SUBSCRIBER_MISMATCH"
  | "SUBSCRIBER_INVALID"
  | "TOKEN_NOT_FOUND"
  | "TOKEN_INVALID"
  | "TOKEN_SERIAL_TAKEN"
  | "TOKEN_TRANSITION_INVALID"
  | "TOKEN_CONFLICT"
  | "REQUEST_NOT_FOUND"
  | "REQUEST_INVALID"
  | "REQUEST_STATE_INVALID"
  | "REQUEST_CONFLICT"
  | "REQUEST_DUPLICATE"
  | "ATTACHMENT_INVALID"
  | "ATTACHMENT_TOO_LARGE"
  | "HOLIDAY_INVALID"
  | "IMPORT_INVALID"
  | "API_TOKEN_INVALID"
  | "ORG_CHANGE_INVALID"
  | "MAIL_FAILED"
  | "SUBSCRIBER_DUPLICATE"
  | "PAYLOAD_TOO_LARGE"
  | "REGISTER_INVALID"
  | "REGISTER_DUPLICATE"
  | "CSR_EXTENSION_REFUSED"
  | "BACKUP_INVALID"
  | "BACKUP_TARGET_NOT_EMPTY"
  | "SCALE_DATASET_EXISTS";

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;
  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = "AppError";
    this.code = code;
    this.details = details;
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}
