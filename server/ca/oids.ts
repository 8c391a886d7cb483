// Object identifiers the CA puts into certificates.
export const OID = {
  anyPolicy: "2.5.29.32.0",
  // 2.999 is the ITU-T/ISO "example" arc (X.660): right for a TEST CA that must
  // never be mistaken for the real Government CA's policies.
  testPolicy: {
    individual: "2.999.84.1.1",
    organization: "2.999.84.1.2",
    device: "2.999.84.1.3",
  },
  ocspNoCheck: "1.3.6.1.5.5.7.48.1.5",
  kp: {
    serverAuth: "1.3.6.1.5.5.7.3.1",
    clientAuth: "1.3.6.1.5.5.7.3.2",
    emailProtection: "1.3.6.1.5.5.7.3.4",
    ocspSigning: "1.3.6.1.5.5.7.3.9",
    // RFC 9336: id-kp-documentSigning, the purpose of an official-duty signature.
    documentSigning: "1.3.6.1.5.5.7.3.36",
    // No registered purpose fits "signs audit-log checkpoints", so a private one
    // under the same TEST arc: a certificate for this can sign nothing else.
    auditLogSigning: "2.999.84.2.1",
    // Likewise for "signs exported reports" (server/ca/report-signer.ts): not
    // id-kp-documentSigning, so the report signer cannot pass for an official.
    reportSigning: "2.999.84.2.2",
  },
} as const;
