// `demo scale` (issue 7) through the real CLI, small: the counts it prints are
// the rows in the database; revocations follow the domain's reason mix (no
// certificateHold; superseded ones have a successor; keyCompromise ones an
// invalidity date; lost tokens hold them); requests come in every type and
// state with working-day due dates; sampled certificates verify with openssl;
// the bulk TBS is byte for byte the issuance cycle's; a second run refuses
// unless --append; the audit chain still verifies.
import { strict as assert } from "node:assert";
import { X509Certificate } from "node:crypto";
import { join } from "node:path";
import knexFactory, { type Knex } from "knex";
import { forEachDatabase } from "../support/databases";
import { lastLine, runCli } from "../support/cli";
import { startTestServer, TEST_PASSPHRASE, TEST_PUBLIC_URL } from "../support/app";
import { WebClient } from "../support/web-client";
import { opensslOk, writeTemp } from "../support/openssl";
import { loadConfig } from "../../server/config/load-config";
import { openCore } from "../../server/core";
import { bulkTbs } from "../../server/ca/bulk-signer";
import { createLintCopyMaker } from "../../server/ca/lint-copy";
import { tbsOf } from "../../server/ca/cert-assembly";
import { buildName } from "../../server/ca/name";
import { buildExtensions } from "../../server/ca/profiles";
import { publicationUrls } from "../../server/ca/hierarchy";
import { subjectPublicKeyBits } from "../../server/ca/signer";
import { createHash } from "node:crypto";
import { REQUEST_TYPES } from "../../server/ra/request-types";
import { referenceOf } from "../../server/ra/request-ports";

const pem = (der: Buffer) => `-----BEGIN CERTIFICATE-----\n${der.toString("base64").replace(/.{64}/g, "$&\n").replace(/\n?$/, "\n")}-----END CERTIFICATE-----\n`;
const n = (v: unknown) => Number(v);

