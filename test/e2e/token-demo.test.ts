// DEMO=1: the demo province's tokens at start-up, on sqlite and PostgreSQL —
// every state of the life cycle, each history a path through the allow-list,
// the certificates on them consistent with the state (nothing valid on a lost,
// damaged or returned token), a token page that opens, and a second seeding
// that adds nothing.
import { strict as assert } from "node:assert";
import { DEMO_PROVINCE_CODE } from "../../server/demo/demo-province";
import { seedDemoTokens } from "../../server/demo/demo-tokens";
import { DEMO_PASSWORD } from "../../server/demo/demo-users";
import { moveOf, TOKEN_STATES } from "../../server/ra/token-states";
import type { TokenRecord } from "../../server/store/token-store";
import { startTestServer, TestServer } from "../support/app";
import { forEachDatabase } from "../support/databases";
import { WebClient } from "../support/web-client";

forEachDatabase("demo tokens", (db) => {
  let server: TestServer;
  let tokens: TokenRecord[];
  let demoUnits: number[];

  before(async function () {
    this.timeout(180_000);
    server = await startTestServer(db, { demo: true });
    const { store } = server.core;
    const province = (await store.units.findByCode(DEMO_PROVINCE_CODE))!;
    demoUnits = await store.units.subtreeIdsAsOf(province.id, new Date().toISOString().slice(0, 10));
    tokens = [];
    let after: string | undefined;
    for (;;) {
      const page = await store.tokens.list({ units: { all: false, unitIds: demoUnits }, limit: 200, after });
      tokens.push(...page.rows);
      if (!page.next) break;
      after = page.next;
    }
  });
  after(async () => server?.close());

  it("registers tokens in every state with certificates on them, and says so at start-up", async () => {
    assert.ok(server.logs.some((l) => /demo tokens: \d+ holding \d+ certificates/.test(l)));
    const states = new Set(tokens.map((t) => t.state));
    assert.deepEqual([...states].sort(), [...TOKEN_STATES].sort());
    assert.deepEqual([...new Set(tokens.map((t) => t.type))].sort(), ["hsm_slot", "sim_pki", "usb_token"]);
    let attached = 0;
    for (const t of tokens) {
      const certs = await server.core.store.tokens.certificatesOn(t.id);
      attached += certs.length;
      if (["lost", "damaged", "returned"].includes(t.state)) assert.ok(certs.every((c) => c.status !== "valid"), `${t.serial} (${t.state}) holds a valid certificate`);
      if (["lost", "damaged"].includes(t.state)) assert.ok(certs.length > 0 && certs.every((c) => c.revocationReason === 1), `${t.serial}: keyCompromise`);
      if (t.state === "in_use") assert.ok(certs.some((c) => c.status === "valid"), `${t.serial} in use with a valid certificate`);
      if (t.state === "in_stock") assert.equal(t.holderSubscriberId, null);
      else assert.notEqual(t.holderSubscriberId, null);
    }
    assert.ok(attached >= 200, `${attached} certificates on tokens`);
  });

  it("gives every token a history that follows the allow-list to its state", async () => {
    for (const t of tokens) {
      const events = await server.core.store.tokens.events(t.id);
      assert.equal(events[0]!.fromState, null);
      assert.equal(events[0]!.toState, "in_stock");
      for (const e of events.slice(1)) assert.ok(moveOf(e.fromState!, e.toState), `${t.serial}: ${e.fromState} → ${e.toState}`);
      for (let i = 1; i < events.length; i++) assert.equal(events[i]!.fromState, events[i - 1]!.toState);
      assert.equal(events[events.length - 1]!.toState, t.state);
    }
  });

  it("shows a demo focal point its own agency's tokens, and seeds nothing twice", async function () {
    this.timeout(30_000);
    const c = new WebClient(server.url);
    assert.equal((await c.signIn("demo.stc", DEMO_PASSWORD)).status, 303);
    const list = await c.get("/tokens");
    assert.equal(list.status, 200);
    const own = /href="\/tokens\/(\d+)"/.exec(list.text);
    assert.ok(own, "the agency has tokens");
    assert.equal((await c.get(`/tokens/${own[1]}`)).status, 200);
    const again = await seedDemoTokens({ store: server.core.store, clock: () => new Date() });
    assert.equal(again.seeded, false);
    assert.equal((await server.core.store.tokens.list({ units: { all: false, unitIds: demoUnits }, limit: 1000 })).rows.length, tokens.length);
  });
});
