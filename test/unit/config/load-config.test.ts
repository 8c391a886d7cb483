import { strict as assert } from "node:assert";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadConfig, usesDevelopmentPassphrase } from "../../../server/config/load-config";
import { useTempDir } from "../../support/tmp";

describe("configuration", () => {
  const dir = useTempDir("chungthu-config-");
  it("works with no configuration at all, warning about the development passphrase", () => {
    const c = loadConfig({ env: {}, cwd: dir() });
    assert.equal(c.port, 3000);
    assert.equal(c.publicUrl, "http://localhost:3000");
    assert.equal(c.dataDir, join(dir(), "data"));
    assert.equal(c.databaseUrl, undefined);
    assert.ok(usesDevelopmentPassphrase(c));
  });
  it("layers defaults ← chungthu.config.json ← environment", () => {
    writeFileSync(join(dir(), "chungthu.config.json"), JSON.stringify({ port: 4000, publicUrl: "https://ca.example.vn/", crl: { validityHours: 12 } }));
    const c = loadConfig({ env: { PORT: "5000", CA_KEY_PASSPHRASE: "a-long-enough-passphrase" }, cwd: dir() });
    assert.equal(c.port, 5000);
    assert.equal(c.publicUrl, "https://ca.example.vn");
    assert.equal(c.crl.validityHours, 12);
    assert.equal(c.crl.debounceMs, 1000);
    assert.ok(!usesDevelopmentPassphrase(c));
  });
  const bad: Array<[string, Record<string, string>, RegExp]> = [
    ["a port out of range", { PORT: "70000" }, /port/],
    ["a PUBLIC_URL that is not a URL", { PUBLIC_URL: "ca.example" }, /publicUrl/],
    ["a DATABASE_URL that is not PostgreSQL", { DATABASE_URL: "mysql://x" }, /postgres/],
    ["a short passphrase", { CA_KEY_PASSPHRASE: "short" }, /12 characters/],
  ];
  for (const [what, env, message] of bad) {
    it(`refuses ${what} with a clear message`, () => {
      assert.throws(() => loadConfig({ env, cwd: dir() }), (e: Error & { code?: string }) => e.code === "CONFIG_INVALID" && message.test(e.message));
    });
  }
  it("refuses a broken config file and a missing CONFIG_FILE", () => {
    writeFileSync(join(dir(), "broken.json"), "{ not json");
    assert.throws(() => loadConfig({ env: { CONFIG_FILE: "broken.json" }, cwd: dir() }), { code: "CONFIG_INVALID" });
    assert.throws(() => loadConfig({ env: { CONFIG_FILE: "missing.json" }, cwd: dir() }), { code: "CONFIG_INVALID" });
  });
});
