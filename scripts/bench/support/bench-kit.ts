// Shared by the issue-7 benchmarks: the machine line, the summary rows each
// script leaves for run-all.ts, CSRs made in memory, an openssl CA on disk,
// and bulk-inserted certificate rows. Measures nothing itself.
import { execFileSync } from "node:child_process";
import { webcrypto } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import * as x509 from "@peculiar/x509";
import type { Knex } from "knex";
import { toDbTime } from "../../../server/store/db-time";
import { searchKey } from "../../../server/store/search-key";

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

/** One line of bench-results/summary.md. */
export interface SummaryRow {
  what: string;
  ours: string;
  reference: string;
  /** How many times better than the reference (>1: chungthu is better). */
  ratio: string;
  goal: string;
  met: boolean | null;
}

export function opensslVersion(): string {
  return execFileSync("openssl", ["version"]).toString().trim();
}

export function machine(): string {
  return `${cpus().length} × ${cpus()[0]?.model ?? "CPU"}, ${(totalmem() / 2 ** 30).toFixed(0)} GB RAM, Node ${process.version}, ${opensslVersion()}, load average ${loadavg().map((l) => l.toFixed(1)).join(" ")}`;
}

/** Leaves the rows (and the full markdown) for run-all.ts: bench-results/<name>.json and .md. */
export function writeResult(name: string, rows: SummaryRow[], md: string): void {
  mkdirSync("bench-results", { recursive: true });
  writeFileSync(join("bench-results", `${name}.json`), JSON.stringify({ rows }, null, 2));
  writeFileSync(join("bench-results", `${name}.md`), md);
  process.stdout.write(md + "\n");
}

export const fmt = (x: number, d = 2): string => x.toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d });

export function arg(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]!.replace(/_/g, "")) : fallback;
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** The middle value (the mean of the two middle ones for an even count); NaN for none. */
export function median(xs: readonly number[]): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** A P-256 PKCS#10 request made in memory (a subscriber's token would make it). */
export async function makeCsrDer(commonName: string): Promise<Buffer> {
  const alg = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
  const keys = (await webcrypto.subtle.generateKey(alg, false, ["sign", "verify"])) as CryptoKeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: `CN=${commonName}`, keys, signingAlgorithm: alg });
  return Buffer.from(csr.rawData);
}

export function pem(der: Buffer, label: string): string {
  return `-----BEGIN ${label}-----\n${der.toString("base64").replace(/(.{64})/g, "$1\n").replace(/\n$/, "")}\n-----END ${label}-----\n`;
}

/**
 * An openssl CA in `dir` with a P-256 key (as our bench CA), issuing end-entity
 * certificates with the extensions our individual profile carries.
 */
export function opensslCa(dir: string): string {
  const cnf = join(dir, "ca.cnf");
  mkdirSync(join(dir, "newcerts"), { recursive: true });
  writeFileSync(join(dir, "index.txt"), "");
  writeFileSync(join(dir, "index.txt.attr"), "unique_subject = no\n");
  writeFileSync(join(dir, "serial"), "1000\n");
  writeFileSync(join(dir, "crlnumber"), "01\n");
  writeFileSync(
    cnf,
    `[ca]
default_ca = bench
[bench]
dir = ${dir}
database = $dir/index.txt
crlnumber = $dir/crlnumber
certificate = $dir/ca.pem
private_key = $dir/ca.key
new_certs_dir = $dir/newcerts
serial = $dir/serial
default_md = sha256
default_days = 730
default_crl_days = 7
policy = anything
x509_extensions = ee
crl_extensions = crl_ext
copy_extensions = none
[anything]
commonName = supplied
[ee]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,nonRepudiation
extendedKeyUsage = clientAuth,emailProtection
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
crlDistributionPoints = URI:http://localhost/pki/crl/issuing.crl
authorityInfoAccess = OCSP;URI:http://localhost/ocsp,caIssuers;URI:http://localhost/pki/issuing.crt
certificatePolicies = 1.3.6.1.4.1.99999.1.1
[crl_ext]
authorityKeyIdentifier = keyid:always
[req]
distinguished_name = dn
[dn]
[v3_ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
`,
  );
  execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-subj", "/C=VN/O=Bench/CN=Bench Issuing CA", "-days", "30", "-config", cnf, "-extensions", "v3_ca"], { cwd: dir, stdio: "ignore" });
  return cnf;
}

const SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý"];
const MIDDLE = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Ngọc", "Thanh", "Quang"];
const GIVEN = ["An", "Bình", "Cường", "Dung", "Giang", "Hà", "Hải", "Hùng", "Lan", "Long", "Mai", "Nam", "Phúc", "Quân", "Sơn", "Tâm", "Thảo", "Trang", "Tuấn", "Việt", "Yến"];

/**
 * Inserts `n` valid certificate rows (no real DER: lists, OCSP status and CRLs
 * read only the columns) for `unitIds`, serials `prefix` + counter, in
 * transactions of 20 statements of 400 rows (sqlite's limit). Returns the serials.
 */
export async function insertCertificates(db: Knex, opts: { caId: number; unitIds: number[]; n: number; prefix: string; now: Date; seed?: number }): Promise<string[]> {
  let x = opts.seed ?? 12345;
  const rand = () => ((x = (x * 1103515245 + 12345) % 2147483648), x / 2147483648);
  const pick = <T>(a: readonly T[]) => a[Math.floor(rand() * a.length)]!;
  const serials: string[] = [];
  const BATCH = 400;
  let trx = await db.transaction();
  try {
    for (let i = 0; i < opts.n; i += BATCH) {
      if (i > 0 && (i / BATCH) % 20 === 0) {
        await trx.commit();
        trx = await db.transaction();
      }
      const rows = [];
      for (let j = i; j < Math.min(opts.n, i + BATCH); j++) {
        const cn = `${pick(SURNAMES)} ${pick(MIDDLE)} ${pick(GIVEN)}`;
        const created = new Date(opts.now.getTime() - Math.floor(rand() * 700 * 86_400_000));
        const serial = `${opts.prefix}${j.toString(16).padStart(12, "0")}`;
        serials.push(serial);
        rows.push({
          serial, ca_id: opts.caId, profile: "individual", status: "valid", subject_dn: `CN=${cn}`, common_name: cn,
          email: `user${j}@bench.gov.vn`, spki_sha256: `${opts.prefix}${j.toString(16)}`.padStart(64, "0"), key_alg: "p256",
          tbs_der: Buffer.from([0]), cert_der: null, not_before: toDbTime(created), not_after: toDbTime(new Date(created.getTime() + 730 * 86_400_000)),
          created_at: toDbTime(created), unit_id: pick(opts.unitIds), search_name: searchKey(cn),
        });
      }
      await trx("certificates").insert(rows);
    }
    await trx.commit();
  } catch (e) {
    await trx.rollback();
    throw e;
  }
  return serials;
}
