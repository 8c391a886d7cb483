// Revocation inside a caller's transaction (revokeWithin + announce), on sqlite
// and PostgreSQL: several certificates revoked with the caller's own writes in
// one transaction; a refusal midway rolls every one of them back; nothing is
// announced to the publishers before the commit; OCSP answers revoked once
// announced; revoke() keeps working and still audits its refusals.
import { strict as assert } from "node:assert";
import { forEachDatabase } from "../support/databases";
import { eventually, startTestServer, TestServer } from "../support/app";
import { makeCsr } from "../support/csr";
import { AppError } from "../../server/errors/app-error";
import type { RevocationNotice } from "../../server/ra/revocation-service";
import type { CrlReasonName } from "../../server/ra/revocation-reasons";

const ACTOR = "test:revoke-within";

forEachDatabase("revocation within a caller's transaction", (db) => {
  let server: TestServer;
  const heard: RevocationNotice[] = [];

  before(async function () {
    this.timeout(60_000);
    server = await startTestServer(db);
    server.core.onRevoked((notices) => heard.push(...notices));
  });
  after(async () => server?.close());

  const issue = async (cn: string) =>
    (await server.core.issuance.issue({ csr: makeCsr(db.dataDir, "p256").pem, profile: "individual", commonName: cn, organization: "UBND tỉnh Thử Nghiệm", email: "thu@thunghiem.gov.vn", actor: ACTOR, unitId: null })).serial;

  async function refusedWith(p: Promise<unknown>, code: string): Promise<AppError> {
    try {
      await p;
    } catch (e) {
      assert.ok(e instanceof AppError, `expected AppError, got ${String(e)}`);
      assert.equal(e.code, code, e.message);
      return e;
    }
    assert.fail(`expected ${code}`);
  }

  it("revokes several certificates with the caller's writes in one transaction, and announces only when told", async function () {
    this.timeout(30_000);
    const { store, revocation } = server.core;
    const [s1, s2] = [await issue("Nguyễn Văn Một"), await issue("Trần Thị Hai")];
    heard.length = 0;
    const notices = await store.transaction(async (tx) => {
      const out: RevocationNotice[] = [];
      for (const serial of [s1, s2]) out.push(await revocation.revokeWithin(tx, { serial, reason: "keyCompromise", actor: ACTOR, details: { trigger: "token_lost", tokenId: 7 } }));
      return out;
    });
    assert.deepEqual(notices.map((n) => n.serial), [s1, s2]);
    assert.ok(notices.every((n) => n.reason === 1 && n.revokedAt.getMilliseconds() === 0));
    assert.equal(heard.length, 0, "nothing announced before announce()");
    for (const s of [s1, s2]) {
      const c = (await store.certificates.findBySerial(s))!;
      assert.equal(c.status, "revoked");
      assert.equal(c.revocationReason, 1);
      const [entry] = (await store.audit.forObject("certificate", s)).filter((e) => e.action === "cert.revoke");
      assert.equal(entry!.outcome, "ok");
      assert.equal(entry!.details?.trigger, "token_lost");
      assert.equal(entry!.details?.reason, "keyCompromise");
    }
    revocation.announce(notices);
    assert.deepEqual(heard.map((n) => n.serial), [s1, s2]);
    const caId = notices[0]!.caId;
    await eventually(async () => (await store.certificates.ocspStatus(caId, s2))?.status === "revoked", 2_000, "OCSP status revoked");
  });

  it("rolls every revocation of the transaction back when one is refused midway; the caller audits the refusal", async function () {
    this.timeout(30_000);
    const { store, revocation } = server.core;
    const [ok1, gone] = [await issue("Lê Văn Ba"), await issue("Phạm Thị Bốn")];
    await revocation.revoke({ serial: gone, reason: "superseded", actor: ACTOR });
    heard.length = 0;
    const e = await refusedWith(
      store.transaction(async (tx) => {
        await revocation.revokeWithin(tx, { serial: ok1, reason: "keyCompromise", actor: ACTOR });
        await revocation.revokeWithin(tx, { serial: gone, reason: "keyCompromise", actor: ACTOR });
      }),
      "CERT_ALREADY_REVOKED",
    );
    await revocation.auditRefusal({ serial: gone, actor: ACTOR }, e);
    assert.equal((await store.certificates.findBySerial(ok1))!.status, "valid", "the first revocation rolled back");
    assert.equal((await store.audit.forObject("certificate", ok1)).filter((x) => x.action === "cert.revoke").length, 0, "its audit entry rolled back too");
    const refusals = (await store.audit.forObject("certificate", gone)).filter((x) => x.outcome === "refused");
    assert.equal(refusals.length, 1);
    assert.equal(refusals[0]!.details?.code, "CERT_ALREADY_REVOKED");
    assert.equal((await store.certificates.findBySerial(gone))!.revocationReason, 4, "the earlier reason stands");
    assert.equal(heard.length, 0);
  });

  it("refuses what revoke() refuses: certificateHold, unknown reasons, unknown or malformed serials, future invalidity dates", async () => {
    const { store, revocation } = server.core;
    const serial = await issue("Hoàng Văn Năm");
    const within = (reason: string, s = serial, invalidityDate: Date | null = null) =>
      store.transaction((tx) => revocation.revokeWithin(tx, { serial: s, reason: reason as CrlReasonName, actor: ACTOR, invalidityDate }));
    await refusedWith(within("certificateHold"), "REASON_INVALID");
    await refusedWith(within("removeFromCRL"), "REASON_INVALID");
    await refusedWith(within("keyCompromise", "abcdef0123"), "CERT_NOT_FOUND");
    await refusedWith(within("keyCompromise", "xyz"), "INPUT_INVALID");
    await refusedWith(within("keyCompromise", serial, new Date(Date.now() + 86_400_000)), "INPUT_INVALID");
    assert.equal((await store.certificates.findBySerial(serial))!.status, "valid");
  });

  it("revoke() still revokes in its own transaction, announces, and audits its refusals", async () => {
    const { store, revocation } = server.core;
    const serial = await issue("Vũ Thị Sáu");
    heard.length = 0;
    const n = await revocation.revoke({ serial, reason: "cessationOfOperation", actor: ACTOR });
    assert.equal(n.reason, 5);
    assert.deepEqual(heard.map((h) => h.serial), [serial]);
    await refusedWith(revocation.revoke({ serial, reason: "keyCompromise", actor: ACTOR }), "CERT_ALREADY_REVOKED");
    await refusedWith(revocation.revoke({ serial: "zz", reason: "keyCompromise", actor: ACTOR }), "INPUT_INVALID");
    const entries = (await store.audit.forObject("certificate", serial)).filter((x) => x.action === "cert.revoke");
    assert.deepEqual(entries.map((x) => x.outcome).sort(), ["ok", "refused"]);
    assert.equal(heard.length, 1);
  });
});
