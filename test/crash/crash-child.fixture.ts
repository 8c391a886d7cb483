// A chungthu server process for the crash and cross-process tests: it starts
// the real service on DATA_DIR/DATABASE_URL, then either loops issuing (through
// the request workflow and directly), revoking and publishing CRLs until it is
// killed ("loop"), or performs what the parent tells it over IPC at a given
// instant ("race"). Everything it got back is appended (fsync'd) to CRASH_OUT
// before it goes on, so the parent knows what a client may have seen.
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { fsyncSync, openSync, writeSync } from "node:fs";
import { webcrypto } from "node:crypto";
import type { Actor, CallContext } from "../../server/access/actor";
import type { Role } from "../../server/access/roles";
import { loadConfig } from "../../server/config/load-config";
import { isAppError } from "../../server/errors/app-error";
import { startServer, type RunningServer } from "../../server/server";
import { prng, type CrashFixture, type Outcome, type RaceCommand, type RaceReply } from "../support/crash-protocol";

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

function ctxOf(userId: number, username: string, role: Role, unitId: number | null): CallContext {
  const actor: Actor = { userId, username, displayName: username, roles: [{ role, unitId }] };
  return { actor, requestId: `crash-${process.pid}-${username}` };
}

async function newCsr(): Promise<Buffer> {
  const alg = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
  const keys = (await webcrypto.subtle.generateKey(alg, false, ["sign", "verify"])) as unknown as CryptoKeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: "CN=crash", keys, signingAlgorithm: alg });
  return Buffer.from(csr.rawData);
}

function recorder(path: string) {
  const fd = openSync(path, "a");
  return (o: Outcome) => {
    writeSync(fd, JSON.stringify(o) + "\n");
    fsyncSync(fd);
  };
}

/**
 * Three lanes at once, as a busy server has: the request workflow, direct
 * issuance with revocations, CRL publication. Whenever the kill comes, some
 * step of each is likely in flight.
 */
async function loop(server: RunningServer, fx: CrashFixture, seed: number, record: (o: Outcome) => void): Promise<void> {
  const rand = prng(seed);
  const focal = ctxOf(fx.users.focal_a, "focal_a", "agency_focal_point", fx.units.DEPT_A);
  const officer = ctxOf(fx.users.provincial, "provincial", "provincial_officer", fx.units.PROV);
  const operator = ctxOf(fx.users.operator, "operator", "ca_operator", null);
  const { core, publisher, portal } = server;
  const issuing = (await core.keyRing.active("issuing"))!;
  const mine: string[] = [];
  const requests = async () => {
    for (;;) {
      // File, forward, approve (claim → issue → complete).
      const nid = String(Math.floor(rand() * 1e11)).padStart(12, "0");
      const r = await portal.requests.create(focal, { type: "new_individual", unitId: fx.units.DEPT_A, source: "api", submit: true, data: { fullName: "Đỗ Văn Sập", nationalId: nid, position: "Chuyên viên", email: `sap${nid}@thunghiem.gov.vn` }, csr: await newCsr() });
      await portal.requests.act(officer, r.id, "forward");
      const done = await portal.requests.act(operator, r.id, "approve");
      const cert = (await core.store.certificates.findBySerial(done.resultSerial!))!;
      record({ kind: "cert", serial: cert.serial, der: cert.certDer!.toString("base64"), requestId: r.id });
      mine.push(cert.serial);
    }
  };
  const issueAndRevoke = async () => {
    for (let i = 0; ; i++) {
      const issued = await core.issuance.issue({ csr: await newCsr(), profile: "individual", commonName: `Lê Thị Mất Điện ${i}`, actor: "test:crash" });
      record({ kind: "cert", serial: issued.serial, der: issued.certDer.toString("base64"), requestId: null });
      mine.push(issued.serial);
      if (rand() < 0.6) {
        const serial = mine.splice(Math.floor(rand() * mine.length), 1)[0]!;
        await core.revocation.revoke({ serial, reason: rand() < 0.5 ? "keyCompromise" : "superseded", actor: "test:crash" });
        record({ kind: "revoked", serial });
      }
    }
  };
  const publish = async () => {
    for (;;) {
      const crl = await publisher.publish(issuing.record.id, "test:crash");
      record({ kind: "crl", caId: crl.caId, crlNumber: crl.crlNumber });
      await new Promise((r) => setTimeout(r, Math.floor(rand() * 600)));
    }
  };
  await Promise.all([requests(), issueAndRevoke(), publish()]);
}

async function race(server: RunningServer, fx: CrashFixture): Promise<void> {
  const operator = ctxOf(fx.users.operator, "operator", "ca_operator", null);
  const issuing = (await server.core.keyRing.active("issuing"))!;
  const run = async (c: Exclude<RaceCommand, { op: "exit" }>): Promise<string | number | null> => {
    if (c.op === "approve") return (await server.portal.requests.act(operator, c.requestId, "approve")).resultSerial;
    if (c.op === "revoke") return (await server.core.revocation.revoke({ serial: c.serial, reason: "keyCompromise", actor: `test:race-${process.pid}` })).serial;
    return (await server.publisher.publish(issuing.record.id, `test:race-${process.pid}`)).crlNumber;
  };
  process.on("message", (c: RaceCommand) => {
    if (c.op === "exit") {
      void server.close().then(() => process.exit(0));
      return;
    }
    // Both processes start at the same wall-clock instant.
    setTimeout(() => {
      run(c).then(
        (value) => process.send!({ ok: true, value } satisfies RaceReply),
        (e: unknown) => process.send!({ ok: false, code: isAppError(e) ? e.code : `INTERNAL ${(e as Error).message}` } satisfies RaceReply),
      );
    }, Math.max(0, c.at - Date.now()));
  });
}

async function main(): Promise<void> {
  const env = process.env;
  const base = loadConfig({ env, cwd: env.DATA_DIR! });
  // The production CRL debounce: a revocation waits for its CRL, as it would in service, so kills land in between.
  const config = { ...base, ocsp: { ...base.ocsp, pollIntervalMs: 100 } };
  const fx = JSON.parse(env.CRASH_FIXTURE!) as CrashFixture;
  const mode = env.CRASH_MODE ?? "loop";
  const server = await startServer(config, { log: () => undefined, background: mode === "loop" });
  if (mode === "race") {
    await race(server, fx);
    process.send!("ready");
    return;
  }
  const record = recorder(env.CRASH_OUT!);
  process.stdout.write("ready\n");
  await loop(server, fx, Number(env.CRASH_SEED ?? 1), record);
}

main().catch((e: unknown) => {
  // Exit once the message is out: writes to a pipe are asynchronous.
  process.stderr.write(`crash-child: ${(e as Error).stack ?? String(e)}\n`, () => process.exit(3));
});
