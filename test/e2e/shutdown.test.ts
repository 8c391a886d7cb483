// SIGTERM to `npm start` (server/main.ts) with requests in flight: the server
// stops accepting, the request already started completes with 200 and a
// verifiable OCSP answer, a client that never finishes is cut after the grace
// period, the process exits 0, and the sqlite file it closed is whole.
import { strict as assert } from "node:assert";
import { request } from "node:http";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import knexFactory from "knex";
import { TEST_PASSPHRASE } from "../support/app";
import { opensslOk } from "../support/openssl";
import { makeTempDir, removeTempDir } from "../support/tmp";
import { startServerProcess, waitForOutput, type ServerProcess } from "../support/server-process";

const GRACE_MS = 2_500;

/**
 * Starts a POST whose body is only partly sent. `started` resolves when the
 * server has parsed the headers (its "100 Continue": the request is in flight,
 * not an idle connection); `finish()` sends the rest and resolves with the answer.
 */
function slowPost(url: string, body: Buffer) {
  const req = request(`${url}/ocsp`, { method: "POST", headers: { "content-type": "application/ocsp-request", "content-length": body.length, expect: "100-continue" } });
  const started = new Promise<void>((resolve) => req.once("continue", () => (req.write(body.subarray(0, 8)), resolve())));
  const answer = new Promise<{ status: number; body: Buffer }>((resolve, reject) => {
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("error", reject);
  });
  answer.catch(() => undefined);
  req.flushHeaders();
  return { started, answer: () => answer, finish: () => (req.end(body.subarray(8)), answer) };
}

describe("graceful shutdown on SIGTERM", () => {
  let dir: string;
  let server: ServerProcess | undefined;

  before(() => {
    dir = makeTempDir("chungthu-shutdown-");
  });
  after(() => {
    if (server && server.child.exitCode === null) server.child.kill("SIGKILL");
    removeTempDir(dir);
  });

  it("finishes the request in flight, cuts a stalled one after the grace period, exits 0, leaves sqlite intact", async function () {
    this.timeout(60_000);
    const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dir, CA_KEY_PASSPHRASE: TEST_PASSPHRASE, DEMO: "0", PORT: "0", HOST: "127.0.0.1", SHUTDOWN_GRACE_MS: String(GRACE_MS), CHUNGTHU_QUIET_DEV_WARNING: "1" };
    delete env.DATABASE_URL;
    delete env.PUBLIC_URL;
    delete env.WORKERS;
    server = await startServerProcess(env);
    const pki = join(dir, "pki");
    const reqPath = join(dir, "ocsp-req.der");
    opensslOk(["ocsp", "-issuer", join(pki, "issuing.crt.pem"), "-serial", "0x1234567890abcdef", "-no_nonce", "-reqout", reqPath]);
    const body = readFileSync(reqPath);

    const inFlight = slowPost(server.url, body);
    const stalled = slowPost(server.url, body);
    await Promise.all([inFlight.started, stalled.started]);
    await new Promise((r) => setTimeout(r, 100)); // the first body bytes are on their way
    const termAt = Date.now();
    server.child.kill("SIGTERM");
    await waitForOutput(server, /"shutting down"/);

    // No longer accepting: a new connection is refused.
    await assert.rejects(fetch(`${server.url}/healthz`, { headers: { connection: "close" } }), "a new request was accepted after SIGTERM");

    const res = await inFlight.finish();
    assert.equal(res.status, 200);
    const respPath = join(dir, "ocsp-resp.der");
    writeFileSync(respPath, res.body);
    const check = opensslOk(["ocsp", "-respin", respPath, "-issuer", join(pki, "issuing.crt.pem"), "-serial", "0x1234567890abcdef", "-CAfile", join(pki, "chain.pem")]);
    assert.match(check.stderr + check.stdout, /Response verify OK/);

    await assert.rejects(stalled.answer(), "the stalled request was cut");
    const { code, signal } = await server.exit;
    const took = Date.now() - termAt;
    assert.equal(signal, null, server.output());
    assert.equal(code, 0, server.output());
    assert.ok(took >= GRACE_MS - 200, `exited after ${took} ms, before the grace period`);
    assert.match(server.output(), /shutdown grace period over/);
    assert.match(server.output(), /"stopped"/);

    const look = knexFactory({ client: "sqlite3", connection: { filename: join(dir, "chungthu.sqlite") }, useNullAsDefault: true });
    try {
      const rows = (await look.raw("PRAGMA integrity_check")) as Array<{ integrity_check: string }>;
      assert.deepEqual(rows, [{ integrity_check: "ok" }]);
      // The last thing written before the shutdown (the CRL publication) is complete and registered.
      const crl = (await look("crls").orderBy("id", "desc").first("file_name", "ca_id")) as { file_name: string } | undefined;
      assert.ok(crl, "no CRL registered");
    } finally {
      await look.destroy();
    }
  });

  it("WORKERS=2: SIGTERM to the primary lets each worker finish its request and close; exit 0, sqlite intact", async function () {
    this.timeout(60_000);
    const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dir, CA_KEY_PASSPHRASE: TEST_PASSPHRASE, DEMO: "0", PORT: "0", HOST: "127.0.0.1", WORKERS: "2", SHUTDOWN_GRACE_MS: String(GRACE_MS), CHUNGTHU_QUIET_DEV_WARNING: "1" };
    delete env.DATABASE_URL;
    delete env.PUBLIC_URL;
    server = await startServerProcess(env);
    assert.match(server.output(), /2 processes/);
    const pki = join(dir, "pki");
    const body = readFileSync(join(dir, "ocsp-req.der"));
    const inFlight = [slowPost(server.url, body), slowPost(server.url, body)];
    await Promise.all(inFlight.map((r) => r.started));
    await new Promise((r) => setTimeout(r, 100));
    server.child.kill("SIGTERM");
    await waitForOutput(server, /"shutting down"/);
    await new Promise((r) => setTimeout(r, 200)); // the workers have their SIGTERM too
    for (const r of inFlight) {
      const res = await r.finish();
      assert.equal(res.status, 200);
      const respPath = join(dir, "ocsp-resp-cluster.der");
      writeFileSync(respPath, res.body);
      const check = opensslOk(["ocsp", "-respin", respPath, "-issuer", join(pki, "issuing.crt.pem"), "-serial", "0x1234567890abcdef", "-CAfile", join(pki, "chain.pem")]);
      assert.match(check.stderr + check.stdout, /Response verify OK/);
    }
    const { code, signal } = await server.exit;
    assert.equal(signal, null, server.output());
    assert.equal(code, 0, server.output());
    const look = knexFactory({ client: "sqlite3", connection: { filename: join(dir, "chungthu.sqlite") }, useNullAsDefault: true });
    try {
      assert.deepEqual(await look.raw("PRAGMA integrity_check"), [{ integrity_check: "ok" }]);
    } finally {
      await look.destroy();
    }
  });
});
