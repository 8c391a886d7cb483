// Encodes OCSPResponse DER (RFC 6960 4.2.1): signed BasicOCSPResponses via a Signer, and the fixed unsigned error responses; it decides no statuses and never touches keys.
import type { Signer } from "../ca/signer";
import { bitString, enumerated, explicit, generalizedTime, implicit, octetString, oid, sequence } from "../asn1/der-writer";
import { parseDer } from "../asn1/der-reader";
import { OID_PKIX_OCSP_BASIC, OID_PKIX_OCSP_NONCE } from "../asn1/oids";
import { assertPublishableReason } from "./crl-encoder";

export type CertStatusInput = { kind: "good" } | { kind: "revoked"; revokedAt: Date; reason: number | null } | { kind: "unknown" };

export interface SingleResponseInput {
  /** The CertID DER exactly as the client sent it (OcspCertId.der). */
  certIdDer: Buffer;
  status: CertStatusInput;
  thisUpdate: Date;
  nextUpdate: Date;
}

export interface OcspSuccessInput {
  /** SHA-1 of the responder's subjectPublicKey bits: ResponderID byKey (RFC 6960 4.2.2.3). */
  responderKeyHash: Buffer;
  producedAt: Date;
  responses: SingleResponseInput[];
  /** OcspRequest.nonce: the request's nonce extnValue contents, echoed byte for byte (RFC 6960 4.4.1). */
  nonceExtension?: Buffer | null;
  /** The delegated responder's certificate, sent in certs (RFC 6960 4.2.2.2). */
  responderCertDer: Buffer;
}

export type OcspErrorStatus = "malformedRequest" | "internalError" | "tryLater" | "sigRequired" | "unauthorized";

/** OCSPResponseStatus (RFC 6960 4.2.1); 4 is not used. */
const RESPONSE_STATUS = { successful: 0, malformedRequest: 1, internalError: 2, tryLater: 3, sigRequired: 5, unauthorized: 6 } as const;

// Unsuccessful responses carry no responseBytes (RFC 6960 4.2.1, 2.3): SEQUENCE { ENUMERATED n }.
const ERROR_RESPONSES: ReadonlyMap<OcspErrorStatus, Buffer> = new Map(
  (["malformedRequest", "internalError", "tryLater", "sigRequired", "unauthorized"] as const).map((s) => [s, sequence(enumerated(RESPONSE_STATUS[s]))]),
);

export function encodeOcspError(status: OcspErrorStatus): Buffer {
  const der = ERROR_RESPONSES.get(status);
  if (!der) throw new RangeError(`not an OCSP error status: ${String(status)}`);
  return Buffer.from(der); // a copy: callers may not mutate the shared constant
}

const SUCCESSFUL = enumerated(RESPONSE_STATUS.successful);
const BASIC = oid(OID_PKIX_OCSP_BASIC);
const GOOD = implicit(0, [], false); // good [0] IMPLICIT NULL → 80 00
const UNKNOWN = implicit(2, [], false); // unknown [2] IMPLICIT UnknownInfo (NULL) → 82 00

/** A caller bug (bad dates, empty response list, not-DER bytes), not a client error. */
export class OcspResponseInputError extends Error {
  readonly code = "OCSP_RESPONSE_INPUT_INVALID" as const;
  constructor(message: string) {
    super(message);
    this.name = "OcspResponseInputError";
  }
}

function checkSequence(der: Buffer, what: string): void {
  try {
    if (parseDer(der).identifier !== 0x30) throw new Error("not a SEQUENCE");
  } catch (e) {
    throw new OcspResponseInputError(`${what}: ${(e as Error).message}`);
  }
}

function certStatus(status: CertStatusInput): Buffer {
  switch (status.kind) {
    case "good":
      return GOOD;
    case "unknown":
      return UNKNOWN;
    case "revoked": {
      // RevokedInfo ::= SEQUENCE { revocationTime GeneralizedTime, revocationReason [0] EXPLICIT CRLReason OPTIONAL }
      // Same policy as the CRL (RFC 5280 5.3.1): unspecified (0) is sent as an absent reason.
      const parts = [generalizedTime(status.revokedAt)];
      if (status.reason !== null) {
        assertPublishableReason(status.reason);
        if (status.reason !== 0) parts.push(explicit(0, enumerated(status.reason)));
      }
      return implicit(1, parts, true);
    }
  }
}

/**
 * SingleResponse ::= SEQUENCE { certID, certStatus, thisUpdate GeneralizedTime,
 *   nextUpdate [0] EXPLICIT GeneralizedTime OPTIONAL, singleExtensions [1] EXPLICIT OPTIONAL }
 */
function singleResponse(r: SingleResponseInput): Buffer {
  checkSequence(r.certIdDer, "certIdDer");
  if (!(r.nextUpdate.getTime() > r.thisUpdate.getTime())) throw new OcspResponseInputError("nextUpdate must be later than thisUpdate (RFC 6960 4.2.2.1)");
  return sequence([r.certIdDer, certStatus(r.status), generalizedTime(r.thisUpdate), explicit(0, generalizedTime(r.nextUpdate))]);
}

/**
 * OCSPResponse { successful, [0] EXPLICIT ResponseBytes { id-pkix-ocsp-basic, OCTET STRING BasicOCSPResponse } }
 * BasicOCSPResponse ::= SEQUENCE { tbsResponseData, signatureAlgorithm, signature BIT STRING, certs [0] EXPLICIT SEQUENCE OF Certificate }
 */
export function encodeOcspSuccess(input: OcspSuccessInput, signer: Signer): Buffer {
  if (input.responses.length === 0) throw new OcspResponseInputError("no SingleResponse to send");
  if (input.responderKeyHash.length !== 20) throw new OcspResponseInputError("responderKeyHash must be a SHA-1 hash (RFC 6960 4.2.1 KeyHash)");
  checkSequence(input.responderCertDer, "responderCertDer");

  // ResponseData ::= SEQUENCE { version [0] EXPLICIT DEFAULT v1 (omitted, DER), responderID,
  //   producedAt GeneralizedTime, responses SEQUENCE OF SingleResponse, responseExtensions [1] EXPLICIT OPTIONAL }
  const fields = [
    explicit(2, octetString(input.responderKeyHash)), // ResponderID byKey [2] KeyHash (module uses EXPLICIT TAGS)
    generalizedTime(input.producedAt),
    sequence(input.responses.map(singleResponse)),
  ];
  if (input.nonceExtension) {
    // Extension { id-pkix-ocsp-nonce, extnValue } non-critical (RFC 6960 4.4.1, RFC 8954 2.1).
    fields.push(explicit(1, sequence(sequence([oid(OID_PKIX_OCSP_NONCE), octetString(input.nonceExtension)]))));
  }
  const tbsResponseData = sequence(fields);
  const basic = sequence([
    tbsResponseData,
    signer.algorithmIdentifier,
    bitString(signer.sign([tbsResponseData])),
    explicit(0, sequence(input.responderCertDer)),
  ]);
  return sequence([SUCCESSFUL, explicit(0, sequence([BASIC, octetString(basic)]))]);
}
