// SQL for a request's attachments (the scanned signed form and other PDFs):
// insert, list without content, and one with its content. Part of RequestStore.
import type { Knex } from "knex";
import { fromDbTime, toDbTime } from "./db-time";
import type { AttachmentMeta, RequestStore } from "./request-store";

export function createAttachmentSql(db: Knex | Knex.Transaction): Pick<RequestStore, "addAttachment" | "attachments" | "attachmentContent"> {
  return {
    async addAttachment(a) {
      const [row] = (await db("request_attachments")
        .insert({
          request_id: a.requestId,
          kind: a.kind,
          filename: a.filename.slice(0, 255),
          content_type: a.contentType,
          size: a.content.length,
          sha256: a.sha256,
          content: a.content,
          uploaded_by: a.uploadedBy.slice(0, 128),
          uploaded_at: toDbTime(a.at),
        })
        .returning("id")) as Array<{ id: number } | number>;
      return Number(typeof row === "object" ? row.id : row);
    },
    async attachments(requestId) {
      const rows = (await db("request_attachments")
        .where({ request_id: requestId })
        .orderBy("id")
        .select("id", "request_id", "kind", "filename", "content_type", "size", "sha256", "uploaded_by", "uploaded_at")) as AttachmentRow[];
      return rows.map(toMeta);
    },
    async attachmentContent(requestId, attachmentId) {
      const row = (await db("request_attachments").where({ id: attachmentId, request_id: requestId }).first()) as (AttachmentRow & { content: Buffer }) | undefined;
      return row ? { meta: toMeta(row), content: Buffer.from(row.content) } : null;
    },
  };
}

interface AttachmentRow {
  id: number;
  request_id: number;
  kind: string;
  filename: string;
  content_type: string;
  size: number;
  sha256: string;
  uploaded_by: string;
  uploaded_at: string;
}

function toMeta(r: AttachmentRow): AttachmentMeta {
  return {
    id: Number(r.id),
    requestId: Number(r.request_id),
    kind: r.kind,
    filename: r.filename,
    contentType: r.content_type,
    size: Number(r.size),
    sha256: r.sha256,
    uploadedBy: r.uploaded_by,
    uploadedAt: fromDbTime(r.uploaded_at),
  };
}
