// Writes the CA certificates under DATA_DIR/pki as PEM (and the chain), so
// operators and tests can use them with any tool.
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export function pem(label: string, der: Buffer): string {
  const b64 = der.toString("base64").replace(/.{64}/g, "$&\n").replace(/\n$/, "");
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

export function pkiDir(dataDir: string): string {
  return join(dataDir, "pki");
}

export function writeAtomic(path: string, data: string | Buffer): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

export function writeCaFiles(dataDir: string, certs: Array<{ slug: string; der: Buffer }>): string[] {
  const dir = pkiDir(dataDir);
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  for (const c of certs) {
    const p = join(dir, `${c.slug}.crt.pem`);
    writeAtomic(p, pem("CERTIFICATE", c.der));
    written.push(p);
  }
  return written;
}
