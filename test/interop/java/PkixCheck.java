// Validates certificates with the JDK's own PKIX implementation (CertPathValidator "PKIX"),
// a stack we did not write: chain to a trust anchor, and revocation by OCSP or by CRL.
// Compiled and run by test/interop/java-pkix.test.ts; it only reads the files it is given.
//
// Usage: java PkixCheck --root root.pem --issuing issuing.pem --mode none|ocsp|crl
//                       [--crl crl.der] [--date epochMillis] leaf.pem...
// Prints one line per leaf, tab-separated:
//   <leaf> VALID <anchor subject>
//   <leaf> REVOKED <CRLReason> <revocation date, epoch ms>
//   <leaf> INVALID <BasicReason> <message>
import java.io.FileInputStream;
import java.io.InputStream;
import java.security.cert.CRL;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertStore;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateRevokedException;
import java.security.cert.CollectionCertStoreParameters;
import java.security.cert.PKIXCertPathValidatorResult;
import java.security.cert.PKIXParameters;
import java.security.cert.PKIXRevocationChecker;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Date;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

public final class PkixCheck {
  public static void main(String[] args) throws Exception {
    String root = null, issuing = null, mode = "none", crlPath = null;
    Long date = null;
    List<String> leaves = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--root": root = args[++i]; break;
        case "--issuing": issuing = args[++i]; break;
        case "--mode": mode = args[++i]; break;
        case "--crl": crlPath = args[++i]; break;
        case "--date": date = Long.parseLong(args[++i]); break;
        default: leaves.add(args[i]);
      }
    }
    if (root == null || issuing == null || leaves.isEmpty()) {
      System.err.println("usage: PkixCheck --root root.pem --issuing issuing.pem --mode none|ocsp|crl [--crl crl.der] [--date ms] leaf.pem...");
      System.exit(2);
    }
    CertificateFactory cf = CertificateFactory.getInstance("X.509");
    X509Certificate rootCert = read(cf, root);
    X509Certificate issuingCert = read(cf, issuing);
    List<Object> storeContents = new ArrayList<>();
    if (crlPath != null) {
      try (InputStream in = new FileInputStream(crlPath)) {
        CRL crl = cf.generateCRL(in);
        storeContents.add(crl);
      }
    }
    CertPathValidator validator = CertPathValidator.getInstance("PKIX");
    for (String leafPath : leaves) {
      X509Certificate leaf = read(cf, leafPath);
      // The path runs from the target towards the anchor, anchor excluded (RFC 5280 6.1).
      CertPath path = cf.generateCertPath(List.of(leaf, issuingCert));
      PKIXParameters params = new PKIXParameters(Set.of(new TrustAnchor(rootCert, null)));
      if (date != null) params.setDate(new Date(date));
      if (mode.equals("none")) {
        params.setRevocationEnabled(false);
      } else {
        PKIXRevocationChecker checker = (PKIXRevocationChecker) validator.getRevocationChecker();
        // ONLY_END_ENTITY: the CA certificates are checked against the root's CRL by other tests.
        // NO_FALLBACK: the chosen method alone must give the answer; OCSP goes to the AIA URL (RFC 5280 4.2.2.1).
        if (mode.equals("ocsp")) {
          checker.setOptions(EnumSet.of(PKIXRevocationChecker.Option.ONLY_END_ENTITY, PKIXRevocationChecker.Option.NO_FALLBACK));
        } else {
          checker.setOptions(EnumSet.of(PKIXRevocationChecker.Option.ONLY_END_ENTITY, PKIXRevocationChecker.Option.PREFER_CRLS, PKIXRevocationChecker.Option.NO_FALLBACK));
          params.addCertStore(CertStore.getInstance("Collection", new CollectionCertStoreParameters(storeContents)));
        }
        params.addCertPathChecker(checker);
        params.setRevocationEnabled(false); // the explicit checker above replaces the default one
      }
      try {
        PKIXCertPathValidatorResult r = (PKIXCertPathValidatorResult) validator.validate(path, params);
        System.out.println(leafPath + "\tVALID\t" + r.getTrustAnchor().getTrustedCert().getSubjectX500Principal().getName());
      } catch (CertPathValidatorException e) {
        CertificateRevokedException revoked = revokedCause(e);
        if (revoked != null) {
          System.out.println(leafPath + "\tREVOKED\t" + revoked.getRevocationReason() + "\t" + revoked.getRevocationDate().getTime());
        } else {
          System.out.println(leafPath + "\tINVALID\t" + e.getReason() + "\t" + String.valueOf(e.getMessage()).replace('\n', ' '));
        }
      }
    }
  }

  private static CertificateRevokedException revokedCause(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof CertificateRevokedException) return (CertificateRevokedException) t;
    }
    return null;
  }

  private static X509Certificate read(CertificateFactory cf, String path) throws Exception {
    try (InputStream in = new FileInputStream(path)) {
      return (X509Certificate) cf.generateCertificate(in);
    }
  }
}
