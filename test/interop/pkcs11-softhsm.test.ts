// CA keys inside a SoftHSM2 token (server/ca/keystore-pkcs11.ts): `ca init
// --keystore pkcs11` through the real CLI, then issuance, CRL and OCSP signed in
// the token by the running server, each checked with openssl; pkcs11-tool (OpenSC)
// shows the keys are in the token, sensitive and never extractable; DATA_DIR
// holds no key file for them. Also measures token signing (the Signer is synchronous).
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as pkcs11js from "pkcs11js";
import { pem } from "../../server/ca/pki-files";
import { createBackup } from "../../server/backup/backup";
import { fileKeystore } from "../../server/ca/keystore";
import type { KeyAlgorithm } from "../../server/ca/signer";
import { startTestServer, testConfig, TestServer, TEST_PASSPHRASE, TEST_PUBLIC_URL } from "../support/app";
import { runCli } from "../support/cli";
import { makeCsr } from "../support/csr";
import type { DatabaseContext } from "../support/databases";
import { opensslOk } from "../support/openssl";
import { opensslAsync } from "../support/openssl-async";
import { makeTempDir, removeTempDir } from "../support/tmp";

const MODULE = "/usr/lib/softhsm/libsofthsm2.so";
const TOKEN = "chungthu-test";
const PIN = "246810";

/** The database does not matter here: a sqlite DATA_DIR of the shape startTestServer takes. */
function sqliteContext(dataDir: string): DatabaseContext {
  return {
    kind: "sqlite",
    dataDir,
    databaseUrl: undefined,
    sqliteFile: join(dataDir, "chungthu.sqlite"),
    url: () => join(dataDir, "chungthu.sqlite"),
    env: (extra = {}) => {
      const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, ...extra };
      delete env.DATABASE_URL;
      return env;
    },
    knexConfig: () => ({ client: "sqlite3", connection: { filename: join(dataDir, "chungthu.sqlite") }, useNullAsDefault: true }),
  };
}

