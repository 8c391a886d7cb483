// The token commands as an operator uses them beside a running server, on
// sqlite and PostgreSQL: register, attach a certificate, hand over, use, show,
// report lost (the certificate revoked with keyCompromise; the server's OCSP
// sees it through the revocation feed); refusals are one line with a stable
// code, a non-zero exit, and no change.
import { strict as assert } from "node:assert";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { pem } from "../../server/ca/pki-files";
import { opensslAsync } from "../support/openssl-async";
import { addUnit } from "../support/access-fixture";
import { eventually, startTestServer, TestServer, TEST_PASSPHRASE, TEST_PUBLIC_URL } from "../support/app";
import { runCli, type CliResult } from "../support/cli";
import { makeCsr } from "../support/csr";
import { forEachDatabase } from "../support/databases";

forEachDatabase("CLI: tokens", (db) => {
  let server: TestServer;
  let env: NodeJS.ProcessEnv;
  let holder: number;
  let cert: string;
  const cli = (...args: string[]) => runCli(args, env);
  const ok = (r: CliResult) => {
    assert.equal(r.status, 0, r.stderr);
    return r.stdout;
  };
  const refusal = (r: CliResult, code: string) => {
    assert.notEqual(r.status, 0, "expected a refusal, got exit 0");
    assert.match(r.stderr.trim(), new RegExp(`^error \\[${code}\\]: [^\\n]+$`));
  };

  before(async function () {
    this.timeout(60_000);
    server = await startTestServer(db);
    env = db.env({ CA_KEY_PASSPHRASE: TEST_PASSPHRASE, PUBLIC_URL: TEST_PUBLIC_URL });
    const { store, issuance } = server.core;
    const prov = await addUnit(store, "PROV", "Tỉnh Thử Nghiệm", "province", null);
    const dept = await addUnit(store, "DEPT_A", "Sở Tài chính", "department", prov);
    holder = await store.subscribers.insert({ kind: "individual", unitId: dept, name: "Nguyễn Văn An" }, new Date());
    cert = (await issuance.issue({ csr: makeCsr(db.dataDir, "p256").pem, profile: "individual", commonName: "Nguyễn Văn An", actor: "test", unitId: dept })).serial;
  });
  after(async () => server?.close());

  it("registers, attaches, hands over, shows and reports a token lost; the running server's OCSP follows", async function () {
    this.timeout(60_000);
    assert.match(ok(await cli("token", "register", "--serial", "tk-cli-01", "--unit", "DEPT_A", "--note", "Lô tháng 11")), /^registered token TK-CLI-01 \(id \d+\) in stock$/m);
    refusal(await cli("token", "register", "--serial", "TK-CLI-01", "--unit", "DEPT_A"), "TOKEN_SERIAL_TAKEN");
    refusal(await cli("token", "register", "--serial", "TK-CLI-02", "--unit", "NOPE"), "UNIT_NOT_FOUND");
    ok(await cli("token", "attach", "--serial", "TK-CLI-01", "--cert", cert));
    refusal(await cli("token", "move", "--serial", "TK-CLI-01", "--to", "in_use"), "TOKEN_TRANSITION_INVALID");
    assert.match(ok(await cli("token", "move", "--serial", "TK-CLI-01", "--to", "issued", "--holder", String(holder))), /in_stock → issued/);
    ok(await cli("token", "move", "--serial", "TK-CLI-01", "--to", "in_use"));
    refusal(await cli("token", "move", "--serial", "TK-CLI-01", "--to", "returned"), "TOKEN_TRANSITION_INVALID");
    const shown = ok(await cli("token", "show", "--serial", "TK-CLI-01"));
    assert.match(shown, /TK-CLI-01\s+usb_token in_use/);
    assert.match(shown, /- → in_stock by cli:.*Lô tháng 11/);
    assert.match(shown, new RegExp(`certificate ${cert} valid`));

    const certPath = join(db.dataDir, "an.pem");
    writeFileSync(certPath, pem("CERTIFICATE", (await server.core.store.certificates.findBySerial(cert))!.certDer!));
    const pki = join(db.dataDir, "pki");
    const ask = () => opensslAsync(["ocsp", "-issuer", join(pki, "issuing.crt.pem"), "-cert", certPath, "-CAfile", join(pki, "chain.pem"), "-url", `${server.url}/ocsp`, "-no_nonce"]);
    assert.match((await ask()).stdout, /: good/); // cached as "good" by the server
    assert.match(ok(await cli("token", "lost", "--serial", "TK-CLI-01", "--note", "Mất ví")), new RegExp(`revoked 1 certificates \\(keyCompromise\\): ${cert}`));
    const c = (await server.core.store.certificates.findBySerial(cert))!;
    assert.equal(c.status, "revoked");
    assert.equal(c.revocationReason, 1);
    const answer = await eventually(async () => {
      const r = await ask();
      return /: revoked/.test(r.stdout) ? r.stdout : null;
    }, 2_000, "the server's OCSP to answer revoked");
    assert.match(answer, /Reason: keyCompromise/);
    // Like the web's action: the Mẫu 09 record waits for the province's confirmation.
    const token = (await server.core.store.tokens.findBySerial("TK-CLI-01"))!;
    const records = await server.core.store.requests.openForToken(token.id, ["token_lost"]);
    assert.equal(records.length, 1);
    assert.equal(records[0]!.state, "submitted");
    refusal(await cli("token", "lost", "--serial", "TK-CLI-01"), "TOKEN_TRANSITION_INVALID");
    refusal(await cli("token", "show", "--serial", "TK-NONE"), "TOKEN_NOT_FOUND");
    assert.match(ok(await cli("token", "list", "--unit", "PROV", "--state", "lost")), /TK-CLI-01[\s\S]*^1 tokens$/m);
  });
});
