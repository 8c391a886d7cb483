// OCSP requests for many serials and the status an answer carries, for the
// revocation benchmarks: one request built by `openssl ocsp -reqout` (a tool we
// did not write) is the template, and other serials of the same length are
// patched into it. Reads answers with our DER reader (RFC 6960 4.2.1).
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { children, contentOf, parseDer } from "../../../server/asn1/der-reader";

export type CertStatus = "good" | "revoked" | "unknown" | "error";

export interface RequestMaker {
  (serialHex: string): Buffer;
}

/** A maker of OCSP requests (SHA-1 CertID, no nonce) for serials as long as `sampleSerial`. */
export function requestMaker(dir: string, issuingPem: string, sampleSerial: string): RequestMaker {
  const file = join(dir, "ocsp-template.der");
  execFileSync("openssl", ["ocsp", "-issuer", issuingPem, "-serial", `0x${sampleSerial}`, "-no_nonce", "-reqout", file], { stdio: "ignore" });
  const template = readFileSync(file);
  const sample = Buffer.from(sampleSerial.length % 2 ? `0${sampleSerial}` : sampleSerial, "hex");
  const at = template.indexOf(Buffer.concat([Buffer.from([0x02, sample.length]), sample]));
  if (at < 0 || sample[0]! >= 0x80) throw new Error("serial not found in the OCSP request template");
  return (serialHex) => {
    const s = Buffer.from(serialHex.length % 2 ? `0${serialHex}` : serialHex, "hex");
    if (s.length !== sample.length || s[0]! >= 0x80) throw new Error(`serial ${serialHex} does not fit the template`);
    const out = Buffer.from(template);
    s.copy(out, at + 2);
    return out;
  };
}

/** The certStatus of the first SingleResponse: [0] good, [1] revoked, [2] unknown. */
export function certStatus(der: Buffer): CertStatus {
  try {
    const top = children(der, parseDer(der));
    if (top.length < 2) return "error";
    const responseBytes = children(der, children(der, top[1]!)[0]!);
    const basic = contentOf(der, responseBytes[1]!);
    const tbs = children(basic, children(basic, parseDer(basic))[0]!);
    const responses = tbs.find((n) => n.identifier === 0x30)!;
    const single = children(basic, children(basic, responses)[0]!);
    const status = single[1]!.identifier;
    return status === 0x80 ? "good" : status === 0xa1 ? "revoked" : status === 0x82 ? "unknown" : "error";
  } catch {
    return "error";
  }
}
