// Every artefact of the running service parsed and verified by pyca/cryptography (Debian's
// python3-cryptography, a stack we did not write) through test/interop/python/check_artefacts.py:
// certificates of each profile, the CAs, both CRLs, and OCSP answers to requests it builds itself.
import { strict as assert } from "node:assert";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { goodLeaves, INTEROP_CA_ALGS, revokedLeaves, runOk, sharedProfilePki, type LeafName, type ProfilePki } from "./profile-fixture";

const SCRIPT = join(__dirname, "python", "check_artefacts.py");
/** Debian's python3, where python3-cryptography lives (a pyenv python3 earlier on PATH may lack it). */
const PYTHON = process.env.PYTHON3_BIN || "/usr/bin/python3";

interface OcspResult {
  httpContentType: string;
  responseStatus: string;
  serial: string;
  certStatus: string;
  revocationReason: string | null;
  revocationTime: string | null;
  producedAt: string;
  thisUpdate: string;
  nextUpdate: string;
  [check: string]: unknown;
}

interface PyResult {
  root: { subject: string; selfSigned: boolean };
  issuing: { subject: string; signedByRoot: boolean; signedByItself: boolean };
  leaves: Record<LeafName, { serial: string; subject: string; signedByIssuing: boolean; signedByRoot: boolean; signatureHash: string; ocsp: OcspResult }>;
  rootCrl: { issuer: string; signatureValid: boolean; crlNumber: number; revoked: number };
  crl: {
    issuer: string;
    signatureValid: boolean;
    signatureValidWithRoot: boolean;
    crlNumber: number;
    lastUpdate: string;
    nextUpdate: string;
    revoked: Array<{ serial: string; revocationDate: string; reason: string; invalidityDate: string }>;
  };
}

/** Serials as pyca prints them (no leading zeros). */
const hex = (s: string) => s.toLowerCase().replace(/^0+(?=.)/, "");
/** pyca's ReasonFlags names for RFC 5280 5.3.1 reasons. */
const PY_REASON = { keyCompromise: "key_compromise", cessationOfOperation: "cessation_of_operation" } as const;

for (const caAlg of INTEROP_CA_ALGS) {
  describe(`interop: Python cryptography parses and verifies every artefact [${caAlg} CA]`, function () {
    this.timeout(30_000);
    let pki: ProfilePki;
    let py: PyResult;

    before(async function () {
      pki = await sharedProfilePki(caAlg);
      const res = await fetch(`${pki.url}/pki/crl/root.crl`);
      assert.equal(res.status, 200);
      const rootCrl = join(pki.dir, "root-crl.der");
      writeFileSync(rootCrl, Buffer.from(await res.arrayBuffer()));
      const manifest = join(pki.dir, "python-manifest.json");
      writeFileSync(manifest, JSON.stringify({
        root: pki.root.derPath,
        issuing: pki.issuing.derPath,
        crl: pki.crl.derPath,
        rootCrl,
        leaves: Object.fromEntries(Object.values(pki.leaves).map((l) => [l.name, l.derPath])),
      }));
      py = JSON.parse((await runOk(PYTHON, [SCRIPT, manifest])).stdout) as PyResult;
    });

    it("certificates: the root is self-signed, the issuing CA signed by the root, each profile's leaf by the issuing CA only", () => {
      assert.equal(py.root.selfSigned, true);
      assert.match(py.root.subject, /^CN=chungthu TEST Root CA,/);
      assert.equal(py.issuing.signedByRoot, true);
      assert.equal(py.issuing.signedByItself, false); // negative control: the check can say no
      for (const leaf of Object.values(pki.leaves)) {
        const p = py.leaves[leaf.name];
        assert.equal(p.serial, hex(leaf.serial), leaf.name);
        assert.equal(p.signedByIssuing, true, leaf.name);
        assert.equal(p.signedByRoot, false, leaf.name);
        assert.equal(p.signatureHash, caAlg === "p384" ? "sha384" : "sha256", leaf.name); // ecdsa-with-SHA384 under a P-384 CA
      }
      // pyca decodes the UTF8String names to the same NFC text we issued.
      assert.match(py.leaves.individual.subject, /CN=Nguyễn Thị Hồng Nhung,OU=Văn phòng,OU=Sở Khoa học và Công nghệ,O=UBND tỉnh Phú Thọ,L=Phú Thọ,C=VN$/);
      assert.equal(py.leaves.individual.subject.normalize("NFC"), py.leaves.individual.subject);
    });

    it("CRLs: signed by their CA (not by the other), issuing CRL lists exactly the revoked serials with reason and invalidity date", () => {
      assert.equal(py.rootCrl.signatureValid, true);
      assert.match(py.rootCrl.issuer, /^CN=chungthu TEST Root CA,/);
      assert.equal(py.rootCrl.revoked, 0);
      assert.equal(py.crl.signatureValid, true);
      assert.equal(py.crl.signatureValidWithRoot, false);
      assert.ok(py.crl.crlNumber >= 1);
      assert.ok(Date.parse(py.crl.nextUpdate) > Date.parse(py.crl.lastUpdate));
      const listed = new Map(py.crl.revoked.map((r) => [r.serial, r]));
      assert.equal(listed.size, revokedLeaves(pki).length);
      for (const leaf of revokedLeaves(pki)) {
        const entry = listed.get(hex(leaf.serial));
        assert.ok(entry, `${leaf.name} not on the CRL`);
        assert.equal(entry.reason, PY_REASON[leaf.revoked!]);
        assert.ok(Date.parse(entry.invalidityDate) < Date.parse(entry.revocationDate));
      }
      for (const leaf of goodLeaves(pki)) assert.ok(!listed.has(hex(leaf.serial)), leaf.name);
    });

    it("OCSP: requests built by OCSPRequestBuilder and POSTed to the AIA URL get signed, nonce-echoing answers: good, or revoked with reason", async () => {
      for (const leaf of Object.values(pki.leaves)) {
        const o = py.leaves[leaf.name].ocsp;
        const what = `${leaf.name}: ${JSON.stringify(o)}`;
        assert.equal(o.httpContentType, "application/ocsp-response", what);
        assert.equal(o.responseStatus, "SUCCESSFUL", what);
        assert.equal(o.serial, hex(leaf.serial), what);
        for (const check of ["issuerKeyHashMatches", "issuerNameHashMatches", "nonceEchoed", "responderKeyHashMatches", "signatureValid", "responderIssuedByIssuer", "responderHasOcspSigning", "responderHasNoCheck", "tamperedRejected"]) {
          assert.equal(o[check], true, `${check} — ${what}`);
        }
        // RFC 6960 2.4: thisUpdate ≤ producedAt, not in the future (60 s skew); nextUpdate later, still ahead of us.
        const [produced, thisUpdate, nextUpdate] = [o.producedAt, o.thisUpdate, o.nextUpdate].map(Date.parse) as [number, number, number];
        assert.ok(thisUpdate <= produced && produced <= Date.now() + 60_000 && nextUpdate > Date.now(), what);
        if (leaf.revoked) {
          assert.equal(o.certStatus, "REVOKED", what);
          assert.equal(o.revocationReason, PY_REASON[leaf.revoked], what);
          const record = await pki.server.core.store.certificates.findBySerial(leaf.serial);
          assert.equal(Date.parse(o.revocationTime!), record!.revokedAt!.getTime(), what);
        } else {
          assert.equal(o.certStatus, "GOOD", what);
          assert.equal(o.revocationReason, null, what);
        }
      }
    });
  });
}
