// Our certificates, OCSP answers and CRL validated by the JDK's PKIX CertPathValidator (a stack we
// did not write) through test/interop/java/PkixCheck.java, compiled here with javac.
import { strict as assert } from "node:assert";
import { join } from "node:path";
import { makeTempDir } from "../support/tmp";
import { goodLeaves, INTEROP_CA_ALGS, revokedLeaves, runOk, sharedProfilePki, type LeafName, type ProfilePki } from "./profile-fixture";

const SOURCE = join(__dirname, "java", "PkixCheck.java");

/** The compiled class directory, compiled once per mocha run (javac takes ~2 s). */
let compiled: Promise<string> | undefined;
function compile(): Promise<string> {
  compiled ??= (async () => {
    const dir = makeTempDir("chungthu-javac-");
    await runOk("javac", ["-encoding", "UTF-8", "-d", dir, SOURCE], { timeoutMs: 60_000 });
    return dir;
  })();
  return compiled;
}

interface Verdict {
  status: "VALID" | "REVOKED" | "INVALID";
  detail: string;
  extra: string;
}

/** java.security.cert.CRLReason names for RFC 5280 5.3.1 reasons. */
const JAVA_REASON = { keyCompromise: "KEY_COMPROMISE", cessationOfOperation: "CESSATION_OF_OPERATION" } as const;

for (const caAlg of INTEROP_CA_ALGS) {
  describe(`interop: Java PKIX CertPathValidator (OCSP and CRL) [${caAlg} CA]`, function () {
    this.timeout(30_000);
    let pki: ProfilePki;
    let classes: string;

    before(async function () {
      [pki, classes] = await Promise.all([sharedProfilePki(caAlg), compile()]);
    });

    /** Runs PkixCheck over every leaf; returns the verdicts by leaf name, and stderr. */
    async function check(mode: "none" | "ocsp" | "crl", extra: string[] = [], jvm: string[] = []): Promise<{ verdicts: Record<LeafName, Verdict>; stderr: string }> {
      const leaves = Object.values(pki.leaves);
      const r = await runOk("java", [...jvm, "-cp", classes, "PkixCheck", "--root", pki.root.pemPath, "--issuing", pki.issuing.pemPath, "--mode", mode, ...extra, ...leaves.map((l) => l.pemPath)]);
      const verdicts = {} as Record<LeafName, Verdict>;
      for (const line of r.stdout.trim().split("\n")) {
        const [path, status, detail, more] = line.split("\t");
        const leaf = leaves.find((l) => l.pemPath === path);
        assert.ok(leaf, `unexpected line: ${line}`);
        verdicts[leaf.name] = { status: status as Verdict["status"], detail: detail ?? "", extra: more ?? "" };
      }
      assert.equal(Object.keys(verdicts).length, leaves.length, r.stdout);
      return { verdicts, stderr: r.stderr };
    }

    /** Good leaves VALID; revoked ones REVOKED with Java's reason and the revocation time the store holds. */
    async function assertRevocationVerdicts(verdicts: Record<LeafName, Verdict>, how: string) {
      for (const leaf of goodLeaves(pki)) {
        assert.equal(verdicts[leaf.name].status, "VALID", `${how}: ${leaf.name} ${JSON.stringify(verdicts[leaf.name])}`);
      }
      for (const leaf of revokedLeaves(pki)) {
        const v = verdicts[leaf.name];
        assert.equal(v.status, "REVOKED", `${how}: ${leaf.name} ${JSON.stringify(v)}`);
        assert.equal(v.detail, JAVA_REASON[leaf.revoked!], `${how}: ${leaf.name}`);
        const record = await pki.server.core.store.certificates.findBySerial(leaf.serial);
        assert.equal(Number(v.extra), record!.revokedAt!.getTime(), `${how}: ${leaf.name} revocation time`);
      }
    }

    it("without revocation checking every profile's leaf chains to the root", async () => {
      const { verdicts } = await check("none");
      for (const [name, v] of Object.entries(verdicts)) {
        assert.equal(v.status, "VALID", `${name}: ${JSON.stringify(v)}`);
        assert.match(v.detail, /^CN=chungthu TEST Root CA,/);
      }
    });

    it("refuses a validation date past notAfter and a wrong trust anchor (negative controls)", async () => {
      const { verdicts } = await check("none", ["--date", String(Date.UTC(2100, 0, 1))]);
      for (const v of Object.values(verdicts)) assert.equal(v.status, "INVALID");
      assert.equal(verdicts.individual.detail, "EXPIRED");
      const wrongAnchor = await runOk("java", ["-cp", classes, "PkixCheck", "--root", pki.leaves.device.pemPath, "--issuing", pki.issuing.pemPath, "--mode", "none", pki.leaves.individual.pemPath]);
      assert.match(wrongAnchor.stdout, /\tINVALID\t/);
    });

    it("OCSP at the AIA URL (PKIXRevocationChecker, NO_FALLBACK): good leaves valid, revoked ones revoked with reason and time", async () => {
      const { verdicts } = await check("ocsp");
      await assertRevocationVerdicts(verdicts, "OCSP");
    });

    it("CRL from a CertStore (PREFER_CRLS, NO_FALLBACK): the same verdicts, and nothing fetched", async () => {
      const { verdicts, stderr } = await check("crl", ["--crl", pki.crl.derPath], ["-Djava.security.debug=certpath"]);
      await assertRevocationVerdicts(verdicts, "CRL CertStore");
      assert.match(stderr, /RevocationChecker\.checkCRLs\(\) approved crls\.size\(\) = 1/);
      assert.doesNotMatch(stderr, /Trying to fetch CRL from DP/);
    });

    it("CRL fetched by Java from the certificate's CRL distribution point: the same verdicts", async () => {
      const { verdicts, stderr } = await check("crl", [], ["-Djava.security.debug=certpath"]);
      await assertRevocationVerdicts(verdicts, "CRL DP");
      assert.match(stderr, new RegExp(`Trying to fetch CRL from DP ${pki.url.replace(/\./g, "\\.")}/pki/crl/issuing\\.crl`));
    });
  });
}
