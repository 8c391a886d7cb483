// The OpenAPI 3.1 description of /api/v1, built in code from the same tables
// the API uses (request types, states, error codes), served at
// /api/v1/openapi.json. Describes only; a test checks it lists exactly the
// routes api-router.ts serves and validates it with an independent parser.
import { REQUEST_STATES } from "../ra/request-states";
import { FORM_OF, REQUEST_TYPES } from "../ra/request-types";
import { ALLOWED_REASONS } from "../ra/revocation-reasons";
import { API_BASE } from "./api-json";

type Json = Record<string, unknown>;

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Json) => ({ "application/json": { schema } });
const dateTime = { type: "string", format: "date-time" };
const nullable = (schema: Json) => ({ oneOf: [schema, { type: "null" }] });
const serial = { type: "string", pattern: "^[0-9a-f]{1,40}$", description: "certificate serial, lowercase hex" };

function errors(...statuses: number[]): Json {
  const text: Record<number, string> = {
    400: "invalid input: `fields` names each wrong field with a Vietnamese message; nothing was created or changed",
    401: "API_TOKEN_INVALID: no token, or an unknown, revoked or expired one",
    403: "FORBIDDEN: the token's role may not do this",
    404: "not found, or outside the token's unit and its sub-units (the refusal is audited)",
    409: "the object's state does not allow it (REQUEST_STATE_INVALID with `state`), a duplicate, or a key reused for another request",
    413: "body too large (PAYLOAD_TOO_LARGE, ATTACHMENT_TOO_LARGE)",
    429: "RATE_LIMITED: too many calls with this token",
  };
  return Object.fromEntries(statuses.map((s) => [String(s), { description: text[s], content: json(ref("Error")) }]));
}

const idParam = { name: "id", in: "path", required: true, schema: { type: "integer", minimum: 1 }, description: "request id (the reference YC-000123 is id 123)" };
const serialParam = { name: "serial", in: "path", required: true, schema: serial };
const actionBody = { required: false, content: json(ref("ActionBody")) };

