// Two server processes on one database (sqlite: two processes sharing the
// file; PostgreSQL: two instances on the same database) act at the same
// wall-clock instant: approving the same request yields exactly one
// certificate, revoking the same certificate one revocation and one CRL entry.
import { strict as assert } from "node:assert";
import { join } from "node:path";
import type { Actor, CallContext } from "../../server/access/actor";
import type { Role } from "../../server/access/roles";
import { startTestServer } from "../support/app";
import { makeCsr } from "../support/csr";
import { forEachDatabase } from "../support/databases";
import { opensslAsync } from "../support/openssl-async";
import type { CrashFixture, RaceCommand, RaceReply } from "../support/crash-protocol";
import { exited, lookAt, normSerial, prepareDatabase, ready, spawnChild } from "./crash-fixture";

type Child = ReturnType<typeof spawnChild>;

function ctxOf(userId: number, username: string, role: Role, unitId: number | null): CallContext {
  const actor: Actor = { userId, username, displayName: username, roles: [{ role, unitId }] };
  return { actor, requestId: `race-${username}` };
}

/** Sends the same command to both processes, to run 300 ms from now, and collects both replies. */
type Timed = Exclude<RaceCommand, { op: "exit" }>;
type Untimed = Timed extends infer T ? (T extends Timed ? Omit<T, "at"> : never) : never;

function both(children: Child[], cmd: Untimed): Promise<RaceReply[]> {
  const at = Date.now() + 300;
  return Promise.all(
    children.map(
      (c) =>
        new Promise<RaceReply>((resolve) => {
          c.once("message", (m) => resolve(m as RaceReply));
          c.send({ ...cmd, at } as RaceCommand);
        }),
    ),
  );
}

forEachDatabase("two processes racing on one database", (db) => {
  let fx: CrashFixture;
  let children: Child[] = [];
  let requestIds: number[] = [];

  before(async function () {
    this.timeout(90_000);
    fx = await prepareDatabase(db);
    // Three requests waiting for the CA operator, filed through the real workflow.
    const server = await startTestServer(db);
    try {
      const focal = ctxOf(fx.users.focal_a, "focal_a", "agency_focal_point", fx.units.DEPT_A);
      const officer = ctxOf(fx.users.provincial, "provincial", "provincial_officer", fx.units.PROV);
      for (let i = 0; i < 3; i++) {
        const nid = `09908800${String(i).padStart(4, "0")}`;
        const r = await server.portal.requests.create(focal, { type: "new_individual", unitId: fx.units.DEPT_A, source: "api", submit: true, data: { fullName: "Phan Thị Đua", nationalId: nid, position: "Chuyên viên", email: `dua${i}@thunghiem.gov.vn` }, csr: makeCsr(db.dataDir, "p256").pem });
        await server.portal.requests.act(officer, r.id, "forward");
        requestIds.push(r.id);
      }
    } finally {
      await server.close();
    }
    children = [spawnChild(db, fx, { CRASH_MODE: "race" }), spawnChild(db, fx, { CRASH_MODE: "race" })];
    await Promise.all(children.map((c) => ready(c, 60_000)));
  });

  after(async function () {
    this.timeout(20_000);
    await Promise.all(
      children.map(async (c) => {
        if (c.exitCode !== null) return;
        c.send({ op: "exit" } satisfies RaceCommand);
        const t = setTimeout(() => c.kill("SIGKILL"), 10_000);
        await exited(c);
        clearTimeout(t);
      }),
    );
    children = [];
    requestIds = [];
  });

  it("approving the same request in both processes at once issues exactly one certificate", async function () {
    this.timeout(30_000);
    const look = lookAt(db);
    try {
      for (const id of requestIds) {
        const replies = await both(children, { op: "approve", requestId: id });
        const ok = replies.filter((r) => r.ok);
        assert.equal(ok.length, 1, JSON.stringify(replies));
        assert.deepEqual(replies.filter((r) => !r.ok).map((r) => (r as { code: string }).code), ["REQUEST_STATE_INVALID"]);
        const certs = (await look("certificates").where({ request_id: id }).select("serial", "status")) as Array<{ serial: string; status: string }>;
        assert.deepEqual(certs, [{ serial: (ok[0] as { value: string }).value, status: "valid" }], `request ${id}: ${JSON.stringify(certs)}`);
        const request = (await look("requests").where({ id }).first("state", "result_serial")) as { state: string; result_serial: string };
        assert.deepEqual(request, { state: "completed", result_serial: certs[0]!.serial });
        const approvals = await look("request_events").where({ request_id: id, action: "approve" }).count({ n: "*" });
        assert.equal(Number(approvals[0]!.n), 1);
      }
    } finally {
      await look.destroy();
    }
  });

  it("revoking the same certificate in both processes at once records one revocation, listed once on the CRLs both publish", async function () {
    this.timeout(30_000);
    const look = lookAt(db);
    try {
      const { result_serial: serial } = (await look("requests").where({ id: requestIds[0] }).first("result_serial")) as { result_serial: string };
      const replies = await both(children, { op: "revoke", serial });
      assert.equal(replies.filter((r) => r.ok).length, 1, JSON.stringify(replies));
      assert.deepEqual(replies.filter((r) => !r.ok).map((r) => (r as { code: string }).code), ["CERT_ALREADY_REVOKED"]);
      const rows = await look("revocations").where({ serial }).count({ n: "*" });
      assert.equal(Number(rows[0]!.n), 1);
      const audits = await look("audit_log").where({ action: "cert.revoke", object_id: serial, outcome: "ok" }).count({ n: "*" });
      assert.equal(Number(audits[0]!.n), 1);

      // Both publish at once: two CRLs with different numbers, each listing the serial exactly once.
      const published = await both(children, { op: "publish" });
      const numbers = published.map((r) => (r.ok ? Number(r.value) : NaN));
      assert.ok(numbers.every((n) => n > 0) && numbers[0] !== numbers[1], JSON.stringify(published));
      for (const n of numbers) {
        const text = await opensslAsync(["crl", "-inform", "DER", "-in", join(db.dataDir, "crl", "issuing", `${n}.crl`), "-CAfile", join(db.dataDir, "pki", "chain.pem"), "-noout", "-text"]);
        assert.match(text.stderr + text.stdout, /verify OK/);
        assert.equal([...text.stdout.matchAll(/Serial Number: ([0-9A-F]+)/g)].filter((m) => normSerial(m[1]!) === normSerial(serial)).length, 1, `CRL #${n}`);
      }
      const current = (await look("cas").where({ slug: "issuing" }).first("published_crl_number")) as { published_crl_number: number };
      assert.equal(Number(current.published_crl_number), Math.max(...numbers), "the newer CRL is the current one");
    } finally {
      await look.destroy();
    }
  });
});
