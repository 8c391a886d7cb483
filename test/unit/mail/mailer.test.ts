// The mailer's development transports: "file" writes the full MIME message
// (readable by mailparser, Vietnamese subject intact), "console" logs it.
import { strict as assert } from "node:assert";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { simpleParser } from "mailparser";
import { defaults } from "../../../server/config/defaults";
import type { Config } from "../../../server/config/schema";
import { createMailer } from "../../../server/mail/mailer";
import { useTempDir } from "../../support/tmp";

describe("mailer development transports", () => {
  const dir = useTempDir("chungthu-mail-");
  const msg = { to: ["an@thunghiem.gov.vn"], subject: "Chứng thư số sắp hết hạn", text: "Kính gửi ông Nguyễn Văn An,", html: "<p>Kính gửi ông Nguyễn Văn An,</p>" };

  it("file: one readable .eml per message under DATA_DIR/mail", async () => {
    const config = { ...defaults, dataDir: dir(), mail: { ...defaults.mail, devTransport: "file" } } as unknown as Config;
    const mailer = createMailer({ config, log: () => {} });
    assert.equal(mailer.kind, "file");
    // Decomposed input (NFD) goes out composed (NFC).
    await mailer.send({ ...msg, subject: msg.subject.normalize("NFD") });
    const files = readdirSync(join(dir(), "mail"));
    assert.equal(files.length, 1);
    const parsed = await simpleParser(readFileSync(join(dir(), "mail", files[0]!)));
    assert.equal(parsed.subject, "Chứng thư số sắp hết hạn");
    assert.equal(parsed.subject, parsed.subject?.normalize("NFC"));
    assert.equal(parsed.text?.trim(), "Kính gửi ông Nguyễn Văn An,");
    assert.match(String(parsed.html), /<p>Kính gửi ông Nguyễn Văn An,<\/p>/);
    assert.equal(parsed.from?.value[0]?.address, "khong-tra-loi@chungthu.test");
    await mailer.close();
  });

  it("console: logs the message instead of sending it", async () => {
    const lines: Array<Record<string, unknown>> = [];
    const config = { ...defaults, dataDir: dir(), mail: { ...defaults.mail, devTransport: "console" } } as unknown as Config;
    const mailer = createMailer({ config, log: (_level, m, f) => lines.push({ m, ...f }) });
    await mailer.send(msg);
    assert.equal(lines.length, 1);
    assert.equal(lines[0]!.subject, "Chứng thư số sắp hết hạn");
    assert.deepEqual(lines[0]!.to, ["an@thunghiem.gov.vn"]);
  });
});
