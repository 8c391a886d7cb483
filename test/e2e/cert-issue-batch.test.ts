// `cert issue-batch`: a CA operator's manifest through the batched issuance
// path. The good rows are issued and verify with openssl against the chain;
// each bad row is refused with its own code and audit entry, the others not held up.
import { strict as assert } from "node:assert";
import { readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import knexFactory from "knex";
import { pem as pemOf } from "../../server/ca/pki-files";
import { TEST_PASSPHRASE, TEST_PUBLIC_URL } from "../support/app";
import { runCli } from "../support/cli";
import { breakSignature, makeCsr } from "../support/csr";
import { forEachDatabase } from "../support/databases";
import { opensslOk } from "../support/openssl";

forEachDatabase("CLI cert issue-batch", (db) => {
  let env: NodeJS.ProcessEnv;
  const cli = (...args: string[]) => runCli(args, env);

  before(async function () {
    this.timeout(60_000);
    env = db.env({ CA_KEY_PASSPHRASE: TEST_PASSPHRASE, PUBLIC_URL: TEST_PUBLIC_URL });
    const init = await cli("ca", "init", "--alg", "p256");
    assert.equal(init.status, 0, init.stderr);
  });

  it("issues every good row, refuses each bad one with its code and audit entry, and openssl verifies what was issued", async function () {
    this.timeout(120_000);
    const dir = db.dataDir;
    const a = makeCsr(dir, "p256");
    const b = makeCsr(dir, "rsa2048");
    const c = makeCsr(dir, "p384");
    const d = makeCsr(dir, "p256");
    const broken = join(dir, "broken.der");
    writeFileSync(broken, breakSignature(makeCsr(dir, "p256").der));
    const weak = makeCsr(dir, "rsa1024");
    const rel = (p: string) => basename(p); // CSR paths are relative to the manifest
    const rows: Array<[string, string]> = [
      [`${rel(a.csrPath)},individual,Nguyễn Văn An,an.nv@phutho.gov.vn,UBND tỉnh Phú Thọ,"Sở Khoa học và Công nghệ;Phòng Tin học",Phú Thọ,,365`, "issued"],
      [`${rel(broken)},individual,Bad Signature,,,,,,`, "CSR_BAD_SIGNATURE"],
      [`${rel(b.csrPath)},organization,Văn phòng UBND tỉnh,vp@phutho.gov.vn,UBND tỉnh Phú Thọ,,Phú Thọ,,`, "issued"],
      [`${rel(weak.csrPath)},individual,Weak Key,,,,,,`, "KEY_WEAK"],
      [`${rel(a.csrPath)},individual,Same Key Twice,,,,,,`, "KEY_DUPLICATE"],
      [`${rel(c.csrPath)},server,Unknown Profile,,,,,,`, "PROFILE_UNKNOWN"],
      [`missing.csr,individual,No File,,,,,,`, "INPUT_INVALID"],
      [`${rel(c.csrPath)},individual,Trần Thị Bình,,,,,,9999`, "VALIDITY_INVALID"],
      [`${rel(d.csrPath)},device,cong.phutho.gov.vn,,,Trung tâm CNTT,,cong.phutho.gov.vn;www.phutho.gov.vn,`, "issued"],
    ];
    const manifest = join(dir, "manifest.csv");
    writeFileSync(manifest, ["csr,profile,cn,email,o,ou,l,dns,days", ...rows.map((r) => r[0])].join("\n") + "\n");
    const out = join(dir, "issued");
    const r = await cli("cert", "issue-batch", "--manifest", manifest, "--out-dir", out);

    // Some rows were refused: a non-zero exit and one line on stderr, after the per-row report.
    assert.notEqual(r.status, 0);
    assert.match(r.stderr.trim(), /^error \[IMPORT_INVALID\]: 6 of 9 rows refused/);
    assert.match(r.stdout, /^issued 3, refused 6$/m);
    const serials: string[] = [];
    rows.forEach(([, want], i) => {
      const line = new RegExp(`^row ${i + 2}: (issued ([0-9a-f]{32}) .*|refused \\[([A-Z_]+)\\] .*)$`, "m").exec(r.stdout);
      assert.ok(line, `row ${i + 2} not reported:\n${r.stdout}`);
      if (want === "issued") {
        assert.ok(line[2], `row ${i + 2}: ${line[1]}`);
        serials.push(line[2]!);
      } else assert.equal(line[3], want, `row ${i + 2}: ${line[1]}`);
    });

    const root = join(dir, "pki", "root.crt.pem");
    const issuing = join(dir, "pki", "issuing.crt.pem");
    for (const serial of serials) {
      const file = join(out, `${serial}.pem`);
      assert.match(opensslOk(["verify", "-CAfile", root, "-untrusted", issuing, file]).stdout, /: OK/);
      assert.match(opensslOk(["x509", "-in", file, "-noout", "-serial"]).stdout, new RegExp(`serial=${serial.toUpperCase()}`));
    }
    const text = (s: string) => opensslOk(["x509", "-in", join(out, `${s}.pem`), "-noout", "-subject", "-ext", "subjectAltName", "-nameopt", "utf8"]).stdout;
    assert.match(text(serials[0]!), /CN ?= ?Nguyễn Văn An/);
    assert.match(text(serials[0]!), /email:an\.nv@phutho\.gov\.vn/);
    assert.match(text(serials[2]!), /DNS:cong\.phutho\.gov\.vn, DNS:www\.phutho\.gov\.vn/);
    assert.ok(readFileSync(join(out, `${serials[1]}.pem`), "utf8").startsWith("-----BEGIN CERTIFICATE-----"));

    const knex = knexFactory(db.knexConfig());
    try {
      const certs = (await knex("certificates").whereIn("profile", ["individual", "organization", "device"]).select("serial", "status")) as Array<{ serial: string; status: string }>;
      assert.deepEqual(certs.map((x) => x.serial).sort(), [...serials].sort(), "only the issued rows have certificate rows");
      assert.ok(certs.every((x) => x.status === "valid"));
      // The stored DER is the certificate handed out, row by row (the completion updates many rows in one statement).
      for (const serial of serials) {
        const row = (await knex("certificates").where({ serial }).first("cert_der")) as { cert_der: Buffer };
        assert.equal(pemOf("CERTIFICATE", Buffer.from(row.cert_der)), readFileSync(join(out, `${serial}.pem`), "utf8"));
      }
      const audit = (await knex("audit_log").where({ action: "cert.issue" }).orderBy("id").select("outcome", "object_id", "details")) as Array<{ outcome: string; object_id: string | null; details: string }>;
      // (ca init's own certificates, the issuing CA's and the responder's, are audited as cert.issue too: left out by profile.)
      const subscriberIssued = audit.filter((e) => e.outcome === "ok" && ["individual", "organization", "device"].includes((JSON.parse(e.details) as { profile: string }).profile));
      assert.deepEqual(subscriberIssued.map((e) => e.object_id).sort(), [...serials].sort());
      // The service judged these (the CLI refuses a missing file before asking it): each audited with its code.
      const codes = audit.filter((e) => e.outcome === "refused").map((e) => (JSON.parse(e.details) as { code: string }).code).sort();
      assert.deepEqual(codes, ["CSR_BAD_SIGNATURE", "KEY_DUPLICATE", "KEY_WEAK", "PROFILE_UNKNOWN", "VALIDITY_INVALID"]);
    } finally {
      await knex.destroy();
    }

    const verify = await cli("audit", "verify");
    assert.equal(verify.status, 0, verify.stderr);
  });

  it("refuses a manifest with an unknown column before issuing anything", async () => {
    const manifest = join(db.dataDir, "typo.csv");
    writeFileSync(manifest, "csr,profile,cn,emial\nx.csr,individual,A,a@b.vn\n");
    const r = await cli("cert", "issue-batch", "--manifest", manifest, "--out-dir", join(db.dataDir, "none"));
    assert.notEqual(r.status, 0);
    assert.match(r.stderr.trim(), /^error \[IMPORT_INVALID\]: unknown column\(s\) emial/);
  });
});
