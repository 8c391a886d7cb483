// Mass revocation: an agency merges into another and its N certificates
// (default 10,000) are revoked affiliationChanged (RFC 5280 5.3.1) by the
// org-change run of the merger batch, as an operator runs it
// (`org-change run --mode revoke`, server/ra/org-change-run.ts: chunks of
// items per transaction, each certificate revoked and audited, the items
// settled, revocations set-based through revocation.revokeManyWithin); then
// until the server's CRL lists all of them and its OCSP responder, whose cache
// held a "good" answer for every one, answers "revoked" for all. The audit
// chain is verified afterwards (not timed).
// Goal (issue 7): ≤10 s in all.
//
//   npx tsx scripts/bench/mass-revocation.ts [--certs 10000]
//
// Reference, same machine, P-256 CA: `openssl ca -revoke` for 200 of the
// certificates on a 10,000-line index.txt (it rewrites the index each time),
// extrapolated to N, plus one `openssl ca -gencrl` on the N-revoked index.
// openssl has no OCSP cache to refresh, so nothing is added for it.
import "reflect-metadata";
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { vietnamDay } from "../../server/directory/unit-source";
import { arg, fmt, insertCertificates, machine, makeCsrDer, opensslCa, pem, writeResult } from "./support/bench-kit";
import { benchUnit, openBenchDb, startInProcess } from "./support/bench-server";
import { measure, must } from "./support/crl-bench-kit";
import { certStatus, requestMaker } from "./support/ocsp-kit";

const SAMPLE = 200;

async function ours(dir: string, n: number) {
  const dataDir = join(dir, "data");
  const server = await startInProcess(dataDir);
  try {
    const now = server.core.clock();
    const issuing = (await server.core.keyRing.active("issuing"))!;
    const caId = issuing.record.id;
    const store = server.core.store;
    const unitId = await benchUnit(store, "SAP-NHAP", "Sở bị sáp nhập", now);
    await benchUnit(store, "TIEP-NHAN", "Sở tiếp nhận", now);
    const db = openBenchDb(dataDir);
    let serials: string[];
    try {
      serials = await insertCertificates(db, { caId, unitIds: [unitId], n, prefix: "5e", now });
    } finally {
      await db.destroy();
    }
    // The merger, applied today: SAP-NHAP ends, merged into TIEP-NHAN.
    const batch = await server.core.units.draftBatch("Sáp nhập Sở (bench)", vietnamDay(now), [{ kind: "merge", units: ["SAP-NHAP"], into: "TIEP-NHAN" }], "bench:org-change");
    await server.core.units.apply(batch.id, "bench:org-change");
    const makeReq = requestMaker(dir, join(dataDir, "pki", "issuing.crt.pem"), serials[0]!);
    const reqs = serials.map(makeReq);
    // Every certificate has a cached "good" answer, as on a busy responder.
    for (const r of reqs) {
      const s = certStatus((await server.responder.respond(r)).body);
      if (s !== "good") throw new Error(`warm-up: OCSP said ${s}`);
    }
    const before = (await store.crls.latest(caId))?.crlNumber ?? 0;

    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const { run } = await server.portal.orgChanges.run({ cli: "bench:org-change" }, batch.id, { mode: "revoke" });
    if (run.state !== "finished" || run.done !== n || run.failed !== 0) throw new Error(`org-change run: ${run.state}, ${run.done} done, ${run.failed} failed of ${n}`);
    const revokedS = (performance.now() - t0) / 1000;
    // Clients ask concurrently (16 at a time, as in the OCSP benchmark); each answer is signed anew.
    let revokedAnswers = 0;
    let next = 0;
    await Promise.all(Array.from({ length: 16 }, async () => {
      for (let k = next++; k < reqs.length; k = next++) if (certStatus((await server.responder.respond(reqs[k]!)).body) === "revoked") revokedAnswers++;
    }));
    const ocspS = (performance.now() - t0) / 1000;
    if (revokedAnswers !== n) throw new Error(`OCSP answered revoked for ${revokedAnswers} of ${n}`);
    let crl = await store.crls.latest(caId);
    while (!crl || crl.crlNumber <= before || crl.entryCount < n) {
      await new Promise((r) => setTimeout(r, 20));
      crl = await store.crls.latest(caId);
    }
    const crlS = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const cpuS = (cpu.user + cpu.system) / 1e6;
    const audit = await server.core.auditLog.verify();
    if (!audit.intact) throw new Error(`audit chain broken after the run: ${audit.detail ?? audit.problem}`);
    const revokedNow = (await store.audit.forObject("unit_batch", String(batch.id))).some((e) => e.action === "org_change.run.finish");
    if (!revokedNow) throw new Error("the run's finish is not audited");
    must("openssl", ["crl", "-inform", "DER", "-in", join(dataDir, "pki", "issuing.crl"), "-noout", "-verify", "-CAfile", join(dataDir, "pki", "chain.pem")], dir);
    return { revokedS, ocspS, crlS, cpuS, auditEntries: audit.entries, totalS: Math.max(ocspS, crlS), crlEntries: crl.entryCount };
  } finally {
    await server.close();
  }
}

