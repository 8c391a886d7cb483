// GET /healthz and GET /readyz over real HTTP on both databases: liveness stays
// a constant answer; readiness is 200 with every check's details while the
// database answers, the keys load and the CRLs are before nextUpdate, 503 naming
// the failing check once the clock passes nextUpdate, 200 again after
// publication. No sign-in needed, and nothing secret (paths, URLs, passphrase) in the body.
import { strict as assert } from "node:assert";
import { forEachDatabase } from "../support/databases";
import { startTestServer, testConfig, TEST_PASSPHRASE, type TestServer } from "../support/app";

const HOUR = 3_600_000;

interface ReadyBody {
  status: string;
  ready: boolean;
  checks: Record<"database" | "issuingKey" | "responderKey" | "crl", { ok: boolean; reason?: string; cas?: Array<{ ca: string; fresh: boolean; nextUpdate: string | null }> }>;
}

forEachDatabase("readyz", (db) => {
  let server: TestServer;
  let offset = 0;

  before(async function () {
    this.timeout(120_000);
    const base = testConfig(db);
    // No scheduled rebuild during the test: it moves the clock and publishes itself.
    server = await startTestServer(db, { crl: { ...base.crl, scheduleMinutes: 1_000_000 } }, () => new Date(Date.now() + offset), "p256");
  });

  after(async () => {
    await server?.close();
  });

  async function get(path: string): Promise<{ status: number; body: ReadyBody; text: string; headers: Headers }> {
    const res = await fetch(server.url + path, { headers: { accept: "application/json" } });
    const text = await res.text();
    return { status: res.status, body: JSON.parse(text) as ReadyBody, text, headers: res.headers };
  }

  function noSecrets(text: string): void {
    for (const secret of [db.dataDir, TEST_PASSPHRASE, ...(db.databaseUrl ? [db.databaseUrl, new URL(db.databaseUrl).host] : [])]) {
      assert.ok(!text.includes(secret), `the answer must not contain ${secret}`);
    }
  }

  it("/healthz answers without touching anything", async () => {
    const r = await get("/healthz");
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { status: "ok" });
  });

  it("/readyz is 200 with every check passing on a started server", async () => {
    const r = await get("/readyz");
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.status, "ready");
    assert.equal(r.headers.get("cache-control"), "no-store");
    for (const name of ["database", "issuingKey", "responderKey", "crl"] as const) assert.equal(r.body.checks[name].ok, true, name);
    assert.deepEqual(r.body.checks.crl.cas!.map((c) => c.ca).sort(), ["issuing", "root"]);
    noSecrets(r.text);
  });

  it("/readyz is 503 naming the CRL once the clock passes nextUpdate, and 200 after publication", async function () {
    this.timeout(30_000);
    offset = 25 * HOUR;
    const stale = await get("/readyz");
    assert.equal(stale.status, 503);
    assert.equal(stale.body.status, "not ready");
    assert.equal(stale.body.checks.crl.ok, false);
    assert.equal(stale.body.checks.crl.reason, "stale");
    assert.ok(stale.body.checks.crl.cas!.every((c) => !c.fresh));
    assert.equal(stale.body.checks.database.ok, true, "only the failing check fails");
    assert.equal(stale.body.checks.issuingKey.ok, true);
    noSecrets(stale.text);

    for (const ca of await server.core.store.cas.listActive()) if (ca.kind !== "ocsp") await server.publisher.publish(ca.id, "test:operator");
    const fresh = await get("/readyz");
    assert.equal(fresh.status, 200, fresh.text);
    assert.ok(fresh.body.checks.crl.cas!.every((c) => c.fresh && new Date(c.nextUpdate!).getTime() > Date.now() + offset));
  });

  it("/readyz is 503 naming the responder once its certificate has expired", async function () {
    this.timeout(30_000);
    // The responder is valid 30 days: 31 days on, nothing has renewed it (the scheduler's tick is far away).
    offset = 31 * 24 * HOUR;
    for (const ca of await server.core.store.cas.listActive()) if (ca.kind !== "ocsp") await server.publisher.publish(ca.id, "test:operator");
    const r = await get("/readyz");
    assert.equal(r.status, 503);
    assert.equal(r.body.checks.responderKey.ok, false);
    assert.equal(r.body.checks.responderKey.reason, "expired");
    assert.equal(r.body.checks.crl.ok, true);
  });
});
