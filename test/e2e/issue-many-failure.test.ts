// Batched issuance (issuance.issueMany → issue-cycle.ts runIssuanceBatch) when
// the database refuses the chunk's pending rows: nothing is issued and the call
// fails, but the refusals already decided (a bad CSR next to good ones) are
// still in the audit log, as the single path audits a refusal before it throws.
import { strict as assert } from "node:assert";
import { startTestServer, type TestServer } from "../support/app";
import { breakSignature, makeCsr } from "../support/csr";
import { forEachDatabase } from "../support/databases";

const ACTOR = "test:issue-many-failure";

forEachDatabase("batched issuance when the pending rows cannot be stored", (db) => {
  let server: TestServer;

  before(async function () {
    this.timeout(60_000);
    server = await startTestServer(db);
  });
  after(async () => server?.close());

  it("keeps the batch's refusals in the audit log, issues nothing, and fails with the database's error", async function () {
    this.timeout(30_000);
    const { store, issuance } = server.core;
    const good = makeCsr(db.dataDir, "p256").pem;
    const bad = breakSignature(makeCsr(db.dataDir, "p256").der);
    const refusedBefore = (await store.auditQueries.list({ actor: ACTOR, outcome: "refused", limit: 50 })).rows.length;
    const certsBefore = await store.certificates.countAll();

    // The fault: inside the first transaction of the batch, inserting the pending rows fails
    // (as a constraint violation or a lost connection would); the real store does the rest.
    const transaction = store.transaction.bind(store);
    let armed = true;
    store.transaction = (fn) =>
      transaction(async (tx) => {
        if (armed) {
          armed = false;
          tx.certificates.insertPendingMany = async () => {
            throw new Error("simulated: the database refused the pending rows");
          };
        }
        return fn(tx);
      });
    try {
      await assert.rejects(
        issuance.issueMany([
          { csr: good, profile: "individual", commonName: "Nguyễn Văn Lô", actor: ACTOR },
          { csr: bad, profile: "individual", commonName: "Chữ Ký Hỏng", actor: ACTOR },
        ]),
        /simulated: the database refused the pending rows/,
      );
    } finally {
      store.transaction = transaction;
    }

    const refused = (await store.auditQueries.list({ actor: ACTOR, outcome: "refused", limit: 50 })).rows;
    assert.equal(refused.length - refusedBefore, 1, "the bad CSR's refusal is audited");
    assert.equal((refused[0]!.details as { code?: string }).code, "CSR_BAD_SIGNATURE");
    const issued = (await store.auditQueries.list({ actor: ACTOR, outcome: "ok", limit: 50 })).rows;
    assert.equal(issued.length, 0, "nothing was issued");
    assert.equal(await store.certificates.countAll(), certsBefore, "no pending row stayed behind");
  });
});
