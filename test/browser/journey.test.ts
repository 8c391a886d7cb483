// A real browser (Debian's chromium through playwright-core): a focal point
// signs in, sees only their own agency, switches to English, signs out. Uses
// the keyboard for the sign-in form; no page has a script, so none runs.
// Screenshots go to CHUNGTHU_SCREENSHOT_DIR when set (to look at them).
import { strict as assert } from "node:assert";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type BrowserContext } from "playwright-core";
import { forEachDatabase } from "../support/databases";
import { startTestServer, TestServer } from "../support/app";
import { AccessFixture, PASSWORD, seedAccessFixture } from "../support/access-fixture";
import { makeTempDir, removeTempDir } from "../support/tmp";

const CHROMIUM = "/usr/bin/chromium";

forEachDatabase("browser journey: a focal point in chromium", (db) => {
  let server: TestServer;
  let fx: AccessFixture;
  let browser: BrowserContext | undefined;
  let profile: string | undefined;

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      if (process.env.CI === "true") throw new Error(`${CHROMIUM} is missing (apt-get install chromium)`);
      this.skip();
    }
    this.timeout(90_000);
    server = await startTestServer(db);
    fx = await seedAccessFixture(server, db.dataDir);
    profile = makeTempDir("chungthu-chromium-");
    // A fresh profile directory (--user-data-dir, passed by playwright from the first argument).
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
      viewport: { width: 1280, height: 900 },
      locale: "vi-VN",
    });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    if (profile) removeTempDir(profile);
  });

  it("signs in, sees only the own agency, switches language, signs out", async function () {
    this.timeout(60_000);
    const page = await browser!.newPage();
    const cspViolations: string[] = [];
    page.on("console", (m) => {
      if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
    });
    const shots = process.env.CHUNGTHU_SCREENSHOT_DIR;
    if (shots) mkdirSync(shots, { recursive: true });

    await page.goto(`${server.url}/dashboard`);
    assert.match(page.url(), /\/login\?next=%2Fdashboard$/);
    assert.equal(await page.locator("h1").textContent(), "Đăng nhập");
    // Labels are tied to their inputs; the keyboard alone completes the form.
    await page.getByLabel("Tên đăng nhập").fill("focal_a");
    await page.getByLabel("Mật khẩu").fill(PASSWORD);
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/dashboard$/);

    assert.equal(await page.locator("h1").textContent(), "Tổng quan");
    assert.match((await page.locator(".who").textContent()) ?? "", /Người dùng focal_a[^]*Đầu mối của cơ quan — Sở Tài chính/);
    const tree = (await page.locator("aside .tree").textContent()) ?? "";
    assert.match(tree, /Sở Tài chính/);
    assert.match(tree, /UBND xã Hy Cương/);
    assert.doesNotMatch(tree, /Sở Y tế|Tỉnh Thử Nghiệm|Tỉnh Khác/);
    assert.equal(await page.locator(".tile-total .tile-n").textContent(), "2");
    // The stylesheet applied (CSP allows it): the header is the dark red of the layout.
    assert.equal(await page.locator("header.top").evaluate((el) => getComputedStyle(el).backgroundColor), "rgb(139, 26, 26)");
    if (shots) await page.screenshot({ path: join(shots, "dashboard-focal-point-vi.png"), fullPage: true });

    await page.getByRole("link", { name: "Chứng thư số", exact: true }).click();
    const rows = page.locator("table.list tbody tr");
    assert.equal(await rows.count(), 2);
    const listed = (await page.locator("table.list").textContent()) ?? "";
    assert.match(listed, /Nguyễn Văn An/);
    assert.match(listed, /Trần Thị Bình/);
    assert.doesNotMatch(listed, /Lê Văn Cường|Hoàng Văn Em|Phạm Thị Dung/);
    assert.match(listed, /Đang hiệu lực/);

    // Another agency's certificate by its URL: a friendly not-found page, no details.
    const other = await page.goto(`${server.url}/certificates/${fx.certs.b}`);
    assert.equal(other?.status(), 404);
    assert.match((await page.locator("main").textContent()) ?? "", /Không tìm thấy trang hoặc đối tượng này/);

    await page.goto(`${server.url}/dashboard`);
    await page.getByRole("link", { name: "English" }).click();
    await page.waitForURL(/lang=en/);
    assert.equal(await page.locator("h1").textContent(), "Dashboard");
    assert.equal(await page.locator("html").getAttribute("lang"), "en");
    assert.match((await page.locator(".who").textContent()) ?? "", /Agency focal point/);
    await page.getByRole("link", { name: "Certificates", exact: true }).click();
    assert.match((await page.locator("table.list").textContent()) ?? "", /Active/);
    if (shots) await page.screenshot({ path: join(shots, "certificates-focal-point-en.png"), fullPage: true });

    // A POST with the browser's own session cookie but without the form's CSRF token is refused,
    // and changes nothing: the user is still signed in.
    const forged = await page.context().request.post(`${server.url}/logout-everywhere`, { form: { x: "1" }, maxRedirects: 0 });
    assert.equal(forged.status(), 403);
    await page.goto(`${server.url}/dashboard`);
    assert.equal(await page.locator("h1").textContent(), "Dashboard");

    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(/\/login\?bye=1$/);
    assert.match((await page.locator("main").textContent()) ?? "", /You have signed out/);
    await page.goto(`${server.url}/dashboard`);
    assert.match(page.url(), /\/login\?next=/);
    assert.deepEqual(cspViolations, []);
  });
});