describe("interop: PKCS#11 keystore on SoftHSM2", function () {
  this.timeout(60_000);
  let dir: string;
  const saved = { conf: process.env.SOFTHSM2_CONF, pin: process.env.HSM_PIN };
  const pkcs11Tool = (...args: string[]) =>
    execFileSync("pkcs11-tool", ["--module", MODULE, "--token-label", TOKEN, "--login", "--pin", PIN, ...args], { env: process.env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

  before(() => {
    dir = makeTempDir("softhsm-");
    mkdirSync(join(dir, "tokens"));
    writeFileSync(join(dir, "softhsm2.conf"), `directories.tokendir = ${join(dir, "tokens")}\nobjectstore.backend = file\nlog.level = ERROR\n`);
    // SoftHSM reads its configuration when the library is initialised: in this process (the server) and in the CLI's.
    process.env.SOFTHSM2_CONF = join(dir, "softhsm2.conf");
    process.env.HSM_PIN = PIN;
    execFileSync("softhsm2-util", ["--init-token", "--free", "--label", TOKEN, "--pin", PIN, "--so-pin", "13579111"], { env: process.env, stdio: "pipe" });
    assert.match(execFileSync("softhsm2-util", ["--show-slots"], { env: process.env, encoding: "utf8" }), new RegExp(`Label:\\s+${TOKEN}`));
  });
  after(() => {
    for (const [k, v] of [["SOFTHSM2_CONF", saved.conf], ["HSM_PIN", saved.pin]] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    if (dir) removeTempDir(dir);
  });

  for (const alg of ["rsa2048", "p256"] as const satisfies readonly KeyAlgorithm[]) {
    describe(`CA keys ${alg} in the token`, () => {
      let server: TestServer;
      let dataDir: string;
      let pki: { root: string; issuing: string; chain: string };
      const leaves: Record<"good" | "revoked", string> = { good: "", revoked: "" };

      before(async () => {
        dataDir = join(dir, `data-${alg}`);
        mkdirSync(dataDir);
        const ctx = sqliteContext(dataDir);
        const init = await runCli(
          ["ca", "init", "--alg", alg, "--keystore", "pkcs11", "--module", MODULE, "--slot", TOKEN, "--pin-env", "HSM_PIN"],
          ctx.env({ CA_KEY_PASSPHRASE: TEST_PASSPHRASE, PUBLIC_URL: TEST_PUBLIC_URL, DEMO: "0" }),
        );
        assert.equal(init.status, 0, init.stderr);
        assert.match(init.stdout, /created: root, issuing, ocsp responder/);
        assert.match(init.stdout, /keys: in the PKCS#11 token/);
        const base = testConfig(ctx);
        server = await startTestServer(ctx, { ca: { ...base.ca, keystore: { kind: "pkcs11", module: MODULE, slot: TOKEN, pinEnv: "HSM_PIN" } } });
        const p = join(dataDir, "pki");
        pki = { root: join(p, "root.crt.pem"), issuing: join(p, "issuing.crt.pem"), chain: join(p, "chain.pem") };
      });
      after(async () => server?.close());

      it("stores RFC 7512 key references and leaves no key file in DATA_DIR for the root, issuing CA and responder", async () => {
        const cas = await server.core.store.cas.listActive();
        assert.deepEqual(cas.map((c) => c.kind).sort(), ["issuing", "ocsp", "root"]);
        for (const c of cas) {
          assert.match(c.keyRef, new RegExp(`^pkcs11:token=${TOKEN};object=chungthu-${c.slug};id=(%[0-9a-f]{2}){16};type=private$`));
          assert.equal(c.keyAlg, c.kind === "ocsp" ? "p256" : alg);
          assert.ok(!existsSync(join(dataDir, "ca", "keys", `${c.slug}.key.json`)), `no key file for ${c.slug}`);
        }
        // Only the audit-log signer (server/ca/audit-signer.ts) keeps a sealed file.
        for (const f of readdirSync(join(dataDir, "ca", "keys"))) assert.match(f, /^audit-/);
      });

      it("pkcs11-tool lists each CA private key in the token as sensitive and never extractable, for signing only", async () => {
        const listing = pkcs11Tool("--list-objects", "--type", "privkey");
        for (const c of await server.core.store.cas.listActive()) {
          const id = c.keyRef.match(/id=([^;]+)/)![1]!.replace(/%/g, "");
          const block = listing.split(/(?=Private Key Object)/).find((b) => b.includes(`ID:         ${id}`));
          assert.ok(block, `${c.slug}'s key ${id} is in the token:\n${listing}`);
          assert.match(block, /Access:\s+sensitive, always sensitive, never extractable, local/);
          assert.match(block, alg === "rsa2048" || c.kind === "ocsp" ? /Private Key Object; (RSA|EC)/ : /EC/);
          assert.doesNotMatch(block, /decrypt|unwrap/, "a CA key only signs");
        }
      });

      it("the token refuses to reveal any CA private key (CKR_ATTRIBUTE_SENSITIVE), asked directly through PKCS#11", async () => {
        // pkcs11-tool cannot even try ("reading private keys not supported"): ask the token for the secret attributes ourselves.
        const lib = new pkcs11js.PKCS11();
        lib.load(MODULE);
        try {
          lib.C_Initialize();
        } catch (e) {
          // The server in this process already initialised the library; its session stays untouched.
          if (!(e instanceof pkcs11js.Pkcs11Error && e.code === pkcs11js.CKR_CRYPTOKI_ALREADY_INITIALIZED)) throw e;
        }
        const slot = lib.C_GetSlotList(true).find((s) => lib.C_GetTokenInfo(s).label.trim() === TOKEN)!;
        const session = lib.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION);
        try {
          for (const c of await server.core.store.cas.listActive()) {
            const id = Buffer.from(c.keyRef.match(/id=([^;]+)/)![1]!.replace(/%/g, ""), "hex");
            lib.C_FindObjectsInit(session, [{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY }, { type: pkcs11js.CKA_ID, value: id }]);
            const key = lib.C_FindObjects(session);
            lib.C_FindObjectsFinal(session);
            assert.ok(key, `${c.slug}'s private key is in the token`);
            const secret = c.keyAlg.startsWith("rsa") ? pkcs11js.CKA_PRIVATE_EXPONENT : pkcs11js.CKA_VALUE;
            assert.throws(() => lib.C_GetAttributeValue(session, key, [{ type: secret }]), (e: unknown) => e instanceof pkcs11js.Pkcs11Error && e.code === pkcs11js.CKR_ATTRIBUTE_SENSITIVE);
            const [extractable] = lib.C_GetAttributeValue(session, key, [{ type: pkcs11js.CKA_EXTRACTABLE }]);
            assert.equal(extractable!.value[0], 0, `${c.slug}: CKA_EXTRACTABLE is false`);
          }
        } finally {
          lib.C_CloseSession(session);
        }
      });

      it("issues certificates signed in the token that openssl verifies up to the root", async () => {
        for (const name of ["good", "revoked"] as const) {
          const issued = await server.core.issuance.issue({ csr: makeCsr(dataDir, "p256").pem, profile: "organization", commonName: `UBND xã HSM ${name}`, actor: "test" });
          leaves[name] = join(dataDir, `${name}.pem`);
          writeFileSync(leaves[name], pem("CERTIFICATE", issued.certDer));
          assert.match(opensslOk(["verify", "-CAfile", pki.root, "-untrusted", pki.issuing, leaves[name]]).stdout, /: OK/);
        }
        assert.match(opensslOk(["x509", "-in", pki.issuing, "-noout", "-text"]).stdout, alg === "rsa2048" ? /sha256WithRSAEncryption/ : /ecdsa-with-SHA256/);
      });

      it("publishes a CRL signed in the token: openssl crl -verify, the revoked serial listed", async () => {
        const serial = opensslOk(["x509", "-in", leaves.revoked, "-noout", "-serial"]).stdout.trim().split("=")[1]!;
        await server.core.revocation.revoke({ serial: serial.toLowerCase(), reason: "keyCompromise", actor: "test" });
        const issuing = (await server.core.keyRing.active("issuing"))!;
        await server.publisher.publish(issuing.record.id, "test");
        const crl = Buffer.from(await (await fetch(`${server.url}/pki/crl/issuing.crl`)).arrayBuffer());
        const v = opensslOk(["crl", "-inform", "DER", "-CAfile", pki.chain, "-noout", "-verify", "-text"], { input: crl });
        assert.match(v.stderr + v.stdout, /verify OK/);
        assert.match(v.stdout, new RegExp(`Serial Number: ${serial}`, "i"));
      });

      it("answers OCSP with the responder key in the token: openssl ocsp verifies, good and revoked", async () => {
        const r = await opensslAsync(["ocsp", "-issuer", pki.issuing, "-CAfile", pki.chain, "-url", `${server.url}/ocsp`, "-cert", leaves.good, "-cert", leaves.revoked]);
        assert.match(r.stdout + r.stderr, /Response verify OK/);
        assert.match(r.stdout, /good\.pem: good/);
        assert.match(r.stdout, /revoked\.pem: revoked[\s\S]*Reason: keyCompromise/);
      });

      it("a backup names the token keys and carries none of them", async () => {
        const out = join(dir, `backup-${alg}.tar.gz`);
        const { manifest } = await createBackup({ config: server.core.config, out, configFile: null, clock: () => new Date(), appVersion: "test" });
        const tokenKeys = manifest.keys.filter((k) => k.keyRef.startsWith("pkcs11:"));
        assert.deepEqual(tokenKeys.map((k) => k.kind).sort(), ["issuing", "ocsp", "root"]);
        assert.ok(tokenKeys.every((k) => !k.inArchive));
        assert.deepEqual(manifest.parts.filter((p) => p.path.startsWith("data/ca/keys/")).map((p) => p.path.replace(/-.*/, "")), ["data/ca/keys/audit"]);
      });

      it("measures signing in the token (synchronous: each signature holds the event loop)", async () => {
        const n = 40;
        const tbs = Buffer.alloc(1200, 7);
        const timings: string[] = [];
        for (const [what, ca] of [[alg, await server.core.keyRing.active("issuing")], ["p256 responder", await server.core.keyRing.responderFor((await server.core.keyRing.active("issuing"))!.record.id)]] as const) {
          const start = process.hrtime.bigint();
          for (let i = 0; i < n; i++) ca!.signer.sign([tbs]);
          const ms = Number(process.hrtime.bigint() - start) / 1e6 / n;
          timings.push(`${what} ${ms.toFixed(2)} ms/signature`);
          assert.ok(ms < 200, `${what} signs in ${ms} ms`);
        }
        // The same signatures with a sealed-file key in this process, for comparison.
        const file = fileKeystore(join(dir, `file-${alg}`), TEST_PASSPHRASE).generate("compare", alg);
        const start = process.hrtime.bigint();
        for (let i = 0; i < n; i++) file.signer.sign([tbs]);
        timings.push(`file key ${alg} ${(Number(process.hrtime.bigint() - start) / 1e6 / n).toFixed(2)} ms/signature`);
        console.log(`      SoftHSM2 token signing: ${timings.join(", ")}`);
      });
    });
  }
});
