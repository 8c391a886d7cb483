// The landing page: what this CA is, where its certificates, CRLs and OCSP live.
import { Router } from "express";
import type { Config } from "../config/schema";
import type { Store } from "../store/store";

export function homeRoutes(deps: { store: Store; config: Config }): Router {
  const r = Router();
  r.get("/", async (_req, res) => {
    const cas = await deps.store.cas.listActive();
    const rows = await Promise.all(
      cas
        .filter((c) => c.kind !== "ocsp")
        .map(async (c) => {
          const crl = await deps.store.crls.latest(c.id);
          return {
            slug: c.slug,
            kindKey: c.kind === "root" ? "home.kindRoot" : "home.kindIssuing",
            subject: c.subjectDn,
            notAfter: c.notAfter,
            crlNumber: crl?.crlNumber ?? null,
            crlEntries: crl ? crl.entryCount : null,
            crlNext: crl ? crl.nextUpdate : null,
          };
        }),
    );
    res.render("pki/home", { titleKey: "home.title", cas: rows, publicUrl: deps.config.publicUrl });
  });
  return r;
}
