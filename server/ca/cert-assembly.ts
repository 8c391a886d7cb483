// Encodes a TBSCertificate, splits a certificate into its to-be-signed part and
// joins a TBSCertificate with a signature (RFC 5280 4.1: Certificate ::=
// SEQUENCE { tbs, sigAlg, sig }).
import { children, parseDer } from "../asn1/der-reader";
import { bitString, encodeTime, explicit, integer, integerFromHex, sequence } from "../asn1/der-writer";
import type { TbsSpec } from "./lint-copy";
import { encodeName } from "./name";

/**
 * TBSCertificate DER (RFC 5280 4.1.2) for `spec`, signed with `signatureAlgorithm`:
 * v3 (4.1.2.1), the serial as a positive INTEGER (4.1.2.2), the issuer's subject
 * as it is encoded in its certificate (4.1.2.4), UTCTime through 2049 (4.1.2.5).
 * test/unit/ca/tbs-encoder.test.ts checks it against @peculiar/x509's generator.
 */
export function encodeTbs(spec: TbsSpec, signatureAlgorithm: Buffer): Buffer {
  const subject = encodeName(spec.subject);
  const fields = [
    explicit(0, integer(2)),
    integerFromHex(spec.serialHex),
    signatureAlgorithm,
    spec.issuerSubjectDer ?? subject,
    sequence([encodeTime(spec.notBefore), encodeTime(spec.notAfter)]),
    subject,
    spec.subjectPublicKeyDer,
  ];
  if (spec.extensions.length) fields.push(explicit(3, sequence(spec.extensions.map((e) => (Buffer.isBuffer(e) ? e : Buffer.from(e.rawData))))));
  return sequence(fields);
}

/** The exact bytes of tbsCertificate inside a DER certificate. */
export function tbsOf(certDer: Buffer): Buffer {
  const tbs = children(certDer, parseDer(certDer))[0]!;
  return certDer.subarray(tbs.start, tbs.end);
}

/** The signature AlgorithmIdentifier inside a TBSCertificate (after the optional [0] version and the serial). */
export function tbsSignatureAlgorithm(tbsDer: Buffer): Buffer {
  const fields = children(tbsDer, parseDer(tbsDer));
  const alg = fields[fields[0]!.identifier === 0xa0 ? 2 : 1]!;
  return tbsDer.subarray(alg.start, alg.end);
}

export function assembleCertificate(tbsDer: Buffer, algorithmIdentifier: Buffer, signature: Buffer): Buffer {
  return sequence([tbsDer, algorithmIdentifier, bitString(signature)]);
}
