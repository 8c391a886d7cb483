// CRL generation benchmark: server/publish/crl-encoder.ts against `openssl ca -gencrl` on the same synthetic revoked set, time and peak memory of each in its own process.
//
//   npx tsx scripts/bench/crl-encoder.ts [--entries 100000,1000000] [--repeat 1] [--keep]
//
// For each size N:
//  1. A temp dir with an RSA 2048 CA (openssl req -x509) and an openssl CA
//     database (index.txt, unique_subject = no) holding N revoked entries.
//  2. Ours: a child `node --require tsx/cjs <this file> --child …` regenerates the
//     same N entries lazily, in packed text pages of 10,000 (as the CRL publisher reads them
//     from the database), encodes the CRL and writes it to a DER file.
//     openssl: `openssl ca -gencrl` writes the same CRL as PEM.
//     Both children run under /usr/bin/time -v: wall time and maximum RSS.
//  3. Both CRLs must pass `openssl crl -verify`, and their entries must be the
//     same set, byte for byte (openssl sorts them by serial, we keep input order).
// Prints a markdown table and writes it to bench-results/crl-encoder.md.
// Goal: ours ≥3× faster and ≤½ the memory of openssl.
import { createPrivateKey, createPublicKey } from "node:crypto";
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { once } from "node:events";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createSigner } from "../../server/ca/signer";
import { children, encodedOf, parseDer } from "../../server/asn1/der-reader";
import { encodeCrl } from "../../server/publish/crl-encoder";
import { caConfig, entrySet, measure, Measured, must, packedPages, THIS_UPDATE, writeIndex } from "./support/crl-bench-kit";

const NEXT_UPDATE = new Date("2026-11-08T00:00:00Z");

// ---------------------------------------------------------------------------
// Child: encode and write, report in-process timings as one JSON line.

async function child(n: number, dir: string): Promise<void> {
  const t0 = process.hrtime.bigint();
  const privateKey = createPrivateKey(readFileSync(join(dir, "ca.key")));
  const signer = createSigner(privateKey, createPublicKey(privateKey));
  const caDer = parseDer(readFileSync(join(dir, "ca.der")));
  const ca = readFileSync(join(dir, "ca.der"));
  const tbs = children(ca, children(ca, caDer)[0]!);
  const issuerNameDer = Buffer.from(encodedOf(ca, tbs[5]!));
  let generationNs = 0n;
  const timed = (function* () {
    const it = packedPages(n);
    for (;;) {
      const g0 = process.hrtime.bigint();
      const next = it.next();
      generationNs += process.hrtime.bigint() - g0;
      if (next.done) return;
      yield next.value;
    }
  })();
  const t1 = process.hrtime.bigint();
  const crl = await encodeCrl({ issuerNameDer, authorityKeyId: signer.publicKeyHash, crlNumber: 1, thisUpdate: THIS_UPDATE, nextUpdate: NEXT_UPDATE, entries: timed }, signer);
  const t2 = process.hrtime.bigint();
  const out = createWriteStream(join(dir, "ours.crl"));
  for (const chunk of crl.chunks) if (!out.write(chunk)) await once(out, "drain");
  out.end();
  await once(out, "finish");
  const t3 = process.hrtime.bigint();
  const ms = (ns: bigint) => Number(ns) / 1e6;
  process.stdout.write(
    JSON.stringify({ setupMs: ms(t1 - t0), generateMs: ms(generationNs), encodeMs: ms(t2 - t1 - generationNs), writeMs: ms(t3 - t2), bytes: crl.length, chunks: crl.chunks.length }) + "\n",
  );
}

// ---------------------------------------------------------------------------
// Parent

interface Row {
  n: number;
  ours: Measured & { inner: { setupMs: number; generateMs: number; encodeMs: number; writeMs: number; bytes: number } };
  openssl: Measured & { bytes: number };
}

function median(runs: Measured[]): Measured {
  return [...runs].sort((a, b) => a.wallS - b.wallS)[Math.floor(runs.length / 2)]!;
}

