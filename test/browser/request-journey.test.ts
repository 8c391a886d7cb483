// A Mẫu 01 request in a real browser (Debian's chromium through playwright-core),
// as the three people who handle it: the focal point fills the form, chooses the
// CSR file and the signed PDF and submits; the provincial officer forwards; the
// CA operator approves; the request page then links the issued certificate.
// No page has a script; the CSP must report nothing.
import { strict as assert } from "node:assert";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { forEachDatabase } from "../support/databases";
import { startTestServer, TestServer } from "../support/app";
import { PASSWORD, seedAccessFixture } from "../support/access-fixture";
import { makeCsr } from "../support/csr";
import { makeTempDir, removeTempDir } from "../support/tmp";
import { PDF } from "../e2e/request-pages-fixture";

const CHROMIUM = "/usr/bin/chromium";

forEachDatabase("browser journey: a Mẫu 01 request from filing to certificate", (db) => {
  let server: TestServer;
  let browser: BrowserContext | undefined;
  let profile: string | undefined;

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      if (process.env.CI === "true") throw new Error(`${CHROMIUM} is missing (apt-get install chromium)`);
      this.skip();
    }
    this.timeout(90_000);
    server = await startTestServer(db);
    await seedAccessFixture(server, db.dataDir);
    profile = makeTempDir("chungthu-chromium-");
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

  async function signIn(page: Page, username: string) {
    await page.goto(`${server.url}/login`);
    await page.getByLabel("Tên đăng nhập").fill(username);
    await page.getByLabel("Mật khẩu").fill(PASSWORD);
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/dashboard$/);
  }

  async function signOut(page: Page) {
    await page.getByRole("button", { name: "Đăng xuất" }).click();
    await page.waitForURL(/\/login\?bye=1$/);
  }

  it("files with CSR and PDF, is forwarded and approved, and shows the issued certificate", async function () {
    this.timeout(90_000);
    const page = await browser!.newPage();
    const cspViolations: string[] = [];
    page.on("console", (m) => {
      if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
    });
    // Screenshots go to CHUNGTHU_SCREENSHOT_DIR when set (to look at them).
    const shots = process.env.CHUNGTHU_SCREENSHOT_DIR;
    if (shots) mkdirSync(shots, { recursive: true });
    const csr = makeCsr(db.dataDir, "p256");
    const pdfPath = join(db.dataDir, "mau-01-da-ky.pdf");
    writeFileSync(pdfPath, PDF);

    // The focal point: nav → new → Mẫu 01 → the form.
    await signIn(page, "focal_a");
    await page.getByRole("link", { name: "Hồ sơ", exact: true }).click();
    await page.waitForURL(/\/requests$/);
    await page.getByRole("link", { name: "Lập hồ sơ mới" }).click();
    await page.getByRole("link", { name: "Lập hồ sơ theo Mẫu 01" }).click();
    await page.waitForURL(/\/requests\/new\/new_individual$/);
    assert.match((await page.locator("p.lead").textContent()) ?? "", /Mẫu 01\s+Cấp chứng thư số cho cá nhân/);
    await page.getByRole("combobox", { name: "Đơn vị" }).selectOption({ label: "Sở Tài chính" });
    await page.getByLabel("Họ và tên").fill("Mạc Thị Thanh Hương");
    await page.getByLabel("Số định danh cá nhân (CCCD)").fill("099188123456");
    await page.getByLabel("Chức vụ").fill("Chuyên viên");
    await page.getByLabel("Thư điện tử công vụ").fill("huong@stc.thunghiem.gov.vn");
    await page.locator("#f-csrFile").setInputFiles(csr.csrPath);
    await page.locator("#f-signedForm").setInputFiles(pdfPath);
    if (shots) await page.screenshot({ path: join(shots, "request-form-mau01.png"), fullPage: true });
    await page.getByRole("button", { name: "Gửi hồ sơ" }).click();
    await page.waitForURL(/\/requests\/\d+\?done=submitted$/);
    const url = page.url().replace(/\?.*$/, "");
    assert.match((await page.locator("main").textContent()) ?? "", /Đã gửi hồ sơ\.[^]*Chờ Sở kiểm tra/);
    assert.match((await page.locator("ul.attachments").textContent()) ?? "", /mau-01-da-ky\.pdf/);
    await signOut(page);

    // The provincial officer forwards it to the CA.
    await signIn(page, "provincial");
    await page.goto(url);
    await page.getByLabel(/Lý do, ghi chú/).fill("Hồ sơ đầy đủ, đề nghị cấp");
    await page.getByRole("button", { name: "Chuyển CA phê duyệt" }).click();
    await page.waitForURL(/done=forward$/);
    assert.match((await page.locator("main").textContent()) ?? "", /Chờ CA phê duyệt/);
    await signOut(page);

    // The CA operator approves: the certificate is issued and linked.
    await signIn(page, "operator");
    await page.goto(url);
    await page.getByRole("button", { name: "Phê duyệt" }).click();
    await page.waitForURL(/done=approve$/);
    const main = (await page.locator("main").textContent()) ?? "";
    assert.match(main, /Hoàn thành/);
    assert.match(main, /Hồ sơ đầy đủ, đề nghị cấp/, "the timeline keeps the officer's note");
    if (shots) await page.screenshot({ path: join(shots, "request-completed.png"), fullPage: true });
    const link = page.locator("a.result-cert");
    const serial = ((await link.textContent()) ?? "").trim();
    assert.match(serial, /^[0-9a-f]{16,40}$/);
    await link.click();
    await page.waitForURL(new RegExp(`/certificates/${serial}$`));
    assert.equal(await page.locator("h1").textContent(), "Mạc Thị Thanh Hương");
    assert.match((await page.locator("main").textContent()) ?? "", /Đang hiệu lực/);
    assert.deepEqual(cspViolations, []);
  });
});
