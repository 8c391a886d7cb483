// /api/v1/certificates/{serial} (status, dates, subject, unit; PEM) and
// /api/v1/tokens/{serial}/report-lost (immediate keyCompromise revocation of
// every certificate on the token, Decree 68/2024 Art. 17). Handlers call
// portal.certificates and portal.tokenActions with the token's CallContext.
import type { Request, Router } from "express";
import { z } from "zod";
import { pem } from "../ca/pki-files";
import type { Portal } from "../directory/portal";
import { AppError, isAppError } from "../errors/app-error";
import { normaliseTokenSerial } from "../ra/token-service";
import type { RequestRecord } from "../store/request-store";
import type { TokenRecord } from "../store/token-store";
import { callOf } from "./api-auth";
import { certificateJson, lostReportJson } from "./api-json";

export interface CertificateEndpointDeps {
  portal: Portal;
  /** serial → token, unscoped: only to find the id; the token service decides who may see it. */
  tokenBySerial(serial: string): Promise<TokenRecord | null>;
  /** The Mẫu 09 record the report opened (the province confirms it afterwards). */
  lostRecordOf(tokenId: number): Promise<RequestRecord | null>;
}

const LostBody = z.object({ note: z.string({ error: "note: phải là chuỗi" }).max(500, "note: tối đa 500 ký tự").optional() }, { error: "Nội dung phải là một đối tượng JSON" }).strict();

function serialOf(req: Request): string {
  return String(req.params.serial).slice(0, 128);
}

export function certificateEndpoints(r: Router, deps: CertificateEndpointDeps): void {
  const { portal } = deps;

  r.get("/certificates/:serial", async (req, res) => {
    res.json(certificateJson(await portal.certificates.get(callOf(req).ctx, serialOf(req))));
  });

  r.get("/certificates/:serial/pem", async (req, res) => {
    const { serial, der } = await portal.certificates.der(callOf(req).ctx, serialOf(req));
    res.type("application/pem-certificate-chain").setHeader("Content-Disposition", `attachment; filename="${serial}.pem"`);
    res.send(pem("CERTIFICATE", der));
  });

  r.post("/tokens/:serial/report-lost", async (req, res) => {
    const parsed = LostBody.safeParse(req.body ?? {});
    if (!parsed.success) {
      const fields = Object.fromEntries(parsed.error.issues.map((i) => [i.code === "unrecognized_keys" ? i.keys.join(",") : String(i.path[0] ?? "body"), i.message]));
      throw new AppError("INPUT_INVALID", "Nội dung không hợp lệ", { fields });
    }
    const serial = normaliseTokenSerial(String(req.params.serial).slice(0, 64));
    // One answer whether the token does not exist or belongs to another agency (ids can't be probed).
    const notFound = new AppError("TOKEN_NOT_FOUND", `Không có token ${serial} trong đơn vị của bạn`);
    const token = await deps.tokenBySerial(serial);
    if (!token) throw notFound;
    try {
      const done = await portal.tokenActions.reportLost(callOf(req).ctx, token.id, { note: parsed.data.note ?? null });
      res.json(lostReportJson(done.token, done.revoked, done.alreadyRevoked, await deps.lostRecordOf(token.id)));
    } catch (e) {
      // The service logged the out-of-scope refusal; the caller learns only "not found".
      if (isAppError(e) && e.code === "NOT_FOUND") throw notFound;
      throw e;
    }
  });
}
