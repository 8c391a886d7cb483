// The tamper-evident audit log, on both databases: the chain stays linear when
// several processes append at once (inside and outside transactions), and
// `audit verify` — the real CLI in a child process — names the entry or
// checkpoint an attacker with write access to the database changed.
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import { generateKeyPairSync, sign as cryptoSign } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import knexFactory, { Knex } from "knex";
import { checkpointStatement } from "../../server/audit/checkpoint-statement";
import { Core, openCore } from "../../server/core";
import { entryHash } from "../../server/store/audit-hash";
import { forEachDatabase } from "../support/databases";
import { runCli } from "../support/cli";
import { testConfig, TEST_PASSPHRASE, TEST_PUBLIC_URL } from "../support/app";
import { opensslOk } from "../support/openssl";

const FIXTURE = join(__dirname, "fixtures", "audit-append.fixture.ts");

function runAppender(count: number, tag: string, env: NodeJS.ProcessEnv): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--require", "tsx/cjs", FIXTURE, String(count), tag], { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString("utf8")));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
    child.on("close", (code) => resolve({ status: code ?? 1, stdout, stderr }));
  });
}

type Row = Record<string, unknown> & { id: number };

forEachDatabase("audit chain", (db) => {
  let core: Core;
  let raw: Knex;
  let env: NodeJS.ProcessEnv;

  before(async function () {
    this.timeout(60_000);
    env = db.env({ CA_KEY_PASSPHRASE: TEST_PASSPHRASE, PUBLIC_URL: TEST_PUBLIC_URL });
    core = await openCore(testConfig(db));
    await core.hierarchy.init({ alg: "p256", force: false, actor: "test" });
    raw = knexFactory(db.knexConfig());
  });
  after(async () => {
    await core?.close();
    await raw?.destroy();
  });

  const verifyCli = () => runCli(["audit", "verify"], env);

  /** `audit verify` exits 1 with exactly one line naming `where` and the problem. */
  async function assertBroken(where: string, problem: string): Promise<string> {
    const r = await verifyCli();
    assert.equal(r.status, 1, `expected exit 1, got ${r.status}\n${r.stdout}${r.stderr}`);
    const lines = r.stderr.trim().split("\n");
    assert.equal(lines.length, 1, `expected one line, got:\n${r.stderr}`);
    const escaped = problem.replace(/[()]/g, "\\$&");
    assert.match(lines[0]!, new RegExp(`^error \\[AUDIT_CHAIN_BROKEN\\]: audit chain broken at ${where}: ${escaped} \\(`));
    return lines[0]!;
  }

  async function assertIntact(): Promise<void> {
    const v = await core.auditLog.verify();
    assert.ok(v.intact, `chain should be intact again: ${v.problem} ${v.detail}`);
  }

  const rowOf = async (id: number) => (await raw("audit_log").where({ id }).first()) as Row;
  const lastId = async () => (await core.store.audit.head()).lastId;

  it("a fresh chain verifies; `audit checkpoint` signs it and verify counts the checkpoint", async function () {
    this.timeout(30_000);
    const head = await core.store.audit.head();
    assert.ok(head.entryCount >= 7, "ca init left its entries in the chain");
    const r = await verifyCli();
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), `audit chain intact: ${head.entryCount} entries, 0 checkpoints`);
    const c = await runCli(["audit", "checkpoint"], env);
    assert.equal(c.status, 0, c.stderr);
    assert.match(c.stdout, new RegExp(`^checkpoint #1 signed: ${head.entryCount + 1} entries up to entry ${head.lastId + 1}, hash [0-9a-f]{64}, by audit-`));
    const again = await runCli(["audit", "checkpoint"], env);
    assert.match(again.stdout, /no new entries since checkpoint #1/);
    const r2 = await verifyCli();
    assert.equal(r2.status, 0, r2.stderr);
    assert.equal(r2.stdout.trim(), `audit chain intact: ${head.entryCount + 1} entries, 1 checkpoints`);
  });

  it("entries carry role, unit, request id and before/after summaries, and the hash covers them", async () => {
    await core.store.audit.append(
      { actor: "web:lan", role: "ra-officer", unitId: 42, action: "cert.revoke", objectType: "certificate", objectId: "0a1b", outcome: "ok", requestId: "req-7f3a", before: { status: "valid" }, after: { status: "revoked", reason: "keyCompromise" }, details: { z: 1, a: [2, { y: 3, b: 4 }] } },
      new Date(),
    );
    const [e] = await core.store.audit.recent(1);
    assert.equal(e!.role, "ra-officer");
    assert.equal(e!.unitId, 42);
    assert.equal(e!.requestId, "req-7f3a");
    assert.deepEqual(e!.before, { status: "valid" });
    assert.deepEqual(e!.after, { reason: "keyCompromise", status: "revoked" });
    const stored = await rowOf(e!.id);
    assert.equal(stored.details, '{"a":[2,{"b":4,"y":3}],"z":1}', "summaries are stored as canonical JSON");
    for (const [column, value] of [["after_summary", '{"status":"valid"}'], ["role", "operator"], ["unit_id", 43], ["request_id", "req-other"]] as const) {
      await raw("audit_log").where({ id: e!.id }).update({ [column]: value });
      const v = await core.auditLog.verify();
      assert.equal(v.firstBrokenEntryId, e!.id, column);
      assert.equal(v.problem, "hash mismatch", column);
      await raw("audit_log").where({ id: e!.id }).update({ [column]: stored[column] });
    }
    await assertIntact();
  });

  it("two other processes and this one appending at once (in and out of transactions) leave one linear, intact chain", async function () {
    this.timeout(90_000);
    const before = await core.store.audit.head();
    const inProcess = (async () => {
      const work: Array<Promise<void>> = [];
      for (let i = 0; i < 40; i++) {
        work.push(
          i % 2
            ? core.store.audit.append({ actor: "test:parent", action: "test.append", objectType: "test", objectId: `parent-${i}`, outcome: "ok" }, new Date())
            : core.store.transaction(async (tx) => {
                await tx.audit.append({ actor: "test:parent", action: "test.append", objectType: "test", objectId: `parent-${i}`, outcome: "ok", details: { inTransaction: true } }, new Date());
              }),
        );
      }
      await Promise.all(work);
    })();
    const [a, b, cp] = await Promise.all([runAppender(60, "child-a", env), runAppender(60, "child-b", env), runCli(["audit", "checkpoint", "--force"], env), inProcess]);
    assert.equal(a.status, 0, a.stderr);
    assert.equal(b.status, 0, b.stderr);
    assert.equal(cp.status, 0, cp.stderr);
    assert.equal(a.stdout.trim(), "appended 60");
    const after = await core.store.audit.head();
    // 160 test entries + the checkpoint's own entry; nothing lost, nothing doubled.
    assert.equal(after.entryCount - before.entryCount, 161);
    assert.equal(after.lastId - before.lastId, 161);
    const ids = ((await raw("audit_log").where("id", ">", before.lastId).orderBy("id").select("id")) as Row[]).map((r) => Number(r.id));
    assert.deepEqual(ids, Array.from({ length: 161 }, (_, i) => before.lastId + 1 + i));
    const tags = (await raw("audit_log").where("action", "test.append").select("object_id")) as Array<{ object_id: string }>;
    assert.equal(new Set(tags.map((t) => t.object_id)).size, 160);
    const r = await verifyCli();
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^audit chain intact: \d+ entries, 2 checkpoints$/m);
  });

  it("tamper with a row (details, then action) → audit verify names it", async function () {
    this.timeout(30_000);
    const id = (await lastId()) - 20;
    const original = await rowOf(id);
    try {
      await raw("audit_log").where({ id }).update({ details: '{"reason":"nothing to see"}' });
      await assertBroken(`entry ${id}`, "hash mismatch");
      await raw("audit_log").where({ id }).update({ details: original.details, action: "cert.view" });
      await assertBroken(`entry ${id}`, "hash mismatch");
    } finally {
      await raw("audit_log").where({ id }).update(original);
    }
    await assertIntact();
  });

  it("an entry edited and re-hashed is caught by the next link; re-hashing the rest of the chain is caught by the checkpoint", async function () {
    this.timeout(30_000);
    await core.auditLog.checkpoint("test", { force: true });
    const end = await lastId();
    const from = end - 10;
    const saved: Row[] = (await raw("audit_log").where("id", ">=", from).orderBy("id")) as Row[];
    const savedHead = await raw("audit_head").where({ id: 1 }).first();
    const rehash = (r: Row, prevHash: string) =>
      entryHash({
        id: Number(r.id),
        prevHash,
        at: r.at as string,
        actor: r.actor as string,
        role: r.role as string | null,
        unitId: r.unit_id === null ? null : Number(r.unit_id),
        action: r.action as string,
        objectType: r.object_type as string | null,
        objectId: r.object_id as string | null,
        outcome: r.outcome as string,
        requestId: r.request_id as string | null,
        details: r.details as string | null,
        before: r.before_summary as string | null,
        after: r.after_summary as string | null,
      });
    // The attacker knows the algorithm: edit entry `from`, give it a consistent hash.
    const forged: Row = { ...saved[0]!, outcome: "ok", details: '{"edited":true}' };
    forged.hash = rehash(forged, forged.prev_hash as string);
    try {
      await raw("audit_log").where({ id: from }).update({ outcome: forged.outcome, details: forged.details, hash: forged.hash });
      await assertBroken(`entry ${from + 1}`, "prev_hash mismatch");
      // …then re-link and re-hash every later entry and the head: only a signed checkpoint disagrees,
      // the first one at or after the edited entry.
      let prev = forged.hash as string;
      for (const r of saved.slice(1)) {
        const h = rehash(r, prev);
        await raw("audit_log").where({ id: r.id }).update({ prev_hash: prev, hash: h });
        prev = h;
      }
      await raw("audit_head").where({ id: 1 }).update({ last_hash: prev });
      const first = (await raw("audit_checkpoints").where("last_entry_id", ">=", from).orderBy("last_entry_id").first()) as Row;
      const line = await assertBroken(`entry ${first.last_entry_id}`, "checkpoint does not match chain");
      assert.match(line, new RegExp(`checkpoint #${first.id} signed hash [0-9a-f]{16}… for entry ${first.last_entry_id}, the chain has [0-9a-f]{16}…: an entry in \\d+\\.\\.${first.last_entry_id} was altered and the chain re-hashed`));
    } finally {
      for (const r of saved) await raw("audit_log").where({ id: r.id }).update(r);
      await raw("audit_head").where({ id: 1 }).update(savedHead);
    }
    await assertIntact();
  });

  it("deleting an entry in the middle → audit verify names the gap", async function () {
    this.timeout(30_000);
    const id = (await lastId()) - 30;
    const original = await rowOf(id);
    await raw("audit_log").where({ id }).del();
    try {
      const line = await assertBroken(`entry ${id}`, "missing entry (gap)");
      assert.match(line, new RegExp(`entry ${id} is missing: entry ${id + 1} follows entry ${id - 1}`));
    } finally {
      await raw("audit_log").insert(original);
    }
    await assertIntact();
  });

  it("deleting the newest entries after a checkpoint is reported, even when the head is moved back too", async function () {
    this.timeout(30_000);
    const { checkpoint } = await core.auditLog.checkpoint("test", { force: true });
    const end = checkpoint.lastEntryId;
    const tail: Row[] = (await raw("audit_log").where("id", ">", end - 3).orderBy("id")) as Row[];
    const savedHead = await raw("audit_head").where({ id: 1 }).first();
    await raw("audit_log").where("id", ">", end - 3).del();
    try {
      await assertBroken(`entry ${end - 2}`, "checkpoint does not match chain");
      // Cover the tracks in the head as well: the signed checkpoint still says otherwise.
      const newEnd = await rowOf(end - 3);
      await raw("audit_head").where({ id: 1 }).update({ last_id: end - 3, last_hash: newEnd.hash, entry_count: Number(savedHead.entry_count) - 3 });
      const line = await assertBroken(`entry ${end - 2}`, "checkpoint does not match chain");
      // The first checkpoint past the cut reports it (an earlier checkpoint than ours may cover part of the tail).
      const first = (await raw("audit_checkpoints").where("last_entry_id", ">", end - 3).orderBy("last_entry_id").first()) as Row;
      const covered = Number(first.last_entry_id);
      const missing = covered === end - 2 ? `entry ${covered} is missing` : `entries ${end - 2}\\.\\.${covered} are missing`;
      assert.match(line, new RegExp(`checkpoint #${first.id} covers entries up to ${covered}, but the chain ends at entry ${end - 3}: ${missing}`));
    } finally {
      for (const r of tail) await raw("audit_log").insert(r);
      await raw("audit_head").where({ id: 1 }).update(savedHead);
    }
    await assertIntact();
    // Past the newest checkpoint, the chain head alone notices a deleted newest entry.
    await core.store.audit.append({ actor: "test", action: "test.append", outcome: "ok" }, new Date());
    const newest = await rowOf(await lastId());
    await raw("audit_log").where({ id: newest.id }).del();
    try {
      const v = await core.auditLog.verify();
      assert.equal(v.problem, "missing entry (gap)");
      assert.equal(v.firstBrokenEntryId, newest.id);
    } finally {
      await raw("audit_log").insert(newest);
    }
    await assertIntact();
  });

  it("a forged checkpoint signature is reported; so is a checkpoint signed by a certificate our CA never issued", async function () {
    this.timeout(30_000);
    const cp = (await core.store.auditCheckpoints.latest())!;
    // A valid ECDSA signature over the right bytes, by the wrong key.
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
    const forged = cryptoSign("sha256", checkpointStatement(cp), privateKey);
    let fakeSignerId: number | null = null;
    try {
      await raw("audit_checkpoints").where({ id: cp.id }).update({ signature: forged });
      let line = await assertBroken(`checkpoint #${cp.id}`, "checkpoint signature invalid");
      assert.match(line, /the signature does not verify with the audit signer's certificate/);

      // A self-made "audit signer" (self-signed, our EKU) claiming our issuing CA as issuer.
      const dir = db.dataDir;
      writeFileSync(join(dir, "fake.key"), privateKey.export({ type: "pkcs8", format: "pem" }) as string);
      opensslOk(["req", "-x509", "-new", "-key", join(dir, "fake.key"), "-subj", "/CN=chungthu TEST Audit Log Signer", "-days", "30", "-addext", "extendedKeyUsage=2.999.84.2.1", "-addext", "keyUsage=critical,digitalSignature", "-outform", "DER", "-out", join(dir, "fake.der")]);
      const real = (await core.store.auditSigners.findById(cp.signerId))!;
      const [fakeId] = (await raw("audit_signers")
        .insert({ slug: "audit-fake", issuer_ca_id: real.issuerCaId, serial: real.serial, cert_der: readFileSync(join(dir, "fake.der")), key_ref: "file:none", key_alg: "p256", not_before: "2020-01-01T00:00:00Z", not_after: "2099-01-01T00:00:00Z", status: "retired", created_at: "2026-01-01T00:00:00Z" })
        .returning("id")) as Array<{ id: number } | number>;
      fakeSignerId = typeof fakeId === "number" ? fakeId : fakeId!.id;
      await raw("audit_checkpoints").where({ id: cp.id }).update({ signer_id: fakeSignerId });
      line = await assertBroken(`checkpoint #${cp.id}`, "checkpoint signature invalid");
      assert.match(line, /audit signer audit-fake: certificate does not verify with issuing CA/);
    } finally {
      await raw("audit_checkpoints").where({ id: cp.id }).update({ signer_id: cp.signerId, signature: cp.signature });
      if (fakeSignerId !== null) await raw("audit_signers").where({ id: fakeSignerId }).del();
    }
    await assertIntact();
    const ok = await verifyCli();
    assert.equal(ok.status, 0, ok.stderr);
  });
});
