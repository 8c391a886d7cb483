// WORKERS=2: two processes share the port. A revocation made with the CLI
// reaches the OCSP answers of every worker within a second, and only one
// process publishes CRLs.
import { strict as assert } from "node:assert";
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { forEachDatabase } from "../support/databases";
import { eventually, TEST_PASSPHRASE } from "../support/app";
import { lastLine, runCli } from "../support/cli";
import { makeCsr } from "../support/csr";
import { opensslAsync } from "../support/openssl-async";

const ROOT = join(__dirname, "..", "..");

forEachDatabase("clustered server (WORKERS=2)", (db) => {
  let child: ChildProcess;
  let url = "";
  let env: NodeJS.ProcessEnv;

  before(async function () {
    this.timeout(60_000);
    env = db.env({ CA_KEY_PASSPHRASE: TEST_PASSPHRASE, DEMO: "0", WORKERS: "2", PORT: "0", HOST: "127.0.0.1", CHUNGTHU_QUIET_DEV_WARNING: "1" });
    // The CA exists before the server starts, as in production.
    const init = await runCli(["ca", "init"], env);
    assert.equal(init.status, 0, init.stderr);
    child = spawn(process.execPath, ["--require", "tsx/cjs", join(ROOT, "server", "main.ts")], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    url = await new Promise<string>((resolve, reject) => {
      let out = "";
      const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 45_000);
      child.stdout!.on("data", (d: Buffer) => {
        out += d.toString();
        const m = /listening on (http:\/\/\S+)\s+\(.*2 processes\)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
      child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
      child.on("exit", (code) => reject(new Error(`server exited ${code}:\n${out}`)));
    });
  });

  after(async () => {
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    await exited;
  });

  it("every worker answers revoked within 1 s of a CLI revocation", async function () {
    this.timeout(60_000);
    const csr = makeCsr(db.dataDir, "p256");
    const out = join(db.dataDir, "cluster.pem");
    const issued = await runCli(["cert", "issue", "--csr", csr.csrPath, "--profile", "individual", "--cn", "Bùi Thị Hà", "--out", out], env);
    assert.equal(issued.status, 0, issued.stderr);
    const serial = lastLine(issued.stdout);
    const pki = join(db.dataDir, "pki");
    const reqPath = join(db.dataDir, "cluster-req.der");
    await opensslAsync(["ocsp", "-issuer", join(pki, "issuing.crt.pem"), "-cert", out, "-no_nonce", "-reqout", reqPath]);
    const body = new Uint8Array(readFileSync(reqPath));
    // Fresh connections go to whichever worker the kernel picks; ask often enough to reach both.
    const statuses = async () => {
      const seen = new Set<string>();
      for (let i = 0; i < 12; i++) {
        const res = await fetch(`${url}/ocsp`, { method: "POST", body, headers: { connection: "close", "content-type": "application/ocsp-request" } });
        const respPath = join(db.dataDir, `resp-${i}.der`);
        writeFileSync(respPath, Buffer.from(await res.arrayBuffer()));
        const r = await opensslAsync(["ocsp", "-respin", respPath, "-issuer", join(pki, "issuing.crt.pem"), "-cert", out, "-CAfile", join(pki, "chain.pem")]);
        seen.add(/: (good|revoked|unknown)/.exec(r.stdout)?.[1] ?? `error ${r.stderr.slice(0, 80)}`);
      }
      return seen;
    };
    assert.deepEqual([...(await statuses())], ["good"]);
    const revoked = await runCli(["cert", "revoke", "--serial", serial, "--reason", "keyCompromise", "--no-publish"], env);
    assert.equal(revoked.status, 0, revoked.stderr);
    // One second later (the feed polls every 500 ms), no worker may still answer good.
    await new Promise((r) => setTimeout(r, 1_000));
    assert.deepEqual([...(await statuses())], ["revoked"]);
    // The CRL, published by the background worker only, lists it within seconds.
    await eventually(async () => {
      const res = await fetch(`${url}/pki/crl/issuing.crl`);
      const r = await opensslAsync(["crl", "-inform", "DER", "-noout", "-text"], { input: Buffer.from(await res.arrayBuffer()) });
      return r.stdout.includes(serial.toUpperCase());
    }, 5_000, "the CRL to list the revocation");
  });
});
