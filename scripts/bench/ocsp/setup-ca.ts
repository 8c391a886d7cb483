// Bench data: a TEST CA in a temp DATA_DIR with N issued certificates, 10% of them revoked, and in-process servers on it.
import { randomInt, webcrypto, X509Certificate } from "node:crypto";
import * as x509 from "@peculiar/x509";
import { loadConfig } from "../../../server/config/load-config";
import { createLogger } from "../../../server/log";
import { startServer, type RunningServer } from "../../../server/server";
import { fmt, log } from "./log";

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const PASSPHRASE = "bench-passphrase-123";
const PUBLIC_URL = "http://localhost:3000";
/** Reasons both we and openssl's index.txt know (openssl has no privilegeWithdrawn). */
const REASONS = ["keyCompromise", "superseded", "affiliationChanged", "cessationOfOperation"] as const;

export interface CertInfo {
  serial: string; // canonical lowercase hex, as our database stores it
  commonName: string;
  notAfter: Date;
  revoked: { at: Date; reason: string } | null;
}

async function makeCsr(): Promise<Buffer> {
  const alg = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
  const keys = (await webcrypto.subtle.generateKey(alg, false, ["sign", "verify"])) as CryptoKeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: "CN=bench", keys, signingAlgorithm: alg });
  return Buffer.from(csr.rawData);
}

export function configEnv(dataDir: string): Record<string, string> {
  return { DATA_DIR: dataDir, PORT: "0", HOST: "127.0.0.1", PUBLIC_URL, DEMO: "0", CA_KEY_PASSPHRASE: PASSPHRASE };
}

/** The server in this process, on the bench's DATA_DIR (the CA is created on first start). */
export async function startBenchServer(dataDir: string): Promise<RunningServer> {
  const config = loadConfig({ env: configEnv(dataDir), cwd: dataDir });
  return startServer(config, { log: createLogger({ minLevel: "warn" }) });
}

export async function setupCa(dataDir: string, n: number): Promise<CertInfo[]> {
  const server = await startBenchServer(dataDir);
  try {
    const certs: CertInfo[] = new Array(n);
    let next = 0;
    let done = 0;
    const t0 = Date.now();
    // A few in flight: key generation and signing overlap the (single) sqlite connection.
    const worker = async () => {
      for (let i = next++; i < n; i = next++) {
        const commonName = `bench subscriber ${String(i + 1).padStart(7, "0")}`;
        const issued = await server.core.issuance.issue({ csr: await makeCsr(), profile: "individual", commonName, actor: "bench:ocsp" });
        certs[i] = { serial: issued.serial, commonName, notAfter: new Date(new X509Certificate(issued.certDer).validTo), revoked: null };
        if (++done % 250 === 0 || done === n) log(`issued ${done}/${n} (${fmt((Date.now() - t0) / done, 1)} ms each)`);
      }
    };
    await Promise.all(Array.from({ length: 6 }, worker));

    // Revoke 10%, spread over the list, with reasons both sides can express.
    const toRevoke = shuffle([...certs.keys()]).slice(0, Math.round(n / 10));
    let r = 0;
    for (const i of toRevoke) {
      const reason = REASONS[r++ % REASONS.length]!;
      const notice = await server.core.revocation.revoke({ serial: certs[i]!.serial, reason, actor: "bench:ocsp" });
      certs[i]!.revoked = { at: notice.revokedAt, reason };
    }
    log(`revoked ${toRevoke.length}`);
    return certs;
  } finally {
    await server.close();
  }
}

export function shuffle<T>(a: T[]): T[] {
  for (let i = a.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}
