// Fixture for the interop tests with other people's tools (GnuTLS, NSS, Java, Python, the lint table):
// one running service on sqlite whose PUBLIC_URL is its own 127.0.0.1 address, so the OCSP and CRL
// URLs inside the certificates are reachable; a leaf per profile issued through the real issuance
// service, two of them revoked through the real revocation service, and the CRL that lists them;
// shared per CA algorithm for the run. Also: run() for tools that talk to the in-process server, and
// asn1Tree(), an `openssl asn1parse` reading of DER. It never signs anything itself.
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import type { KeyAlgorithm } from "../../server/ca/signer";
import { pem } from "../../server/ca/pki-files";
import { eventually, startTestServer, type TestServer } from "../support/app";
import { makeCsr, type KeySpec } from "../support/csr";
import type { DatabaseContext } from "../support/databases";
import { opensslOk } from "../support/openssl";
import { makeTempDir, removeTempDir } from "../support/tmp";

const ACTOR = "test:interop-tools";

export type LeafName = "individual" | "organization" | "device" | "individualP384" | "revokedKeyCompromise" | "revokedCessation";

/** A file in DER and in PEM. */
export interface Artefact {
  der: Buffer;
  derPath: string;
  pemPath: string;
}

export interface Leaf extends Artefact {
  name: LeafName;
  profile: "individual" | "organization" | "device";
  key: KeySpec;
  /** Lower-case hex, as the store keeps it. */
  serial: string;
  /** RFC 5280 5.3.1 reason name when revoked. */
  revoked: "keyCompromise" | "cessationOfOperation" | null;
}

export interface ProfilePki {
  server: TestServer;
  /** http://127.0.0.1:<port>, the PUBLIC_URL inside every certificate. */
  url: string;
  dir: string;
  caAlg: KeyAlgorithm;
  root: Artefact;
  issuing: Artefact;
  /** root + issuing, PEM. */
  chainPath: string;
  leaves: Record<LeafName, Leaf>;
  /** The issuing CA's CRL after both revocations. */
  crl: Artefact;
  close(): Promise<void>;
}

interface LeafSpec {
  name: LeafName;
  profile: Leaf["profile"];
  key: KeySpec;
  revoke: Leaf["revoked"];
  fields: Record<string, unknown>;
}

const UNIT = "UBND tỉnh Phú Thọ";
const LEAVES: LeafSpec[] = [
  { name: "individual", profile: "individual", key: "rsa2048", revoke: null, fields: { commonName: "Nguyễn Thị Hồng Nhung", organization: UNIT, organizationalUnits: ["Sở Khoa học và Công nghệ", "Văn phòng"], locality: "Phú Thọ", email: "nhung.nth@phutho.gov.vn" } },
  { name: "organization", profile: "organization", key: "rsa2048", revoke: null, fields: { commonName: "Sở Tài chính tỉnh Phú Thọ", organization: UNIT, locality: "Phú Thọ", email: "stc@phutho.gov.vn" } },
  { name: "device", profile: "device", key: "p256", revoke: null, fields: { commonName: "Cổng dịch vụ công tỉnh", organization: UNIT, dnsNames: ["dichvucong.phutho.gov.vn"] } },
  { name: "individualP384", profile: "individual", key: "p384", revoke: null, fields: { commonName: "Trần Văn Đức", organization: "UBND xã Hy Cương", locality: "Phú Thọ" } },
  { name: "revokedKeyCompromise", profile: "individual", key: "p256", revoke: "keyCompromise", fields: { commonName: "Lê Văn Mất Token", organization: UNIT, email: "mat.token@phutho.gov.vn" } },
  { name: "revokedCessation", profile: "device", key: "p256", revoke: "cessationOfOperation", fields: { commonName: "Máy chủ đã thanh lý", organization: UNIT, dnsNames: ["cu.phutho.gov.vn"] } },
];

/** A port free right now on 127.0.0.1 (the server must know its URL before it listens). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** A sqlite DatabaseContext in dataDir: the database does not matter to these tests. */
function sqliteContext(dataDir: string): DatabaseContext {
  const sqliteFile = join(dataDir, "chungthu.sqlite");
  return {
    kind: "sqlite",
    dataDir,
    databaseUrl: undefined,
    sqliteFile,
    url: () => sqliteFile,
    env: (extra = {}) => ({ ...process.env, DATA_DIR: dataDir, ...extra }),
    knexConfig: () => ({ client: "sqlite3", connection: { filename: sqliteFile }, useNullAsDefault: true }),
  };
}

