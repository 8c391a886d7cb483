// The dossier's files: the scanned signed form (a PDF, checked by content and
// size) and other PDFs, attached while the request is a draft or returned, each
// with its history row and audit entry; and reading one back for the pages.
import { createHash } from "node:crypto";
import { auditActor, auditRole, type CallContext } from "../access/actor";
import { AppError } from "../errors/app-error";
import type { AttachmentMeta } from "../store/request-store";
import type { RequestAccess, RequestAccessDeps } from "./request-access";
import { isEditable } from "./request-states";

export interface NewAttachment {
  kind: "signed_form" | "other";
  filename: string;
  contentType: string;
  content: Buffer;
}

const PDF_MAGIC = Buffer.from("%PDF-");

export function createRequestAttachments(deps: RequestAccessDeps & { access: RequestAccess }) {
  const { store } = deps;
  const { now, userIdOf, refuse, visible, requirePermission } = deps.access;
  return {
    /** Attaches the scanned signed form (PDF only, size-limited) or another PDF. */
    async attach(ctx: CallContext, id: number, file: NewAttachment): Promise<AttachmentMeta> {
      const r = await visible(ctx, id, "attach");
      await requirePermission(ctx, r, ["requests.file"], "attach");
      if (!isEditable(r.state)) return refuse(ctx, "attach", new AppError("REQUEST_STATE_INVALID", "Chỉ bổ sung tệp cho hồ sơ nháp hoặc hồ sơ bị trả lại"), String(id));
      const max = deps.config.requests.attachmentMaxBytes;
      if (file.content.length === 0) return refuse(ctx, "attach", new AppError("ATTACHMENT_INVALID", "Tệp đính kèm rỗng"), String(id));
      if (file.content.length > max) return refuse(ctx, "attach", new AppError("ATTACHMENT_TOO_LARGE", `Tệp lớn hơn ${Math.floor(max / 1024 / 1024)} MB`), String(id));
      // Type by content, not by the name or the browser's claim: a PDF starts with "%PDF-" (ISO 32000-1 7.5.2).
      if (!file.content.subarray(0, 5).equals(PDF_MAGIC)) return refuse(ctx, "attach", new AppError("ATTACHMENT_INVALID", "Chỉ nhận tệp PDF (bản scan mẫu đơn đã ký)"), String(id));
      const filename = file.filename.normalize("NFC").replace(/[\\/\u0000-\u001f]/g, "_").slice(0, 200) || "tep.pdf";
      const at = now();
      const sha256 = createHash("sha256").update(file.content).digest("hex");
      const attId = await store.transaction(async (tx) => {
        const aid = await tx.requests.addAttachment({ requestId: id, kind: file.kind, filename, contentType: "application/pdf", content: file.content, sha256, uploadedBy: auditActor(ctx.actor), at });
        await tx.requests.appendEvent({ requestId: id, action: "attach", fromState: r.state, toState: r.state, actor: auditActor(ctx.actor), userId: userIdOf(ctx.actor), role: auditRole(ctx.actor).role, reason: filename, at });
        await tx.audit.append({ actor: auditActor(ctx.actor), ...auditRole(ctx.actor), action: "request.attach", objectType: "request", objectId: String(id), outcome: "ok", requestId: ctx.requestId, details: { kind: file.kind, filename, size: file.content.length, sha256 } }, at);
        return aid;
      });
      return (await store.requests.attachments(id)).find((a) => a.id === attId)!;
    },

    async attachment(ctx: CallContext, id: number, attachmentId: number) {
      await visible(ctx, id, "attachment");
      const a = await store.requests.attachmentContent(id, attachmentId);
      if (!a) throw new AppError("NOT_FOUND", "Không có tệp đính kèm này");
      return a;
    },
  };
}
