// Set-based revocation (revokeManyWithin, what a merger batch and a leaver
// use), on sqlite and PostgreSQL: a set is revoked with one audit entry per
// certificate, consecutive in a chain that still verifies, and feed rows in
// input order; one refusal rolls the whole set back; onlyValid skips what is
// no longer valid. After the announcement the OCSP responder, whose cache
// held "good" for each, answers "revoked" (read by openssl) without reading
// the database again: the answers were signed anew from the revocations.
import { strict as assert } from "node:assert";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { AppError } from "../../server/errors/app-error";
import type { RevocationNotice } from "../../server/ra/revocation-service";
import { eventually, startTestServer, type TestServer } from "../support/app";
import { makeCsr } from "../support/csr";
import { forEachDatabase } from "../support/databases";
import { opensslOk } from "../support/openssl";

const ACTOR = "test:revoke-many";

forEachDatabase("set-based revocation", (db) => {
  let server: TestServer;
  const heard: RevocationNotice[] = [];
  let announcements = 0;

  before(async function () {
    this.timeout(60_000);
    server = await startTestServer(db);
    server.core.onRevoked((notices) => {
      announcements++;
      heard.push(...notices);
    });
  });
  after(async () => server?.close());

  let k = 0;
  const issue = async () =>
    (await server.core.issuance.issue({ csr: makeCsr(db.dataDir, "p256").pem, profile: "individual", commonName: `Nguyễn Văn Tập ${++k}`, organization: "UBND tỉnh Thử Nghiệm", actor: ACTOR, unitId: null })).serial;
  const issueMany = async (n: number) => {
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(await issue());
    return out;
  };

  async function refusedWith(p: Promise<unknown>, code: string): Promise<void> {
    await assert.rejects(p, (e: unknown) => e instanceof AppError && e.code === code);
  }

  it("revokes a set with one audit entry each, consecutive in a chain that verifies, and feed rows in input order", async function () {
    this.timeout(60_000);
    const { store, revocation, auditLog } = server.core;
    const serials = await issueMany(6);
    const headBefore = await store.audit.head();
    const feedBefore = await store.certificates.maxRevocationId();
    heard.length = 0;
    const notices = await store.transaction((tx) =>
      revocation.revokeManyWithin(tx, serials.map((serial) => ({ serial, reason: "affiliationChanged" as const, actor: ACTOR, details: { trigger: "organisation_merged", batchId: 7 } }))),
    );
    assert.deepEqual(notices.map((n) => n.serial), serials);
    assert.ok(notices.every((n) => n.reason === 3 && n.revokedAt.getMilliseconds() === 0 && n.caId === notices[0]!.caId));
    assert.equal(heard.length, 0, "nothing announced before announce()");

    const entries = (await store.audit.recent(20)).filter((e) => e.id > headBefore.lastId).reverse();
    assert.deepEqual(entries.map((e) => [e.action, e.objectId, e.details?.reason, e.details?.trigger]), serials.map((s) => ["cert.revoke", s, "affiliationChanged", "organisation_merged"]));
    assert.deepEqual(entries.map((e) => e.id), serials.map((_, i) => headBefore.lastId + 1 + i), "consecutive links");
    assert.equal(entries[0]!.prevHash, headBefore.lastHash);
    entries.slice(1).forEach((e, i) => assert.equal(e.prevHash, entries[i]!.hash));
    const verified = await auditLog.verify();
    assert.ok(verified.intact, verified.detail);

    const feed = await store.certificates.revocationsAfter(feedBefore, 100);
    assert.deepEqual(feed.map((e) => e.serial), serials);
    for (const s of serials) {
      const c = (await store.certificates.findBySerial(s))!;
      assert.equal(c.status, "revoked");
      assert.equal(c.revocationReason, 3);
    }
    const before = announcements;
    revocation.announce(notices);
    assert.deepEqual(heard.map((n) => n.serial), serials);
    assert.equal(announcements - before, 1, "a set is one announcement");
  });

  it("one certificate that cannot be revoked rolls the whole set back; onlyValid revokes the rest and skips it", async function () {
    this.timeout(60_000);
    const { store, revocation } = server.core;
    const [a, b, gone] = await issueMany(3);
    await revocation.revoke({ serial: gone!, reason: "superseded", actor: ACTOR });
    // Counted per certificate, not by the chain's head: the CRL rebuild that revoking `gone`
    // set off appends its own entry to the chain at a moment of its choosing.
    const revokeEntries = async (serial: string) => (await store.audit.forObject("certificate", serial)).filter((e) => e.action === "cert.revoke" && e.outcome === "ok").length;
    const set = (serials: string[]) => serials.map((serial) => ({ serial, reason: "cessationOfOperation" as const, actor: ACTOR }));

    await refusedWith(store.transaction((tx) => revocation.revokeManyWithin(tx, set([a!, gone!, b!]))), "CERT_ALREADY_REVOKED");
    await refusedWith(store.transaction((tx) => revocation.revokeManyWithin(tx, set([a!, "7e57000000000000000000000001"]))), "CERT_NOT_FOUND");
    await refusedWith(store.transaction((tx) => revocation.revokeManyWithin(tx, set([a!, a!]))), "CERT_ALREADY_REVOKED");
    await refusedWith(store.transaction((tx) => revocation.revokeManyWithin(tx, set([a!, "not hex"]))), "INPUT_INVALID");
    for (const s of [a!, b!]) assert.equal((await store.certificates.findBySerial(s))!.status, "valid", "rolled back");
    for (const s of [a!, b!]) assert.equal(await revokeEntries(s), 0, "no audit entry survives a rollback");

    const notices = await store.transaction((tx) => revocation.revokeManyWithin(tx, set([a!, gone!, "7e57000000000000000000000001", b!]), { onlyValid: true }));
    assert.deepEqual(notices.map((n) => n.serial), [a, b]);
    assert.equal((await store.certificates.findBySerial(gone!))!.revocationReason, 4, "the earlier revocation stands");
    assert.deepEqual([await revokeEntries(a!), await revokeEntries(b!), await revokeEntries(gone!)], [1, 1, 1], "entries for the revoked two only");
    revocation.announce(notices);
  });

  it("OCSP answers revoked for every cached certificate after the announcement, signed from the revocations (no status read)", async function () {
    this.timeout(60_000);
    const { store, revocation } = server.core;
    const serials = await issueMany(4);
    const pki = join(db.dataDir, "pki");
    const requests = serials.map((s, i) => {
      const path = join(db.dataDir, `many-${i}.req`);
      opensslOk(["ocsp", "-issuer", join(pki, "issuing.crt.pem"), "-serial", `0x${s}`, "-no_nonce", "-reqout", path]);
      return readFileSync(path);
    });
    const respPath = join(db.dataDir, "many.resp");
    const statusOf = (body: Buffer) => {
      writeFileSync(respPath, body);
      // openssl checks the signature and the responder's chain too: the re-signed answers are real ones.
      const r = opensslOk(["ocsp", "-respin", respPath, "-resp_text", "-CAfile", join(pki, "chain.pem")]);
      assert.match(r.stderr + r.stdout, /Response verify OK/);
      return /Cert Status: (\w+)/.exec(r.stdout)?.[1];
    };
    for (const r of requests) assert.equal(statusOf((await server.responder.respond(r)).body), "good");
    const cached = server.responder.cacheSize();

    // From here on, count the responder's status reads.
    const certificates = store.certificates;
    const ocspStatus = certificates.ocspStatus.bind(certificates);
    let reads = 0;
    certificates.ocspStatus = async (caId, serial) => {
      if (serials.includes(serial)) reads++;
      return ocspStatus(caId, serial);
    };
    try {
      const notices = await store.transaction((tx) => revocation.revokeManyWithin(tx, serials.map((serial) => ({ serial, reason: "affiliationChanged" as const, actor: ACTOR }))));
      revocation.announce(notices);
      await eventually(async () => {
        for (const r of requests) if (statusOf((await server.responder.respond(r)).body) !== "revoked") return false;
        return true;
      }, 5_000, "OCSP revoked for all");
      assert.equal(reads, 0, "the revoked answers were signed from the revocations, not read back");
      assert.equal(server.responder.cacheSize(), cached, "the re-signed answers replace the good ones in the cache");
    } finally {
      certificates.ocspStatus = ocspStatus;
    }
  });
});