function artefact(dir: string, name: string, der: Buffer, label: string): Artefact {
  const derPath = join(dir, `${name}.der`);
  const pemPath = join(dir, `${name}.pem`);
  writeFileSync(derPath, der);
  writeFileSync(pemPath, pem(label, der));
  return { der, derPath, pemPath };
}

async function fetchDer(url: string): Promise<Buffer> {
  const res = await fetch(url);
  assert.equal(res.status, 200, url);
  return Buffer.from(await res.arrayBuffer());
}

/** CRL Number of a DER CRL, read by openssl. */
function crlNumber(der: Buffer): number {
  return Number(/CRL Number:\s*\n\s*(\d+)/.exec(opensslOk(["crl", "-inform", "DER", "-noout", "-text"], { input: der }).stdout)?.[1]);
}

/**
 * Starts the service (CA keys of `caAlg`), issues a leaf per profile, revokes two, and waits for the
 * CRL that lists them. About 2–3 s for an RSA CA.
 */
export async function startProfilePki(caAlg: KeyAlgorithm = "rsa2048"): Promise<ProfilePki> {
  const dataDir = makeTempDir("chungthu-interop-tools-");
  const dir = join(dataDir, "out");
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server = await startTestServer(sqliteContext(dataDir), { port, publicUrl: url }, undefined, caAlg);
  const close = async () => {
    await server.close();
    removeTempDir(dataDir);
  };
  try {
    assert.equal(server.url, url);
    mkdirSync(dir);
    const root = artefact(dir, "root", await fetchDer(`${url}/pki/ca/root.crt`), "CERTIFICATE");
    const issuing = artefact(dir, "issuing", await fetchDer(`${url}/pki/ca/issuing.crt`), "CERTIFICATE");
    const chainPath = join(dir, "chain.pem");
    writeFileSync(chainPath, pem("CERTIFICATE", root.der) + pem("CERTIFICATE", issuing.der));
    const crlBefore = crlNumber(await fetchDer(`${url}/pki/crl/issuing.crl`));
    const leaves = {} as Record<LeafName, Leaf>;
    for (const spec of LEAVES) {
      const issued = await server.core.issuance.issue({ csr: makeCsr(dataDir, spec.key).pem, profile: spec.profile, actor: ACTOR, ...spec.fields });
      leaves[spec.name] = { ...artefact(dir, spec.name, issued.certDer, "CERTIFICATE"), name: spec.name, profile: spec.profile, key: spec.key, serial: issued.serial, revoked: spec.revoke };
    }
    for (const leaf of Object.values(leaves)) {
      if (leaf.revoked) await server.core.revocation.revoke({ serial: leaf.serial, reason: leaf.revoked, invalidityDate: new Date(Date.now() - 3_600_000), actor: ACTOR });
    }
    const crlDer = await eventually(async () => {
      const der = await fetchDer(`${url}/pki/crl/issuing.crl`);
      const text = opensslOk(["crl", "-inform", "DER", "-noout", "-text"], { input: der }).stdout.toLowerCase();
      const listed = Object.values(leaves).every((l) => !l.revoked || text.includes(l.serial.toLowerCase()));
      return crlNumber(der) > crlBefore && listed ? der : null;
    }, 10_000, "a CRL listing both revocations");
    const crl = artefact(dir, "issuing-crl", crlDer, "X509 CRL");
    return { server, url, dir, caAlg, root, issuing, chainPath, leaves, crl, close };
  } catch (e) {
    await close();
    throw e;
  }
}

/** The CA hierarchies every interop tool is run on: RSA 2048, ECDSA P-256 (ecdsa-with-SHA256) and P-384 (ecdsa-with-SHA384). */
export const INTEROP_CA_ALGS = ["rsa2048", "p256", "p384"] as const satisfies readonly KeyAlgorithm[];

const shared = new Map<KeyAlgorithm, Promise<ProfilePki>>();

/**
 * One fixture per CA algorithm for the whole mocha run. The interop files only read it (verify,
 * ask OCSP, fetch the CRL), so they share it rather than start the service once each; it is closed
 * by the root-level after() below. A failed start fails every user with the same error.
 */
export function sharedProfilePki(caAlg: KeyAlgorithm = "rsa2048"): Promise<ProfilePki> {
  let p = shared.get(caAlg);
  if (!p) {
    p = startProfilePki(caAlg);
    shared.set(caAlg, p);
  }
  return p;
}

