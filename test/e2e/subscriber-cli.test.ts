// `cert issue --subscriber <id>`: the certificate is linked to the subscriber
// and takes their unit; a subscriber that does not exist, of another kind or
// another unit is refused with one line and nothing issued.
import { strict as assert } from "node:assert";
import knexFactory, { type Knex } from "knex";
import { forEachDatabase } from "../support/databases";
import { lastLine, runCli } from "../support/cli";
import { makeCsr } from "../support/csr";
import { TEST_PASSPHRASE, TEST_PUBLIC_URL } from "../support/app";
import { addUnit } from "../support/access-fixture";
import { createStore, type Store } from "../../server/store/store";

forEachDatabase("CLI: cert issue --subscriber", (db) => {
  let env: NodeJS.ProcessEnv;
  let knex: Knex;
  let store: Store;
  let unitA: number;
  let person: number;
  const cli = (...args: string[]) => runCli(args, env);

  before(async function () {
    this.timeout(60_000);
    env = db.env({ CA_KEY_PASSPHRASE: TEST_PASSPHRASE, PUBLIC_URL: TEST_PUBLIC_URL });
    assert.equal((await cli("ca", "init", "--alg", "p256")).status, 0);
    knex = knexFactory(db.knexConfig());
    store = createStore(knex);
    unitA = await addUnit(store, "CLI_A", "Sở Tài chính", "department", null);
    await addUnit(store, "CLI_B", "Sở Y tế", "department", null);
    person = await store.subscribers.insert({ kind: "individual", unitId: unitA, name: "Ngô Thị Hoa", email: "hoa@stc.gov.vn" }, new Date());
  });

  after(async () => {
    await knex?.destroy();
  });

  const issue = (...extra: string[]) => cli("cert", "issue", "--csr", makeCsr(db.dataDir, "p256").csrPath, "--profile", "individual", "--cn", "Ngô Thị Hoa", "--email", "hoa@stc.gov.vn", ...extra);

  it("links the certificate to the subscriber and gives it their unit", async function () {
    this.timeout(30_000);
    const r = await issue("--subscriber", String(person));
    assert.equal(r.status, 0, r.stderr);
    const serial = lastLine(r.stdout);
    assert.equal(await store.subscribers.subscriberIdOf(serial), person);
    assert.equal((await store.certificates.findBySerial(serial))!.unitId, unitA);
    const withUnit = await issue("--subscriber", String(person), "--unit", "CLI_A");
    assert.equal(withUnit.status, 0, withUnit.stderr);
  });

  it("refuses an unknown subscriber, another kind, another unit, a bad id", async function () {
    this.timeout(30_000);
    const before = await store.certificates.countAll();
    const refused = async (code: string, ...extra: string[]) => {
      const r = await issue(...extra);
      assert.notEqual(r.status, 0);
      assert.match(r.stderr.trim(), new RegExp(`^error \\[${code}\\]: `));
    };
    await refused("SUBSCRIBER_NOT_FOUND", "--subscriber", "999999");
    await refused("SUBSCRIBER_MISMATCH", "--subscriber", String(person), "--unit", "CLI_B");
    await refused("INPUT_INVALID", "--subscriber", "abc");
    const org = await store.subscribers.insert({ kind: "organization", unitId: unitA, name: "Sở Tài chính" }, new Date());
    await refused("SUBSCRIBER_MISMATCH", "--subscriber", String(org));
    assert.equal(await store.certificates.countAll(), before);
  });
});
