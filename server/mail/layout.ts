// Turns a message's parts (greeting, intro, detail lines, lists, link, footer)
// into the plain-text and HTML bodies; escapes every value in the HTML. Knows no
// wording (templates.ts) and sends nothing (mailer.ts).
export interface MailParts {
  subject: string;
  greeting: string;
  intro: string;
  lines: string[];
  lists: Array<{ title: string; items: string[] }>;
  link: { url: string; label: string; text: string } | null;
  footer: string;
}

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

export function renderMail(p: MailParts, lang: string): RenderedMail {
  const text: string[] = [p.greeting, "", p.intro, ""];
  for (const l of p.lines) text.push(l);
  for (const list of p.lists) {
    text.push("", list.title);
    for (const item of list.items) text.push(`- ${item}`);
  }
  if (p.link) text.push("", p.link.text);
  text.push("", "--", p.footer, "");

  const e = escapeHtml;
  const html: string[] = [
    `<!doctype html><html lang="${e(lang)}"><head><meta charset="utf-8"><title>${e(p.subject)}</title></head>`,
    `<body style="font-family:Arial,Helvetica,sans-serif;font-size:14px;color:#1b1b1b">`,
    `<p>${e(p.greeting)}</p>`,
    `<p>${e(p.intro)}</p>`,
  ];
  if (p.lines.length) html.push(`<p>${p.lines.map(e).join("<br>")}</p>`);
  for (const list of p.lists) {
    html.push(`<p>${e(list.title)}</p><ul>${list.items.map((i) => `<li>${e(i)}</li>`).join("")}</ul>`);
  }
  if (p.link) html.push(`<p><a href="${e(p.link.url)}">${e(p.link.label)}</a></p>`);
  html.push(`<hr><p style="color:#555;font-size:12px">${e(p.footer)}</p></body></html>`);
  return { subject: p.subject.normalize("NFC"), text: text.join("\n").normalize("NFC"), html: html.join("\n").normalize("NFC") };
}
