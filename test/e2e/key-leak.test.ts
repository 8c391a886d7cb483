// Keys at rest never leak: `npm start` and the CLI run issuance, revocation,
// CRL publication, OCSP, error pages and a wrong passphrase with everything
// they print captured; then every CA, responder and signer key is decrypted
// here (key-file.ts) and its PKCS#8 DER looked for — raw, hex, base64 and
// base64url at every alignment, PEM lines — together with CA_KEY_PASSPHRASE,
// in the logs, the CLI output, the HTTP bodies, the audit log and every file
// of DATA_DIR (database included). The search is first shown to find a planted leak.
import { strict as assert } from "node:assert";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import knexFactory from "knex";
import { readKeyFile } from "../../server/ca/key-file";
import { runCli, lastLine } from "../support/cli";
import { makeCsr } from "../support/csr";
import { opensslOk } from "../support/openssl";
import { makeTempDir, removeTempDir } from "../support/tmp";
import { startServerProcess, waitForOutput, type ServerProcess } from "../support/server-process";

const PASSPHRASE = "khoa-bi-mat-Ωμέγα-7f3a9c2e51";

/**
 * What to look for, as fixed-length windows in hash sets (a sliding look-up per
 * haystack instead of thousands of includes()): 16-byte windows of each private
 * component raw (latin1) and in hex, 24-character windows of its base64 and
 * base64url at the three byte alignments, so a leak of the PKCS#8 DER or PEM
 * in any of those encodings contains at least one. Only private components
 * (JWK d, p, q, dp, dq, qi): the public ones are in every certificate.
 */
class Secrets {
  private readonly raw = new Map<string, string>();
  private readonly hex = new Map<string, string>();
  private readonly b64 = new Map<string, string>();
  private readonly literal: Array<{ what: string; forms: string[] }> = [];

