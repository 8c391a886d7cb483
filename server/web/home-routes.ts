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
            kind: c.kind === "root" ? "CA gốc" : "CA cấp phát",
            subject: c.subjectDn,
            notAfter: c.notAfter.toLocaleDateString("vi-VN", { timeZone: "Asia/Ho_Chi_Minh" }),
            crlNumber: crl?.crlNumber ?? null,
            crlEntries: crl ? crl.entryCount.toLocaleString("vi-VN") : null,
            crlNext: crl ? crl.nextUpdate.toLocaleString("vi-VN", { timeZone: "Asia/Ho_Chi_Minh" }) : null,
          };
        }),
    );
    res.render("pki/home", { title: "chungthu — CA thử nghiệm", cas: rows, publicUrl: deps.config.publicUrl });
  });
  return r;
}
