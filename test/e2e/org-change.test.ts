// Agency merger and dissolution effects on certificates and tokens (issue 5),
// on sqlite and PostgreSQL: the preview (before the batch is applied) lists
// exactly what the run then does, compared item by item with the database; a
// run interrupted after its first chunk resumes and finishes with nothing done
// twice; a second run of the same batch does nothing new; a focal point may
// not run it (refused, audited).
import { strict as assert } from "node:assert";
import type { CallContext } from "../../server/access/actor";
import { AppError } from "../../server/errors/app-error";
import { createUnitService } from "../../server/org/unit-service";
import type { OrgChangePlan } from "../../server/ra/org-change-effects";
import { createOrgChangeRunner } from "../../server/ra/org-change-run";
import { CrlReason } from "../../server/ra/revocation-reasons";
import { eventually, startTestServer, type TestServer } from "../support/app";
import { addUnit, PASSWORD, seedAccessFixture, type AccessFixture } from "../support/access-fixture";
import { runCli } from "../support/cli";
import { WebClient } from "../support/web-client";
import { forEachDatabase } from "../support/databases";
import { actorOf, addPerson, shiftedClock, TODAY, TOKEN_RETURN_DUE, type Person } from "./staff-change-fixture";

forEachDatabase("org change: merger and dissolution effects", (db) => {
  let server: TestServer;
  let fx: AccessFixture;
  let officer: CallContext;

  before(async function () {
    this.timeout(60_000);
    server = await startTestServer(db, {}, shiftedClock);
    fx = await seedAccessFixture(server, db.dataDir);
    officer = { actor: actorOf(fx.users.provincial, "provincial", "provincial_officer", fx.units.PROV), requestId: null };
  });
  after(async () => server?.close());

  let n = 0;
  /** Two communes with people, certificates and tokens, merged into a new one by a draft batch. */
  async function mergerBatch(people = 1): Promise<{ batchId: number; persons: Person[]; codes: [string, string, string] }> {
    const k = ++n;
    const codes: [string, string, string] = [`XA_X${k}`, `XA_Y${k}`, `XA_Z${k}`];
    const x = await addUnit(server.core.store, codes[0], `UBND xã Đông ${k}`, "commune", fx.units.PROV);
    const y = await addUnit(server.core.store, codes[1], `UBND xã Tây ${k}`, "commune", fx.units.PROV);
    const persons: Person[] = [];
    for (let i = 0; i < people; i++) {
      persons.push(await addPerson(server, db.dataDir, x, `Nguyễn Văn Đông ${k}${i}`));
      persons.push(await addPerson(server, db.dataDir, y, `Trần Thị Tây ${k}${i}`));
    }
    const batch = await server.core.units.draftBatch(`Sáp nhập ${k}`, TODAY, [{ kind: "merge", units: [codes[0], codes[1]], into: { code: codes[2], name: `UBND xã Hợp Nhất ${k}`, type: "commune", parent: "PROV" } }], "test:org");
    return { batchId: batch.id, persons, codes };
  }

  const key = (e: { objectKind: string; objectId: string; action: string }) => `${e.objectKind}:${e.objectId}:${e.action}`;

  /** The database agrees with every planned effect (after the run). */
  async function assertExecuted(plan: OrgChangePlan, batchId: number): Promise<void> {
    const { store } = server.core;
    const run = (await store.orgChanges.findRunByBatch(batchId))!;
    assert.equal(run.state, "finished");
    const items = await store.orgChanges.items(run.id);
    assert.deepEqual(items.map(key), plan.effects.map(key), "the run's items are the preview's effects, in order");
    assert.ok(items.every((i) => i.status === "done"), JSON.stringify(items.filter((i) => i.status !== "done")));
    for (const e of plan.effects) {
      const to = e.toCode ? (await store.units.findByCode(e.toCode))!.id : null;
      if (e.objectKind === "subscriber") assert.equal((await store.subscribers.findById(Number(e.objectId)))!.unitId, to);
      if (e.objectKind === "token" && e.action === "rehome") assert.equal((await store.tokens.findById(Number(e.objectId)))!.unitId, to);
      if (e.objectKind === "token" && e.action === "token_return") {
        const [task, ...more] = await store.requests.openForToken(Number(e.objectId), ["token_return"]);
        assert.equal(more.length, 0);
        assert.equal(task!.dueDate, TOKEN_RETURN_DUE);
      }
      if (e.objectKind === "cert") {
        const cert = (await store.certificates.findBySerial(e.objectId))!;
        if (e.action.startsWith("revoke_")) {
          assert.equal(cert.status, "revoked");
          assert.equal(cert.revocationReason, CrlReason[e.reason!]);
          assert.equal((await store.certificates.ocspStatus(cert.caId, e.objectId))!.status, "revoked");
        } else {
          assert.equal(cert.status, "valid");
          assert.equal(cert.unitId, to);
          const open = await store.requests.openForTarget(e.objectId, ["change"]);
          assert.equal(open.length, e.action === "rehome_change" ? 1 : 0);
          if (open[0]) {
            assert.equal(open[0].unitId, to);
            assert.equal(open[0].source, "system");
            assert.equal(open[0].state, "submitted");
          }
        }
      }
    }
  }

  it("merger of two communes: the preview before apply equals the run (subscribers, certificates and tokens re-homed, a change request per certificate)", async function () {
    this.timeout(60_000);
    const { batchId, persons, codes } = await mergerBatch();
    const before = await server.portal.orgChanges.view({ ctx: officer }, batchId);
    assert.ok(before.blocker, "a draft batch cannot be run yet");
    const preview = before.plan!;
    assert.deepEqual(preview.units.map((u) => [u.code, u.fate, u.successor]), [[codes[0], "merged", codes[2]], [codes[1], "merged", codes[2]]]);
    assert.deepEqual(preview.counts, { rehome: 4, rehome_change: 2 });
    assert.deepEqual(
      preview.effects.filter((e) => e.objectKind === "cert").map((e) => e.objectId).sort(),
      persons.flatMap((p) => p.serials).sort(),
    );
    await server.core.units.apply(batchId, "test:org");
    const ready = await server.portal.orgChanges.view({ ctx: officer }, batchId);
    assert.equal(ready.blocker, null);
    assert.deepEqual(ready.plan!.effects.map(key), preview.effects.map(key));
    const { run, created } = await server.portal.orgChanges.run({ ctx: officer }, batchId, { mode: "rehome", expectDigest: ready.plan!.digest });
    assert.ok(created);
    assert.equal(run.done, preview.effects.length);
    await assertExecuted(preview, batchId);
  });

  it("dissolution: certificates revoked cessationOfOperation and token-return tasks due in 5 working days on the holiday calendar", async function () {
    this.timeout(60_000);
    const code = `XA_GT${++n}`;
    const unit = await addUnit(server.core.store, code, `UBND xã Giải Thể ${n}`, "commune", fx.units.PROV);
    const p = await addPerson(server, db.dataDir, unit, "Hoàng Văn Giải", 2);
    const batch = await server.core.units.draftBatch(`Giải thể ${n}`, TODAY, [{ kind: "dissolve", unit: code }], "test:org");
    const preview = (await server.portal.orgChanges.view({ ctx: officer }, batch.id)).plan!;
    assert.deepEqual(preview.effects.map(key), [...p.serials].sort().map((s) => `cert:${s}:revoke_dissolved`).concat(`token:${p.tokenId}:token_return`));
    assert.ok(preview.effects.filter((e) => e.objectKind === "cert").every((e) => e.reason === "cessationOfOperation"));
    await server.core.units.apply(batch.id, "test:org");
    await server.portal.orgChanges.run({ ctx: officer }, batch.id, { expectDigest: preview.digest });
    await assertExecuted(preview, batch.id);
  });

  it("an interrupted run resumes where it stopped and finishes with nothing done twice; a second run does nothing new", async function () {
    this.timeout(60_000);
    const { store } = server.core;
    const { batchId } = await mergerBatch(2);
    await server.core.units.apply(batchId, "test:org");
    const deps = { store, units: createUnitService({ store, clock: shiftedClock }), scoper: server.portal.scoper, accessAudit: server.portal.accessAudit, revocation: server.core.revocation, openTokenReturn: server.portal.requestExecutor.openTokenReturn, deadlines: server.portal.sla, clock: shiftedClock, chunkSize: 3 };
    const crashing = createOrgChangeRunner({ ...deps, afterChunk: () => { throw new Error("injected failure after the first chunk"); } });
    const plan = (await crashing.view({ ctx: officer }, batchId)).plan!;
    assert.equal(plan.effects.length, 12);
    await assert.rejects(crashing.run({ ctx: officer }, batchId, { expectDigest: plan.digest }), /injected failure/);
    const stopped = (await store.orgChanges.findRunByBatch(batchId))!;
    assert.equal(stopped.state, "interrupted");
    assert.equal(stopped.done, 3);

    const runner = createOrgChangeRunner(deps);
    assert.equal((await runner.view({ ctx: officer }, batchId)).resumable, true, "the page offers to resume");
    const resumed = await runner.run({ ctx: officer }, batchId);
    assert.equal(resumed.created, false);
    assert.equal(resumed.run.state, "finished");
    assert.equal(resumed.run.done, 12);
    await assertExecuted(plan, batchId);
    // Each item's effect was audited exactly once.
    for (const e of plan.effects) {
      const type = e.objectKind === "cert" ? "certificate" : e.objectKind;
      assert.equal((await store.audit.forObject(type, e.objectId)).filter((a) => a.action === `org_change.${e.action}`).length, 1, key(e));
    }
    const changeRequests = async () => (await Promise.all(plan.effects.filter((e) => e.action === "rehome_change").map((e) => store.requests.openForTarget(e.objectId, ["change"])))).flat().length;
    assert.equal(await changeRequests(), 4);

    const effectsAudited = async () => (await store.audit.forObject("unit_batch", String(batchId))).filter((a) => a.outcome === "ok").length;
    const auditedBefore = await effectsAudited();
    const again = await runner.run({ ctx: officer }, batchId);
    assert.equal(again.created, false);
    assert.equal(again.run.id, resumed.run.id);
    assert.equal(await changeRequests(), 4, "nothing new");
    assert.equal(await effectsAudited(), auditedBefore, "no new run started or finished");
  });

  it("the pages: the officer sees every effect on «Ảnh hưởng tới chứng thư và token», runs it and follows the progress to the end", async function () {
    this.timeout(60_000);
    const { batchId, persons } = await mergerBatch();
    await server.core.units.apply(batchId, "test:org");
    const web = new WebClient(server.url);
    assert.equal((await web.signIn("provincial", PASSWORD)).status, 303);
    assert.match((await web.get("/org-changes")).text, new RegExp(`/org-changes/${batchId}`));
    const page = await web.get(`/org-changes/${batchId}`);
    assert.equal(page.status, 200);
    for (const serial of persons.flatMap((p) => p.serials)) assert.ok(page.text.includes(serial));
    const digest = /name="digest" value="([0-9a-f]{64})"/.exec(page.text)![1]!;
    const started = await web.post(`/org-changes/${batchId}/run`, { mode: "rehome", digest });
    assert.equal(started.status, 303);
    await eventually(async () => (await server.core.store.orgChanges.findRunByBatch(batchId))?.state === "finished", 20_000, "the run to finish");
    const done = await web.get(`/org-changes/${batchId}`);
    assert.match(done.text, /Đã xong/);
    const focal = new WebClient(server.url);
    await focal.signIn("focal_a", PASSWORD);
    assert.equal((await focal.get(`/org-changes/${batchId}`)).status, 403);
  });

  it("command line: org-change preview prints the same effects and digest; run of a finished batch does nothing new", async function () {
    this.timeout(60_000);
    const { batchId } = await mergerBatch();
    const plan = (await server.portal.orgChanges.view({ ctx: officer }, batchId)).plan!;
    const shown = await runCli(["org-change", "preview", "--batch", String(batchId)], db.env());
    assert.equal(shown.status, 0, shown.stderr);
    assert.ok(shown.stdout.includes(`digest ${plan.digest}`), shown.stdout);
    for (const e of plan.effects) assert.ok(shown.stdout.includes(e.objectId));
    await server.core.units.apply(batchId, "test:org");
    await server.portal.orgChanges.run({ ctx: officer }, batchId);
    const again = await runCli(["org-change", "run", "--batch", String(batchId)], db.env());
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /already done: finished, 6\/6 done, 0 failed/);
    const refused = await runCli(["org-change", "run", "--batch", "999999"], db.env());
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /^error \[BATCH_NOT_FOUND\]/);
  });

  it("a focal point may not preview or run a batch's effects (refused and audited)", async function () {
    this.timeout(30_000);
    const { batchId } = await mergerBatch();
    const focal: CallContext = { actor: actorOf(fx.users.focal_a, "focal_a", "agency_focal_point", fx.units.DEPT_A), requestId: null };
    for (const p of [server.portal.orgChanges.view({ ctx: focal }, batchId), server.portal.orgChanges.run({ ctx: focal }, batchId)]) {
      await assert.rejects(p, (e: unknown) => e instanceof AppError && e.code === "FORBIDDEN");
    }
    const denied = (await server.core.store.audit.forObject("unit_batch", String(batchId))).filter((a) => a.outcome === "refused" && a.actor === "web:focal_a");
    assert.equal(denied.length, 2);
    assert.equal(await server.core.store.orgChanges.findRunByBatch(batchId), null);
  });
});
