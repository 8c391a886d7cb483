// The token allow-list as a table: exactly the moves issue 5 describes, lost
// and damaged terminal and revoking, returned guarded by "no valid certificate",
// every state reachable from in_stock, and no move to itself.
import { strict as assert } from "node:assert";
import { moveOf, movesFrom, TERMINAL_STATES, TOKEN_MOVES, TOKEN_STATES, type TokenState } from "../../../server/ra/token-states";

/** Every allowed move, written out by hand: the table must say exactly this. */
export const EXPECTED_MOVES: ReadonlyArray<[TokenState, TokenState]> = [
  ["in_stock", "issued"],
  ["in_stock", "lost"],
  ["in_stock", "damaged"],
  ["issued", "in_use"],
  ["issued", "lost"],
  ["issued", "damaged"],
  ["issued", "returned"],
  ["in_use", "locked"],
  ["in_use", "lost"],
  ["in_use", "damaged"],
  ["in_use", "returned"],
  ["locked", "recovered"],
  ["locked", "lost"],
  ["locked", "damaged"],
  ["locked", "returned"],
  ["recovered", "in_use"],
  ["recovered", "lost"],
  ["recovered", "damaged"],
  ["recovered", "returned"],
  ["returned", "in_stock"],
];

describe("token states (allow-list)", () => {
  it("allows exactly the listed moves and refuses the other pairs", () => {
    const allowed = new Set(EXPECTED_MOVES.map(([a, b]) => `${a}→${b}`));
    for (const from of TOKEN_STATES) {
      for (const to of TOKEN_STATES) {
        assert.equal(moveOf(from, to) !== null, allowed.has(`${from}→${to}`), `${from} → ${to}`);
      }
    }
    assert.equal(TOKEN_MOVES.length, EXPECTED_MOVES.length, "no duplicate rows");
  });

  it("makes lost and damaged terminal; returned goes back to stock only", () => {
    assert.deepEqual([...TERMINAL_STATES].sort(), ["damaged", "lost"]);
    assert.deepEqual(movesFrom("returned").map((m) => m.to), ["in_stock"]);
  });

  it("revokes certificates on lost and damaged only, guards returned and re-stocking, names the holder on handover only", () => {
    for (const m of TOKEN_MOVES) {
      assert.equal(!!m.revokesCertificates, m.to === "lost" || m.to === "damaged", `${m.from}→${m.to}`);
      assert.equal(!!m.needsNoValidCertificate, m.to === "returned" || m.to === "in_stock", `${m.from}→${m.to}`);
      assert.equal(!!m.needsHolder, m.to === "issued", `${m.from}→${m.to}`);
    }
  });

  it("lets whoever may report a loss report it, and keeps PIN recovery with the CA operator and the province", () => {
    for (const m of TOKEN_MOVES.filter((x) => x.to === "lost")) assert.equal(m.permission, "tokens.report_lost");
    const recover = moveOf("locked", "recovered")!;
    assert.deepEqual([...recover.roles!].sort(), ["admin", "ca_operator", "provincial_officer"]);
    assert.equal(recover.form, "06");
  });

  it("reaches every state from in_stock", () => {
    const seen = new Set<TokenState>(["in_stock"]);
    for (let grew = true; grew; ) {
      grew = false;
      for (const m of TOKEN_MOVES) if (seen.has(m.from) && !seen.has(m.to)) (seen.add(m.to), (grew = true));
    }
    assert.deepEqual([...seen].sort(), [...TOKEN_STATES].sort());
  });
});
