// DEMO=1: the server seeds the demo province and one user per role (once), and
// the demo focal point sees only their own department.
import { strict as assert } from "node:assert";
import { forEachDatabase } from "../support/databases";
import { startTestServer, TestServer } from "../support/app";
import { WebClient } from "../support/web-client";
import { DEMO_PASSWORD, DEMO_USERS } from "../../server/demo/demo-users";

forEachDatabase("demo users", (db) => {
  let server: TestServer;

  before(async function () {
    this.timeout(60_000);
    server = await startTestServer(db, { demo: true });
  });

  after(async () => {
    await server?.close();
  });

  it("creates one user per role, idempotently, who can sign in within their scope", async function () {
    this.timeout(60_000);
    for (const u of DEMO_USERS) assert.ok(await server.core.store.users.findByUsername(u.username), u.username);
    await server.close();
    server = await startTestServer(db, { demo: true });
    assert.equal((await server.core.store.users.list({ units: { all: true }, limit: 100, offset: 0 })).rows.length, DEMO_USERS.length, "a restart adds nobody");

    const focal = new WebClient(server.url);
    assert.equal((await focal.signIn("demo.stc", DEMO_PASSWORD)).status, 303);
    const units = (await focal.get("/units")).text;
    assert.match(units, /Sở Tài chính tỉnh Thử Nghiệm Sơn Hà/);
    assert.doesNotMatch(units, /Sở Y tế|Lam Thử/);
    const province = new WebClient(server.url);
    assert.equal((await province.signIn("demo.tinh", DEMO_PASSWORD)).status, 303);
    assert.match((await province.get("/units")).text, /Sở Y tế tỉnh Thử Nghiệm Sơn Hà[^]*Ủy ban nhân dân xã Lam Thử|Ủy ban nhân dân xã Lam Thử[^]*Sở Y tế/);
    const oversight = new WebClient(server.url);
    assert.equal((await oversight.signIn("demo.giamsat", DEMO_PASSWORD)).status, 303);
    assert.equal((await oversight.get("/users")).status, 403);
  });
});
