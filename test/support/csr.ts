// Makes keys and PKCS#10 requests with the openssl CLI (a tool we did not write),
// for tests that need a subscriber's CSR.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { opensslOk } from "./openssl";

export type KeySpec = "rsa1024" | "rsa2048" | "rsa3072" | "rsa2048e3" | "p256" | "p384" | "p521" | "secp256k1";

let counter = 0;

function keyArgs(spec: KeySpec): string[] {
  switch (spec) {
    case "rsa1024": return ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"];
    case "rsa2048": return ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"];
    case "rsa3072": return ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:3072"];
    case "rsa2048e3": return ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-pkeyopt", "rsa_keygen_pubexp:3"];
    case "p256": return ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"];
    case "p384": return ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"];
    case "p521": return ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-521"];
    case "secp256k1": return ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:secp256k1"];
  }
}

export interface Csr {
  keyPath: string;
  csrPath: string;
  pem: string;
  der: Buffer;
}

export function makeCsr(dir: string, spec: KeySpec, subject = "/CN=from-the-token"): Csr {
  const n = ++counter;
  const keyPath = join(dir, `key-${n}.pem`);
  const csrPath = join(dir, `req-${n}.csr`);
  opensslOk(["genpkey", ...keyArgs(spec), "-out", keyPath]);
  opensslOk(["req", "-new", "-key", keyPath, "-subj", subject, "-out", csrPath, "-utf8"]);
  const pem = readFileSync(csrPath, "utf8");
  const der = opensslOk(["req", "-in", csrPath, "-outform", "DER"]).stdoutBuffer;
  return { keyPath, csrPath, pem, der };
}

/** The same CSR with one bit of its signature flipped: proof of possession fails. */
export function breakSignature(der: Buffer): Buffer {
  const copy = Buffer.from(der);
  copy[copy.length - 5] = copy[copy.length - 5]! ^ 0x01;
  return copy;
}
