// Test fixture for the CRL/OCSP interop tests: runs the openssl CLI and builds a throwaway PKI with it (root → issuing CA → OCSP responder + leaves, plus EC CAs).
import { createHash, createPrivateKey, createPublicKey, KeyObject, X509Certificate } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createSigner, type Signer } from "../../server/ca/signer";
import { children, encodedOf, parseDer, readBitString } from "../../server/asn1/der-reader";
import { opensslOk } from "../support/openssl";
import { makeTempDir, removeTempDir } from "../support/tmp";

export { openssl, opensslOk } from "../support/openssl";

/** `openssl asn1parse -i` of DER bytes, for cross-checking encodings with an independent parser. */
export function asn1parse(der: Buffer): string {
  return opensslOk(["asn1parse", "-inform", "DER", "-i"], { input: der }).stdout;
}

/** stdout and stderr together: openssl splits its verdicts between them. */
export function output(r: { stdout: string; stderr: string }): string {
  return `${r.stdout}\n${r.stderr}`;
}

export interface Party {
  certPath: string;
  keyPath: string;
  certDer: Buffer;
  /** Exact subject Name DER from the certificate. */
  subjectDer: Buffer;
  /** SHA-1 of the subjectPublicKey bits (RFC 5280 4.2.1.2 method 1 / RFC 6960 KeyHash). */
  keyHash: Buffer;
  serialHex: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export interface Pki {
  dir: string;
  root: Party;
  issuing: Party;
  responder: Party;
  leaf1: Party;
  leaf2: Party;
  ecP256Ca: Party;
  ecP384Ca: Party;
  /** root + issuing, PEM, for -CAfile. */
  chainPath: string;
  /** root + EC CAs, PEM. */
  ecChainPath: string;
  remove(): void;
}

const EXTENSIONS = `
[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[root]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[ocsp]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = OCSPSigning
noCheck = ignored
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[leaf]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,nonRepudiation
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
`;

function keyArgs(kind: "rsa" | "p256" | "p384"): string[] {
  if (kind === "rsa") return ["-newkey", "rsa:2048"];
  return ["-newkey", "ec", "-pkeyopt", `ec_paramgen_curve:${kind === "p256" ? "P-256" : "P-384"}`];
}

function party(dir: string, name: string): Party {
  const certPath = join(dir, `${name}.pem`);
  const keyPath = join(dir, `${name}.key`);
  const x509 = new X509Certificate(readFileSync(certPath));
  const certDer = x509.raw;
  // Certificate → tbsCertificate → [version, serial, signature, issuer, validity, subject, spki, …]
  const tbs = children(certDer, children(certDer, parseDer(certDer))[0]!);
  const spki = tbs[6]!;
  const bits = readBitString(certDer, children(certDer, spki)[1]!).bytes;
  const privateKey = createPrivateKey(readFileSync(keyPath));
  return {
    certPath,
    keyPath,
    certDer,
    subjectDer: Buffer.from(encodedOf(certDer, tbs[5]!)),
    keyHash: createHash("sha1").update(bits).digest(),
    serialHex: x509.serialNumber.toLowerCase().replace(/^0+(?=.)/, ""),
    privateKey,
    publicKey: createPublicKey(privateKey),
  };
}

function issue(dir: string, name: string, subject: string, kind: "rsa" | "p256" | "p384", issuer: string | null, ext: string, serial: string): Party {
  if (issuer === null) {
    opensslOk(["req", "-x509", ...keyArgs(kind), "-nodes", "-utf8", "-keyout", `${name}.key`, "-out", `${name}.pem`, "-subj", subject, "-days", "3650",
      "-set_serial", serial, "-config", "ext.cnf", "-extensions", ext], { cwd: dir });
  } else {
    opensslOk(["req", "-new", ...keyArgs(kind), "-nodes", "-utf8", "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", subject, "-config", "ext.cnf"], { cwd: dir });
    opensslOk(["x509", "-req", "-in", `${name}.csr`, "-CA", `${issuer}.pem`, "-CAkey", `${issuer}.key`, "-set_serial", serial, "-days", "825",
      "-extfile", "ext.cnf", "-extensions", ext, "-out", `${name}.pem`], { cwd: dir });
  }
  return party(dir, name);
}

/** Builds the PKI in a fresh temp dir (about a second: two RSA keys, the rest EC). */
export function makePki(): Pki {
  const dir = makeTempDir("chungthu-interop-");
  // `req` needs a [req] section with distinguished_name when given -config.
  writeFileSync(join(dir, "ext.cnf"), `[req]\ndistinguished_name = dn\n[dn]\n${EXTENSIONS}`);
  const root = issue(dir, "root", "/C=VN/O=Ban Co yeu Chinh phu/CN=Test Root CA", "rsa", null, "root", "0x01");
  const issuing = issue(dir, "issuing", "/C=VN/O=Ban Co yeu Chinh phu/CN=Test Issuing CA Công vụ", "rsa", "root", "ca", "0x02");
  const ecP256Ca = issue(dir, "ec256", "/C=VN/O=Test/CN=EC P-256 CA", "p256", "root", "ca", "0x03");
  const ecP384Ca = issue(dir, "ec384", "/C=VN/O=Test/CN=EC P-384 CA", "p384", "root", "ca", "0x04");
  const responder = issue(dir, "responder", "/C=VN/O=Test/CN=OCSP Responder", "p256", "issuing", "ocsp", "0x5a17");
  // leaf1's serial has the top bit set (needs a 0x00 pad), leaf2's is short.
  const leaf1 = issue(dir, "leaf1", "/C=VN/O=Test/CN=Nguyen Van A", "p256", "issuing", "leaf", "0x8a3c77e1d2f0a9b8c7d6e5f40312a1b2");
  const leaf2 = issue(dir, "leaf2", "/C=VN/O=Test/CN=Tran Thi B", "p256", "issuing", "leaf", "0x0123");
  const chainPath = join(dir, "chain.pem");
  writeFileSync(chainPath, Buffer.concat([readFileSync(root.certPath), readFileSync(issuing.certPath)]));
  const ecChainPath = join(dir, "ec-chain.pem");
  writeFileSync(ecChainPath, Buffer.concat([readFileSync(root.certPath), readFileSync(ecP256Ca.certPath), readFileSync(ecP384Ca.certPath)]));
  return { dir, root, issuing, responder, leaf1, leaf2, ecP256Ca, ecP384Ca, chainPath, ecChainPath, remove: () => removeTempDir(dir) };
}

/** The Signer for a party, made the way the CA makes it (server/ca/signer.ts). */
export function signerFor(p: Party): Signer {
  return createSigner(p.privateKey, p.publicKey);
}
