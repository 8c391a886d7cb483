// Token moves in the database, on sqlite and PostgreSQL: every pair of states
// allowed or refused exactly as the allow-list says (state, event and audit
// only when allowed); handover names a subscriber of the token's unit;
// returned refused while a certificate is valid; two concurrent moves → one
// wins; lost/damaged revoke every valid certificate on the token with
// keyCompromise in the same transaction, and a failure midway leaves token and
// certificates exactly as they were.
import { strict as assert } from "node:assert";
import { createAccessAudit } from "../../server/access/access-audit";
import type { CallContext } from "../../server/access/actor";
import { createScoper } from "../../server/access/scope";
import { createGuard } from "../../server/directory/guard";
import { unitSourceFromStore } from "../../server/directory/unit-source";
import { AppError } from "../../server/errors/app-error";
import type { RevocationService } from "../../server/ra/revocation-service";
import { createTokenService, type TokenServiceDeps } from "../../server/ra/token-service";
import { moveOf, TOKEN_STATES, type TokenState } from "../../server/ra/token-states";
import { createTokenTransitions } from "../../server/ra/token-transitions";
import type { Store } from "../../server/store/store";
import { addUnit } from "../support/access-fixture";
import { startTestServer, TestServer } from "../support/app";
import { makeCsr } from "../support/csr";
import { forEachDatabase } from "../support/databases";

const ACTOR = "test:tokens";