async function benchOne(n: number, repeat: number, keep: boolean): Promise<Row> {
  const dir = mkdtempSync(join(tmpdir(), "chungthu-bench-crl-"));
  try {
    writeFileSync(join(dir, "ca.cnf"), caConfig(dir));
    must("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-subj", "/C=VN/O=Bench/CN=Bench CRL CA", "-days", "30",
      "-config", "ca.cnf", "-extensions", "v3_ca"], dir);
    must("openssl", ["x509", "-in", "ca.pem", "-outform", "DER", "-out", "ca.der"], dir);
    writeFileSync(join(dir, "crlnumber"), "01\n");
    writeFileSync(join(dir, "index.txt.attr"), "unique_subject = no\n");
    await writeIndex(join(dir, "index.txt"), n);

    // Each tool runs `repeat` times, alternating; the run with the median wall time is reported.
    const oursRuns: Measured[] = [];
    const theirRuns: Measured[] = [];
    for (let r = 0; r < repeat; r++) {
      // --require tsx/cjs: the CommonJS hook only, without tsx's ESM loader thread.
      oursRuns.push(measure(process.execPath, ["--require", "tsx/cjs", __filename, "--child", String(n), dir], process.cwd()));
      // openssl ca -gencrl takes the dates from the clock; only the entries are compared below.
      theirRuns.push(measure("openssl", ["ca", "-gencrl", "-config", "ca.cnf", "-out", "openssl.crl", "-batch"], dir));
    }
    const ours = median(oursRuns);
    const theirs = median(theirRuns);
    const inner = JSON.parse(ours.stdout.trim().split("\n").pop()!) as Row["ours"]["inner"];

    for (const [file, form] of [["ours.crl", "DER"], ["openssl.crl", "PEM"]] as const) {
      const out = must("openssl", ["crl", "-inform", form, "-in", file, "-noout", "-verify", "-CAfile", "ca.pem"], dir);
      if (!/verify OK/.test(out)) throw new Error(`${file}: openssl crl -verify said\n${out}`);
    }
    const opensslDer = Buffer.from(readFileSync(join(dir, "openssl.crl"), "latin1").replace(/-----[^-]+-----|\s/g, ""), "base64");
    const a = entrySet(readFileSync(join(dir, "ours.crl")));
    const b = entrySet(opensslDer);
    if (a.length !== n || b.length !== n) throw new Error(`entry counts: ours ${a.length}, openssl ${b.length}, expected ${n}`);
    for (let i = 0; i < n; i++) if (a[i] !== b[i]) throw new Error(`entry sets differ at ${i}: ours ${a[i]} openssl ${b[i]}`);
    if (statSync(join(dir, "ours.crl")).size !== inner.bytes) throw new Error("CRL file size mismatch");
    return { n, ours: { ...ours, inner }, openssl: { ...theirs, bytes: opensslDer.length } };
  } finally {
    if (keep) process.stderr.write(`kept ${dir}\n`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

function table(rows: Row[]): string {
  const f = (x: number, d = 2) => x.toFixed(d);
  const lines = [
    "| entries | ours: wall s | ours: encode s (generate s) | ours: max RSS MB | openssl ca -gencrl: wall s | openssl: max RSS MB | speed-up (openssl/ours wall) | memory (ours/openssl RSS) | CRL bytes ours / openssl | goal (≥3×, ≤½) |",
    "|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|",
  ];
  for (const r of rows) {
    const speed = r.openssl.wallS / r.ours.wallS;
    const mem = r.ours.maxRssMb / r.openssl.maxRssMb;
    lines.push(
      `| ${r.n.toLocaleString("en-US")} | ${f(r.ours.wallS)} | ${f(r.ours.inner.encodeMs / 1000)} (${f(r.ours.inner.generateMs / 1000)}) | ${f(r.ours.maxRssMb, 0)} | ${f(r.openssl.wallS)} | ${f(r.openssl.maxRssMb, 0)} | ${f(speed, 1)}× | ${f(mem, 2)} | ${r.ours.inner.bytes.toLocaleString("en-US")} / ${r.openssl.bytes.toLocaleString("en-US")} | ${speed >= 3 && mem <= 0.5 ? "met" : "NOT met"} |`,
    );
  }
  return lines.join("\n");
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === "--child") return child(Number(argv[1]), argv[2]!);
  const at = argv.indexOf("--entries");
  const sizes = (at >= 0 ? argv[at + 1]! : "100000,1000000").split(",").map((s) => Number(s.replace(/_/g, "")));
  if (sizes.some((n) => !Number.isInteger(n) || n < 1)) throw new Error("--entries takes a comma-separated list of positive integers");
  const rat = argv.indexOf("--repeat");
  const repeat = rat >= 0 ? Number(argv[rat + 1]) : 1;
  if (!Number.isInteger(repeat) || repeat < 1) throw new Error("--repeat takes a positive integer");
  const rows: Row[] = [];
  for (const n of sizes) {
    process.stderr.write(`CRL bench: ${n.toLocaleString("en-US")} entries…\n`);
    rows.push(await benchOne(n, repeat, argv.includes("--keep")));
  }
  const md = [
    `CRL generation, ${new Date().toISOString()}, node ${process.version}, ${must("openssl", ["version"], process.cwd()).trim()}, RSA 2048 CA, SHA-256,`,
    `${cpus().length} CPUs, load average at the end ${loadavg().map((l) => l.toFixed(1)).join(" ")}; median of ${repeat} run(s) each.`,
    "Wall and max RSS from /usr/bin/time -v of each child process (ours includes node + tsx start-up and generating the synthetic entries).",
    "Both CRLs verified with `openssl crl -verify`; their entry sets are byte-identical.",
    "",
    table(rows),
    "",
  ].join("\n");
  process.stdout.write(md);
  mkdirSync("bench-results", { recursive: true });
  writeFileSync(join("bench-results", "crl-encoder.md"), md);
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