  addPrivate(what: string, component: Buffer): void {
    for (let i = 0; i + 16 <= component.length; i += 8) {
      const w = component.subarray(i, i + 16);
      this.raw.set(w.toString("latin1"), what);
      this.hex.set(w.toString("hex"), what);
    }
    for (let shift = 0; shift < 3; shift++) {
      const enc = component.subarray(shift).toString("base64");
      for (let i = 0; i + 24 <= enc.length && !enc.slice(i, i + 24).includes("="); i += 4) {
        const w = enc.slice(i, i + 24);
        this.b64.set(w, what);
        this.b64.set(w.replace(/\+/g, "-").replace(/\//g, "_"), what);
      }
    }
  }

  addLiteral(what: string, value: string): void {
    const b = Buffer.from(value, "utf8");
    this.literal.push({ what, forms: [value, encodeURIComponent(value), b.toString("hex"), b.toString("base64").replace(/=+$/, "")] });
  }

  get keyCount(): number {
    return new Set(this.hex.values()).size;
  }

  /** Findings in `text` (also with whitespace and colons squeezed out, as PEM and openssl-style hex dumps break lines). */
  inText(where: string, text: string): string[] {
    const squeezed = text.replace(/[\s:]/g, "");
    const hits = new Set<string>();
    const slide = (hay: string, len: number, map: Map<string, string>, form: string) => {
      for (let i = 0; i + len <= hay.length; i++) {
        const what = map.get(hay.substr(i, len));
        if (what) hits.add(`${what} (${form}) in ${where}`);
      }
    };
    for (const hay of [text, squeezed]) {
      slide(hay, 24, this.b64, "base64");
      slide(hay.toLowerCase(), 32, this.hex, "hex");
    }
    for (const l of this.literal) if (l.forms.some((f) => text.includes(f) || squeezed.includes(f))) hits.add(`${l.what} in ${where}`);
    return [...hits];
  }

  inBytes(where: string, data: Buffer): string[] {
    const latin1 = data.toString("latin1");
    const hits = this.inText(where, latin1);
    for (let i = 0; i + 16 <= latin1.length; i++) {
      const what = this.raw.get(latin1.substr(i, 16));
      if (what) {
        hits.push(`${what} (raw bytes) in ${where}`);
        break;
      }
    }
    return hits;
  }
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe("keys at rest never leak (logs, error pages, CLI, audit log, files)", () => {
  let dir: string;
  let server: ServerProcess | undefined;
  const texts: Array<{ where: string; text: string }> = [];
  const bodies: Array<{ where: string; body: Buffer }> = [];

  before(() => {
    dir = makeTempDir("chungthu-keyleak-");
  });
  after(async () => {
    if (server && server.child.exitCode === null) {
      server.child.kill("SIGKILL");
      await server.exit;
    }
    removeTempDir(dir);
  });

  it("no private key, in any encoding, nor the passphrase, anywhere the service writes or answers", async function () {
    this.timeout(90_000);
    const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dir, CA_KEY_PASSPHRASE: PASSPHRASE, DEMO: "0", PORT: "0", HOST: "127.0.0.1", CHUNGTHU_QUIET_DEV_WARNING: "1" };
    for (const k of ["DATABASE_URL", "PUBLIC_URL", "WORKERS"]) delete env[k];
    server = await startServerProcess(env);
    await waitForOutput(server, /"CRL published"/, 20_000);
    const url = server.url;
    const pki = join(dir, "pki");

    // The CLI: issue, revoke (publishes a CRL), and publish with a wrong passphrase (refused: KEY_DECRYPT_FAILED).
    const csr = makeCsr(dir, "p256");
    const certPath = join(dir, "leaf.pem");
    const cli = async (args: string[], extra: Record<string, string> = {}) => {
      const r = await runCli(args, { ...env, ...extra });
      texts.push({ where: `cli ${args.slice(0, 2).join(" ")}${extra.CA_KEY_PASSPHRASE ? " (wrong passphrase)" : ""}`, text: r.stdout + r.stderr });
      return r;
    };
    const [issued, wrong] = await Promise.all([
      cli(["cert", "issue", "--csr", csr.csrPath, "--profile", "individual", "--cn", "Ngô Thị Khóa", "--out", certPath]),
      cli(["crl", "publish"], { CA_KEY_PASSPHRASE: "sai-mat-khau-hoan-toan" }),
    ]);
    assert.equal(issued.status, 0, issued.stderr);
    assert.notEqual(wrong.status, 0, "a wrong passphrase must be refused");
    assert.match(wrong.stderr, /KEY_DECRYPT_FAILED/);
    assert.doesNotMatch(wrong.stderr, /sai-mat-khau/, "the wrong passphrase is echoed");
    const revoked = await cli(["cert", "revoke", "--serial", lastLine(issued.stdout), "--reason", "keyCompromise"]);
    assert.equal(revoked.status, 0, revoked.stderr);

    // OCSP: a real request (signed answer), garbage, bad base64 in a GET.
    const reqPath = join(dir, "ocsp.der");
    opensslOk(["ocsp", "-issuer", join(pki, "issuing.crt.pem"), "-cert", certPath, "-no_nonce", "-reqout", reqPath]);
    const get = async (where: string, path: string, init?: RequestInit) => {
      const res = await fetch(`${url}${path}`, init);
      bodies.push({ where: `${where} → ${res.status}`, body: Buffer.from(await res.arrayBuffer()) });
      return res.status;
    };
    assert.equal(await get("OCSP POST", "/ocsp", { method: "POST", body: readFileSync(reqPath), headers: { "content-type": "application/ocsp-request" } }), 200);
    await get("OCSP garbage", "/ocsp", { method: "POST", body: "not DER at all", headers: { "content-type": "application/ocsp-request" } });
    await get("OCSP bad GET", "/ocsp/%%%not-base64");
    // Error pages: not found, a form without CSRF, paths aiming at the key files.
    assert.equal(await get("404 page", "/khong-co-trang-nay"), 404);
    await get("POST without CSRF", "/login", { method: "POST", body: "username=admin&password=x", headers: { "content-type": "application/x-www-form-urlencoded" } });
    for (const path of ["/pki/crl/..%2F..%2Fca%2Fkeys%2Fissuing.key.json", "/pki/..%2Fca%2Fkeys%2Fissuing.key.json", "/pki/crl/%2e%2e/%2e%2e/ca/keys/root.key.json"]) {
      const status = await get(`traversal ${path}`, path);
      assert.ok(status >= 400, `${path} answered ${status}`);
    }
    await get("CRL", "/pki/crl/issuing.crl");

    server.child.kill("SIGTERM");
    assert.equal((await server.exit).code, 0, server.output());
    texts.push({ where: "server log (stdout+stderr)", text: server.output() });

    const look = knexFactory({ client: "sqlite3", connection: { filename: join(dir, "chungthu.sqlite") }, useNullAsDefault: true });
    try {
      const audit = await look("audit_log").select("*");
      assert.ok(audit.length > 5);
      texts.push({ where: "audit log", text: JSON.stringify(audit) });
    } finally {
      await look.destroy();
    }

    // What to look for: every sealed key, decrypted here.
    const keyDir = join(dir, "ca", "keys");
    const keyFiles = readdirSync(keyDir).filter((n) => n.endsWith(".key.json"));
    assert.ok(["root", "issuing"].every((s) => keyFiles.includes(`${s}.key.json`)) && keyFiles.some((n) => /ocsp|responder/.test(n)), keyFiles.join(", "));
    const secrets = new Secrets();
    secrets.addLiteral("CA_KEY_PASSPHRASE", PASSPHRASE);
    const pems: string[] = [];
    for (const name of keyFiles) {
      const label = name.slice(0, -".key.json".length);
      const pair = readKeyFile(join(keyDir, name), label, PASSPHRASE);
      const jwk = pair.privateKey.export({ format: "jwk" });
      for (const part of ["d", "p", "q", "dp", "dq", "qi"] as const) {
        if (jwk[part]) secrets.addPrivate(`private key ${label} (${part})`, Buffer.from(jwk[part], "base64url"));
      }
      pems.push(pair.privateKey.export({ type: "pkcs8", format: "pem" }) as string);
      const sealed = JSON.parse(readFileSync(join(keyDir, name), "utf8")) as { data: string };
      // The sealed form belongs on disk only, never in a log or an answer.
      secrets.addLiteral(`sealed key file ${label}`, sealed.data.slice(0, 40));
    }

    // The search finds a planted leak in each form it claims to cover.
    const der0 = Buffer.from(pems[0]!.replace(/-----[^-]+-----|\s/g, ""), "base64");
    const planted = { pem: pems[0]!, hex: der0.toString("hex").toUpperCase().replace(/(..)/g, "$1:"), base64url: der0.subarray(5).toString("base64url"), passphrase: `x${PASSPHRASE}y` };
    for (const [form, text] of Object.entries(planted)) assert.ok(secrets.inText("planted", `log line ${text} end`).length > 0, `the search misses a planted ${form}`);
    assert.ok(secrets.inBytes("planted", Buffer.concat([Buffer.from("junk"), der0.subarray(7)])).length > 0, "the search misses planted raw bytes");

    const hits: string[] = [];
    for (const t of texts) hits.push(...secrets.inText(t.where, t.text));
    for (const b of bodies) hits.push(...secrets.inBytes(b.where, b.body));
    let scanned = 0;
    for (const f of filesUnder(dir)) {
      if (f.startsWith(keyDir + "/") || /\/key-\d+\.pem$/.test(f)) continue; // the sealed files, and the subscriber's own key made by the test
      hits.push(...secrets.inBytes(relative(dir, f), readFileSync(f)));
      scanned++;
    }
    assert.ok(scanned > 5 && secrets.keyCount >= 3);
    assert.deepEqual(hits, []);
  });
});
