// CRL publication benchmark, the full path: the revoked set lives in the
// database (sqlite, or PostgreSQL with --database-url), and our publisher reads
// it page by page, encodes, signs with the CA's sealed key and writes the file
// — against `openssl ca -gencrl` on an index.txt with the same revoked set.
//
//   npx tsx scripts/bench/crl-publish.ts [--entries 100000,1000000] [--database-url postgres://…]
//
// Each side runs in its own process under /usr/bin/time -v (wall time, max RSS);
// both CRLs must pass `openssl crl -verify` and hold the same serials.
// Goal (issue 3/7): ≥3× faster and ≤½ the memory of openssl.
import "reflect-metadata";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../server/config/load-config";
import { openCore } from "../../server/core";
import { createCrlPublisher } from "../../server/publish/crl-publisher";
import { caConfig, entrySet, measure, must, pages, THIS_UPDATE, writeIndex } from "./support/crl-bench-kit";

const PASSPHRASE = "bench-passphrase-not-secret";

function configFor(dataDir: string, databaseUrl?: string) {
  const env: Record<string, string> = { DATA_DIR: dataDir, CA_KEY_PASSPHRASE: PASSPHRASE, DEMO: "0" };
  if (databaseUrl) env.DATABASE_URL = databaseUrl;
  return loadConfig({ env, cwd: dataDir });
}

/** Child: one publication, timed inside as well. */
async function child(dataDir: string, databaseUrl?: string): Promise<void> {
  const t0 = Date.now();
  const core = await openCore(configFor(dataDir, databaseUrl));
  const issuing = (await core.keyRing.active("issuing"))!;
  const t1 = Date.now();
  const record = await createCrlPublisher({ config: core.config, store: core.store, keyRing: core.keyRing, clock: core.clock }).publish(issuing.record.id, "bench");
  const t2 = Date.now();
  await core.close();
  process.stdout.write(JSON.stringify({ openMs: t1 - t0, publishMs: t2 - t1, entries: record.entryCount, bytes: record.byteLength, file: join(dataDir, "pki", "issuing.crl") }) + "\n");
}

async function prepare(n: number, dataDir: string, databaseUrl?: string): Promise<void> {
  const core = await openCore(configFor(dataDir, databaseUrl));
  try {
    await core.hierarchy.init({ alg: "rsa2048", force: false, actor: "bench" });
    const issuing = (await core.keyRing.active("issuing"))!;
    const notBefore = new Date(THIS_UPDATE.getTime() - 400 * 86_400_000);
    const notAfter = new Date("2030-12-31T23:59:59Z");
    for (const page of pages(n)) {
      await core.store.transaction((tx) =>
        tx.certificates.bulkInsertRevoked(
          issuing.record.id,
          page.map((e) => ({ serial: e.serialHex, revokedAt: e.revokedAt, reason: e.reason, notBefore, notAfter })),
          core.clock(),
        ),
      );
    }
  } finally {
    await core.close();
  }
}

