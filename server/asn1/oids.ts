// Named object identifiers used by the CRL and OCSP encoders; dotted strings only, no encoding logic here.

/** Extensions (RFC 5280 4.2.1, 5.2, 5.3). */
export const OID_AUTHORITY_KEY_IDENTIFIER = "2.5.29.35"; // RFC 5280 4.2.1.1 / 5.2.1
export const OID_CRL_NUMBER = "2.5.29.20"; // RFC 5280 5.2.3
export const OID_CRL_REASON = "2.5.29.21"; // RFC 5280 5.3.1
export const OID_INVALIDITY_DATE = "2.5.29.24"; // RFC 5280 5.3.2

/** OCSP (RFC 6960 4.2.1, 4.4). */
export const OID_PKIX_OCSP_BASIC = "1.3.6.1.5.5.7.48.1.1"; // id-pkix-ocsp-basic
export const OID_PKIX_OCSP_NONCE = "1.3.6.1.5.5.7.48.1.2"; // id-pkix-ocsp-nonce (RFC 6960 4.4.1, RFC 8954)

/** Hash algorithms a CertID may use (RFC 6960 4.1.1; RFC 5754 2). */
export const OID_SHA1 = "1.3.14.3.2.26";
export const OID_SHA256 = "2.16.840.1.101.3.4.2.1";
export const OID_SHA384 = "2.16.840.1.101.3.4.2.2";
export const OID_SHA512 = "2.16.840.1.101.3.4.2.3";
