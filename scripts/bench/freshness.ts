// Revocation freshness with a large revoked set (default 100,000 already
// revoked): from the moment a revocation is committed to (a) the server's OCSP
// responder answering "revoked" over HTTP and (b) the CRL it serves over HTTP
// listing the serial. Goals (issue 7): ≤1 s and ≤5 s.
//
//   npx tsx scripts/bench/freshness.ts [--revoked 100000] [--trials 3]
//
// Two paths, `trials` each: the revocation made by the server's own process
// (the web pages and the API: the OCSP cache entry is dropped at once), and by
// another connection that does not tell the server (the CLI, another worker:
// the server learns of it from its revocation feed, config ocsp.pollIntervalMs).
// Pollers: OCSP every 10 ms, CRL every 50 ms (so ±50 ms).
// Reference: `openssl ca -gencrl` on an index.txt with the same revoked set — the
// least time openssl needs to have a CRL with one more revocation.
import "reflect-metadata";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { openCore } from "../../server/core";
import { arg, fmt, insertCertificates, machine, opensslCa, percentile, writeResult } from "./support/bench-kit";
import { benchConfig, benchUnit, openBenchDb, startInProcess } from "./support/bench-server";
import { measure, pages, writeIndex } from "./support/crl-bench-kit";
import { certStatus, requestMaker } from "./support/ocsp-kit";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const n = arg("revoked", 100_000);
  const trials = arg("trials", 3);
  const dir = mkdtempSync(join(tmpdir(), "chungthu-bench-fresh-"));
  const dataDir = join(dir, "data");
  const results: Array<{ path: "server" | "other"; ocspS: number; crlS: number }> = [];
  try {
    const server = await startInProcess(dataDir);
    const other = await openCore(benchConfig(dataDir));
    try {
      const store = server.core.store;
      const now = server.core.clock();
      const caId = (await server.core.keyRing.active("issuing"))!.record.id;
      process.stderr.write(`  loading ${n.toLocaleString("en-US")} revoked certificates…\n`);
      const notBefore = new Date(now.getTime() - 400 * 86_400_000);
      const notAfter = new Date(now.getTime() + 700 * 86_400_000);
      for (const page of pages(n)) {
        await store.transaction((tx) => tx.certificates.bulkInsertRevoked(caId, page.map((e) => ({ serial: e.serialHex, revokedAt: e.revokedAt, reason: e.reason, notBefore, notAfter })), now));
      }
      const unitId = await benchUnit(store, "TUOI-MOI", "Sở đo độ tươi", now);
      const db = openBenchDb(dataDir);
      const serials = await insertCertificates(db, { caId, unitIds: [unitId], n: 2 * trials, prefix: "5e", now }).finally(() => db.destroy());
      await server.publisher.publish(caId, "bench");
      const makeReq = requestMaker(dir, join(dataDir, "pki", "issuing.crt.pem"), serials[0]!);
      const crlUrl = `${server.url}/pki/crl/issuing.crl`;
      const ocsp = async (serial: string) => {
        const res = await fetch(`${server.url}/ocsp`, { method: "POST", headers: { "content-type": "application/ocsp-request" }, body: new Uint8Array(makeReq(serial)) });
        return certStatus(Buffer.from(await res.arrayBuffer()));
      };
      const crlHas = async (serial: string) => {
        const body = Buffer.from(await (await fetch(crlUrl)).arrayBuffer());
        const s = Buffer.from(serial, "hex");
        return body.indexOf(Buffer.concat([Buffer.from([0x02, s.length]), s])) >= 0;
      };
      for (let t = 0; t < 2 * trials; t++) {
        const serial = serials[t]!;
        const path = t % 2 === 0 ? "server" : "other";
        if ((await ocsp(serial)) !== "good" || (await crlHas(serial))) throw new Error("not good before the revocation");
        await sleep(1500); // let the previous trial's CRL build settle
        const t0 = performance.now();
        const core = path === "server" ? server.core : other;
        await core.revocation.revoke({ serial, reason: "keyCompromise", actor: "bench:freshness" });
        const ocspDone = (async () => {
          while ((await ocsp(serial)) !== "revoked") await sleep(10);
          return (performance.now() - t0) / 1000;
        })();
        const crlDone = (async () => {
          while (!(await crlHas(serial))) await sleep(50);
          return (performance.now() - t0) / 1000;
        })();
        const [ocspS, crlS] = await Promise.all([ocspDone, crlDone]);
        results.push({ path, ocspS, crlS });
        process.stderr.write(`  ${path}: OCSP ${fmt(ocspS, 3)} s, CRL ${fmt(crlS, 2)} s\n`);
      }
    } finally {
      await other.close();
      await server.close();
    }

    const caDir = join(dir, "openssl");
    const cnf = opensslCa(caDir);
    await writeIndex(join(caDir, "index.txt"), n + 1);
    const gencrl = measure("openssl", ["ca", "-gencrl", "-config", cnf, "-out", "fresh.crl", "-batch"], caDir);

    const worst = (k: "ocspS" | "crlS", p?: string) => Math.max(...results.filter((r) => !p || r.path === p).map((r) => r[k]));
    const median = (k: "ocspS" | "crlS") => percentile(results.map((r) => r[k]).sort((a, b) => a - b), 50);
    const N = n.toLocaleString("en-US");
    const md = [
      `### Revocation freshness at ${N} revoked (${new Date().toISOString().slice(0, 16)} UTC)`,
      "",
      `Machine: ${machine()}. sqlite; P-256 CA; one server process; ${trials} revocations per path.`,
      "",
      "| revoked by | to OCSP \"revoked\", worst | to the served CRL listing it, worst |",
      "|---|---:|---:|",
      `| the server's process (web, API) | ${fmt(worst("ocspS", "server"), 3)} s | ${fmt(worst("crlS", "server"))} s |`,
      `| another process (CLI, other worker: revocation feed) | ${fmt(worst("ocspS", "other"), 3)} s | ${fmt(worst("crlS", "other"))} s |`,
      `| reference: \`openssl ca -gencrl\` on the same ${N} (+1) | — | ${fmt(gencrl.wallS)} s (${fmt(gencrl.maxRssMb, 0)} MB) |`,
      "",
      `Goals: OCSP ≤1 s — ${worst("ocspS") <= 1 ? "met" : "NOT met"}; CRL ≤5 s — ${worst("crlS") <= 5 ? "met" : "NOT met"}. ` +
        `The CRL time includes the publisher's ${1} s debounce (config crl.debounceMs), which gathers a burst of revocations into one build.`,
      "",
    ].join("\n");
    writeResult("freshness", [
      { what: `Freshness at ${N} revoked: revocation → OCSP "revoked" (worst of ${2 * trials})`, ours: `${fmt(worst("ocspS"), 3)} s (median ${fmt(median("ocspS"), 3)})`, reference: "—", ratio: "—", goal: "≤1 s", met: worst("ocspS") <= 1 },
      { what: `Freshness at ${N} revoked: revocation → served CRL lists it (worst of ${2 * trials})`, ours: `${fmt(worst("crlS"))} s (median ${fmt(median("crlS"))})`, reference: `openssl ca -gencrl alone ${fmt(gencrl.wallS)} s`, ratio: `${fmt(gencrl.wallS / median("crlS"))}×`, goal: "≤5 s", met: worst("crlS") <= 5 },
    ], md);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