forEachDatabase("token transitions", (db) => {
  let server: TestServer;
  let store: Store;
  let unitA: number;
  let unitB: number;
  let holderA: number;
  let holderB: number;
  let n = 0;

  before(async function () {
    this.timeout(60_000);
    server = await startTestServer(db);
    store = server.core.store;
    const prov = await addUnit(store, "PROV", "Tỉnh Thử Nghiệm", "province", null);
    unitA = await addUnit(store, "DEPT_A", "Sở Tài chính", "department", prov);
    unitB = await addUnit(store, "DEPT_B", "Sở Y tế", "department", prov);
    holderA = await store.subscribers.insert({ kind: "individual", unitId: unitA, name: "Nguyễn Văn An" }, new Date());
    holderB = await store.subscribers.insert({ kind: "individual", unitId: unitB, name: "Lê Văn Cường" }, new Date());
  });
  after(async () => server?.close());

  const transitions = () => createTokenTransitions({ revocation: server.core.revocation, clock: () => new Date() });
  const newToken = async (state: TokenState, holder: number | null = null) => {
    const id = await store.tokens.insert({ serial: `TK-${db.kind}-${++n}`, type: "usb_token", unitId: unitA, state, holderSubscriberId: holder }, new Date());
    assert.notEqual(id, "taken");
    return id as number;
  };
  const issueOn = async (tokenId: number, cn: string) => {
    const serial = (await server.core.issuance.issue({ csr: makeCsr(db.dataDir, "p256").pem, profile: "individual", commonName: cn, organization: "UBND tỉnh Thử Nghiệm", email: "an@thunghiem.gov.vn", actor: ACTOR, unitId: unitA })).serial;
    assert.ok(await store.tokens.attachCertificate(serial, tokenId));
    return serial;
  };
  async function codeOf(p: Promise<unknown>): Promise<string> {
    try {
      await p;
      return "ok";
    } catch (e) {
      if (e instanceof AppError) return e.code;
      throw e;
    }
  }

  it("allows every move of the allow-list and refuses every other pair, changing nothing when refused", async function () {
    this.timeout(60_000);
    const wrong: string[] = [];
    for (const from of TOKEN_STATES) {
      for (const to of TOKEN_STATES) {
        const id = await newToken(from, from === "in_stock" ? null : holderA);
        const input = { tokenId: id, to, actor: ACTOR, reason: `${from}→${to}`, holderSubscriberId: to === "issued" && from === "in_stock" ? holderA : null };
        const code = await codeOf(store.transaction((tx) => transitions().applyTransition(tx, input)));
        const expected = moveOf(from, to) ? "ok" : "TOKEN_TRANSITION_INVALID";
        if (code !== expected) wrong.push(`${from} → ${to}: ${code}, expected ${expected}`);
        const t = (await store.tokens.findById(id))!;
        const events = await store.tokens.events(id);
        const audit = (await store.audit.forObject("token", String(id))).filter((e) => e.action === "token.transition");
        if (expected === "ok") {
          if (t.state !== to || events.length !== 1 || events[0]!.fromState !== from || events[0]!.toState !== to || events[0]!.reason !== `${from}→${to}` || audit.length !== 1) wrong.push(`${from} → ${to}: not recorded`);
        } else if (t.state !== from || events.length !== 0 || audit.length !== 0) wrong.push(`${from} → ${to}: refused but changed`);
      }
    }
    assert.deepEqual(wrong, []);
  });

  it("hands over only to a subscriber of the token's unit, and clears the holder when the token is back in stock", async () => {
    const t = transitions();
    const id = await newToken("in_stock");
    assert.equal(await codeOf(store.transaction((tx) => t.applyTransition(tx, { tokenId: id, to: "issued", actor: ACTOR }))), "TOKEN_INVALID");
    assert.equal(await codeOf(store.transaction((tx) => t.applyTransition(tx, { tokenId: id, to: "issued", actor: ACTOR, holderSubscriberId: holderB }))), "TOKEN_INVALID");
    const r = await store.transaction((tx) => t.applyTransition(tx, { tokenId: id, to: "issued", actor: ACTOR, holderSubscriberId: holderA, requestId: 42 }));
    assert.equal(r.token.holderSubscriberId, holderA);
    assert.equal((await store.tokens.events(id))[0]!.requestId, 42);
    assert.equal(await codeOf(store.transaction((tx) => t.applyTransition(tx, { tokenId: id, to: "in_use", actor: ACTOR, holderSubscriberId: holderA }))), "TOKEN_INVALID");
    await store.transaction((tx) => t.applyTransition(tx, { tokenId: id, to: "returned", actor: ACTOR }));
    assert.equal((await store.tokens.findById(id))!.holderSubscriberId, holderA, "returned keeps who had it");
    const back = await store.transaction((tx) => t.applyTransition(tx, { tokenId: id, to: "in_stock", actor: ACTOR }));
    assert.equal(back.token.holderSubscriberId, null);
    assert.equal(await codeOf(store.transaction((tx) => t.applyTransition(tx, { tokenId: 999_999, to: "lost", actor: ACTOR }))), "TOKEN_NOT_FOUND");
  });

  it("refuses to take a token back while a certificate on it is valid, and allows it once the certificate is revoked", async function () {
    this.timeout(30_000);
    const t = transitions();
    const id = await newToken("in_use", holderA);
    const serial = await issueOn(id, "Nguyễn Văn An");
    try {
      await store.transaction((tx) => t.applyTransition(tx, { tokenId: id, to: "returned", actor: ACTOR }));
      assert.fail("expected a refusal");
    } catch (e) {
      assert.ok(e instanceof AppError && e.code === "TOKEN_TRANSITION_INVALID");
      assert.equal(e.details?.reason, "valid_certificates");
      assert.deepEqual(e.details?.serials, [serial]);
    }
    assert.equal((await store.tokens.findById(id))!.state, "in_use");
    await server.core.revocation.revoke({ serial, reason: "cessationOfOperation", actor: ACTOR });
    await store.transaction((tx) => t.applyTransition(tx, { tokenId: id, to: "returned", actor: ACTOR }));
    assert.equal((await store.tokens.findById(id))!.state, "returned");
  });

  // Both targets end the token's use, so whichever runs second is refused however the database orders them.
  it("lets exactly one of two concurrent moves win, every time", async function () {
    this.timeout(30_000);
    const t = transitions();
    for (let i = 0; i < 10; i++) {
      const id = await newToken("in_use", holderA);
      const [a, b] = await Promise.all([
        codeOf(store.transaction((tx) => t.applyTransition(tx, { tokenId: id, to: i % 2 ? "lost" : "returned", actor: `${ACTOR}:a` }))),
        codeOf(store.transaction((tx) => t.applyTransition(tx, { tokenId: id, to: "damaged", actor: `${ACTOR}:b` }))),
      ]);
      const outcomes = [a, b].sort();
      assert.ok(outcomes.filter((x) => x === "ok").length === 1, `round ${i}: ${a}, ${b}`);
      assert.ok(["TOKEN_CONFLICT", "TOKEN_TRANSITION_INVALID"].includes(a === "ok" ? b : a), `round ${i}: ${a}, ${b}`);
      const events = await store.tokens.events(id);
      assert.equal(events.length, 1);
      assert.equal((await store.tokens.findById(id))!.state, events[0]!.toState);
    }
  });

  it("revokes every valid certificate on a lost or damaged token with keyCompromise, in the move's transaction", async function () {
    this.timeout(30_000);
    const t = transitions();
    for (const to of ["lost", "damaged"] as const) {
      const id = await newToken("in_use", holderA);
      const serials = [await issueOn(id, "Nguyễn Văn An"), await issueOn(id, "Nguyễn Văn An (tổ chức)")];
      const old = await issueOn(id, "Nguyễn Văn An (cũ)");
      await server.core.revocation.revoke({ serial: old, reason: "superseded", actor: ACTOR });
      const r = await store.transaction((tx) => t.applyTransition(tx, { tokenId: id, to, actor: ACTOR }));
      assert.deepEqual(r.revoked.map((x) => x.serial).sort(), [...serials].sort());
      for (const s of serials) {
        const c = (await store.certificates.findBySerial(s))!;
        assert.equal(c.status, "revoked");
        assert.equal(c.revocationReason, 1, "keyCompromise (RFC 5280 5.3.1)");
        const entry = (await store.audit.forObject("certificate", s)).find((e) => e.action === "cert.revoke" && e.outcome === "ok")!;
        assert.equal(entry.details?.trigger, to === "lost" ? "token_lost" : "token_damaged");
      }
      assert.equal((await store.certificates.findBySerial(old))!.revocationReason, 4, "an earlier revocation keeps its reason");
      const audit = (await store.audit.forObject("token", String(id))).find((e) => e.action === "token.transition")!;
      assert.deepEqual((audit.details?.revoked as string[]).sort(), [...serials].sort());
    }
  });

  /** The people-facing service with a revocation that can be made to fail midway. */
  function service(failOn: number | null, afterLost?: TokenServiceDeps["afterLost"]) {
    const units = unitSourceFromStore(store.units);
    const scoper = createScoper(units);
    const guard = createGuard({ scoper, audit: createAccessAudit({ store, clock: () => new Date() }), clock: () => new Date() });
    const real: RevocationService = server.core.revocation;
    const announced: string[] = [];
    const revocation = {
      // failOn = n: the first n-1 certificates are revoked inside the transaction, then it fails.
      async revokeManyWithin(tx: Store, reqs: Parameters<RevocationService["revokeManyWithin"]>[1], opts?: Parameters<RevocationService["revokeManyWithin"]>[2]) {
        if (failOn === null || reqs.length < failOn) return real.revokeManyWithin(tx, reqs, opts);
        assert.equal((await real.revokeManyWithin(tx, reqs.slice(0, failOn - 1), opts)).length, failOn - 1);
        throw new Error("forced failure in the middle of the lost-token revocations");
      },
      announce: (ns: Parameters<RevocationService["announce"]>[0]) => {
        announced.push(...ns.map((x) => x.serial));
        real.announce(ns);
      },
    };
    return { svc: createTokenService({ store, revocation, guard, scoper, clock: () => new Date(), afterLost }), announced };
  }
  const focalA = (): CallContext => ({ actor: { userId: 1, username: "focal_a", displayName: "Đầu mối A", roles: [{ role: "agency_focal_point", unitId: unitA }] }, requestId: "req-test" });

  it("leaves the token and every certificate unchanged when a revocation fails midway or the lost-token record cannot be opened", async function () {
    this.timeout(30_000);
    const id = await newToken("in_use", holderA);
    const serials = [await issueOn(id, "Một"), await issueOn(id, "Hai"), await issueOn(id, "Ba")];
    const failing = service(2);
    await assert.rejects(failing.svc.reportLost(focalA(), id, { note: "quên trên taxi" }), /forced failure/);
    const unchanged = async () => {
      assert.equal((await store.tokens.findById(id))!.state, "in_use");
      assert.equal((await store.tokens.events(id)).length, 0);
      for (const s of serials) assert.equal((await store.certificates.findBySerial(s))!.status, "valid", `${s} still valid`);
      assert.equal((await store.audit.forObject("token", String(id))).filter((e) => e.outcome === "ok").length, 0);
    };
    await unchanged();
    assert.deepEqual(failing.announced, [], "nothing announced");

    const hookFails = service(null, async () => {
      throw new AppError("INPUT_INVALID", "the lost-token record could not be opened");
    });
    await assert.rejects(hookFails.svc.reportLost(focalA(), id, { note: null }), { code: "INPUT_INVALID" });
    await unchanged();
    const refusals = (await store.audit.forObject("token", String(id))).filter((e) => e.outcome === "refused" && e.action === "tokens.report_lost");
    assert.equal(refusals.length, 1, "the refusal is audited outside the rolled-back transaction");

    const seen: Array<{ revokedSerials: string[]; unitId: number; note: string | null }> = [];
    const ok = service(null, async (tx, info) => {
      assert.equal((await tx.tokens.findById(info.tokenId))!.state, "lost", "the hook runs inside the transaction");
      seen.push(info);
    });
    const r = await ok.svc.reportLost(focalA(), id, { note: "mất khi đi công tác" });
    assert.equal(r.token.state, "lost");
    assert.deepEqual(r.revoked.map((x) => x.serial).sort(), [...serials].sort());
    assert.deepEqual(ok.announced.sort(), [...serials].sort(), "announced after the commit");
    assert.deepEqual(seen[0]!.revokedSerials.sort(), [...serials].sort());
    assert.equal(seen[0]!.unitId, unitA);
    assert.equal(seen[0]!.note, "mất khi đi công tác");
    assert.equal(await codeOf(ok.svc.reportLost(focalA(), id, { note: null })), "TOKEN_TRANSITION_INVALID", "lost is terminal");
  });
});
