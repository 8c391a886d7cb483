// A running server signs audit checkpoints on its own (every
// audit.checkpointMinutes), covering what a CLI process appended meanwhile,
// and the chain both wrote to stays intact.
import { strict as assert } from "node:assert";
import { forEachDatabase } from "../support/databases";
import { eventually, startTestServer, TestServer, TEST_PASSPHRASE, TEST_PUBLIC_URL } from "../support/app";
import { runCli } from "../support/cli";

forEachDatabase("audit checkpoints in a running server", (db) => {
  let server: TestServer;

  before(async function () {
    this.timeout(60_000);
    server = await startTestServer(db, { audit: { checkpointMinutes: 0.005, signerValidityDays: 365, signerRenewDays: 30 } });
  });
  after(async () => server?.close());

  it("signs a checkpoint at start and then periodically, covering entries another process appended", async function () {
    this.timeout(60_000);
    const { store, revocation } = server.core;
    const first = await eventually(() => store.auditCheckpoints.latest(), 5_000, "the start-up checkpoint");
    assert.ok(server.logs.some((l) => l.includes("audit checkpoint signed")));

    const env = db.env({ CA_KEY_PASSPHRASE: TEST_PASSPHRASE, PUBLIC_URL: TEST_PUBLIC_URL });
    const refusedHere = async (i: number) => {
      await assert.rejects(revocation.revoke({ serial: `ab${i}`, reason: "keyCompromise", actor: "web:test" }), { code: "CERT_NOT_FOUND" });
    };
    const [cli] = await Promise.all([runCli(["cert", "revoke", "--serial", "abcdef", "--reason", "keyCompromise"], env), ...Array.from({ length: 10 }, (_, i) => refusedHere(i))]);
    assert.equal(cli.status, 1);
    assert.match(cli.stderr, /CERT_NOT_FOUND/);
    const logged = await store.audit.forObject("certificate", "abcdef");
    assert.equal(logged.length, 1, "the CLI's refusal is in the chain");
    assert.match(logged[0]!.actor, /^cli:/);
    assert.equal(logged[0]!.outcome, "refused");

    const head = await store.audit.head();
    const covering = await eventually(async () => {
      const cp = await store.auditCheckpoints.latest();
      return cp && cp.lastEntryId >= head.lastId ? cp : null;
    }, 5_000, "a checkpoint covering the CLI's entry");
    assert.ok(covering.id > first.id);

    const v = await runCli(["audit", "verify"], env);
    assert.equal(v.status, 0, v.stderr);
    const m = /^audit chain intact: (\d+) entries, (\d+) checkpoints$/m.exec(v.stdout);
    assert.ok(m, v.stdout);
    assert.ok(Number(m[1]) >= head.entryCount);
    assert.ok(Number(m[2]) >= 2);
  });
});
