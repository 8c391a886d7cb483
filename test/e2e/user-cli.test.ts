// `npm run cli -- user …` end to end: add (generated and --password-env
// passwords), list, grant/revoke roles on units, reset-password; refusals are
// one line with a code and change nothing. `cert issue --unit` scopes a certificate.
import { strict as assert } from "node:assert";
import { forEachDatabase } from "../support/databases";
import { lastLine, runCli } from "../support/cli";
import { makeCsr } from "../support/csr";
import { loadConfig } from "../../server/config/load-config";
import { openCore, type Core } from "../../server/core";
import { addUnit } from "../support/access-fixture";
import { createArgon2Hasher } from "../../server/access/passwords";

forEachDatabase("user CLI", (db) => {
  let core: Core;
  const cli = (args: string[], extra: Record<string, string> = {}) => runCli(args, db.env({ CA_KEY_PASSPHRASE: "test-passphrase-not-secret", DEMO: "0", ...extra }));

  before(async function () {
    this.timeout(60_000);
    core = await openCore(loadConfig({ env: db.env({ CA_KEY_PASSPHRASE: "test-passphrase-not-secret" }) as Record<string, string>, cwd: db.dataDir }));
    await addUnit(core.store, "SO_YT", "Sở Y tế", "department", null);
    await core.hierarchy.init({ alg: "p256", force: false, actor: "test" });
  });

  after(async () => {
    await core?.close();
  });

  it("adds users, lists them, grants and revokes roles, resets passwords", async function () {
    this.timeout(60_000);
    const added = await cli(["user", "add", "--username", "dau.moi", "--role", "agency_focal_point", "--unit", "SO_YT", "--display-name", "Nguyễn Thị Đầu Mối"]);
    assert.equal(added.status, 0, added.stderr);
    const generated = /password \(shown once[^:]*\): (\S+)/.exec(added.stdout)?.[1];
    assert.ok(generated && generated.length === 20);
    const hasher = createArgon2Hasher();
    assert.ok(await hasher.verify((await core.store.users.findByUsername("dau.moi"))!.passwordHash, generated));

    const chosen = await cli(["user", "add", "--username", "giam.sat", "--role", "oversight", "--password-env", "PW"], { PW: "mot-mat-khau-du-dai" });
    assert.equal(chosen.status, 0, chosen.stderr);
    assert.doesNotMatch(chosen.stdout, /shown once/);

    const refused = await Promise.all([
      cli(["user", "add", "--username", "x1", "--role", "admin"]),
      cli(["user", "add", "--username", "khong.don.vi", "--role", "agency_focal_point"]),
      cli(["user", "add", "--username", "sai.don.vi", "--role", "agency_focal_point", "--unit", "NO_SUCH"]),
      cli(["user", "add", "--username", "dau.moi", "--role", "oversight"]),
      cli(["user", "add", "--username", "ngan.qua", "--role", "oversight", "--password-env", "PW"], { PW: "short" }),
      cli(["user", "grant-role", "--username", "giam.sat", "--role", "superuser"]),
    ]);
    assert.deepEqual(
      refused.map((r) => [r.status, /^error \[(\w+)\]/.exec(lastLine(r.stderr))?.[1]]),
      [[1, "USER_INVALID"], [1, "ROLE_INVALID"], [1, "UNIT_NOT_FOUND"], [1, "USER_EXISTS"], [1, "PASSWORD_POLICY"], [1, "ROLE_INVALID"]],
    );
    assert.equal(await core.store.users.findByUsername("khong.don.vi"), null);

    assert.equal((await cli(["user", "grant-role", "--username", "giam.sat", "--role", "provincial_officer", "--unit", "SO_YT"])).status, 0);
    const list = await cli(["user", "list"]);
    assert.equal(list.status, 0, list.stderr);
    assert.match(list.stdout, /dau\.moi\tNguyễn Thị Đầu Mối\tagency_focal_point@SO_YT/);
    assert.match(list.stdout, /giam\.sat\tgiam\.sat\toversight, provincial_officer@SO_YT/);

    assert.equal((await cli(["user", "revoke-role", "--username", "giam.sat", "--role", "provincial_officer", "--unit", "SO_YT"])).status, 0);
    assert.match((await cli(["user", "revoke-role", "--username", "giam.sat", "--role", "provincial_officer", "--unit", "SO_YT"])).stderr, /error \[ROLE_INVALID\]/);

    const reset = await cli(["user", "reset-password", "--username", "dau.moi"]);
    assert.equal(reset.status, 0, reset.stderr);
    const fresh = /password \(shown once[^:]*\): (\S+)/.exec(reset.stdout)?.[1];
    assert.ok(fresh && fresh !== generated);
    assert.ok(await hasher.verify((await core.store.users.findByUsername("dau.moi"))!.passwordHash, fresh));
    const log = (await core.store.audit.recent(50)).map((e) => `${e.action}:${e.outcome}`);
    for (const a of ["user.add:ok", "user.add:refused", "user.grant_role:ok", "user.revoke_role:ok", "user.reset_password:ok"]) assert.ok(log.includes(a), a);
  });

  it("cert issue --unit records the managing agency; an unknown unit is refused", async function () {
    this.timeout(60_000);
    const csr = makeCsr(db.dataDir, "p256");
    const ok = await cli(["cert", "issue", "--csr", csr.csrPath, "--profile", "individual", "--cn", "Trần Văn Y Tế", "--unit", "SO_YT", "--out", `${db.dataDir}/yt.pem`]);
    assert.equal(ok.status, 0, ok.stderr);
    const cert = await core.store.certificates.findBySerial(lastLine(ok.stdout));
    assert.equal(cert?.unitId, (await core.store.units.findByCode("SO_YT"))!.id);
    const bad = await cli(["cert", "issue", "--csr", makeCsr(db.dataDir, "p256").csrPath, "--profile", "individual", "--cn", "X", "--unit", "NOPE"]);
    assert.equal(bad.status, 1);
    assert.match(lastLine(bad.stderr), /^error \[UNIT_NOT_FOUND\]/);
  });
});
