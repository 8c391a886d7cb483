// Sign-in and sessions over real HTTP: wrong passwords counted and audited,
// lock-out with the unlock time, the per-address rate limit (shared by the
// servers of one database), sessions that
// survive a restart, sign out (here and everywhere), password change rules,
// CSRF refusals (403 + audit), the mail language on the account page, the
// language switch and friendly error pages.
import { strict as assert } from "node:assert";
import { forEachDatabase } from "../support/databases";
import { startTestServer, TestServer, testConfig } from "../support/app";
import { addUnit, PASSWORD } from "../support/access-fixture";
import { WebClient } from "../support/web-client";
import { createUserAdminService } from "../../server/access/user-admin-service";
import { createArgon2Hasher } from "../../server/access/passwords";
import { unitSourceFromStore } from "../../server/directory/unit-source";

forEachDatabase("sign-in, sessions and CSRF", (db) => {
  let server: TestServer;
  let offsetMs = 0;
  const clock = () => new Date(Date.now() + offsetMs);
  const auth = () => ({ ...testConfig(db).auth, maxFailedLogins: 3, lockoutMinutes: 15 });

  before(async function () {
    this.timeout(60_000);
    server = await startTestServer(db, { auth: auth() }, clock);
    const store = server.core.store;
    const unit = await addUnit(store, "SO_TC", "Sở Tài chính", "department", null);
    const admin = createUserAdminService({ store, units: unitSourceFromStore(store.units), passwords: createArgon2Hasher(), clock, random: (n) => Buffer.alloc(n, 1) });
    for (const username of ["alice", "bob", "carol", "nguyenvanan.stc", "dave"]) {
      await admin.add({ username, displayName: `Cán bộ ${username}`, role: "agency_focal_point", unitCode: "SO_TC", password: PASSWORD }, "test");
    }
    assert.ok(unit > 0);
  });

  after(async () => {
    await server?.close();
  });

  const audits = async (action: string) => (await server.core.store.audit.recent(200)).filter((e) => e.action === action);

  it("refuses a wrong password with one message, counts it and audits it", async () => {
    const c = new WebClient(server.url);
    const r = await c.signIn("alice", "not-the-password");
    assert.equal(r.status, 401);
    assert.match(r.text, /Sai tên đăng nhập hoặc mật khẩu/);
    assert.equal((await server.core.store.users.findByUsername("alice"))!.failedLogins, 1);
    const unknown = await c.post("/login", { username: "nobody", password: "whatever-it-is" });
    assert.equal(unknown.status, 401);
    assert.match(unknown.text, /Sai tên đăng nhập hoặc mật khẩu/);
    const refused = (await audits("auth.login")).filter((e) => e.outcome === "refused");
    assert.ok(refused.some((e) => e.details?.username === "alice" && e.details?.reason === "wrong_password"));
    assert.ok(refused.some((e) => e.details?.username === "nobody" && e.details?.reason === "unknown_user"));
    // A success resets the counter.
    assert.equal((await c.post("/login", { username: "alice", password: PASSWORD })).status, 303);
    assert.equal((await server.core.store.users.findByUsername("alice"))!.failedLogins, 0);
  });

  it("locks the account after N wrong passwords, says until when in Vietnamese, and unlocks after that", async () => {
    const c = new WebClient(server.url);
    await c.get("/login");
    assert.equal((await c.post("/login", { username: "bob", password: "wrong-1-wrong-1" })).status, 401);
    assert.equal((await c.post("/login", { username: "bob", password: "wrong-2-wrong-2" })).status, 401);
    const locked = await c.post("/login", { username: "bob", password: "wrong-3-wrong-3" });
    assert.equal(locked.status, 423);
    assert.match(locked.text, /Tài khoản đã bị tạm khoá vì nhập sai mật khẩu quá nhiều lần\. Bạn có thể đăng nhập lại sau \d\d:\d\d \d\d\/\d\d\/\d{4}\./);
    // Even the right password is refused while locked.
    const still = await c.post("/login", { username: "bob", password: PASSWORD });
    assert.equal(still.status, 423);
    assert.ok((await audits("auth.login")).some((e) => e.details?.username === "bob" && e.details?.reason === "locked"));
    offsetMs += 16 * 60_000;
    assert.equal((await c.post("/login", { username: "bob", password: PASSWORD })).status, 303);
  });

  it("keeps a session across a server restart", async function () {
    this.timeout(60_000);
    const c = new WebClient(server.url);
    assert.equal((await c.signIn("carol", PASSWORD)).status, 303);
    assert.equal((await c.get("/dashboard")).status, 200);
    await server.close();
    server = await startTestServer(db, { auth: auth() }, clock);
    const again = new WebClient(server.url);
    for (const [k, v] of c.cookies) again.cookies.set(k, v);
    const dash = await again.get("/dashboard");
    assert.equal(dash.status, 200, "the session cookie still works after the restart");
    assert.match(dash.text, /Cán bộ carol/);
  });

  it("rate-limits sign-in attempts per client address, whatever the username, counted across every server of the database", async function () {
    this.timeout(60_000);
    const limited = { auth: { ...auth(), loginRateLimit: { windowSeconds: 60, max: 3 } } };
    // Two processes of one deployment (WORKERS=2, or two servers behind a balancer) on the same database.
    const first = await startTestServer(db, limited, clock);
    const second = await startTestServer(db, limited, clock);
    const offsetBefore = offsetMs;
    await server.core.store.rateLimits.removeExpired(Number.MAX_SAFE_INTEGER); // the earlier tests' sign-ins from this address
    try {
      const botA = new WebClient(first.url);
      const botB = new WebClient(second.url);
      await botA.get("/login");
      await botB.get("/login");
      assert.equal((await botA.post("/login", { username: "nobody", password: "guess-number-0" })).status, 401);
      assert.equal((await botB.post("/login", { username: "nobody", password: "guess-number-1" })).status, 401);
      assert.equal((await botA.post("/login", { username: "nobody", password: "guess-number-2" })).status, 401);
      // The fourth attempt is refused on either server: the three were counted together.
      for (const bot of [botB, botA]) {
        const refused = await bot.post("/login", { username: "dave", password: PASSWORD });
        assert.equal(refused.status, 429);
        assert.match(refused.text, /Có quá nhiều lần đăng nhập từ máy này/);
      }
      assert.ok((await audits("auth.login")).some((e) => e.details?.reason === "rate_limited"));
      // A new window after a minute.
      offsetMs += 61_000;
      assert.equal((await botB.post("/login", { username: "dave", password: PASSWORD })).status, 303);
    } finally {
      offsetMs = offsetBefore;
      await server.core.store.rateLimits.removeExpired(Number.MAX_SAFE_INTEGER);
      await Promise.all([first.close(), second.close()]);
    }
  });

  it("signs out one session, and everywhere", async () => {
    const one = new WebClient(server.url);
    const two = new WebClient(server.url);
    const three = new WebClient(server.url);
    for (const c of [one, two, three]) assert.equal((await c.signIn("dave", PASSWORD)).status, 303);
    await three.get("/dashboard");
    const out = await three.post("/logout");
    assert.equal(out.status, 303);
    assert.equal(out.location, "/login?bye=1");
    assert.equal((await three.get("/dashboard")).status, 303);
    assert.equal((await one.get("/dashboard")).status, 200, "signing out one session leaves the others");

    await one.get("/account");
    const everywhere = await one.post("/logout-everywhere");
    assert.equal(everywhere.status, 303);
    assert.equal(everywhere.location, "/login?bye=all");
    assert.equal((await one.get("/dashboard")).status, 303);
    assert.equal((await two.get("/dashboard")).status, 303, "the other browser is signed out too");
    assert.match((await one.get("/login?bye=all")).text, /Bạn đã đăng xuất khỏi mọi phiên làm việc/);
  });

  it("changes the password only with the old one, ≥ 12 characters, not the username; other sessions end", async () => {
    const c = new WebClient(server.url);
    const other = new WebClient(server.url);
    assert.equal((await c.signIn("nguyenvanan.stc", PASSWORD)).status, 303);
    assert.equal((await other.signIn("nguyenvanan.stc", PASSWORD)).status, 303);
    await c.get("/account");
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ oldPassword: "wrong-old-password", newPassword: "a-fine-new-password", confirm: "a-fine-new-password" }, /Mật khẩu hiện tại không đúng/],
      [{ oldPassword: PASSWORD, newPassword: "short-pw", confirm: "short-pw" }, /Mật khẩu mới phải có ít nhất 12 ký tự/],
      [{ oldPassword: PASSWORD, newPassword: "nguyenvanan.stc", confirm: "nguyenvanan.stc" }, /Mật khẩu mới không được trùng tên đăng nhập/],
      [{ oldPassword: PASSWORD, newPassword: "a-fine-new-password", confirm: "another-password" }, /Hai lần nhập mật khẩu mới không khớp/],
    ];
    for (const [form, message] of cases) {
      const r = await c.post("/account/password", form);
      assert.equal(r.status, 400);
      assert.match(r.text, message);
    }
    const ok = await c.post("/account/password", { oldPassword: PASSWORD, newPassword: "một-mật-khẩu-mới-dài", confirm: "một-mật-khẩu-mới-dài" });
    assert.equal(ok.status, 303);
    assert.match((await c.get("/account?changed=1")).text, /Đã đổi mật khẩu/);
    assert.equal((await other.get("/dashboard")).status, 303, "the other session ended");
    assert.equal((await new WebClient(server.url).signIn("nguyenvanan.stc", PASSWORD)).status, 401);
    assert.equal((await new WebClient(server.url).signIn("nguyenvanan.stc", "một-mật-khẩu-mới-dài")).status, 303);
    const changes = await audits("auth.password_change");
    assert.ok(changes.some((e) => e.outcome === "refused" && e.details?.code === "PASSWORD_WRONG"));
    assert.ok(changes.some((e) => e.outcome === "ok"));
  });

  it("sets the user's own mail language on the account page: vi or en only, a refusal changes nothing, both audited", async () => {
    const c = new WebClient(server.url);
    assert.equal((await c.signIn("carol", PASSWORD)).status, 303);
    const carol = (await server.core.store.users.findByUsername("carol"))!;
    const selected = (html: string) => /<option value="(\w+)" selected>/.exec(html)?.[1];
    const page = await c.get("/account");
    assert.match(page.text, /Ngôn ngữ thư điện tử/);
    assert.equal(selected(page.text), "vi", "Vietnamese by default");

    for (const bad of ["fr", "", "vi; drop table users", "EN"]) {
      const r = await c.post("/account/mail-language", { mailLang: bad });
      assert.equal(r.status, 400, bad);
      assert.match(r.text, /Ngôn ngữ thư không hợp lệ: chỉ chọn Tiếng Việt hoặc English/);
      assert.equal(selected(r.text), "vi");
    }
    assert.equal(await server.core.store.mailRecipients.langOf(carol.id), "vi", "the refusals changed nothing");

    const ok = await c.post("/account/mail-language", { mailLang: "en" });
    assert.equal(ok.status, 303);
    assert.equal(ok.location, "/account?mailLang=1");
    const after = await c.get("/account?mailLang=1");
    assert.match(after.text, /Đã lưu ngôn ngữ thư điện tử/);
    assert.equal(selected(after.text), "en");
    assert.match(after.text, /Tài khoản của tôi/, "the pages keep the session's language");
    assert.equal(await server.core.store.mailRecipients.langOf(carol.id), "en");
    // Saving the same choice again is not a change: no second entry.
    assert.equal((await c.post("/account/mail-language", { mailLang: "en" })).status, 303);

    const entries = (await audits("account.mail_lang")).filter((e) => e.objectId === String(carol.id));
    assert.equal(entries.filter((e) => e.outcome === "refused" && e.details?.code === "MAIL_LANG_UNKNOWN").length, 4);
    const changes = entries.filter((e) => e.outcome === "ok");
    assert.equal(changes.length, 1);
    assert.deepEqual({ from: changes[0]!.details?.from, to: changes[0]!.details?.to }, { from: "vi", to: "en" });
    assert.equal(changes[0]!.actor, "web:carol");
  });

  it("refuses every form without a valid CSRF token with 403, and audits it", async () => {
    const c = new WebClient(server.url);
    assert.equal((await c.signIn("alice", PASSWORD)).status, 303);
    await c.get("/account");
    const missing = await c.post("/account/password", { oldPassword: PASSWORD, newPassword: "x-x-x-x-x-x-x-x", confirm: "x-x-x-x-x-x-x-x" }, false);
    assert.equal(missing.status, 403);
    assert.match(missing.text, /Biểu mẫu đã hết hạn hoặc không hợp lệ/);
    const wrong = await c.post("/logout-everywhere", { _csrf: "A".repeat(43) });
    assert.equal(wrong.status, 403);
    assert.equal((await c.get("/dashboard")).status, 200, "the refused sign-out changed nothing");
    // The sign-in form too (no session at all: a cross-site login attempt).
    const anon = await new WebClient(server.url).post("/login", { username: "alice", password: PASSWORD }, false);
    assert.equal(anon.status, 403);
    const refused = await audits("csrf.refused");
    assert.ok(refused.some((e) => e.actor === "web:alice" && e.objectId === "POST /account/password" && e.details?.reason === "token_missing"));
    assert.ok(refused.some((e) => e.actor === "web:alice" && e.details?.reason === "token_mismatch"));
    assert.ok(refused.some((e) => e.actor === "web:anonymous" && e.objectId === "POST /login"));
  });

  it("switches to English with ?lang=en, keeps the choice, and shows friendly errors in it", async () => {
    const c = new WebClient(server.url);
    const en = await c.get("/login?lang=en");
    assert.match(en.text, /<html lang="en">/);
    assert.match(en.text, /<h1>Sign in<\/h1>/);
    assert.match((await c.get("/login")).text, /<h1>Sign in<\/h1>/, "the choice is remembered");
    await c.post("/login", { username: "alice", password: PASSWORD });
    const missing = await c.get("/units/123456");
    assert.equal(missing.status, 404);
    assert.match(missing.text, /This page or object was not found/);
    assert.doesNotMatch(missing.text, /at .*\.ts:\d+/);
    const vi = await c.get("/units/123456?lang=vi");
    assert.match(vi.text, /Không tìm thấy trang hoặc đối tượng này/);
    const bad = await c.get("/certificates?unit=abc");
    assert.equal(bad.status, 400);
    assert.match(bad.text, /Yêu cầu không hợp lệ/);
  });

  it("sends security headers with a CSP that allows no inline script", async () => {
    const r = await fetch(`${server.url}/login`);
    const csp = r.headers.get("content-security-policy") ?? "";
    assert.match(csp, /script-src 'self'/);
    assert.match(csp, /style-src 'self'(;|$)/);
    assert.doesNotMatch(csp, /unsafe-inline/);
    assert.doesNotMatch(csp, /upgrade-insecure-requests/, "plain-HTTP test deployment");
    assert.equal(r.headers.get("x-content-type-options"), "nosniff");
    const html = await r.text();
    assert.doesNotMatch(html, /<script|style=/);
    const cookie = r.headers.getSetCookie().find((s) => s.startsWith("chungthu_session="))!;
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Lax/);
  });
});
