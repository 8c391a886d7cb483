// Shared by the CRL benchmarks: a deterministic synthetic revoked set, the
// matching openssl CA database and configuration, and /usr/bin/time -v runs.
import { spawnSync } from "node:child_process";
import { createWriteStream } from "node:fs";
import { once } from "node:events";
import { children, encodedOf, parseDer } from "../../../server/asn1/der-reader";
import type { PackedCrlEntries } from "../../../server/publish/crl-encoder";
import { packCrlEntries, type CrlEntryFields } from "../../../test/support/crl-pack";

export const PAGE = 10_000;
export const THIS_UPDATE = new Date("2026-11-01T00:00:00Z");
const REASONS = [0, 1, 3, 4, 5] as const;
const REASON_NAMES: Record<number, string> = { 1: "keyCompromise", 3: "affiliationChanged", 4: "superseded", 5: "cessationOfOperation" };

// ---------------------------------------------------------------------------
// The synthetic revoked set: entry i is a pure function of i.

/** 32-bit mix (lowbias32), deterministic. */
function mix(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

const serialBytes = Buffer.alloc(16);

export function entry(i: number): CrlEntryFields {
  // 16-octet random-looking serials with a non-zero first octet, as flat strings (like database rows).
  for (let w = 0; w < 4; w++) serialBytes.writeUInt32BE(mix(i * 4 + w + 1), w * 4);
  if (serialBytes[0] === 0) serialBytes[0] = 0x5a;
  const revokedAt = new Date(THIS_UPDATE.getTime() - 1000 * (1 + (mix(i ^ 0x5bd1e995) % (2 * 365 * 86400))));
  return { serialHex: serialBytes.toString("hex"), revokedAt, reason: REASONS[i % REASONS.length]! };
}

export function* pages(n: number): Generator<CrlEntryFields[]> {
  for (let start = 0; start < n; start += PAGE) {
    const page: CrlEntryFields[] = [];
    for (let i = start; i < Math.min(n, start + PAGE); i++) page.push(entry(i));
    yield page;
  }
}

/** The same pages in the store's packed text form (crl-store revokedEntries), as the CRL publisher feeds the encoder. */
export function* packedPages(n: number): Generator<PackedCrlEntries> {
  for (const page of pages(n)) yield packCrlEntries(page);
}

export interface Measured {
  wallS: number;
  maxRssMb: number;
  stdout: string;
}

export function run(cmd: string, args: string[], cwd: string): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { cwd, maxBuffer: 1024 * 1024 * 1024 });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

export function must(cmd: string, args: string[], cwd: string): string {
  const r = run(cmd, args, cwd);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${r.status}\n${r.stdout}\n${r.stderr}`);
  return r.stdout + r.stderr;
}

/** Runs a command under /usr/bin/time -v; returns its wall time and max RSS. */
export function measure(cmd: string, args: string[], cwd: string): Measured {
  const r = run("/usr/bin/time", ["-v", cmd, ...args], cwd);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${r.status}\n${r.stdout}\n${r.stderr}`);
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
  const wall = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)/.exec(r.stderr);
  if (!rss || !wall) throw new Error(`no /usr/bin/time -v figures in:\n${r.stderr}`);
  const wallS = Number(wall[1] ?? 0) * 3600 + Number(wall[2]) * 60 + Number(wall[3]);
  return { wallS, maxRssMb: Number(rss[1]) / 1024, stdout: r.stdout };
}

function utcTimeIndex(d: Date): string {
  // openssl's index.txt stores UTCTime strings: YYMMDDHHMMSSZ.
  return d.toISOString().replace(/^\d\d(\d\d)-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d).*$/, "$1$2$3$4$5$6Z");
}

export async function writeIndex(path: string, n: number): Promise<void> {
  const out = createWriteStream(path);
  for (const page of pages(n)) {
    let text = "";
    for (const e of page) {
      const rev = utcTimeIndex(e.revokedAt) + (e.reason ? "," + REASON_NAMES[e.reason] : "");
      text += `R\t301231235959Z\t${rev}\t${e.serialHex.toUpperCase()}\tunknown\t/CN=bench\n`;
    }
    if (!out.write(text)) await once(out, "drain");
  }
  out.end();
  await once(out, "finish");
}

export function caConfig(dir: string): string {
  return `[ca]
default_ca = bench
[bench]
dir = ${dir}
database = $dir/index.txt
crlnumber = $dir/crlnumber
certificate = $dir/ca.pem
private_key = $dir/ca.key
new_certs_dir = $dir
serial = $dir/serial
default_md = sha256
default_crl_days = 7
crl_extensions = crl_ext
[crl_ext]
authorityKeyIdentifier = keyid:always
[req]
distinguished_name = dn
[dn]
[v3_ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
`;
}

/** The revokedCertificates entries of a CRL, as hex strings of their DER, sorted. */
export function entrySet(der: Buffer): string[] {
  const tbs = children(der, children(der, parseDer(der))[0]!);
  const revoked = tbs.find((f, i) => i > 3 && f.identifier === 0x30);
  return revoked ? children(der, revoked).map((e) => encodedOf(der, e).toString("hex")).sort() : [];
}

