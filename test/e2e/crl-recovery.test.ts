// CRL recovery at start-up (server/publish/crl-recovery.ts), on sqlite and
// PostgreSQL: a revocation committed but never announced (the process died
// before its debounced rebuild) makes the current CRL stale, and recovery
// publishes a new one with a higher number that lists it (checked with
// openssl); a CRL that matches the database is left alone.
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { forEachDatabase } from "../support/databases";
import { startTestServer, TestServer } from "../support/app";
import { makeCsr } from "../support/csr";
import { republishStaleCrls } from "../../server/publish/crl-recovery";

const ACTOR = "test:crl-recovery";

forEachDatabase("CRL recovery at start-up", (db) => {
  let server: TestServer;

  before(async function () {
    this.timeout(60_000);
    server = await startTestServer(db);
  });
  after(async () => server?.close());

  const recover = () => republishStaleCrls({ dataDir: db.dataDir, store: server.core.store, publisher: server.publisher, log: () => undefined }, ACTOR);
  const issue = async (cn: string) =>
    (await server.core.issuance.issue({ csr: makeCsr(db.dataDir, "p256").pem, profile: "individual", commonName: cn, organization: "UBND tỉnh Thử Nghiệm", email: "thu@thunghiem.gov.vn", actor: ACTOR, unitId: null })).serial;

  it("leaves a CRL that lists every revocation alone, and republishes one that misses a revocation", async function () {
    this.timeout(60_000);
    const { store, revocation, keyRing } = server.core;
    const caId = (await keyRing.active("issuing"))!.record.id;
    const [kept, silent] = [await issue("Nguyễn Văn Một"), await issue("Trần Thị Hai")];
    await revocation.revoke({ serial: kept, reason: "superseded", actor: ACTOR });
    const listed = await server.publisher.publish(caId, ACTOR);
    assert.deepEqual(await recover(), [], "a CRL that matches the database is not republished");

    // Committed, never announced: as if the process died before the debounced rebuild.
    await store.transaction((tx) => revocation.revokeWithin(tx, { serial: silent, reason: "keyCompromise", actor: ACTOR }));
    assert.equal((await store.crls.latest(caId))!.crlNumber, listed.crlNumber, "nothing rebuilt the CRL yet");
    const out = await recover();
    assert.equal(out.length, 1);
    assert.equal(out[0]!.reason, `revocations after CRL #${listed.crlNumber}`);
    assert.ok(out[0]!.crlNumber > listed.crlNumber, "a new, higher CRL number (RFC 5280 5.2.3)");

    const text = execFileSync("openssl", ["crl", "-inform", "DER", "-in", join(db.dataDir, "pki", "issuing.crl"), "-noout", "-text"]).toString();
    for (const s of [kept, silent]) assert.match(text, new RegExp(`Serial Number: ${s.toUpperCase()}`), `${s} listed`);
    assert.deepEqual(await recover(), [], "once republished, nothing more to do");
  });
});
