// The RFC 5280 / RFC 6960 rules a certificate linter checks, as a table of { rule, section, check },
// run over every artefact the running service publishes: each profile's certificate, the CA and
// responder certificates, both CRLs and OCSP answers, on each hierarchy of INTEROP_CA_ALGS. Artefacts are
// read with `openssl asn1parse` (asn1Tree), never with our own DER reader. Any violation fails.
import { strict as assert } from "node:assert";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { opensslOk } from "../support/openssl";
import { makeTempDir, removeTempDir } from "../support/tmp";
import { asn1Tree, INTEROP_CA_ALGS, sharedProfilePki, type Asn1, type ProfilePki } from "./profile-fixture";
import { CERT_RULES, certOf, crlOf, ocspOf, RESPONSE_RULES, type Cert, type Crl, type Ocsp, type Rule } from "./lint-rules-table";

/** Every applicable rule over every artefact: "rule (section) — artefact: problem" lines. */
function violations<A extends { name: string }>(rules: Array<Rule<A>>, artefacts: A[]): string[] {
  const out: string[] = [];
  for (const r of rules) {
    for (const a of artefacts) {
      for (const p of r.check(a)) out.push(`${r.rule} (${r.section}) — ${a.name}: ${p}`);
    }
  }
  return out;
}

for (const caAlg of INTEROP_CA_ALGS) {
  describe(`interop: lint rules (RFC 5280, RFC 6960) over every artefact [${caAlg} CA]`, function () {
    this.timeout(30_000);
    let pki: ProfilePki;
    let certs: Cert[];
    let responses: Array<Crl | Ocsp>;

    before(async function () {
      pki = await sharedProfilePki(caAlg);
      const root = certOf("root CA", "root", pki.root.der, null);
      const issuing = certOf("issuing CA", "issuing", pki.issuing.der, root);
      certs = [root, issuing, ...Object.values(pki.leaves).map((l) => certOf(`${l.name} (${l.profile}, ${l.key})`, l.profile, l.der, issuing))];
      const rootCrl = Buffer.from(await (await fetch(`${pki.url}/pki/crl/root.crl`)).arrayBuffer());
      responses = [crlOf("root CRL", rootCrl, root), crlOf("issuing CRL", pki.crl.der, issuing)];
      for (const leaf of [pki.leaves.individual, pki.leaves.revokedKeyCompromise, pki.leaves.revokedCessation]) {
        const reqPath = join(pki.dir, `${leaf.name}-lint.req`);
        opensslOk(["ocsp", "-issuer", pki.issuing.pemPath, "-cert", leaf.pemPath, "-reqout", reqPath]);
        const res = await fetch(`${pki.url}/ocsp`, { method: "POST", body: new Uint8Array(readFileSync(reqPath)), headers: { "content-type": "application/ocsp-request" } });
        const ocsp = ocspOf(`OCSP answer for ${leaf.name}`, Buffer.from(await res.arrayBuffer()), issuing, leaf.revoked ? "revoked" : "good");
        responses.push(ocsp);
        // The responder certificate travels in the answer: lint it like any other certificate.
        if (!certs.some((c) => c.der.equals(ocsp.responder.der))) certs.push(ocsp.responder);
      }
    });

    it("has every artefact: 2 CAs, the responder, 6 leaves, 2 CRLs, 3 OCSP answers", () => {
      assert.deepEqual(certs.map((c) => c.role).sort(), ["device", "device", "individual", "individual", "individual", "issuing", "ocsp", "organization", "root"]);
      assert.equal(responses.length, 5);
    });

    for (const rule of CERT_RULES) {
      it(`certificates: ${rule.rule} [RFC ${rule.section}]`, () => {
        assert.deepEqual(violations([rule], certs), []);
      });
    }
    for (const rule of RESPONSE_RULES) {
      it(`CRL/OCSP: ${rule.rule} [RFC ${rule.section}]`, () => {
        assert.deepEqual(violations([rule], responses), []);
      });
    }

    it("the CRL and OCSP rules can fail: the issuing CRL taken for the root's, a revoked answer taken for a good one", () => {
      const [root, issuing] = certs as [Cert, Cert];
      const found = violations(RESPONSE_RULES, [crlOf("issuing CRL as root's", pki.crl.der, root)]).join("\n");
      assert.match(found, /issuer ≠ CA subject/);
      assert.match(found, /AKI missing or ≠ CA SKI/);
      const revoked = responses.find((r): r is Ocsp => r.kind === "ocsp" && r.expect === "revoked")!;
      assert.match(violations(RESPONSE_RULES, [{ ...revoked, expect: "good" }]).join("\n"), /certStatus cont \[ 1 \], expected good/);
      assert.equal(issuing.role, "issuing");
    });
  });
}

describe("interop: lint rules catch violations (negative control)", function () {
  it("a certificate made with openssl to break the rules is flagged by the rules it breaks", () => {
    const dir = makeTempDir("chungthu-lint-bad-");
    try {
      const cnf = join(dir, "bad.cnf");
      // string_mask=default: openssl picks PrintableString for ASCII names, which our DN rule refuses.
      writeFileSync(cnf, "string_mask = default\n[req]\ndistinguished_name=dn\n[dn]\n[bad]\nbasicConstraints=CA:TRUE\nkeyUsage=digitalSignature,keyEncipherment,keyCertSign\nsubjectKeyIdentifier=none\nauthorityKeyIdentifier=none\n");
      opensslOk(["req", "-x509", "-newkey", "rsa:1024", "-nodes", "-keyout", join(dir, "bad.key"), "-out", join(dir, "bad.pem"),
        "-subj", "/C=VN/CN=Bad Leaf/emailAddress=bad@example.vn", "-days", "30", "-config", cnf, "-extensions", "bad",
        "-set_serial", "0x0102030405060708090a0b0c0d0e0f101112131415"]);
      const der = opensslOk(["x509", "-in", join(dir, "bad.pem"), "-outform", "DER"]).stdoutBuffer;
      const self = certOf("self", "root", der, null);
      const bad = certOf("bad leaf", "individual", der, self);
      const found = violations(CERT_RULES, [bad]).join("\n");
      for (const expected of [/serial.*21 octets/, /commonName is PRINTABLESTRING/, /bad@example\.vn not in subjectAltName/, /keyUsage/, /basicConstraints/, /subjectKeyIdentifier missing/, /authorityKeyIdentifier missing/, /extendedKeyUsage/, /RSA modulus of 1024 bits/]) {
        assert.match(found, expected);
      }
    } finally {
      removeTempDir(dir);
    }
  });

  it("asn1Tree gives openssl's reading, and refuses trailing data", () => {
    const tree: Asn1 = asn1Tree(Buffer.from("300602010a020101", "hex"));
    assert.deepEqual(tree.children.map((c) => [c.tag, c.value, c.content.toString("hex")]), [["INTEGER", "0A", "0a"], ["INTEGER", "01", "01"]]);
    assert.throws(() => asn1Tree(Buffer.from("3000020101", "hex")));
  });
});
