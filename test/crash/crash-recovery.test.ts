// SIGKILL at random points (a fixed seed) while a real server process issues
// through the request workflow and directly, revokes and publishes CRLs; after
// each kill the service restarts on the same database and must be whole: no
// signed certificate the database does not know, nothing pending, no request
// stuck in "approved", the current CRL listing exactly the revocations of the
// database (openssl), CRL numbers never reused, OCSP answers (openssl, through
// the restarted responder) matching the database, the audit chain intact.
import { strict as assert } from "node:assert";
import { X509Certificate } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Actor, CallContext } from "../../server/access/actor";
import { forEachDatabase } from "../support/databases";
import { opensslAsync } from "../support/openssl-async";
import type { TestServer } from "../support/app";
import { prng, type CrashFixture, type Outcome } from "../support/crash-protocol";
import { exited, lookAt, normSerial, prepareDatabase, ready, restart, spawnChild } from "./crash-fixture";

const ROUNDS = 4;
const SEED = 20261123;

interface CertRow {
  serial: string;
  ca_id: number;
  status: string;
  cert_der: Buffer | null;
}

forEachDatabase("crash recovery (SIGKILL during issuance, revocation, CRL publication)", (db) => {
  let fx: CrashFixture;
  const outFile = () => join(db.dataDir, "crash-outcomes.jsonl");

  before(async function () {
    this.timeout(60_000);
    fx = await prepareDatabase(db);
  });

  it(`${ROUNDS} rounds of kill -9 after 50–800 ms leave the database, the CRL and OCSP consistent`, async function () {
    this.timeout(120_000);
    const rand = prng(SEED);
    const seenCrls = new Map<string, string>(); // `${caId}#${number}` → sha256: a number is never given to another CRL
    let lastCurrent = 0;
    const pki = join(db.dataDir, "pki");
    for (let round = 1; round <= ROUNDS; round++) {
      const child = spawnChild(db, fx, { CRASH_MODE: "loop", CRASH_OUT: outFile(), CRASH_SEED: String(SEED + round) });
      await ready(child);
      const delay = 50 + Math.floor(rand() * 750);
      await new Promise((r) => setTimeout(r, delay));
      assert.equal(child.exitCode, null, `the child stopped by itself:\n${child.output()}`);
      child.kill("SIGKILL");
      assert.equal((await exited(child)).signal, "SIGKILL");

      const server = await restart(db);
      const look = lookAt(db);
      try {
        const where = `round ${round} (killed after ${delay} ms)`;
        const certs = (await look("certificates").select("serial", "ca_id", "status", "cert_der")) as CertRow[];
        const bySerial = new Map(certs.map((c) => [c.serial, c]));
        const cas = (await look("cas").select("id", "slug", "kind", "cert_der", "crl_number", "published_crl_number")) as Array<{ id: number; slug: string; kind: string; cert_der: Buffer; crl_number: number; published_crl_number: number }>;
        const caCert = new Map(cas.map((c) => [c.id, new X509Certificate(c.cert_der)]));

        // 1. Nothing pending; every signed certificate in the database verifies under its CA and is valid or revoked.
        for (const c of certs) {
          assert.notEqual(c.status, "pending", `${where}: ${c.serial} still pending after recovery`);
          if (c.status === "failed") {
            assert.equal(c.cert_der, null, `${where}: a failed row holds a certificate`);
            continue;
          }
          const x = new X509Certificate(c.cert_der!);
          assert.ok(x.verify(caCert.get(c.ca_id)!.publicKey), `${where}: ${c.serial} does not verify under its CA`);
          assert.equal(normSerial(x.serialNumber), normSerial(c.serial));
        }
        // 2. Everything the child got back is in the database, as it was handed out.
        // One write() per line, so a kill cannot cut one; a line without its newline was not yet reported anyway.
        const lines = existsSync(outFile()) ? readFileSync(outFile(), "utf8").split("\n") : [];
        const outcomes = lines.slice(0, -1).map((l) => JSON.parse(l) as Outcome);
        if (process.env.CRASH_VERBOSE) {
          const recovered = server.logs.filter((l) => /interrupted|republished|half-written/.test(l));
          console.log(`      ${where}: ${outcomes.length} outcomes in all; ${recovered.join(" ") || "nothing to recover"}`);
        }
        for (const o of outcomes) {
          if (o.kind === "cert") {
            const row = bySerial.get(o.serial);
            assert.ok(row && ["valid", "revoked"].includes(row.status), `${where}: certificate ${o.serial} handed out but ${row?.status ?? "absent"} in the database`);
            assert.equal(Buffer.from(row.cert_der!).toString("base64"), o.der);
          } else if (o.kind === "revoked") {
            assert.equal(bySerial.get(o.serial)?.status, "revoked", `${where}: revocation of ${o.serial} reported but not stored`);
          } else {
            assert.ok(await look("crls").where({ ca_id: o.caId, crl_number: o.crlNumber }).first(), `${where}: CRL #${o.crlNumber} reported but not registered`);
          }
        }
        // 3. No request left in "approved"; every completed one holds its certificate.
        const requests = (await look("requests").select("id", "state", "result_serial", "last_error")) as Array<{ id: number; state: string; result_serial: string | null; last_error: string | null }>;
        assert.deepEqual(requests.filter((r) => r.state === "approved").map((r) => r.id), [], `${where}: requests stuck in approved`);
        for (const r of requests.filter((x) => x.state === "completed")) {
          assert.ok(["valid", "revoked"].includes(bySerial.get(r.result_serial ?? "")?.status ?? ""), `${where}: request ${r.id} completed without its certificate`);
        }
        // …and those waiting for the CA (put back by recovery, or killed before their approval) can be approved now.
        const operator: CallContext = { actor: { userId: fx.users.operator, username: "operator", displayName: "operator", roles: [{ role: "ca_operator", unitId: null }] } as Actor, requestId: "crash-test" };
        for (const waiting of requests.filter((r) => r.state === "forwarded")) {
          const done = await server.portal.requests.act(operator, waiting.id, "approve");
          assert.equal(done.state, "completed", `${where}: request ${waiting.id} cannot go forward`);
        }

        // 4. CRL numbers: unique, never handed to a second CRL, never behind what was allocated; the current one never goes back.
        const crls = (await look("crls").select("ca_id", "crl_number", "sha256")) as Array<{ ca_id: number; crl_number: number; sha256: string }>;
        for (const c of crls) {
          const key = `${c.ca_id}#${c.crl_number}`;
          assert.equal(seenCrls.get(key) ?? c.sha256, c.sha256, `${where}: CRL number ${key} reused`);
          seenCrls.set(key, c.sha256);
        }
        const issuing = cas.find((c) => c.kind === "issuing" || c.slug === "issuing")!;
        const freshCas = (await look("cas").select("id", "crl_number", "published_crl_number")) as Array<{ id: number; crl_number: number; published_crl_number: number }>;
        for (const ca of freshCas) {
          const max = Math.max(0, ...crls.filter((c) => c.ca_id === ca.id).map((c) => Number(c.crl_number)));
          assert.ok(Number(ca.crl_number) >= max, `${where}: CA ${ca.id} allocated ${ca.crl_number} but CRL #${max} exists`);
        }
        const current = Number(freshCas.find((c) => c.id === issuing.id)!.published_crl_number);
        assert.ok(current >= lastCurrent, `${where}: the current CRL went back from #${lastCurrent} to #${current}`);
        lastCurrent = current;

        // 5. The current CRL of each CA (served over HTTP, checked by openssl) lists exactly the database's revoked serials.
        for (const ca of cas.filter((c) => c.kind !== "ocsp")) {
          const res = await fetch(`${server.url}/pki/crl/${ca.slug}.crl`);
          assert.equal(res.status, 200, `${where}: no CRL for ${ca.slug}`);
          const text = await opensslAsync(["crl", "-inform", "DER", "-CAfile", join(pki, "chain.pem"), "-noout", "-text"], { input: Buffer.from(await res.arrayBuffer()) });
          assert.match(text.stderr + text.stdout, /verify OK/, `${where}: ${text.stderr}`);
          const listed = [...text.stdout.matchAll(/Serial Number: ([0-9A-F]+)/g)].map((m) => normSerial(m[1]!)).sort();
          const revoked = certs.filter((c) => c.ca_id === ca.id && c.status === "revoked").map((c) => normSerial(c.serial)).sort();
          assert.deepEqual(listed, revoked, `${where}: CRL of ${ca.slug} differs from the database`);
          const number = Number(/X509v3 CRL Number:\s*\n\s*(\d+)/.exec(text.stdout)?.[1]);
          if (ca.id === issuing.id) assert.equal(number, current, `${where}: the CRL served is not the current one`);
        }

        // 6. OCSP through the restarted responder, for every certificate of the issuing CA, in one request.
        await ocspMatches(server, certs.filter((c) => c.ca_id === issuing.id), pki, where);

        // 7. The audit chain has no half-appended entry: every hash links (an append is inside its transaction).
        const chain = await server.core.auditLog.verify();
        assert.ok(chain.intact, `${where}: audit chain broken at entry ${chain.firstBrokenEntryId}`);
      } finally {
        await look.destroy();
        await server.close();
      }
    }
    assert.ok(seenCrls.size > 0);
  });
});

async function ocspMatches(server: TestServer, certs: CertRow[], pki: string, where: string): Promise<void> {
  const args = ["ocsp", "-issuer", join(pki, "issuing.crt.pem"), "-CAfile", join(pki, "chain.pem"), "-url", `${server.url}/ocsp`, "-no_nonce"];
  for (const c of certs) args.push("-serial", `0x${c.serial}`);
  const r = await opensslAsync(args);
  assert.match(r.stderr + r.stdout, /Response verify OK/, `${where}: ${r.stderr}`);
  for (const c of certs) {
    const m = new RegExp(`^0x${c.serial}: (\\w+)`, "mi").exec(r.stdout);
    const want = c.status === "valid" ? "good" : c.status === "revoked" ? "revoked" : "unknown";
    assert.equal(m?.[1], want, `${where}: OCSP says ${m?.[1]} for ${c.status} ${c.serial}`);
  }
}
