// The OCSP requests the load cycles through, built by `openssl ocsp -reqout` for a sample of the certificates.
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { run } from "./processes";
import type { CertInfo } from "./setup-ca";

export interface OcspReq {
  serial: string;
  der: Buffer;
  /** URL-encoded standard base64 of the DER (RFC 6960 A.1). */
  getPath: string;
  expected: "good" | "revoked";
}

export function buildRequests(dir: string, issuingPem: string, sample: CertInfo[]): OcspReq[] {
  mkdirSync(dir, { recursive: true });
  return sample.map((c, i) => {
    const file = join(dir, `req-${i}.der`);
    run("openssl", ["ocsp", "-issuer", issuingPem, "-serial", `0x${c.serial}`, "-no_nonce", "-reqout", file]);
    const der = readFileSync(file);
    return { serial: c.serial, der, getPath: encodeURIComponent(der.toString("base64")), expected: c.revoked ? "revoked" : "good" };
  });
}
