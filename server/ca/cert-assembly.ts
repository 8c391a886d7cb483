// Splits a certificate into its to-be-signed part and joins a TBSCertificate
// with a signature (RFC 5280 4.1: Certificate ::= SEQUENCE { tbs, sigAlg, sig }).
import { children, parseDer } from "../asn1/der-reader";
import { bitString, sequence } from "../asn1/der-writer";

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
