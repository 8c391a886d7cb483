// A real SMTP server for tests (smtp-server on 127.0.0.1:0, plain SMTP, no auth),
// collecting every message it receives, parsed with mailparser.
//
//   const smtp = await startSmtpServer();
//   config.mail.smtpUrl = smtp.url;              // smtp://127.0.0.1:<port>
//   ... await smtp.waitFor(2) ... smtp.messages   // ParsedMail + envelope recipients
//   await smtp.close();
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";
import { simpleParser, type ParsedMail } from "mailparser";

export interface ReceivedMail {
  /** RCPT TO addresses (lowercase). */
  envelopeTo: string[];
  mail: ParsedMail;
  raw: Buffer;
}

export interface TestSmtpServer {
  url: string;
  port: number;
  messages: ReceivedMail[];
  /** Messages whose envelope includes `address`. */
  to(address: string): ReceivedMail[];
  /** Resolves when at least `n` messages arrived (or throws after `timeoutMs`). */
  waitFor(n: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  clear(): void;
  close(): Promise<void>;
}

export async function startSmtpServer(): Promise<TestSmtpServer> {
  const messages: ReceivedMail[] = [];
  const server = new SMTPServer({
    // Plain SMTP on loopback: no STARTTLS offered, no AUTH asked.
    disabledCommands: ["STARTTLS", "AUTH"],
    authOptional: true,
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("error", callback);
      stream.on("end", () => {
        const raw = Buffer.concat(chunks);
        simpleParser(raw)
          .then((mail) => {
            messages.push({ envelopeTo: session.envelope.rcptTo.map((r) => r.address.toLowerCase()), mail, raw });
            callback();
          })
          .catch((e: Error) => callback(e));
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    messages,
    to: (address) => messages.filter((m) => m.envelopeTo.includes(address.toLowerCase())),
    async waitFor(n, timeoutMs = 5_000) {
      const start = Date.now();
      while (messages.length < n) {
        if (Date.now() - start > timeoutMs) throw new Error(`SMTP: ${messages.length} of ${n} messages after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return messages;
    },
    clear: () => {
      messages.length = 0;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