async function reference(dir: string, n: number) {
  const caDir = join(dir, "openssl");
  mkdirSync(join(caDir, "csr"), { recursive: true });
  const cnf = opensslCa(caDir);
  const files: string[] = [];
  for (let i = 0; i < SAMPLE; i++) {
    const f = join("csr", `${i}.csr`);
    writeFileSync(join(caDir, f), pem(await makeCsrDer(`Bench Merged ${i}`), "CERTIFICATE REQUEST"));
    files.push(f);
  }
  must("openssl", ["ca", "-batch", "-config", cnf, "-notext", "-out", "issued.pem", "-infiles", ...files], caDir);
  // The rest of the agency's certificates, so each -revoke rewrites an N-line index as it would.
  let pad = "";
  for (let i = SAMPLE; i < n; i++) pad += `V\t301231235959Z\t\t5E${i.toString(16).toUpperCase().padStart(12, "0")}\tunknown\t/CN=Bench Merged ${i}\n`;
  appendFileSync(join(caDir, "index.txt"), pad);
  const certs = readdirSync(join(caDir, "newcerts"));
  const t0 = performance.now();
  for (const c of certs) must("openssl", ["ca", "-config", cnf, "-revoke", join("newcerts", c), "-crl_reason", "affiliationChanged"], caDir);
  const loopS = (performance.now() - t0) / 1000;
  // Then every line revoked, and one CRL.
  const at = new Date().toISOString().replace(/^\d\d(\d\d)-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d).*$/, "$1$2$3$4$5$6Z");
  const index = readFileSync(join(caDir, "index.txt"), "utf8").replace(/^V\t(\S+)\t\t/gm, `R\t$1\t${at},affiliationChanged\t`);
  writeFileSync(join(caDir, "index.txt"), index);
  const gencrl = measure("openssl", ["ca", "-gencrl", "-config", cnf, "-out", "merged.crl", "-batch"], caDir);
  const listed = (must("openssl", ["crl", "-in", "merged.crl", "-noout", "-text"], caDir).match(/Serial Number:/g) ?? []).length;
  if (listed !== n) throw new Error(`openssl's CRL lists ${listed} of ${n}`);
  return { loopS, perRevokeMs: (loopS * 1000) / certs.length, gencrlS: gencrl.wallS, totalS: (loopS * n) / certs.length + gencrl.wallS };
}

async function main(): Promise<void> {
  const n = arg("certs", 10_000);
  const dir = mkdtempSync(join(tmpdir(), "chungthu-bench-massrev-"));
  try {
    const a = await ours(dir, n);
    const b = await reference(dir, n);
    const ratio = b.totalS / a.totalS;
    const N = n.toLocaleString("en-US");
    const md = [
      `### Mass revocation (${new Date().toISOString().slice(0, 16)} UTC)`,
      "",
      `Machine: ${machine()}. sqlite; P-256 CA on both sides.`,
      "",
      `| ${N} certificates of a merged agency | seconds from the first revocation |`,
      "|---|---:|",
      `| chungthu: org-change run of the merger (--mode revoke): all revoked, settled and audited | ${fmt(a.revokedS)} |`,
      `| chungthu: OCSP answers "revoked" for all ${N} (cache held "good" for each; 16 asked at a time) | ${fmt(a.ocspS)} |`,
      `| chungthu: a CRL with all ${N} published (debounce ${1} s included) | ${fmt(a.crlS)} |`,
      `| **chungthu total** (this process's CPU meanwhile: ${fmt(a.cpuS)} s) | **${fmt(a.totalS)}** |`,
      `| openssl ca -revoke: ${SAMPLE} on a ${N}-line index, ${fmt(b.perRevokeMs, 1)} ms each → ×${fmt(n / SAMPLE, 0)} | ${fmt((b.loopS * n) / SAMPLE)} |`,
      `| openssl ca -gencrl, ${N} revoked | ${fmt(b.gencrlS)} |`,
      `| **openssl total (extrapolated)** | **${fmt(b.totalS)}** |`,
      "",
      `Ratio ${fmt(ratio, 1)}× (openssl / chungthu); goal ≤10 s: ${a.totalS <= 10 ? "met" : "NOT met"}. The CRL was checked with openssl crl -verify, OCSP answered "revoked" for all ${N}, and the audit chain (${a.auditEntries.toLocaleString("en-US")} entries) verifies.`,
      "",
    ].join("\n");
    writeResult("mass-revocation", [
      { what: `Mass revocation, ${N} certificates, incl. CRL and OCSP`, ours: `${fmt(a.totalS)} s`, reference: `openssl ca -revoke ×${N} (extrapolated from ${SAMPLE}) + -gencrl: ${fmt(b.totalS)} s`, ratio: `${fmt(ratio, 1)}×`, goal: "≤10 s", met: a.totalS <= 10 },
    ], md);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
