// The backup manifest: what an archive holds and the SHA-256 of each part, and
// its validation on restore. No I/O here.
import { z } from "zod";
import { AppError } from "../errors/app-error";
import { safeName } from "./tar-gz";

export const BACKUP_FORMAT = "chungthu-backup/1";

const manifestSchema = z.object({
  format: z.literal(BACKUP_FORMAT),
  createdAt: z.string(),
  app: z.object({ name: z.literal("chungthu"), version: z.string() }),
  source: z.object({ dataDir: z.string(), publicUrl: z.string() }),
  database: z.object({
    dialect: z.enum(["sqlite", "postgres"]),
    migrations: z.array(z.string()),
    /** PostgreSQL: rows per table in the dump (sqlite: null, the snapshot is one file). */
    rows: z.record(z.string(), z.number().int().min(0)).nullable(),
  }),
  keys: z.array(z.object({ slug: z.string(), kind: z.string(), keyRef: z.string(), inArchive: z.boolean() })),
  configFile: z.string().nullable(),
  parts: z.array(z.object({ path: z.string().refine(safeName), size: z.number().int().min(0), sha256: z.string().regex(/^[0-9a-f]{64}$/) })),
});

export type Manifest = z.infer<typeof manifestSchema>;

export function parseManifest(text: string): Manifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new AppError("BACKUP_INVALID", "the manifest is not JSON");
  }
  const r = manifestSchema.safeParse(raw);
  if (!r.success) throw new AppError("BACKUP_INVALID", `the manifest is not a ${BACKUP_FORMAT} manifest: ${r.error.issues[0]?.path.join(".")} ${r.error.issues[0]?.message}`);
  const paths = new Set<string>();
  for (const p of r.data.parts) {
    if (!/^(database|data|config)\//.test(p.path) || paths.has(p.path)) throw new AppError("BACKUP_INVALID", `the manifest lists an unexpected part ${p.path}`);
    paths.add(p.path);
  }
  return r.data;
}
