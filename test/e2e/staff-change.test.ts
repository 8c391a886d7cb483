// Staff transfer and leaving the state sector (issue 5), on sqlite and
// PostgreSQL: the preview lists every effect and execution does exactly that,
// item by item in the database (subscriber, certificate and token units; the
// change-of-information request; revocations in the revocations table that OCSP
// and the CRL read; token-return tasks due in 5 working days on the holiday
// calendar); a stale preview is refused; a focal point of another agency can
// neither see nor transfer someone not theirs (404, audited, nothing changed).
import { strict as assert } from "node:assert";
import type { CallContext } from "../../server/access/actor";
import { AppError } from "../../server/errors/app-error";
import { CrlReason } from "../../server/ra/revocation-reasons";
import type { StaffChangePreview } from "../../server/ra/staff-change";
import { startTestServer, type TestServer } from "../support/app";
import { PASSWORD, seedAccessFixture, type AccessFixture } from "../support/access-fixture";
import { forEachDatabase } from "../support/databases";
import { WebClient } from "../support/web-client";
import { actorOf, addPerson, shiftedClock, TODAY, TOKEN_RETURN_DUE } from "./staff-change-fixture";

forEachDatabase("staff change: transfer and leaving", (db) => {
  let server: TestServer;
  let fx: AccessFixture;
  let focalA: CallContext;

  before(async function () {
    this.timeout(60_000);
    server = await startTestServer(db, {}, shiftedClock);
    fx = await seedAccessFixture(server, db.dataDir);
    focalA = { actor: actorOf(fx.users.focal_a, "focal_a", "agency_focal_point", fx.units.DEPT_A), requestId: null };
  });
  after(async () => server?.close());

  async function refusedWith(p: Promise<unknown>, code: string): Promise<AppError> {
    try {
      await p;
    } catch (e) {
      assert.ok(e instanceof AppError, String(e));
      assert.equal(e.code, code, e.message);
      return e;
    }
    assert.fail(`expected ${code}`);
  }

  const keyed = (p: StaffChangePreview) => p.effects.map((e) => `${e.objectKind}:${e.objectId}:${e.action}:${e.fromUnitId}->${e.toUnitId}`);

  it("transfer: the preview's effects are exactly what is executed (subscriber, certificate and token move; a change request per certificate; the certificate stays valid)", async function () {
    this.timeout(30_000);
    const { store } = server.core;
    const p = await addPerson(server, db.dataDir, fx.units.COMMUNE_A1, "Đỗ Thị Chuyển");
    const preview = await server.portal.staffChanges.preview(focalA, p.subscriberId, { kind: "transfer", toUnitId: fx.units.DEPT_B });
    assert.deepEqual(keyed(preview), [
      `subscriber:${p.subscriberId}:move:${fx.units.COMMUNE_A1}->${fx.units.DEPT_B}`,
      `cert:${p.serials[0]}:rehome_change:${fx.units.COMMUNE_A1}->${fx.units.DEPT_B}`,
      `token:${p.tokenId}:rehome:${fx.units.COMMUNE_A1}->${fx.units.DEPT_B}`,
    ]);
    assert.equal(preview.reason, "affiliationChanged");
    // Previewing changes nothing.
    assert.equal((await store.subscribers.findById(p.subscriberId))!.unitId, fx.units.COMMUNE_A1);

    const done = await server.portal.staffChanges.execute(focalA, p.subscriberId, { kind: "transfer", toUnitId: fx.units.DEPT_B, expectDigest: preview.digest });
    assert.deepEqual(keyed(done), keyed(preview));
    for (const e of preview.effects) {
      if (e.objectKind === "subscriber") assert.equal((await store.subscribers.findById(Number(e.objectId)))!.unitId, e.toUnitId);
      if (e.objectKind === "token") assert.equal((await store.tokens.findById(Number(e.objectId)))!.unitId, e.toUnitId);
      if (e.objectKind === "cert") {
        const cert = (await store.certificates.findBySerial(e.objectId))!;
        assert.equal(cert.unitId, e.toUnitId);
        assert.equal(cert.status, "valid", "the person keeps the certificate until it is re-issued");
        const [req, ...more] = await store.requests.openForTarget(e.objectId, ["change"]);
        assert.equal(more.length, 0);
        assert.equal(req!.type, "change");
        assert.equal(req!.state, "submitted");
        assert.equal(req!.source, "system");
        assert.equal(req!.unitId, fx.units.DEPT_B);
        assert.equal(req!.subscriberId, p.subscriberId);
        assert.equal(req!.dueDate, await server.portal.sla.dueDate("change", req!.submittedAt!));
        assert.deepEqual(done.requestIds, [req!.id]);
      }
    }
    const [audit] = (await store.audit.forObject("subscriber", String(p.subscriberId))).filter((a) => a.action === "staff.transfer");
    assert.equal(audit!.outcome, "ok");
    assert.equal(audit!.actor, "web:focal_a");
  });

  it("leaving (retired): every live certificate revoked cessationOfOperation (OCSP/CRL via the revocations table) and a token-return task due in 5 working days across Tết", async function () {
    this.timeout(30_000);
    const { store } = server.core;
    const p = await addPerson(server, db.dataDir, fx.units.DEPT_A, "Vũ Văn Hưu", 2);
    const feedBefore = await store.certificates.maxRevocationId();
    const preview = await server.portal.staffChanges.preview(focalA, p.subscriberId, { kind: "retired" });
    assert.deepEqual(keyed(preview), [...p.serials].sort().map((s) => `cert:${s}:revoke:${fx.units.DEPT_A}->null`).concat(`token:${p.tokenId}:token_return:${fx.units.DEPT_A}->null`));
    assert.ok(preview.effects.filter((e) => e.objectKind === "cert").every((e) => e.reason === "cessationOfOperation"));

    const done = await server.portal.staffChanges.execute(focalA, p.subscriberId, { kind: "retired", expectDigest: preview.digest });
    assert.deepEqual(keyed(done), keyed(preview));
    const feed = await store.certificates.revocationsAfter(feedBefore, 100);
    for (const e of preview.effects.filter((x) => x.objectKind === "cert")) {
      const cert = (await store.certificates.findBySerial(e.objectId))!;
      assert.equal(cert.status, "revoked");
      assert.equal(cert.revocationReason, CrlReason.cessationOfOperation);
      const ocsp = (await store.certificates.ocspStatus(cert.caId, e.objectId))!;
      assert.equal(ocsp.status, "revoked");
      assert.equal(ocsp.reason, CrlReason.cessationOfOperation);
      assert.equal(feed.filter((f) => f.serial === e.objectId).length, 1, "one revocations-table row per certificate");
    }
    const [task, ...more] = await store.requests.openForToken(p.tokenId, ["token_return"]);
    assert.equal(more.length, 0);
    assert.equal(task!.state, "submitted");
    assert.equal(task!.dueDate, TOKEN_RETURN_DUE);
    assert.deepEqual(done.requestIds, [task!.id]);
    assert.deepEqual([...done.revoked].sort(), [...p.serials].sort());
  });

  it("refuses to execute a preview that no longer holds (a certificate was issued since): nothing changes", async function () {
    this.timeout(30_000);
    const { store } = server.core;
    const p = await addPerson(server, db.dataDir, fx.units.DEPT_A, "Ngô Thị Muộn");
    const preview = await server.portal.staffChanges.preview(focalA, p.subscriberId, { kind: "resigned" });
    await addPerson(server, db.dataDir, fx.units.DEPT_A, "Ngô Thị Muộn").then(async (q) => store.subscribers.linkCertificates(p.subscriberId, q.serials));
    await refusedWith(server.portal.staffChanges.execute(focalA, p.subscriberId, { kind: "resigned", expectDigest: preview.digest }), "ORG_CHANGE_INVALID");
    assert.equal((await store.certificates.findBySerial(p.serials[0]!))!.status, "valid");
    assert.equal((await store.requests.openForToken(p.tokenId, ["token_return"])).length, 0);
    const refused = (await store.audit.forObject("subscriber", String(p.subscriberId))).filter((a) => a.outcome === "refused");
    assert.ok(refused.some((a) => a.action === "staff.leave"));
  });

  it("a focal point of another agency cannot open, preview or confirm a transfer of someone not theirs (404, audited, nothing changed)", async function () {
    this.timeout(30_000);
    const { store } = server.core;
    const p = await addPerson(server, db.dataDir, fx.units.DEPT_A, "Phan Văn Lạ");
    const web = new WebClient(server.url);
    assert.equal((await web.signIn("focal_b", PASSWORD)).status, 303);
    assert.equal((await web.get(`/subscribers/${p.subscriberId}/staff-change`)).status, 404);
    await web.get("/account");
    const posted = await web.post(`/subscribers/${p.subscriberId}/staff-change`, { kind: "transfer", toUnitId: String(fx.units.DEPT_B) });
    assert.equal(posted.status, 404);
    const focalB: CallContext = { actor: actorOf(fx.users.focal_b, "focal_b", "agency_focal_point", fx.units.DEPT_B), requestId: null };
    await refusedWith(server.portal.staffChanges.execute(focalB, p.subscriberId, { kind: "transfer", toUnitId: fx.units.DEPT_B }), "SUBSCRIBER_NOT_FOUND");
    assert.equal((await store.subscribers.findById(p.subscriberId))!.unitId, fx.units.DEPT_A);
    assert.equal((await store.certificates.findBySerial(p.serials[0]!))!.unitId, fx.units.DEPT_A);
    const denied = (await store.audit.forObject("subscriber", String(p.subscriberId))).filter((a) => a.outcome === "refused" && a.actor === "web:focal_b");
    assert.ok(denied.length >= 3, `refusals audited (${denied.length})`);
  });

  it("the pages: the subscriber's focal point opens the form, sees the preview and confirms it", async function () {
    this.timeout(30_000);
    const { store } = server.core;
    const p = await addPerson(server, db.dataDir, fx.units.COMMUNE_A1, "Lý Thị Trang");
    const web = new WebClient(server.url);
    assert.equal((await web.signIn("focal_a", PASSWORD)).status, 303);
    assert.ok((await web.get(`/subscribers/${p.subscriberId}`)).text.includes(`/subscribers/${p.subscriberId}/staff-change`), "the subscriber page offers the action");
    const form = await web.get(`/subscribers/${p.subscriberId}/staff-change`);
    assert.equal(form.status, 200);
    assert.match(form.text, /Chuyển công tác/);
    const preview = await web.post(`/subscribers/${p.subscriberId}/staff-change/preview`, { kind: "deceased" });
    assert.equal(preview.status, 200);
    assert.ok(preview.text.includes(p.serials[0]!));
    const digest = /name="digest" value="([0-9a-f]{64})"/.exec(preview.text)![1]!;
    const confirmed = await web.post(`/subscribers/${p.subscriberId}/staff-change`, { kind: "deceased", digest });
    assert.equal(confirmed.status, 200, confirmed.text.slice(0, 500));
    assert.equal((await store.certificates.findBySerial(p.serials[0]!))!.revocationReason, CrlReason.cessationOfOperation);
    assert.equal(TODAY, "2027-02-03");
  });
});
