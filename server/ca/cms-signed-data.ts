// Encodes a detached CMS SignedData (RFC 5652 5) around a signature the caller's
// Signer makes: one SignerInfo with signed attributes, no eContent. Pure DER
// building; it never sees a key (the report signer passes its Signer in).
import { AsnConvert } from "@peculiar/asn1-schema";
import * as asn from "@peculiar/asn1-x509";
import { createHash } from "node:crypto";
import { encodeTime, explicit, implicit, integer, octetString, oid, sequence, set, tlv, TAG_INTEGER } from "../asn1/der-writer";
import { OID_SHA256 } from "../asn1/oids";
import type { Signer } from "./signer";

// RFC 5652 14 (ASN.1 module) and RFC 5911.
const ID_DATA = "1.2.840.113549.1.7.1";
const ID_SIGNED_DATA = "1.2.840.113549.1.7.2";
const ID_CONTENT_TYPE = "1.2.840.113549.1.9.3";
const ID_MESSAGE_DIGEST = "1.2.840.113549.1.9.4";
const ID_SIGNING_TIME = "1.2.840.113549.1.9.5";

export interface DetachedSignatureInput {
  /** The exact bytes the recipient will hold (the exported file). */
  content: Buffer;
  signer: Signer;
  /** The signer's certificate, then any intermediates (not the root: the verifier trusts that). */
  certificates: Buffer[];
  signingTime: Date;
}

function attribute(type: string, value: Buffer): Buffer {
  // Attribute ::= SEQUENCE { attrType OBJECT IDENTIFIER, attrValues SET OF AttributeValue } (RFC 5652 5.3)
  return sequence([oid(type), set([value])]);
}

/** IssuerAndSerialNumber of a certificate (RFC 5652 10.2.4), copied byte for byte from its TBS. */
function issuerAndSerial(certDer: Buffer): Buffer {
  const tbs = AsnConvert.parse(certDer, asn.Certificate).tbsCertificate;
  return sequence([Buffer.from(AsnConvert.serialize(tbs.issuer)), tlv(TAG_INTEGER, Buffer.from(new Uint8Array(tbs.serialNumber)))]);
}

/**
 * ContentInfo { id-signedData, SignedData } with detached content (RFC 5652 5.2:
 * eContent omitted). Signs the DER of the signed attributes as a SET OF (5.4),
 * which carry content-type, message-digest (SHA-256 of `content`) and signing-time (11.1–11.3).
 */
export function encodeDetachedSignedData(input: DetachedSignatureInput): Buffer {
  const [signerCert] = input.certificates;
  if (!signerCert) throw new Error("a SignedData needs the signer's certificate");
  // RFC 5754 2: the SHA-2 AlgorithmIdentifier is written without parameters.
  const sha256 = sequence([oid(OID_SHA256)]);
  const digest = createHash("sha256").update(input.content).digest();
  const attrs = [
    attribute(ID_CONTENT_TYPE, oid(ID_DATA)),
    attribute(ID_SIGNING_TIME, encodeTime(input.signingTime)),
    attribute(ID_MESSAGE_DIGEST, octetString(digest)),
  ];
  // The signature covers the attributes with the EXPLICIT SET OF tag (5.4); the
  // SignerInfo carries the same contents under [0] IMPLICIT. set() sorts them (X.690 11.6).
  const signedAttrsSet = set(attrs);
  const signature = input.signer.sign([signedAttrsSet]);
  const signedAttrsContent = signedAttrsSet.subarray(signedAttrsSet.length - attrs.reduce((n, a) => n + a.length, 0));
  const signerInfo = sequence([
    // version 1: sid is issuerAndSerialNumber (5.3).
    integer(1),
    issuerAndSerial(signerCert),
    sha256,
    implicit(0, signedAttrsContent, true),
    input.signer.algorithmIdentifier,
    octetString(signature),
  ]);
  const signedData = sequence([
    // version 1: no attribute certificates, eContentType id-data, v1 SignerInfos (5.1).
    integer(1),
    set([sha256]),
    // EncapsulatedContentInfo without eContent: the content is detached (5.2).
    sequence([oid(ID_DATA)]),
    // CertificateSet is a SET OF: DER order (X.690 11.6).
    implicit(0, [...input.certificates].sort(Buffer.compare), true),
    set([signerInfo]),
  ]);
  return sequence([oid(ID_SIGNED_DATA), explicit(0, signedData)]);
}
