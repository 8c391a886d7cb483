// The running service's recovery sweep: an approval whose issuance a crash cut
// off (request "approved", certificate "pending") is too young to touch at a
// quick restart; once its pending row is stale the sweep marks it failed and
// puts the request back for the CA operator, with no second restart — and it
// leaves a young pending row (an issuance possibly in flight) alone.
import { strict as assert } from "node:assert";
import { createHash, randomBytes } from "node:crypto";
import type { Actor, CallContext } from "../../server/access/actor";
import type { Role } from "../../server/access/roles";
import { createRecoverySweep, STALE_PENDING_MS } from "../../server/ca/issuance-recovery";
import { seedAccessFixture, type AccessFixture } from "../support/access-fixture";
import { startTestServer, type TestServer } from "../support/app";
import { makeCsr } from "../support/csr";
import { forEachDatabase } from "../support/databases";

function ctxOf(userId: number, username: string, role: Role, unitId: number | null): CallContext {
  const actor: Actor = { userId, username, displayName: username, roles: [{ role, unitId }] };
  return { actor, requestId: `sweep-${username}` };
}

forEachDatabase("issuance recovery sweep while running", (db) => {
  let server: TestServer;
  let fx: AccessFixture;

  before(async function () {
    this.timeout(60_000);
    server = await startTestServer(db);
    fx = await seedAccessFixture(server, db.dataDir);
  });
  after(async () => server?.close());

  /** A forwarded request, claimed, with a pending certificate stored `ageMs` ago: the state a crash mid-issuance leaves. */
  async function interrupted(nid: string, ageMs: number): Promise<{ id: number; serial: string }> {
    const focal = ctxOf(fx.users.focal_a, "focal_a", "agency_focal_point", fx.units.DEPT_A);
    const officer = ctxOf(fx.users.provincial, "provincial", "provincial_officer", fx.units.PROV);
    const r = await server.portal.requests.create(focal, { type: "new_individual", unitId: fx.units.DEPT_A, source: "api", submit: true, data: { fullName: "Trịnh Văn Treo", nationalId: nid, position: "Chuyên viên", email: `treo${nid}@thunghiem.gov.vn` }, csr: makeCsr(db.dataDir, "p256").pem });
    await server.portal.requests.act(officer, r.id, "forward");
    const { store, keyRing } = server.core;
    const subscriberId = await store.subscribers.insert({ kind: "individual", unitId: fx.units.DEPT_A, name: "Trịnh Văn Treo", nationalId: nid, position: "Chuyên viên", email: `treo${nid}@thunghiem.gov.vn` }, new Date());
    assert.ok(await store.requests.transition(r.id, ["forwarded"], "approved", { subscriberId }, new Date()));
    const serial = randomBytes(16).toString("hex").replace(/^./, "4");
    const at = new Date(Date.now() - ageMs);
    const issuing = (await keyRing.active("issuing"))!;
    await store.certificates.insertPending(
      { serial, caId: issuing.record.id, profile: "individual", subjectDn: "CN=Trịnh Văn Treo", commonName: "Trịnh Văn Treo", email: null, spkiSha256: createHash("sha256").update(serial).digest("hex"), keyAlg: "p256", tbsDer: Buffer.from([0x30, 0x00]), notBefore: at, notAfter: new Date(at.getTime() + 86_400_000), unitId: fx.units.DEPT_A, subscriberId, requestId: r.id },
      at,
    );
    return { id: r.id, serial };
  }

  it("fails a stale pending certificate, puts its request back to the CA, which approves it again; a young one is left alone", async function () {
    this.timeout(30_000);
    const { store } = server.core;
    const stale = await interrupted("099077000001", STALE_PENDING_MS + 60_000);
    const young = await interrupted("099077000002", 5_000);
    const logs: string[] = [];
    const sweep = createRecoverySweep({ store, clock: () => new Date(), log: (_l, msg) => logs.push(msg), resumeStuck: () => server.portal.requestExecutor.resumeStuck(), intervalMs: 60_000 });

    const out = await sweep.runOnce();
    assert.deepEqual(out.failed, [stale.serial]);
    assert.equal((await store.certificates.findBySerial(stale.serial))?.status, "failed");
    assert.equal((await store.requests.findById(stale.id))?.state, "forwarded");
    // The young one may be an issuance still running in another process: untouched.
    assert.equal((await store.certificates.findBySerial(young.serial))?.status, "pending");
    assert.equal((await store.requests.findById(young.id))?.state, "approved");
    assert.ok(logs.includes("interrupted issuances marked failed"));

    // The way forward: the CA operator approves again and gets a real certificate.
    const operator = ctxOf(fx.users.operator, "operator", "ca_operator", null);
    const done = await server.portal.requests.act(operator, stale.id, "approve");
    assert.equal(done.state, "completed");
    assert.equal((await store.certificates.findBySerial(done.resultSerial!))?.status, "valid");
    await sweep.stop();
  });
});