// Registered at load time, outside any describe, so mocha runs it once after the whole run.
if (typeof after === "function") {
  after(async () => {
    const started = [...shared.values()];
    shared.clear();
    for (const p of started) await (await p.catch(() => null))?.close();
  });
}

export interface RunResult {
  status: number;
  stdout: string;
  stderr: string;
  /** stdout and stderr together, for matching verdicts a tool may print on either. */
  all: string;
}

/**
 * Runs a tool without blocking the event loop (it may talk to the server running in this process;
 * spawnSync would deadlock). Never throws; status 127 if the tool could not be run.
 */
export function run(cmd: string, args: string[], opts: { cwd?: string; input?: Buffer | string; timeoutMs?: number; env?: Record<string, string> } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let failed = false;
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 30_000);
    child.stdout.on("data", (d: Buffer) => out.push(d));
    child.stderr.on("data", (d: Buffer) => err.push(d));
    child.on("error", (e) => {
      failed = true;
      err.push(Buffer.from(`\n[test harness] could not run ${cmd}: ${e.message}`));
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const stdout = Buffer.concat(out).toString("utf8");
      const stderr = Buffer.concat(err).toString("utf8");
      resolve({ status: failed ? 127 : (code ?? (signal ? 137 : 1)), stdout, stderr, all: `${stdout}\n${stderr}` });
    });
    child.stdin.on("error", () => {});
    child.stdin.end(opts.input ?? "");
  });
}

/** run(), asserting exit status 0 with the command and both outputs in the message. */
export async function runOk(cmd: string, args: string[], opts: Parameters<typeof run>[2] = {}): Promise<RunResult> {
  const r = await run(cmd, args, opts);
  assert.equal(r.status, 0, `${cmd} ${args.join(" ")} exited ${r.status}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`);
  return r;
}

/** The four leaves that must validate (not revoked), and the two that must not. */
export function goodLeaves(pki: ProfilePki): Leaf[] {
  return Object.values(pki.leaves).filter((l) => !l.revoked);
}
export function revokedLeaves(pki: ProfilePki): Leaf[] {
  return Object.values(pki.leaves).filter((l) => l.revoked);
}

/** A node of `openssl asn1parse` output: an independent reading of DER (the lint table uses it, never our own parser). */
export interface Asn1 {
  offset: number;
  /** Header length (tag + length octets) and content length, as openssl reports them. */
  hl: number;
  len: number;
  cons: boolean;
  /** openssl's name for the tag: SEQUENCE, INTEGER, UTF8STRING, cont [ 0 ], … */
  tag: string;
  /** openssl's rendering of a primitive value: OID names, hex integers, string text, times. */
  value: string;
  children: Asn1[];
  /** The content octets (after the header). */
  content: Buffer;
  /** The whole TLV. */
  tlv: Buffer;
}

const ASN1_LINE = /^\s*(\d+):d=(\d+)\s+hl=(\d+)\s+l=\s*(\d+)\s+(cons|prim):\s*([^:]*?)\s*(?::(.*))?$/;

/**
 * `openssl asn1parse -i` of DER, as a tree. openssl does not descend into OCTET STRING and BIT STRING
 * contents: call asn1Tree again on `node.content` for extension values.
 */
export function asn1Tree(der: Buffer): Asn1 {
  const text = opensslOk(["asn1parse", "-inform", "DER", "-i"], { input: der }).stdout;
  const stack: Array<{ depth: number; node: Asn1 }> = [];
  let top: Asn1 | undefined;
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    const m = ASN1_LINE.exec(line);
    assert.ok(m, `unexpected asn1parse line: ${line}`);
    const [offset, depth, hl, len] = [m[1], m[2], m[3], m[4]].map(Number) as [number, number, number, number];
    const node: Asn1 = {
      offset, hl, len, cons: m[5] === "cons", tag: m[6]!.replace(/\s*\[HEX DUMP\]$/, ""), value: m[7] ?? "", children: [],
      content: der.subarray(offset + hl, offset + hl + len), tlv: der.subarray(offset, offset + hl + len),
    };
    while (stack.length && stack[stack.length - 1]!.depth >= depth) stack.pop();
    if (stack.length) stack[stack.length - 1]!.node.children.push(node);
    else if (top) assert.fail(`trailing data after the top-level element at offset ${offset}`);
    else top = node;
    stack.push({ depth, node });
  }
  assert.ok(top, "asn1parse printed nothing");
  return top;
}
