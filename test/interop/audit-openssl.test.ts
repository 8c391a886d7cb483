// Audit checkpoints and entry hashes checked with a tool we did not write:
// openssl verifies an exported checkpoint's signature with the audit signer's
// certificate, chains that certificate to our root, and recomputes entry
// hashes from a preimage this test builds itself from the documented rules.
import { strict as assert } from "node:assert";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import knexFactory, { Knex } from "knex";
import { Core, openCore } from "../../server/core";
import { forEachDatabase } from "../support/databases";
import { runCli } from "../support/cli";
import { testConfig, TEST_PASSPHRASE, TEST_PUBLIC_URL } from "../support/app";
import { openssl, opensslOk } from "../support/openssl";

/** The chungthu-audit/1 preimage, re-implemented here from the documentation in audit-hash.ts. */
function preimage(row: Record<string, unknown>): Buffer {
  const f = (v: unknown) => {
    if (v === null || v === undefined) return Buffer.from("-,");
    const b = Buffer.from(String(v), "utf8");
    return Buffer.concat([Buffer.from(`${b.length}:`), b, Buffer.from(",")]);
  };
  const cols = ["id", "prev_hash", "at", "actor", "role", "unit_id", "action", "object_type", "object_id", "outcome", "request_id", "details", "before_summary", "after_summary"];
  return Buffer.concat([f("chungthu-audit/1"), ...cols.map((c) => f(c === "id" || c === "unit_id" ? (row[c] === null ? null : Number(row[c])) : row[c]))]);
}

forEachDatabase("audit log checked with openssl", (db) => {
  let core: Core;
  let raw: Knex;
  let env: NodeJS.ProcessEnv;

  before(async function () {
    this.timeout(60_000);
    env = db.env({ CA_KEY_PASSPHRASE: TEST_PASSPHRASE, PUBLIC_URL: TEST_PUBLIC_URL });
    core = await openCore(testConfig(db));
    // An RSA hierarchy: the audit signer's P-256 certificate is signed with RSA.
    await core.hierarchy.init({ alg: "rsa2048", force: false, actor: "test" });
    await core.store.audit.append({ actor: "web:Nguyễn Văn An", role: "ra-officer", unitId: 3, action: "cert.revoke", objectType: "certificate", objectId: "0f", outcome: "refused", requestId: "req-1", details: { code: "FORBIDDEN" }, before: { status: "valid" }, after: null }, new Date());
    raw = knexFactory(db.knexConfig());
  });
  after(async () => {
    await core?.close();
    await raw?.destroy();
  });

  it("an exported checkpoint verifies with openssl dgst, its signer chains to our root with openssl verify, and a changed statement does not", async function () {
    this.timeout(30_000);
    const { checkpoint: cp } = await core.auditLog.checkpoint("test");
    const dir = join(db.dataDir, "evidence");
    const r = await runCli(["audit", "export-checkpoint", "--id", String(cp.id), "--out", dir], env);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`checkpoint #${cp.id} written to`));

    assert.equal(
      readFileSync(join(dir, "statement.txt"), "ascii"),
      `chungthu-audit-checkpoint/1\nlast_entry_id=${cp.lastEntryId}\nlast_hash=${cp.lastHash}\nentry_count=${cp.entryCount}\nsigned_at=${cp.signedAt}\n`,
    );
    const pub = opensslOk(["x509", "-in", join(dir, "signer.pem"), "-pubkey", "-noout"]).stdout;
    writeFileSync(join(dir, "signer-key.pem"), pub);
    const ok = opensslOk(["dgst", "-sha256", "-verify", join(dir, "signer-key.pem"), "-signature", join(dir, "signature.der"), join(dir, "statement.txt")]);
    assert.match(ok.stdout, /Verified OK/);

    const pki = join(db.dataDir, "pki");
    const chain = opensslOk(["verify", "-CAfile", join(pki, "root.crt.pem"), "-untrusted", join(pki, "issuing.crt.pem"), join(dir, "signer.pem")]);
    assert.match(chain.stdout, /signer\.pem: OK/);
    // chain.pem is the issuing CA then the root, as exported.
    assert.match(opensslOk(["verify", "-CAfile", join(dir, "chain.pem"), join(dir, "signer.pem")]).stdout, /OK/);
    const text = opensslOk(["x509", "-in", join(dir, "signer.pem"), "-noout", "-text"]).stdout;
    assert.match(text, /Subject: .*CN ?= ?chungthu TEST Audit Log Signer/);
    assert.match(text, /X509v3 Key Usage: critical\s+Digital Signature\s*\n/);
    assert.match(text, /X509v3 Extended Key Usage: \s+2\.999\.84\.2\.1/);
    assert.match(text, /Public Key Algorithm: id-ecPublicKey[\s\S]*NIST CURVE: P-256/);
    assert.match(text, /Signature Algorithm: sha256WithRSAEncryption/);

    const forged = readFileSync(join(dir, "statement.txt"), "ascii").replace(`entry_count=${cp.entryCount}`, `entry_count=${cp.entryCount - 1}`);
    writeFileSync(join(dir, "forged.txt"), forged);
    const bad = openssl(["dgst", "-sha256", "-verify", join(dir, "signer-key.pem"), "-signature", join(dir, "signature.der"), join(dir, "forged.txt")]);
    assert.notEqual(bad.status, 0);
    assert.match(bad.stdout + bad.stderr, /Verification failure/);
  });

  it("every stored entry hash is SHA-256 (by openssl) of the documented preimage, and links to the one before", async () => {
    const rows = (await raw("audit_log").orderBy("id")) as Array<Record<string, unknown>>;
    assert.ok(rows.length >= 8);
    let prev = "0".repeat(64);
    for (const row of rows) {
      const digest = opensslOk(["dgst", "-sha256", "-r"], { input: preimage(row) }).stdout.split(" ")[0];
      assert.equal(row.hash, digest, `entry ${row.id}`);
      assert.equal(row.prev_hash, prev, `entry ${row.id} links to the previous entry`);
      prev = row.hash as string;
    }
    const head = await core.store.audit.head();
    assert.equal(head.lastHash, prev);
  });
});
