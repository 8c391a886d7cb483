// Helpers for the request page tests: multipart form posts (CSR and PDF files)
// with the signed-in client's cookies and CSRF token, reading messages and ids
// out of the pages, and checking an issued certificate with openssl against the
// CA chain the server publishes under /pki/ca/.
import { strict as assert } from "node:assert";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { TestServer } from "../support/app";
import { opensslAsync } from "../support/openssl-async";
import type { WebClient, WebResponse } from "../support/web-client";

/** A minimal PDF (ISO 32000-1 7.5: header, body, trailer). */
export const PDF = Buffer.from("%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n");

export interface FilePart {
  filename: string;
  type: string;
  content: Buffer | string;
}

/** POSTs a multipart/form-data form as a browser would (the CSRF token of the last page first, like the form's hidden field). */
export async function postMultipart(c: WebClient, path: string, fields: Record<string, string>, files: Record<string, FilePart | null> = {}, withCsrf = true): Promise<WebResponse> {
  const form = new FormData();
  if (withCsrf && c.csrf && !("_csrf" in fields)) form.append("_csrf", c.csrf);
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  for (const [k, f] of Object.entries(files)) {
    // An empty file input: a part with no file name and no bytes.
    form.append(k, f ? new Blob([typeof f.content === "string" ? f.content : new Uint8Array(f.content)], { type: f.type }) : new Blob([], { type: "application/octet-stream" }), f ? f.filename : "");
  }
  const cookie = [...c.cookies].map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join("; ");
  const res = await fetch(c.baseUrl + path, { method: "POST", redirect: "manual", headers: { accept: "text/html", ...(cookie ? { cookie } : {}) }, body: form });
  const text = await res.text();
  const token = /name="_csrf" value="([^"]+)"/.exec(text);
  if (token) c.csrf = token[1]!;
  return { status: res.status, headers: res.headers, text, location: res.headers.get("location") };
}

export const pdfFile = (content: Buffer | string = PDF, filename = "mau-don-da-ky.pdf"): FilePart => ({ filename, type: "application/pdf", content });
export const csrFile = (pem: string): FilePart => ({ filename: "yeu-cau.csr", type: "application/pkcs10", content: pem });

/** The request id of a redirect to /requests/:id. */
export function idOf(r: WebResponse): number {
  const m = /^\/requests\/(\d+)(?:\?|$)/.exec(r.location ?? "");
  assert.ok(m, `expected a redirect to a request, got ${r.status} ${r.location ?? ""}\n${r.text.slice(0, 3000)}`);
  return Number(m[1]);
}

const unescape = (s: string) => s.replace(/&amp;/g, "&").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&#x27;/g, "'").replace(/&#x3D;/g, "=").replace(/&#x60;/g, "`");

/** The message shown next to a field (the element with id e-<field>), or null. */
export function fieldError(html: string, field: string): string | null {
  const m = new RegExp(`<p class="field-error" id="e-${field}">([^<]*)</p>`).exec(html);
  return m ? unescape(m[1]!) : null;
}

/** The value an input of the form shows again. */
export function inputValue(html: string, field: string): string | null {
  const m = new RegExp(`<input id="f-${field}" name="${field}"[^>]* value="([^"]*)"`).exec(html);
  return m ? unescape(m[1]!) : null;
}

/** The text of the page without tags (to look for words). */
export function pageText(html: string): string {
  return unescape(html.replace(/<[^>]+>/g, " ").replace(/\s+/g, " "));
}

function pemOf(der: Buffer, label: string): string {
  return `-----BEGIN ${label}-----\n${der.toString("base64").replace(/.{64}/g, "$&\n").replace(/\n?$/, "\n")}-----END ${label}-----\n`;
}

/** The CA chain as the server publishes it (RFC 5280 4.2.2.1 caIssuers), written as PEM files. */
export async function publishedChain(server: TestServer, dir: string): Promise<{ root: string; issuing: string }> {
  const out: Record<string, string> = {};
  for (const slug of ["root", "issuing"]) {
    const res = await fetch(`${server.url}/pki/ca/${slug}.crt`);
    assert.equal(res.status, 200, `/pki/ca/${slug}.crt`);
    out[slug] = join(dir, `published-${slug}.pem`);
    writeFileSync(out[slug], pemOf(Buffer.from(await res.arrayBuffer()), "CERTIFICATE"));
  }
  return { root: out.root!, issuing: out.issuing! };
}

/**
 * Downloads a certificate through its page's PEM link and checks it with `openssl verify`
 * against the published chain, and (given the CSR) that it certifies the CSR's key.
 */
export async function opensslVerifies(c: WebClient, server: TestServer, dir: string, serial: string, csrPem?: string): Promise<string> {
  const res = await c.get(`/certificates/${serial}/pem`);
  assert.equal(res.status, 200, `PEM of ${serial}`);
  const path = join(dir, `issued-${serial}.pem`);
  writeFileSync(path, res.text);
  const chain = await publishedChain(server, dir);
  const v = await opensslAsync(["verify", "-CAfile", chain.root, "-untrusted", chain.issuing, path]);
  assert.equal(v.status, 0, `openssl verify: ${v.stdout}${v.stderr}`);
  assert.match(v.stdout, /: OK/);
  if (csrPem) {
    const csrPath = join(dir, `csr-of-${serial}.pem`);
    writeFileSync(csrPath, csrPem);
    const fromCsr = await opensslAsync(["req", "-in", csrPath, "-noout", "-pubkey"]);
    const fromCert = await opensslAsync(["x509", "-in", path, "-noout", "-pubkey"]);
    assert.equal(fromCert.stdout, fromCsr.stdout, "the certificate is for the key of the CSR made on the token");
  }
  const text = await opensslAsync(["x509", "-in", path, "-noout", "-subject", "-nameopt", "utf8,sep_comma_plus"]);
  return text.stdout;
}

/** The "result certificate" link of a request page. */
export function resultSerialOf(html: string): string | null {
  return /class="result-cert" href="\/certificates\/([0-9a-f]+)"/.exec(html)?.[1] ?? null;
}
