// The one mailer: sends a finished message through the transport the
// configuration names — SMTP from SMTP_URL, or in development a .eml file under
// DATA_DIR/mail or a log line. Knows nothing about who gets what (notifier.ts).
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import nodemailer from "nodemailer";
import type { Config } from "../config/schema";
import type { Logger } from "../log";

export interface MailMessage {
  to: string[];
  subject: string;
  text: string;
  html: string;
}

export type MailTransportKind = "smtp" | "file" | "console";

export interface Mailer {
  readonly kind: MailTransportKind;
  /** Rejects when the transport refuses the message (the caller records the failure). */
  send(msg: MailMessage): Promise<void>;
  close(): Promise<void>;
}

export interface MailerDeps {
  config: Config;
  log: Logger;
}

// A dead or silent SMTP server must fail a send within seconds, not hang a run.
const SMTP_TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 };

export function createMailer(deps: MailerDeps): Mailer {
  const { config, log } = deps;
  const { smtpUrl, devTransport, from } = config.mail;
  if (smtpUrl) {
    // Pooled: a reminder run of thousands of mails reuses a few connections instead of one per mail.
    const transport = nodemailer.createTransport({ pool: true, url: smtpUrl, maxConnections: 2, maxMessages: 100, ...SMTP_TIMEOUTS });
    return {
      kind: "smtp",
      async send(msg) {
        await transport.sendMail({ from, ...normalized(msg) });
      },
      async close() {
        transport.close();
      },
    };
  }
  if (devTransport === "file") {
    // The same MIME a real server would get, kept for a developer to open.
    const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: "unix" });
    const dir = join(config.dataDir, "mail");
    return {
      kind: "file",
      async send(msg) {
        const info = await transport.sendMail({ from, ...normalized(msg) });
        mkdirSync(dir, { recursive: true });
        const file = join(dir, `${new Date().toISOString().replace(/[:.]/g, "-")}-${randomBytes(4).toString("hex")}.eml`);
        writeFileSync(file, info.message as Buffer);
        log("info", "mail written", { file, to: msg.to, subject: msg.subject });
      },
      async close() {},
    };
  }
  return {
    kind: "console",
    async send(msg) {
      const m = normalized(msg);
      log("info", "mail (console transport)", { from, to: m.to, subject: m.subject, text: m.text });
    },
    async close() {},
  };
}

/** Vietnamese text in NFC, so the same words always have the same bytes. */
function normalized(msg: MailMessage): MailMessage {
  return { to: msg.to, subject: msg.subject.normalize("NFC"), text: msg.text.normalize("NFC"), html: msg.html.normalize("NFC") };
}