async function benchOne(n: number, databaseUrl?: string) {
  const dir = mkdtempSync(join(tmpdir(), "chungthu-bench-crlpub-"));
  try {
    const dataDir = join(dir, "data");
    process.stderr.write(`  loading ${n.toLocaleString("en-US")} revoked certificates into ${databaseUrl ? "PostgreSQL" : "sqlite"}…\n`);
    const tLoad = Date.now();
    await prepare(n, dataDir, databaseUrl);
    const loadS = (Date.now() - tLoad) / 1000;

    writeFileSync(join(dir, "ca.cnf"), caConfig(dir));
    must("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-subj", "/C=VN/O=Bench/CN=Bench CRL CA", "-days", "30", "-config", "ca.cnf", "-extensions", "v3_ca"], dir);
    writeFileSync(join(dir, "crlnumber"), "01\n");
    writeFileSync(join(dir, "index.txt.attr"), "unique_subject = no\n");
    await writeIndex(join(dir, "index.txt"), n);

    const args = ["--require", "tsx/cjs", __filename, "--child", dataDir, ...(databaseUrl ? [databaseUrl] : [])];
    const ours = measure(process.execPath, args, process.cwd());
    const theirs = measure("openssl", ["ca", "-gencrl", "-config", "ca.cnf", "-out", "openssl.crl", "-batch"], dir);
    const inner = JSON.parse(ours.stdout.trim().split("\n").pop()!) as { openMs: number; publishMs: number; entries: number; bytes: number; file: string };

    const ourVerify = must("openssl", ["crl", "-inform", "DER", "-in", inner.file, "-noout", "-verify", "-CAfile", join(dataDir, "pki", "chain.pem")], dir);
    const theirVerify = must("openssl", ["crl", "-in", "openssl.crl", "-noout", "-verify", "-CAfile", "ca.pem"], dir);
    if (!/verify OK/.test(ourVerify) || !/verify OK/.test(theirVerify)) throw new Error(`openssl crl -verify failed:\n${ourVerify}\n${theirVerify}`);
    const serialsOf = (der: Buffer) => entrySet(der).map((hex) => hex.slice(0, 40)).sort();
    const a = serialsOf(readFileSync(inner.file));
    const b = serialsOf(Buffer.from(readFileSync(join(dir, "openssl.crl"), "latin1").replace(/-----[^-]+-----|\s/g, ""), "base64"));
    if (a.length !== n || b.length !== n || a.some((x, i) => x !== b[i])) throw new Error(`the two CRLs list different serials (${a.length} / ${b.length})`);
    return { n, loadS, ours, inner, theirs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === "--child") return child(argv[1]!, argv[2]);
  const at = argv.indexOf("--entries");
  const sizes = (at >= 0 ? argv[at + 1]! : "100000,1000000").split(",").map((s) => Number(s.replace(/_/g, "")));
  const dbAt = argv.indexOf("--database-url");
  const databaseUrl = dbAt >= 0 ? argv[dbAt + 1] : undefined;
  const rows = [];
  for (const n of sizes) rows.push(await benchOne(n, databaseUrl));
  const f = (x: number, d = 2) => x.toFixed(d);
  const md = [
    `CRL publication (database → DER file), ${new Date().toISOString()}, node ${process.version}, ${must("openssl", ["version"], process.cwd()).trim()},`,
    `${databaseUrl ? "PostgreSQL" : "sqlite"}, RSA 2048 CA, ${cpus().length} CPUs, load average ${loadavg().map((l) => l.toFixed(1)).join(" ")}.`,
    "Wall and max RSS from /usr/bin/time -v; ours includes node + tsx start-up, opening the database and decrypting the CA key.",
    "",
    "| revoked | ours: wall s (publish s) | ours: max RSS MB | openssl ca -gencrl: wall s | openssl: max RSS MB | speed-up | memory ratio | goal (≥3×, ≤½) |",
    "|---:|---:|---:|---:|---:|---:|---:|:---:|",
    ...rows.map((r) => {
      const speed = r.theirs.wallS / r.ours.wallS;
      const mem = r.ours.maxRssMb / r.theirs.maxRssMb;
      return `| ${r.n.toLocaleString("en-US")} | ${f(r.ours.wallS)} (${f(r.inner.publishMs / 1000)}) | ${f(r.ours.maxRssMb, 0)} | ${f(r.theirs.wallS)} | ${f(r.theirs.maxRssMb, 0)} | ${f(speed, 1)}× | ${f(mem, 2)} | ${speed >= 3 && mem <= 0.5 ? "met" : "NOT met"} |`;
    }),
    "",
  ].join("\n");
  process.stdout.write(md);
  mkdirSync("bench-results", { recursive: true });
  writeFileSync(join("bench-results", `crl-publish${databaseUrl ? "-postgres" : ""}.md`), md);
  // The summary rows run-all.ts puts in its table.
  const summary = rows.map((r) => {
    const speed = r.theirs.wallS / r.ours.wallS;
    const mem = r.ours.maxRssMb / r.theirs.maxRssMb;
    return {
      what: `CRL full build, ${r.n.toLocaleString("en-US")} revoked (${databaseUrl ? "PostgreSQL" : "sqlite"} → DER, cold process)`,
      ours: `${f(r.ours.wallS)} s, ${f(r.ours.maxRssMb, 0)} MB`,
      reference: `openssl ca -gencrl ${f(r.theirs.wallS)} s, ${f(r.theirs.maxRssMb, 0)} MB`,
      ratio: `${f(speed, 1)}× faster, ${f(mem, 2)}× memory`,
      goal: "≥3×, ≤½ memory",
      met: speed >= 3 && mem <= 0.5,
    };
  });
  writeFileSync(join("bench-results", `crl-publish${databaseUrl ? "-postgres" : ""}.json`), JSON.stringify({ rows: summary }, null, 2));
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
