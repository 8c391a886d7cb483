// `backup` while the server runs, wipe DATA_DIR and the database, `restore`,
// start again: the same certificates (serial and DER), the CRL number sequence
// continuing past the last published number, the same OCSP answers (openssl
// ocsp), the same figures, the audit chain intact (`audit verify`). On sqlite
// and PostgreSQL; refusals: a non-empty target without --force, a damaged archive.
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import knexFactory from "knex";
import type { CallContext } from "../../server/access/actor";
import { pem } from "../../server/ca/pki-files";
import { AccessFixture, seedAccessFixture } from "../support/access-fixture";
import { eventually, startTestServer, TestServer, TEST_PASSPHRASE, TEST_PUBLIC_URL } from "../support/app";
import { runCli } from "../support/cli";
import { makeCsr } from "../support/csr";
import { forEachDatabase } from "../support/databases";
import { opensslOk } from "../support/openssl";
import { opensslAsync } from "../support/openssl-async";
import { makeTempDir, removeTempDir } from "../support/tmp";

interface Figures {
  certificates: Array<{ serial: string; der: string; status: string }>;
  requests: Record<string, number>;
  counts: Record<string, number>;
  audit: { lastId: number; lastHash: string };
  crlNumber: number;
}

forEachDatabase("backup and restore", (db) => {
  let server: TestServer | null = null;
  let fx: AccessFixture;
  let dir: string;
  let archive: string;
  let original: Figures;
  /** The figures once the backup finished: certificates issued while it ran may or may not be in it. */
  let afterBackup: Figures;
  let ocspBefore: string;
  /** Issue 6's annual agency report for DEPT_A (the certificates issued during the backup belong to no unit, so it does not move). */
  let reportBefore: { totals: { issued: number }; sections: unknown };
  const agencyReport = async () => {
    const ctx: CallContext = { actor: { userId: fx.users.focal_a, username: "focal_a", displayName: "focal_a", roles: [{ role: "agency_focal_point", unitId: fx.units.DEPT_A }] }, requestId: null };
    const r = await server!.portal.reports.agency(ctx, { unit: fx.units.DEPT_A, year: new Date().getUTCFullYear() });
    return { totals: r.totals, sections: r.sections };
  };
  const certPaths: Record<"good" | "revoked", string> = { good: "", revoked: "" };
  const cliEnv = () => db.env({ CA_KEY_PASSPHRASE: TEST_PASSPHRASE, PUBLIC_URL: TEST_PUBLIC_URL, DEMO: "0" });

  /** What must survive, read straight from the database. */
  async function figures(): Promise<Figures> {
    const k = knexFactory(db.knexConfig());
    try {
      const certificates = (await k("certificates").select("serial", "cert_der", "status").whereNotNull("cert_der").orderBy("serial")).map(
        (r: { serial: string; cert_der: Buffer; status: string }) => ({ serial: r.serial, der: Buffer.from(r.cert_der).toString("base64"), status: r.status }),
      );
      const requests: Record<string, number> = {};
      const byState = (await k("requests").select("state").count({ n: "*" }).groupBy("state")) as Array<{ state: string; n: number | string }>;
      for (const r of byState) requests[r.state] = Number(r.n);
      const counts: Record<string, number> = {};
      for (const t of ["certificates", "revocations", "crls", "requests", "request_events", "subscribers", "units", "users", "tokens", "audit_log"]) {
        counts[t] = Number((await k(t).count({ n: "*" }))[0]!.n);
      }
      const head = await k("audit_log").select("id", "hash").orderBy("id", "desc").first();
      const issuing = await k("cas").where({ kind: "issuing", slug: "issuing" }).first("published_crl_number");
      return { certificates, requests, counts, audit: { lastId: Number(head.id), lastHash: head.hash }, crlNumber: Number(issuing.published_crl_number) };
    } finally {
      await k.destroy();
    }
  }

  /** openssl's answer for the two certificates, without the times that move (thisUpdate, nextUpdate). */
  async function ocspAnswer(): Promise<string> {
    const p = join(db.dataDir, "pki");
    const r = await opensslAsync(["ocsp", "-issuer", join(p, "issuing.crt.pem"), "-CAfile", join(p, "chain.pem"), "-url", `${server!.url}/ocsp`, "-cert", certPaths.good, "-cert", certPaths.revoked]);
    assert.match(r.stdout + r.stderr, /Response verify OK/);
    return r.stdout
      .split("\n")
      .filter((l) => /: (good|revoked|unknown)$|Reason:|Revocation Time:/.test(l))
      .map((l) => l.trim())
      .join("\n");
  }

  before(async function () {
    this.timeout(60_000);
    dir = makeTempDir("backup-");
    archive = join(dir, "chungthu-backup.tar.gz");
    server = await startTestServer(db);
    fx = await seedAccessFixture(server, db.dataDir);
    const { core, portal } = server;
    const focal: CallContext = { actor: { userId: fx.users.focal_a, username: "focal_a", displayName: "focal_a", roles: [{ role: "agency_focal_point", unitId: fx.units.DEPT_A }] }, requestId: null };
    const data = { fullName: "Nguyễn Văn Sao Lưu", nationalId: "099099012345", position: "Chuyên viên", email: "saoluu@thunghiem.gov.vn" };
    await portal.requests.create(focal, { type: "new_individual", unitId: fx.units.DEPT_A, data, csr: makeCsr(db.dataDir, "p256").pem, submit: true, source: "api" });
    await portal.requests.create(focal, { type: "new_individual", unitId: fx.units.DEPT_A, data: { ...data, nationalId: "099099012346" }, csr: makeCsr(db.dataDir, "p256").pem, source: "api" });
    await core.revocation.revoke({ serial: fx.certs.b, reason: "keyCompromise", actor: "test" });
    const issuing = (await core.keyRing.active("issuing"))!;
    await core.revocation.revoke({ serial: fx.certs.other, reason: "superseded", actor: "test" });
    await server.publisher.publish(issuing.record.id, "test");
    for (const [name, serial] of [["good", fx.certs.a], ["revoked", fx.certs.b]] as const) {
      const c = (await core.store.certificates.findBySerial(serial))!;
      certPaths[name] = join(dir, `${name}.pem`);
      writeFileSync(certPaths[name], pem("CERTIFICATE", c.certDer!));
    }
    // The debounced CRL rebuild after the revocations settles before the figures are taken.
    await eventually(async () => (await server!.core.store.cas.listActive()).some((c) => c.kind === "issuing" && c.publishedCrlNumber >= 2) && (await new Promise((r) => setTimeout(r, 300)), true), 10_000, "CRL rebuilt");
    ocspBefore = await ocspAnswer();
    reportBefore = await agencyReport();
    assert.ok(reportBefore.totals.issued >= 1, "the report counts DEPT_A's certificate");
    assert.match(ocspBefore, /good\.pem: good\n.*revoked\.pem: revoked\nReason: keyCompromise\nRevocation Time: /);
  });
  after(async () => {
    await server?.close();
    if (dir) removeTempDir(dir);
  });

  it("backs up while the server runs: one .tar.gz with a manifest and the SHA-256 of each part, CA key files sealed as they were", async function () {
    this.timeout(30_000);
    original = await figures();
    // Issuance goes on while the backup runs: the snapshot must hold each certificate whole or not at all.
    let done = false;
    const backup = runCli(["backup", "--out", archive], cliEnv()).finally(() => (done = true));
    let issued = 0;
    while (!done && issued < 80) {
      await server!.core.issuance.issue({ csr: makeCsr(db.dataDir, "p256").pem, profile: "individual", commonName: `Người Cấp Trong Lúc Sao Lưu ${issued}`, actor: "test" });
      issued++;
    }
    const r = await backup;
    assert.equal(r.status, 0, r.stderr);
    afterBackup = await figures();
    assert.ok(issued > 0, "certificates were issued while the backup ran");
    assert.match(r.stdout, new RegExp(`database: ${db.kind}`));
    const list = readdirSync(join(db.dataDir, "ca", "keys"));
    const names = execFileSync("tar", ["tzf", archive], { encoding: "utf8" }).trim().split("\n");
    assert.equal(names[0], "manifest.json");
    for (const k of list) assert.ok(names.includes(`data/ca/keys/${k}`), `${k} is in the archive`);
    assert.ok(names.includes(db.kind === "sqlite" ? "database/chungthu.sqlite" : "database/certificates.jsonl"));
    // The key files travel byte for byte: still sealed under CA_KEY_PASSPHRASE, nothing decrypted.
    const manifest = JSON.parse(execFileSync("tar", ["xzOf", archive, "manifest.json"], { encoding: "utf8" })) as { parts: Array<{ path: string; sha256: string }> };
    for (const k of list) {
      const part = manifest.parts.find((p) => p.path === `data/ca/keys/${k}`)!;
      assert.equal(part.sha256, createHash("sha256").update(readFileSync(join(db.dataDir, "ca", "keys", k))).digest("hex"));
    }
  });

  it("refuses to restore over a DATA_DIR and database in use without --force, and refuses a damaged archive", async function () {
    this.timeout(30_000);
    const damaged = join(dir, "damaged.tar.gz");
    const bytes = readFileSync(archive);
    bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
    writeFileSync(damaged, bytes);
    const [r, d] = await Promise.all([runCli(["restore", "--in", archive], cliEnv()), runCli(["restore", "--in", damaged, "--force"], cliEnv())]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /BACKUP_TARGET_NOT_EMPTY/);
    assert.equal(d.status, 1);
    assert.match(d.stderr, /BACKUP_INVALID/);
    assert.deepEqual((await figures()).certificates, afterBackup.certificates, "nothing was touched");
  });

  it("after a wipe, restores, and the restarted service has the same certificates, OCSP answers and figures; CRL numbers continue; the audit chain is intact", async function () {
    this.timeout(60_000);
    await server!.close();
    server = null;
    // The wipe: DATA_DIR emptied, the database gone.
    for (const n of readdirSync(db.dataDir)) rmSync(join(db.dataDir, n), { recursive: true, force: true });
    if (db.kind === "postgres") {
      const k = knexFactory(db.knexConfig());
      await k.raw("DROP SCHEMA public CASCADE; CREATE SCHEMA public");
      await k.destroy();
    }
    const r = await runCli(["restore", "--in", archive], cliEnv());
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /restored backup of/);

    server = await startTestServer(db);
    // `audit verify` from the command line, alongside the checks below (a CLI start costs seconds).
    const audit = runCli(["audit", "verify"], cliEnv());
    const restored = await figures();
    // Every certificate from before the backup, same serial and DER; of those issued during it, only whole ones.
    const issuedDer = new Map(afterBackup.certificates.map((c) => [c.serial, c.der]));
    const got = new Map(restored.certificates.map((c) => [c.serial, c.der]));
    for (const c of original.certificates) assert.equal(got.get(c.serial), c.der, `certificate ${c.serial}`);
    for (const c of restored.certificates) assert.equal(c.der, issuedDer.get(c.serial), `certificate ${c.serial} is one the service issued`);
    const during = restored.certificates.length - original.certificates.length;
    console.log(`      ${during} of ${afterBackup.certificates.length - original.certificates.length} certificates issued during the backup are in it`);
    assert.deepEqual(restored.requests, original.requests);
    assert.deepEqual(await agencyReport(), reportBefore, "the annual agency report's figures");
    for (const t of Object.keys(original.counts)) {
      // Issuance during the backup and the restart itself audit and publish; an issuance caught
      // half-way is a row without DER in the snapshot, marked failed at restart (server/ca/issuance-recovery.ts).
      if (t === "audit_log" || t === "crls" || t === "certificates") continue;
      assert.equal(restored.counts[t], original.counts[t], t);
    }
    const k = knexFactory(db.knexConfig());
    try {
      const entry = await k("audit_log").where({ id: original.audit.lastId }).first("hash");
      assert.equal(entry?.hash, original.audit.lastHash, "the audit chain carries on from the same entry");
    } finally {
      await k.destroy();
    }
    assert.equal(await ocspAnswer(), ocspBefore);

    const issuing = (await server.core.keyRing.active("issuing"))!;
    const crl = await server.publisher.publish(issuing.record.id, "test");
    assert.ok(crl.crlNumber > original.crlNumber, `CRL #${crl.crlNumber} after #${original.crlNumber}`);
    const der = Buffer.from(await (await fetch(`${server.url}/pki/crl/issuing.crl`)).arrayBuffer());
    const v = opensslOk(["crl", "-inform", "DER", "-CAfile", join(db.dataDir, "pki", "chain.pem"), "-noout", "-verify", "-text"], { input: der });
    assert.match(v.stderr + v.stdout, /verify OK/);
    assert.match(v.stdout, new RegExp(`X509v3 CRL Number: \\n\\s*${crl.crlNumber}\\b`));
    assert.match(v.stdout, new RegExp(`Serial Number: ${fx.certs.b}`, "i"));

    const verified = await audit;
    assert.equal(verified.status, 0, verified.stderr);
    assert.match(verified.stdout, /audit chain intact/);
  });
});
