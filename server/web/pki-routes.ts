// Publication endpoints: CA certificates (RFC 5280 4.2.2.1 caIssuers, DER as
// application/pkix-cert, RFC 2585) and CRLs (application/pkix-crl).
import { Router } from "express";
import type { CaStore } from "../store/ca-store";
import type { CrlPublisher } from "../publish/crl-publisher";

export function pkiRoutes(deps: { cas: CaStore; publisher: CrlPublisher }): Router {
  const r = Router();
  r.get("/pki/ca/:file", async (req, res) => {
    const m = /^([a-z0-9-]{1,64})\.crt$/.exec(req.params.file);
    const ca = m ? await deps.cas.findBySlug(m[1]!) : null;
    if (!ca || ca.kind === "ocsp" || ca.status !== "active") {
      res.status(404).type("text/plain").send("no such CA certificate\n");
      return;
    }
    res.set("Cache-Control", "public, max-age=86400").type("application/pkix-cert").send(ca.certDer);
  });
  r.get("/pki/crl/:file", async (req, res) => {
    const m = /^([a-z0-9-]{1,64})\.crl$/.exec(req.params.file);
    const current = m ? await deps.publisher.currentFile(m[1]!) : null;
    if (!current) {
      res.status(404).type("text/plain").send("no CRL published for this CA\n");
      return;
    }
    // Short max-age: a revocation must reach relying parties within minutes.
    res.set("Cache-Control", "public, max-age=60, no-transform");
    res.set("Expires", current.record.nextUpdate.toUTCString());
    res.sendFile(current.path, { headers: { "Content-Type": "application/pkix-crl" }, lastModified: false });
  });
  return r;
}