export function openApiDocument(opts: { publicUrl: string; attachmentMaxBytes: number }): Json {
  const maxMb = Math.floor(opts.attachmentMaxBytes / 1024 / 1024);
  return {
    openapi: "3.1.0",
    info: {
      title: "chungthu API",
      version: "1.0.0",
      description:
        "Requests (dossiers, Decree 68/2024 Mẫu 01–09), lost-token reports and certificate status for a province's document-management system. " +
        "A token acts for one unit and its sub-units, with the rights of that unit's focal point; every call is audited as on the web. " +
        "Dates are ISO 8601 (deadlines are Vietnam calendar days), serials lowercase hex. TEST CA: nothing issued has legal value.",
    },
    servers: [{ url: `${opts.publicUrl.replace(/\/$/, "")}${API_BASE}` }],
    security: [{ bearer: [] }],
    paths: {
      "/openapi.json": {
        get: { operationId: "getOpenApi", summary: "This document", security: [], responses: { "200": { description: "OpenAPI 3.1", content: json({ type: "object" }) } } },
      },
      "/requests": {
        post: {
          operationId: "createRequest",
          summary: "File a request (a draft, or submitted at once with submit: true)",
          parameters: [{ name: "Idempotency-Key", in: "header", required: false, schema: { type: "string", maxLength: 80, pattern: "^[\\x21-\\x7e]+$" }, description: "the same key again (same unit) answers 200 with the request filed the first time; nothing new is created" }],
          requestBody: { required: true, content: json(ref("NewRequest")) },
          responses: {
            "201": { description: "filed", headers: { Location: { schema: { type: "string" } } }, content: json(ref("Request")) },
            "200": { description: "already filed with this Idempotency-Key", content: json(ref("Request")) },
            ...errors(400, 401, 403, 409, 413, 429),
          },
        },
        get: {
          operationId: "listRequests",
          summary: "The unit's requests, newest first, 50 a page",
          parameters: [
            { name: "state", in: "query", schema: { type: "string", enum: [...REQUEST_STATES] } },
            { name: "type", in: "query", schema: { type: "string", enum: [...REQUEST_TYPES] } },
            { name: "due", in: "query", schema: { type: "string", enum: ["overdue", "due_today"] } },
            { name: "page", in: "query", schema: { type: "integer", minimum: 1 } },
          ],
          responses: { "200": { description: "one page", content: json(ref("RequestList")) }, ...errors(400, 401, 429) },
        },
      },
      "/requests/{id}": {
        get: { operationId: "getRequest", summary: "A request: state, deadline, every step, files, resulting certificate", parameters: [idParam], responses: { "200": { description: "the request", content: json(ref("Request")) }, ...errors(401, 404, 429) } },
      },
      "/requests/{id}/submit": {
        post: { operationId: "submitRequest", summary: "Submit a draft or a corrected (returned) request; the deadline starts", parameters: [idParam], requestBody: actionBody, responses: { "200": { description: "submitted", content: json(ref("Request")) }, ...errors(400, 401, 403, 404, 409, 429) } },
      },
      "/requests/{id}/withdraw": {
        post: { operationId: "withdrawRequest", summary: "Withdraw a request not yet forwarded to the CA", parameters: [idParam], requestBody: actionBody, responses: { "200": { description: "withdrawn", content: json(ref("Request")) }, ...errors(400, 401, 403, 404, 409, 429) } },
      },
      "/requests/{id}/attachments": {
        post: {
          operationId: "attachFile",
          summary: `Attach a PDF (the scanned signed form) to a draft or returned request, at most ${maxMb} MB`,
          description: "The body is the PDF itself with Content-Type: application/pdf (no base64). Checked by content: it must start with %PDF-.",
          parameters: [
            idParam,
            { name: "filename", in: "query", schema: { type: "string", maxLength: 200 } },
            { name: "kind", in: "query", schema: { type: "string", enum: ["signed_form", "other"], default: "signed_form" } },
          ],
          requestBody: { required: true, content: { "application/pdf": { schema: { type: "string", contentMediaType: "application/pdf" } } } },
          responses: { "201": { description: "attached", content: json(ref("Attachment")) }, ...errors(400, 401, 403, 404, 409, 413, 429) },
        },
      },
      "/tokens/{serial}/report-lost": {
        post: {
          operationId: "reportLostToken",
          summary: "Report a token lost: every valid certificate on it is revoked at once (keyCompromise), without approval",
          description: "Decree 68/2024 Art. 17. OCSP answers revoked at once; a new CRL follows within seconds. Opens the Mẫu 09 record the province confirms. A revoked certificate stays revoked.",
          parameters: [{ name: "serial", in: "path", required: true, schema: { type: "string", maxLength: 64 }, description: "the token's serial as printed on it" }],
          requestBody: { required: false, content: json(ref("LostBody")) },
          responses: { "200": { description: "reported", content: json(ref("LostReport")) }, ...errors(400, 401, 403, 404, 409, 429) },
        },
      },
      "/certificates/{serial}": {
        get: { operationId: "getCertificate", summary: "A certificate's status (good, revoked, expired, unknown = never issued), dates, subject and unit", parameters: [serialParam], responses: { "200": { description: "the certificate", content: json(ref("Certificate")) }, ...errors(401, 404, 429) } },
      },
      "/certificates/{serial}/pem": {
        get: { operationId: "getCertificatePem", summary: "The certificate, PEM", parameters: [serialParam], responses: { "200": { description: "PEM", content: { "application/pem-certificate-chain": { schema: { type: "string" } } } }, ...errors(401, 404, 429) } },
      },
    },
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "an API token (ct_…) made on the API tokens page or with `api-token create`" } },
      schemas: {
        Error: {
          type: "object",
          required: ["error"],
          properties: {
            error: {
              type: "object",
              required: ["code", "message"],
              properties: {
                code: { type: "string", description: "stable machine code (REQUEST_INVALID, REQUEST_STATE_INVALID, API_TOKEN_INVALID, NOT_FOUND …)" },
                message: { type: "string" },
                fields: { type: "object", additionalProperties: { type: "string" } },
                state: { type: "string" },
                requestIds: { type: "array", items: { type: "integer" } },
                reference: { type: "string" },
              },
            },
          },
        },
        NewRequest: {
          type: "object",
          required: ["type", "data"],
          additionalProperties: false,
          properties: {
            type: { type: "string", enum: REQUEST_TYPES.filter((t) => t !== "token_lost"), description: `the legal form: ${REQUEST_TYPES.filter((t) => t !== "token_lost").map((t) => `${t} = Mẫu ${FORM_OF[t]}`).join(", ")}` },
            unitCode: { type: "string", description: "the filing unit (default: the token's)" },
            unitId: { type: "integer", minimum: 1 },
            data: { type: "object", description: "the form's fields (e.g. new_individual: fullName, nationalId, position, email, phone, tokenSerial, days)" },
            csrPem: { type: "string", description: "PKCS#10 made on the token, PEM; required before submitting a type that issues a certificate" },
            submit: { type: "boolean", default: false },
          },
        },
        ActionBody: { type: "object", additionalProperties: false, properties: { reason: { type: "string", maxLength: 1000 } } },
        LostBody: { type: "object", additionalProperties: false, properties: { note: { type: "string", maxLength: 500 } } },
        Unit: nullable({ type: "object", required: ["id", "code", "name"], properties: { id: { type: "integer" }, code: { type: "string" }, name: { type: "string" } } }),
        Links: { type: "object", additionalProperties: { type: "string" } },
        RequestSummary: {
          type: "object",
          required: ["id", "reference", "type", "state", "dueDate", "links"],
          properties: {
            id: { type: "integer" },
            reference: { type: "string", examples: ["YC-000123"] },
            type: { type: "string", enum: [...REQUEST_TYPES] },
            form: { type: "string", description: "Mẫu number" },
            state: { type: "string", enum: [...REQUEST_STATES] },
            unit: ref("Unit"),
            summary: { type: "string" },
            source: { type: "string" },
            dueDate: nullable({ type: "string", format: "date" }),
            overdue: { type: "boolean" },
            createdAt: dateTime,
            updatedAt: dateTime,
            submittedAt: nullable(dateTime),
            completedAt: nullable(dateTime),
            certificateSerial: nullable(serial),
            links: ref("Links"),
          },
        },
        Request: {
          allOf: [
            ref("RequestSummary"),
            {
              type: "object",
              properties: {
                data: { type: "object" },
                hasCsr: { type: "boolean" },
                targetSerial: nullable(serial),
                lastReason: nullable({ type: "string" }),
                lastError: nullable({ type: "string" }),
                idempotencyKey: nullable({ type: "string" }),
                actions: { type: "array", items: { type: "string" }, description: "what this token may do now (submit, withdraw, attach)" },
                events: { type: "array", items: ref("Event") },
                attachments: { type: "array", items: ref("Attachment") },
              },
            },
          ],
        },
        Event: {
          type: "object",
          properties: { action: { type: "string" }, fromState: nullable({ type: "string" }), toState: nullable({ type: "string" }), at: dateTime, actor: { type: "string" }, role: nullable({ type: "string" }), reason: nullable({ type: "string" }) },
        },
        RequestList: { type: "object", required: ["items", "page"], properties: { items: { type: "array", items: ref("RequestSummary") }, page: { type: "integer" }, today: { type: "string", format: "date" }, links: { type: "object", properties: { next: nullable({ type: "string" }) } } } },
        Attachment: {
          type: "object",
          properties: { id: { type: "integer" }, kind: { type: "string" }, filename: { type: "string" }, contentType: { type: "string" }, size: { type: "integer" }, sha256: { type: "string" }, uploadedAt: dateTime, uploadedBy: { type: "string" } },
        },
        Certificate: {
          type: "object",
          required: ["serial", "status", "notBefore", "notAfter", "subject"],
          properties: {
            serial,
            status: { type: "string", enum: ["good", "revoked", "expired", "unknown"] },
            revokedAt: nullable(dateTime),
            revocationReason: nullable({ type: "string", enum: [...ALLOWED_REASONS], description: "RFC 5280 5.3.1 CRLReason name" }),
            invalidityDate: nullable(dateTime),
            notBefore: dateTime,
            notAfter: dateTime,
            subject: { type: "string" },
            commonName: { type: "string" },
            email: nullable({ type: "string" }),
            profile: { type: "string" },
            issuer: nullable({ type: "string" }),
            unit: ref("Unit"),
            links: ref("Links"),
          },
        },
        LostReport: {
          type: "object",
          properties: {
            token: { type: "object", properties: { serial: { type: "string" }, type: { type: "string" }, state: { type: "string" }, unitId: { type: "integer" } } },
            revoked: { type: "array", items: { type: "object", properties: { serial, revokedAt: dateTime, revocationReason: nullable({ type: "string" }) } } },
            alreadyRevoked: { type: "array", items: serial },
            request: nullable({ type: "object", properties: { id: { type: "integer" }, reference: { type: "string" }, links: ref("Links") } }),
          },
        },
      },
    },
  };
}
