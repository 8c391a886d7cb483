// API tokens over real HTTP and the real CLI, on both databases: the
// /api-tokens page (who may open it, a token only for a unit in the creator's
// scope, the secret shown once and stored only as a hash, revocation by the
// owner's scope only) and `api-token create | list | revoke`, each token then
// used against /api/v1.
import { strict as assert } from "node:assert";
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import express from "express";
import knex from "knex";
import { hashSecret } from "../../server/access/api-tokens";
import { apiRouter } from "../../server/api/api-router";
import { unitSourceFromStore } from "../../server/directory/unit-source";
import { startTestServer, type TestServer } from "../support/app";
import { PASSWORD, seedAccessFixture, type AccessFixture } from "../support/access-fixture";
import { lastLine, runCli } from "../support/cli";
import { forEachDatabase } from "../support/databases";
import { WebClient } from "../support/web-client";

type Who = "admin" | "operator" | "provincial" | "focal_a" | "focal_b" | "oversight";
const SECRET = /ct_[A-Za-z0-9_-]{43}/;

forEachDatabase("api tokens", (db) => {
  let server: TestServer;
  let fx: AccessFixture;
  const web = {} as Record<Who, WebClient>;

  before(async function () {
    this.timeout(90_000);
    server = await startTestServer(db);
    fx = await seedAccessFixture(server, db.dataDir);
    for (const who of ["admin", "operator", "provincial", "focal_a", "focal_b", "oversight"] as Who[]) {
      web[who] = new WebClient(server.url);
      assert.equal((await web[who].signIn(who, PASSWORD)).status, 303, `${who} signs in`);
    }
  });

  after(async () => {
    await server?.close();
  });

  const api = async (secret: string, path = "/requests") => {
    const res = await fetch(`${server.url}/api/v1${path}`, { headers: { authorization: `Bearer ${secret}`, accept: "application/json" } });
    return { status: res.status, body: (await res.json()) as { error?: { code: string }; items?: unknown[] } };
  };

  async function tokenCount(): Promise<number> {
    return (await server.core.store.apiTokens.list({ all: true }, 10_000)).length;
  }

  it("opens for admin, provincial officers and focal points (with a nav link); 403 for the CA operator and oversight", async () => {
    for (const who of ["admin", "provincial", "focal_a"] as Who[]) {
      const page = await web[who].get("/api-tokens");
      assert.equal(page.status, 200, who);
      assert.match(page.text, /href="\/api-tokens" aria-current="page"/, `${who} sees the nav link`);
    }
    for (const who of ["operator", "oversight"] as Who[]) {
      assert.equal((await web[who].get("/api-tokens")).status, 403, who);
      assert.doesNotMatch((await web[who].get("/dashboard")).text, /href="\/api-tokens"/, `${who} has no nav link`);
    }
    const a = (await web.focal_a.get("/api-tokens")).text;
    assert.match(a, /DEPT_A — Sở Tài chính/);
    assert.match(a, /COMMUNE_A1/);
    assert.doesNotMatch(a, /DEPT_B/);
  });

  it("creates a token only for a unit in the creator's scope; shows the secret once, stores only its hash; the token works on the API", async () => {
    const before = await tokenCount();
    const outside = await web.focal_a.post("/api-tokens", { unitId: String(fx.units.DEPT_B), name: "QLVB Sở Y tế" });
    assert.equal(outside.status, 400);
    assert.equal(await tokenCount(), before);
    const refused = await server.core.store.auditQueries.list({ actionPrefix: "api_token.create", outcome: "refused", limit: 5 });
    assert.ok(refused.rows.some((r) => r.actor === "web:focal_a" && r.details?.reason === "out_of_scope"));
    const noName = await web.focal_a.post("/api-tokens", { unitId: String(fx.units.DEPT_A), name: "  ", days: "0" });
    assert.equal(noName.status, 400);
    assert.match(noName.text, /id="days-error"/);
    assert.equal(await tokenCount(), before);

    const made = await web.focal_a.post("/api-tokens", { unitId: String(fx.units.DEPT_A), name: "QLVB Sở Tài chính", days: "30" });
    assert.equal(made.status, 201, made.text.slice(0, 500));
    const secret = SECRET.exec(made.text)?.[0];
    assert.ok(secret, "the secret is on the page");
    assert.equal(made.headers.get("cache-control"), "no-store");
    assert.equal(await tokenCount(), before + 1);
    const list = await web.focal_a.get("/api-tokens");
    assert.doesNotMatch(list.text, SECRET, "never shown again");
    assert.match(list.text, new RegExp(`${secret.slice(0, 11)}…`));

    // Only the hash is stored: the secret is in no column of any row, nor in the audit log.
    const conn = knex(db.knexConfig());
    try {
      const rows = await conn("api_tokens").select("*");
      assert.ok(!JSON.stringify(rows).includes(secret.slice(3)));
      assert.ok(rows.some((r: { secret_hash: string }) => r.secret_hash === hashSecret(secret)));
      const audit = await conn("audit_log").select("*").where("action", "like", "api_token%");
      assert.ok(audit.length > 0 && !JSON.stringify(audit).includes(secret.slice(3)));
    } finally {
      await conn.destroy();
    }

    const used = await api(secret);
    assert.equal(used.status, 200);
    const t = (await server.core.store.apiTokens.findByHash(hashSecret(secret)))!;
    assert.ok(t.lastUsedAt, "last use recorded");
    assert.ok(t.expiresAt && Math.abs(t.expiresAt.getTime() - Date.now() - 30 * 86_400_000) < 120_000);

    // A provincial officer may make one for a commune below the province.
    const prov = await web.provincial.post("/api-tokens", { unitId: String(fx.units.COMMUNE_A1), name: "QLVB xã Hy Cương" });
    assert.equal(prov.status, 201);
  });

  it("revokes within the owner's scope only; a revoked token is refused at once", async () => {
    const made = await web.focal_a.post("/api-tokens", { unitId: String(fx.units.DEPT_A), name: "sẽ thu hồi" });
    const secret = SECRET.exec(made.text)![0];
    const id = (await server.core.store.apiTokens.findByHash(hashSecret(secret)))!.id;
    assert.doesNotMatch((await web.focal_b.get("/api-tokens")).text, new RegExp(secret.slice(0, 11)));
    const stranger = await web.focal_b.post(`/api-tokens/${id}/revoke`);
    assert.equal(stranger.status, 404);
    assert.equal((await api(secret)).status, 200, "still works");
    const revoked = await web.focal_a.post(`/api-tokens/${id}/revoke`);
    assert.equal(revoked.status, 303);
    const refused = await api(secret);
    assert.equal(refused.status, 401);
    assert.equal(refused.body.error?.code, "API_TOKEN_INVALID");
    assert.match((await web.focal_a.get("/api-tokens?done=revoked")).text, new RegExp(`id="token-${id}" class="api-token-revoked"`));
    const noCsrf = await web.focal_a.post(`/api-tokens/${id}/revoke`, {}, false);
    assert.equal(noCsrf.status, 403);
  });

  it("limits the calls of each token (429 RATE_LIMITED) without slowing the others", async () => {
    // The same router the app mounts, with a small limit, on its own listener.
    const app = express();
    app.use("/api/v1", apiRouter({ portal: server.portal, store: server.core.store, units: unitSourceFromStore(server.core.store.units), log: () => {}, publicUrl: "http://x", attachmentMaxBytes: 1024, limits: { perTokenPerMinute: 3 } }));
    const http = app.listen(0, "127.0.0.1");
    await once(http, "listening");
    try {
      const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}/api/v1/requests`;
      const busy = (await server.portal.apiTokens.issueAs("test:fixture", { unitId: fx.units.DEPT_A, name: "bận", expiresAt: null })).secret;
      const quiet = (await server.portal.apiTokens.issueAs("test:fixture", { unitId: fx.units.DEPT_B, name: "ít dùng", expiresAt: null })).secret;
      const get = (secret: string) => fetch(base, { headers: { authorization: `Bearer ${secret}` } });
      for (let i = 0; i < 3; i++) assert.equal((await get(busy)).status, 200);
      const limited = await get(busy);
      assert.equal(limited.status, 429);
      assert.equal(((await limited.json()) as { error: { code: string } }).error.code, "RATE_LIMITED");
      assert.ok(limited.headers.get("ratelimit-policy") || limited.headers.get("ratelimit"), "standard RateLimit headers");
      assert.equal((await get(quiet)).status, 200);
    } finally {
      http.close();
    }
  });

  it("limits refused tokens per address (429 RATE_LIMITED), counted across every server of the database; honest calls are not counted", async () => {
    // Two processes of one deployment: the same router twice, on the same database.
    const listen = async () => {
      const app = express();
      app.use("/api/v1", apiRouter({ portal: server.portal, store: server.core.store, units: unitSourceFromStore(server.core.store.units), log: () => {}, publicUrl: "http://x", attachmentMaxBytes: 1024, limits: { authFailuresPerAddress: 3 } }));
      const http = app.listen(0, "127.0.0.1");
      await once(http, "listening");
      return { http, base: `http://127.0.0.1:${(http.address() as AddressInfo).port}/api/v1/requests` };
    };
    const [a, b] = [await listen(), await listen()];
    const counters = server.core.store.rateLimits;
    await counters.removeExpired(Number.MAX_SAFE_INTEGER);
    const refusedSoFar = () => counters.peek("api-auth:127.0.0.1", Date.now());
    const until = async (n: number) => {
      for (let i = 0; i < 100 && (await refusedSoFar()) < n; i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(await refusedSoFar(), n);
    };
    try {
      const good = (await server.portal.apiTokens.issueAs("test:fixture", { unitId: fx.units.DEPT_A, name: "trung thực", expiresAt: null })).secret;
      const get = (base: string, secret: string) => fetch(base, { headers: { authorization: `Bearer ${secret}` } });
      for (let i = 0; i < 5; i++) assert.equal((await get(a.base, good)).status, 200);
      assert.equal(await refusedSoFar(), 0, "successful calls are not counted");
      assert.equal((await get(a.base, "ct_" + "A".repeat(40))).status, 401);
      await until(1);
      assert.equal((await get(b.base, "ct_" + "B".repeat(40))).status, 401);
      await until(2);
      assert.equal((await get(a.base, "ct_" + "C".repeat(40))).status, 401);
      await until(3);
      for (const base of [b.base, a.base]) {
        const limited = await get(base, "ct_" + "D".repeat(40));
        assert.equal(limited.status, 429);
        assert.equal(((await limited.json()) as { error: { code: string } }).error.code, "RATE_LIMITED");
      }
      assert.equal((await get(b.base, good)).status, 429, "the address is held back, whatever token it sends next");
    } finally {
      await counters.removeExpired(Number.MAX_SAFE_INTEGER);
      a.http.close();
      b.http.close();
    }
  });

  it("api-token create | list | revoke on the command line: the secret printed once works, list never shows it, revoke refuses it", async function () {
    this.timeout(60_000);
    const env = db.env();
    const created = await runCli(["api-token", "create", "--unit", "DEPT_B", "--name", "QLVB Sở Y tế", "--days", "90"], env);
    assert.equal(created.status, 0, created.stderr);
    const secret = lastLine(created.stdout);
    assert.match(secret, new RegExp(`^${SECRET.source}$`));
    const listed = await api(secret);
    assert.equal(listed.status, 200);

    const list = await runCli(["api-token", "list", "--unit", "DEPT_B"], env);
    assert.equal(list.status, 0, list.stderr);
    assert.match(list.stdout, new RegExp(`${secret.slice(0, 11)}…\\tDEPT_B\\tactive\\tQLVB Sở Y tế`));
    assert.doesNotMatch(list.stdout, SECRET);

    const id = /created API token (\d+)/.exec(created.stdout)![1]!;
    const revoked = await runCli(["api-token", "revoke", "--id", id], env);
    assert.equal(revoked.status, 0, revoked.stderr);
    assert.equal((await api(secret)).status, 401);

    const unknown = await runCli(["api-token", "create", "--unit", "NO_SUCH", "--name", "x"], env);
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /^error \[UNIT_NOT_FOUND\]/);
    const badDays = await runCli(["api-token", "create", "--unit", "DEPT_B", "--name", "x", "--days", "9999"], env);
    assert.equal(badDays.status, 1);
    assert.match(badDays.stderr, /^error \[INPUT_INVALID\]/);
  });
});