forEachDatabase("scale dataset", (db) => {
  let env: NodeJS.ProcessEnv;
  let k: Knex;
  const cli = (...args: string[]) => runCli(args, env);

  before(async function () {
    this.timeout(120_000);
    env = db.env({ CA_KEY_PASSPHRASE: TEST_PASSPHRASE, PUBLIC_URL: TEST_PUBLIC_URL, DEMO: "0" });
    const init = await cli("ca", "init", "--alg", "p256");
    assert.equal(init.status, 0, init.stderr);
  });

  after(async () => {
    await k?.destroy();
  });

  it("builds the dataset it announces: counts, reason mix, states, requests with due dates", async function () {
    this.timeout(120_000);
    const r = await cli("demo", "scale", "--certs", "600", "--revoked", "132", "--units", "12", "--requests", "300");
    assert.equal(r.status, 0, r.stderr);
    const line = lastLine(r.stdout);
    const m = /^scale dataset \((sqlite|postgres)\): 600 certificates \(132 revoked: (.*); (\d+) expired\), (\d+) subscribers, (\d+) tokens, 300 requests in 12 units; [\d.]+ s, [\d,]+ certificates\/s with \d+ signing threads? \(database writes [\d.]+ s, waiting for signatures [\d.]+ s\)$/.exec(line);
    assert.ok(m, line);
    assert.equal(m[1], db.kind);
    assert.match(r.stderr, /100% 600\/600 certificates/, "progress on stderr");

    k = knexFactory(db.knexConfig());
    const one = async (q: Knex.QueryBuilder) => n(((await q.count({ c: "*" }).first()) as { c: unknown }).c);
    assert.equal(await one(k("certificates").whereNotNull("subscriber_id")), 600);
    assert.equal(await one(k("certificates").where({ status: "revoked" })), 132);
    assert.equal(await one(k("revocations")), 132);
    assert.equal(await one(k("subscribers")), n(m[4]));
    assert.equal(await one(k("tokens")), n(m[5]));
    assert.equal(await one(k("requests")), 300);
    assert.equal(await one(k("certificates").where({ status: "valid" }).andWhere("not_after", "<", new Date().toISOString().slice(0, 19) + "Z")), n(m[3]));

    // Reasons (RFC 5280 5.3.1 codes): the printed mix is the stored one; no hold in this regime.
    const reasons = (await k("certificates").where({ status: "revoked" }).select("revocation_reason").count({ c: "*" }).groupBy("revocation_reason")) as Array<{ revocation_reason: number; c: unknown }>;
    const byCode = new Map(reasons.map((x) => [n(x.revocation_reason), n(x.c)]));
    for (const code of [1, 3, 4, 5]) assert.ok((byCode.get(code) ?? 0) >= 8, `reason ${code}: ${byCode.get(code)}`);
    assert.equal(byCode.get(6), undefined, "never certificateHold");
    for (const [name, code] of [["keyCompromise", 1], ["affiliationChanged", 3], ["superseded", 4], ["cessationOfOperation", 5]] as const) {
      assert.match(m[2]!, new RegExp(`${name} ${byCode.get(code)}\\b`));
    }
    // Every superseded certificate was replaced: its subscriber has a certificate issued after it.
    const orphans = await one(
      k("certificates as c").where({ "c.revocation_reason": 4 }).whereNotExists(k("certificates as d").whereRaw("d.subscriber_id = c.subscriber_id and d.created_at > c.created_at")),
    );
    assert.equal(orphans, 0);
    assert.equal(await one(k("certificates").where({ revocation_reason: 1 }).whereNull("invalidity_date")), 0, "keyCompromise carries an invalidity date");
    assert.equal(await one(k("certificates").where({ status: "valid" }).whereNotNull("revoked_at")), 0);
    const lostTokens = await one(k("tokens").where({ state: "lost" }));
    assert.ok(lostTokens > 0);
    assert.equal(await one(k("tokens as t").where({ "t.state": "lost" }).whereNotExists(k("certificates as c").whereRaw("c.token_id = t.id and c.revocation_reason = 1"))), 0, "a lost token's certificate was revoked keyCompromise");
    // Profiles: about 17% organisation certificates, some devices.
    const org = await one(k("certificates").where({ profile: "organization" }));
    assert.ok(org >= 60 && org <= 150, `organisation certificates ${org}`);
    assert.ok((await one(k("certificates").where({ profile: "device" }))) > 0);
    assert.ok((await one(k("tokens").where({ type: "sim_pki" }))) > 0 && (await one(k("tokens").where({ type: "hsm_slot" }))) > 0);

    // Requests: every type and state but the transient "approved"; deadlines and processing times.
    const types = new Set(((await k("requests").distinct("type")) as Array<{ type: string }>).map((x) => x.type));
    assert.deepEqual([...types].sort(), [...REQUEST_TYPES].sort());
    const states = new Set(((await k("requests").distinct("state")) as Array<{ state: string }>).map((x) => x.state));
    assert.deepEqual([...states].sort(), ["completed", "draft", "forwarded", "rejected", "returned", "submitted", "withdrawn"]);
    assert.equal(await one(k("requests").whereNotNull("submitted_at").whereNull("due_date")), 0);
    assert.equal(await one(k("requests").whereRaw("due_date < substr(submitted_at, 1, 10)")), 0);
    assert.equal(await one(k("requests").where({ state: "completed" }).whereRaw("completed_at < submitted_at")), 0);
    assert.ok((await one(k("requests").whereIn("state", ["submitted", "forwarded", "returned"]).where("due_date", "<", new Date().toISOString().slice(0, 10)))) > 0, "some open requests are overdue");
    const completedNew = await one(k("requests").where({ state: "completed" }).whereIn("type", ["new_individual", "new_organization", "new_device", "renewal", "change"]));
    assert.equal(await one(k("certificates").whereNotNull("request_id")), completedNew, "each completed issuing request produced its certificate");
    assert.ok((await one(k("request_events"))) >= 600);

    // Audit: one entry per chunk and one for the run; the chain still verifies.
    assert.equal(await one(k("audit_log").where({ action: "demo.scale.batch" })), 1);
    assert.equal(await one(k("audit_log").where({ action: "demo.scale" })), 1);
    const verify = await cli("audit", "verify");
    assert.equal(verify.status, 0, verify.stderr + verify.stdout);
  });

  it("its certificates verify with openssl against the CA chain", async function () {
    this.timeout(60_000);
    // A sample of each profile: 25 by serial alone (serials are random) was sometimes all of one profile.
    const rows: Array<{ serial: string; cert_der: Buffer; subject_dn: string; profile: string }> = [];
    for (const profile of ["individual", "organization", "device"]) {
      rows.push(...((await k("certificates").whereNotNull("subscriber_id").where({ profile }).orderBy("serial").limit(9).select("serial", "cert_der", "subject_dn", "profile")) as typeof rows));
    }
    const profiles = new Set<string>();
    for (const row of rows) {
      const file = writeTemp(db.dataDir, `scale/${row.serial}.pem`, pem(Buffer.from(row.cert_der)));
      // -no_check_time: the sample holds expired certificates too; their signatures must still verify.
      opensslOk(["verify", "-no_check_time", "-CAfile", join(db.dataDir, "pki", "chain.pem"), file]);
      const x = new X509Certificate(Buffer.from(row.cert_der));
      assert.equal(x.serialNumber.toLowerCase().replace(/^0+/, ""), row.serial.replace(/^0+/, ""));
      assert.equal(x.subject.split("\n").join(", "), row.subject_dn);
      profiles.add(row.profile);
    }
    assert.ok(profiles.size >= 2);
  });

  it("builds byte for byte the TBS the issuance cycle's lint copy has", async function () {
    const core = await openCore(loadConfig({ env: env as Record<string, string>, cwd: db.dataDir }));
    try {
      const issuer = (await core.keyRing.active("issuing"))!;
      const urls = publicationUrls(core.config, issuer.record.slug);
      const row = (await k("certificates").whereNotNull("subscriber_id").where({ profile: "individual" }).first("cert_der")) as { cert_der: Buffer };
      const spki = new X509Certificate(Buffer.from(row.cert_der)).publicKey.export({ type: "spki", format: "der" });
      const notBefore = new Date("2026-01-02T03:04:05Z");
      const notAfter = new Date("2028-01-02T03:04:05Z");
      const makeLintCopy = createLintCopyMaker();
      for (const [profile, subject] of [
        ["individual", { commonName: "Nguyễn Thị Mẫu", organization: "Ủy ban nhân dân tỉnh Thử", organizationalUnits: ["Sở Tư pháp", "Chuyên viên"], locality: "Thử", email: "mautn@stp.thu.gov.vn", dnsNames: [] }],
        ["organization", { commonName: "Sở Tư pháp, tỉnh Thử", organization: "Ủy ban nhân dân tỉnh Thử", organizationalUnits: [], locality: "Thử", email: "vanthu@stp.thu.gov.vn", dnsNames: [] }],
        ["device", { commonName: "dichvucong.thu.gov.vn", organizationalUnits: ["Sở Khoa học và Công nghệ"], dnsNames: ["dichvucong.thu.gov.vn"] }],
      ] as const) {
        const lint = tbsOf(
          await makeLintCopy(
            {
              serialHex: "7f0102030405060708090a0b0c0d0e0f",
              subject: buildName({ ...subject, organizationalUnits: [...subject.organizationalUnits], country: "VN" }),
              issuerSubjectDer: issuer.subjectDer,
              notBefore,
              notAfter,
              subjectPublicKeyDer: spki,
              extensions: buildExtensions({ profile, keyType: "ec", subjectKeyId: createHash("sha1").update(subjectPublicKeyBits(spki)).digest("hex"), authorityKeyId: issuer.record.ski, email: "email" in subject ? subject.email : undefined, dnsNames: [...subject.dnsNames], urls }),
            },
            issuer.alg,
          ),
        );
        const bulk = bulkTbs({ serialHex: "7f0102030405060708090a0b0c0d0e0f", profile, subject: { ...subject, organizationalUnits: [...subject.organizationalUnits], dnsNames: [...subject.dnsNames] }, notBefore, notAfter, spkiDer: spki, issuerSubjectDer: issuer.subjectDer, issuerSki: issuer.record.ski, signatureAlgorithm: issuer.signer.algorithmIdentifier, urls });
        assert.equal(bulk.toString("hex"), lint.toString("hex"), profile);
      }
    } finally {
      await core.close();
    }
  });

  it("the app shows it: lists, and a request of each state, a token and a certificate of the dataset", async function () {
    this.timeout(120_000);
    const pass = "Scale-test-password-42";
    for (const [user, role, unit] of [["operator", "ca_operator", undefined], ["officer", "provincial_officer", "QM"]] as const) {
      const r = await runCli(["user", "add", "--username", user, "--role", role, ...(unit ? ["--unit", unit] : []), "--password-env", "SCALE_PW"], { ...env, SCALE_PW: pass });
      assert.equal(r.status, 0, r.stderr);
    }
    const server = await startTestServer(db);
    try {
      for (const who of ["operator", "officer"]) {
        const web = new WebClient(server.url);
        assert.equal((await web.signIn(who, pass)).status, 303, `${who} signs in`);
        const paths = ["/", "/certificates", "/certificates?q=nguyen", "/subscribers", "/requests", "/requests?due=overdue", "/tokens"];
        const reqs = (await k("requests").select("state").min({ id: "id" }).groupBy("state")) as Array<{ state: string; id: number }>;
        for (const q of reqs) paths.push(`/requests/${q.id}`);
        const tok = (await k("tokens").where({ state: "lost" }).first("id")) as { id: number };
        paths.push(`/tokens/${tok.id}`);
        const cert = (await k("certificates").where({ status: "revoked" }).whereNotNull("request_id").first("serial")) as { serial: string } | undefined;
        if (cert) paths.push(`/certificates/${cert.serial}`);
        for (const path of paths) {
          const r = await web.get(path);
          assert.equal(r.status, 200, `${who} ${path}: ${r.status} ${r.text.slice(0, 300)}`);
          const id = /^\/requests\/(\d+)$/.exec(path)?.[1];
          if (id) assert.ok(r.text.includes(referenceOf(Number(id))), `${path} shows its reference`);
          if (path === "/certificates") assert.match(r.text, /thunghiemquymo\.gov\.vn|Thử Nghiệm Quy Mô/, "the list shows the dataset's certificates");
        }
      }
    } finally {
      await server.close();
    }
  });

  it("refuses a second dataset, and --append adds to the first", async function () {
    this.timeout(120_000);
    const again = await cli("demo", "scale", "--certs", "50");
    assert.notEqual(again.status, 0);
    assert.match(again.stderr.trim(), /^error \[SCALE_DATASET_EXISTS\]: /);
    const more = await cli("demo", "scale", "--certs", "50", "--revoked", "10", "--requests", "10", "--append");
    assert.equal(more.status, 0, more.stderr);
    assert.match(lastLine(more.stdout), /^scale dataset \(\w+\): 50 certificates \(10 revoked/);
    assert.equal(n(((await k("certificates").whereNotNull("subscriber_id").count({ c: "*" }).first()) as { c: unknown }).c), 650);
    assert.equal(n(((await k("revocations").count({ c: "*" }).first()) as { c: unknown }).c), 142);
    const verify = await cli("audit", "verify");
    assert.equal(verify.status, 0, verify.stderr + verify.stdout);
  });
});
