// A certificate holder reports their own token lost (issue 5: "available to the
// focal point (and the holder where self-service is enabled)"), over real HTTP on
// both databases: an account without a role linked to the subscriber (user CLI),
// /my-tokens lists what they hold, the report revokes every certificate on the
// token with keyCompromise and opens the Mẫu 09 record; another person's token,
// a missing confirmation and a disabled setting change nothing and are audited.
import { strict as assert } from "node:assert";
import { startTestServer, type TestServer } from "../support/app";
import { seedAccessFixture, type AccessFixture } from "../support/access-fixture";
import { runCli } from "../support/cli";
import { makeCsr } from "../support/csr";
import { forEachDatabase } from "../support/databases";
import { WebClient } from "../support/web-client";
import { testConfig } from "../support/app";


const HOLDER_PASSWORD = "mat-khau-nguoi-giu-2026";

forEachDatabase("self-service lost token", (db) => {
  let server: TestServer;
  let fx: AccessFixture;
  let holder: WebClient;
  const ids = { an: 0, binh: 0, tokenAn: 0, tokenBinh: 0 };
  let serialsAn: string[] = [];

  before(async function () {
    this.timeout(90_000);
    const base = testConfig(db);
    server = await startTestServer(db, { requests: { ...base.requests, selfServiceLostReport: true } });
    fx = await seedAccessFixture(server, db.dataDir);
    const { store, issuance } = server.core;
    const now = new Date();
    ids.an = await store.subscribers.insert({ kind: "individual", unitId: fx.units.DEPT_A, name: "Nguyễn Thị Giữ", nationalId: "099088123001", email: "giu@thunghiem.gov.vn" }, now);
    ids.binh = await store.subscribers.insert({ kind: "individual", unitId: fx.units.DEPT_A, name: "Trần Văn Khác", nationalId: "099088123002", email: "khac@thunghiem.gov.vn" }, now);
    ids.tokenAn = (await store.tokens.insert({ serial: "SELF-AN-001", type: "usb_token", unitId: fx.units.DEPT_A, state: "in_use", holderSubscriberId: ids.an }, now)) as number;
    ids.tokenBinh = (await store.tokens.insert({ serial: "SELF-BINH-001", type: "usb_token", unitId: fx.units.DEPT_A, state: "in_use", holderSubscriberId: ids.binh }, now)) as number;
    for (let i = 0; i < 2; i++) {
      const c = await issuance.issue({ csr: makeCsr(db.dataDir, "p256").pem, profile: "individual", commonName: "Nguyễn Thị Giữ", email: "giu@thunghiem.gov.vn", actor: "test", unitId: fx.units.DEPT_A, subscriberId: ids.an, tokenId: ids.tokenAn });
      serialsAn.push(c.serial);
    }
    await issuance.issue({ csr: makeCsr(db.dataDir, "p256").pem, profile: "individual", commonName: "Trần Văn Khác", actor: "test", unitId: fx.units.DEPT_A, subscriberId: ids.binh, tokenId: ids.tokenBinh });
    const env = { ...db.env(), HOLDER_PW: HOLDER_PASSWORD };
    const add = await runCli(["user", "add", "--username", "giu.nt", "--role", "none", "--password-env", "HOLDER_PW"], env);
    assert.equal(add.status, 0, add.stderr);
    const link = await runCli(["user", "link-subscriber", "--username", "giu.nt", "--subscriber", String(ids.an)], env);
    assert.equal(link.status, 0, link.stderr);
    holder = new WebClient(server.url);
    assert.equal((await holder.signIn("giu.nt", HOLDER_PASSWORD)).status, 303);
  });

  after(async () => {
    await server?.close();
  });

  it("lists only the holder's own tokens and their valid certificates", async () => {
    const page = await holder.get("/my-tokens");
    assert.equal(page.status, 200, page.text.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ").slice(0, 600));
    // An account without a role sees its own pages only: no unit tree, no links to the registry pages.
    assert.doesNotMatch(page.text, /href="\/certificates"/);
    assert.match(page.text, /href="\/my-tokens"/);
    assert.match(page.text, /SELF-AN-001/);
    assert.doesNotMatch(page.text, /SELF-BINH-001/);
    for (const s of serialsAn) assert.ok(page.text.includes(s), s);
  });

  it("refuses another person's token and a report without confirmation; nothing changes", async () => {
    await holder.get("/my-tokens");
    const other = await holder.post(`/my-tokens/${ids.tokenBinh}/lost`, { confirm: "yes" });
    assert.equal(other.status, 404);
    const unconfirmed = await holder.post(`/my-tokens/${ids.tokenAn}/lost`, {});
    assert.equal(unconfirmed.status, 400);
    assert.equal((await server.core.store.tokens.findById(ids.tokenBinh))!.state, "in_use");
    assert.equal((await server.core.store.tokens.findById(ids.tokenAn))!.state, "in_use");
    const refused = await server.core.store.auditQueries.list({ actionPrefix: "self.", outcome: "refused", limit: 10 });
    assert.ok(refused.rows.some((e) => e.action === "self.report_lost" && e.objectId === String(ids.tokenBinh)));
  });

  it("the holder's report revokes every certificate on the token with keyCompromise and opens the Mẫu 09 record", async () => {
    await holder.get("/my-tokens");
    const res = await holder.post(`/my-tokens/${ids.tokenAn}/lost`, { confirm: "yes", note: "Rơi trên xe buýt" });
    assert.equal(res.status, 303, res.text.slice(0, 300));
    const { store } = server.core;
    assert.equal((await store.tokens.findById(ids.tokenAn))!.state, "lost");
    for (const s of serialsAn) {
      const c = (await store.certificates.findBySerial(s))!;
      assert.equal(c.status, "revoked");
      assert.equal(c.revocationReason, 1);
    }
    const records = await store.requests.openForToken(ids.tokenAn, ["token_lost"]);
    assert.equal(records.length, 1);
    assert.equal(records[0]!.state, "submitted");
    // The coordination report counts it as an incident (lost key), open until the province handles it.
    const incidents = await store.registers.incidents.incidentsIn([fx.units.DEPT_A], new Date().getUTCFullYear());
    assert.equal(incidents.byKind.lost_key, 1);
  });

  it("an account without a linked subscriber, or with self-service off, gets a clear refusal", async () => {
    const focal = new WebClient(server.url);
    await focal.signIn("focal_a", "mat-khau-thu-nghiem-2026");
    const page = await focal.get("/my-tokens");
    assert.equal(page.status, 403);
    assert.match(page.text, /chưa gắn với thuê bao/);
  });
});
