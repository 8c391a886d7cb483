// Scoping: whole-CA roles see everything, unit roles their units' subtrees
// (as of the date asked), and a role that does not grant a permission adds nothing.
import { strict as assert } from "node:assert";
import type { Actor } from "../../../server/access/actor";
import { createScoper, inScope, narrow } from "../../../server/access/scope";
import { checkPasswordRules, generatePassword } from "../../../server/access/passwords";
import { GRANTS, ROLES } from "../../../server/access/roles";
import { isAppError } from "../../../server/errors/app-error";

// 1 → 2 → 3, 1 → 4; unit 5 only exists from 2025.
const TREE: Record<number, number[]> = { 1: [1, 2, 3, 4], 2: [2, 3], 3: [3], 4: [4] };
const source = { subtreeIds: async (id: number, at: Date) => (id === 5 ? (at.getUTCFullYear() >= 2025 ? [5] : []) : (TREE[id] ?? [])) };
const actor = (...roles: Array<[Actor["roles"][number]["role"], number | null]>): Actor => ({ userId: 1, username: "u", displayName: "U", roles: roles.map(([role, unitId]) => ({ role, unitId })) });
const now = new Date("2026-01-01T00:00:00Z");

describe("access scope", () => {
  const scoper = createScoper(source);

  it("gives whole-CA roles everything", async () => {
    for (const role of ["admin", "ca_operator", "oversight"] as const) assert.deepEqual(await scoper.scopeFor(actor([role, null]), now, "certificates.view"), { all: true });
  });

  it("gives unit roles the union of their subtrees", async () => {
    assert.deepEqual(await scoper.scopeFor(actor(["agency_focal_point", 2]), now), { all: false, unitIds: [2, 3] });
    assert.deepEqual(await scoper.scopeFor(actor(["agency_focal_point", 2], ["agency_focal_point", 4]), now), { all: false, unitIds: [2, 3, 4] });
    assert.deepEqual(await scoper.scopeFor(actor(["provincial_officer", 1]), now), { all: false, unitIds: [1, 2, 3, 4] });
  });

  it("follows the tree as of the date", async () => {
    assert.deepEqual(await scoper.scopeFor(actor(["agency_focal_point", 5]), new Date("2024-06-01T00:00:00Z")), { all: false, unitIds: [] });
    assert.deepEqual(await scoper.scopeFor(actor(["agency_focal_point", 5]), now), { all: false, unitIds: [5] });
  });

  it("counts only roles that grant the permission", async () => {
    const a = actor(["oversight", null], ["agency_focal_point", 2]);
    assert.deepEqual(await scoper.scopeFor(a, now, "certificates.view"), { all: true });
    assert.deepEqual(await scoper.scopeFor(a, now, "users.view"), { all: false, unitIds: [2, 3] });
    assert.equal(scoper.may(actor(["oversight", null]), "users.view"), false);
    assert.equal(scoper.may(actor(["ca_operator", null]), "users.view"), false);
    assert.equal(scoper.may(actor(), "dashboard.view"), false);
  });

  it("reads each unit's subtree once for one request's scoper, and again for the next request", async () => {
    const reads: number[] = [];
    const counting = createScoper({ subtreeIds: async (id, at) => (reads.push(id), source.subtreeIds(id, at)) });
    const a = actor(["provincial_officer", 1], ["agency_focal_point", 2]);
    const page = counting.forOneRequest();
    for (const p of ["dashboard.view", "requests.view", "requests.check", "requests.file", "requests.view"] as const) {
      assert.deepEqual(await page.scopeFor(a, now, p), await counting.scopeFor(a, now, p));
    }
    reads.length = 0;
    for (const p of ["dashboard.view", "requests.view", "requests.check"] as const) await page.scopeFor(a, now, p);
    assert.equal(reads.length, 0, "kept for the request");
    await counting.forOneRequest().scopeFor(a, now, "requests.view");
    assert.ok(reads.length > 0, "not kept beyond it");
    const failing = createScoper({ subtreeIds: async () => (reads.push(-1), Promise.reject(new Error("db down"))) }).forOneRequest();
    await assert.rejects(failing.scopeFor(a, now, "requests.view"), /db down/);
    await assert.rejects(failing.scopeFor(a, now, "requests.view"), /db down/);
    assert.equal(reads.filter((r) => r === -1).length, 2, "a failed read is read again");
  });

  it("every permission names only known roles", () => {
    for (const roles of Object.values(GRANTS)) for (const r of roles) assert.ok((ROLES as readonly string[]).includes(r));
  });

  it("checks membership and narrows to a subtree", () => {
    assert.ok(inScope({ all: true }, null));
    assert.ok(!inScope({ all: false, unitIds: [2] }, null));
    assert.ok(inScope({ all: false, unitIds: [2, 3] }, 3));
    assert.deepEqual(narrow({ all: true }, [2, 3]), { all: false, unitIds: [2, 3] });
    assert.deepEqual(narrow({ all: false, unitIds: [3, 4] }, [2, 3]), { all: false, unitIds: [3] });
  });
});

describe("password rules", () => {
  const rule = (pw: string, user: string, old?: string) => {
    try {
      checkPasswordRules(pw, user, old);
      return "ok";
    } catch (e) {
      assert.ok(isAppError(e));
      return String(e.details?.rule);
    }
  };

  it("wants at least 12 characters (counted as characters, not bytes), not the username, not the old one", () => {
    assert.equal(rule("elevenchars", "u"), "length");
    assert.equal(rule("mườihaikýtự", "u"), "length");
    assert.equal(rule("mườihaikýtựa", "u"), "ok");
    assert.equal(rule("Nguyenvanan.STC", "nguyenvanan.stc"), "username");
    assert.equal(rule("the-same-old-one", "u", "the-same-old-one"), "same");
  });

  it("generates 20-character passwords from an unambiguous alphabet", () => {
    let i = 0;
    const pw = generatePassword((n) => Buffer.from(Array.from({ length: n }, () => i++ % 256)));
    assert.equal(pw.length, 20);
    assert.match(pw, /^[a-km-zA-HJ-NP-Z2-9]+$/);
  });
});
