// The backup archive's container: a gzip-compressed POSIX ustar stream
// (POSIX.1-1988 ustar header, regular files only), written and read in chunks so a
// large database never sits in memory. Knows nothing about what the files mean.
import { once } from "node:events";
import { createReadStream, createWriteStream, mkdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { pipeline } from "node:stream/promises";
import { createGunzip, createGzip } from "node:zlib";
import { AppError } from "../errors/app-error";

const BLOCK = 512;

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, "0") + "\0";
}

function header(name: string, size: number, mtime: Date): Buffer {
  const h = Buffer.alloc(BLOCK);
  // ustar: names past 100 bytes are split at a "/" into prefix (155) + name (100).
  let prefix = "";
  let base = name;
  if (Buffer.byteLength(name) > 100) {
    const cut = name.lastIndexOf("/", 155);
    if (cut <= 0 || Buffer.byteLength(name.slice(cut + 1)) > 100) throw new Error(`archive path too long: ${name}`);
    prefix = name.slice(0, cut);
    base = name.slice(cut + 1);
  }
  h.write(base, 0, 100, "utf8");
  h.write(octal(0o600, 8), 100, "ascii");
  h.write(octal(0, 8), 108, "ascii");
  h.write(octal(0, 8), 116, "ascii");
  h.write(octal(size, 12), 124, "ascii");
  h.write(octal(Math.floor(mtime.getTime() / 1000), 12), 136, "ascii");
  h.write("        ", 148, "ascii");
  h.write("0", 156, "ascii");
  h.write("ustar\0" + "00", 257, "ascii");
  h.write(prefix, 345, 155, "utf8");
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, "0") + "\0 ", 148, "ascii");
  return h;
}

/** Writes `files` (archive name → path on disk) in order into a .tar.gz at `out`. */
export async function writeTarGz(out: string, files: ReadonlyArray<{ name: string; path: string }>): Promise<void> {
  const gzip = createGzip({ level: 6 });
  const sink = pipeline(gzip, createWriteStream(out, { mode: 0o600 }));
  const put = async (b: Buffer) => {
    if (!gzip.write(b)) await once(gzip, "drain");
  };
  for (const f of files) {
    const st = statSync(f.path);
    await put(header(f.name, st.size, st.mtime));
    let written = 0;
    for await (const chunk of createReadStream(f.path)) {
      written += (chunk as Buffer).length;
      await put(chunk as Buffer);
    }
    if (written !== st.size) throw new Error(`${f.path} changed size while archived`);
    if (st.size % BLOCK) await put(Buffer.alloc(BLOCK - (st.size % BLOCK)));
  }
  await put(Buffer.alloc(2 * BLOCK));
  gzip.end();
  await sink;
}

function readString(h: Buffer, start: number, len: number): string {
  const s = h.subarray(start, start + len);
  const nul = s.indexOf(0);
  return s.subarray(0, nul < 0 ? len : nul).toString("utf8");
}

/** A safe relative archive name: no absolute path, no "..", no empty or dot segments. */
export function safeName(name: string): boolean {
  return name.length > 0 && !name.startsWith("/") && name.split("/").every((seg) => seg !== "" && seg !== "." && seg !== "..") && !name.includes("\\");
}

/**
 * Extracts a .tar.gz into `dir`, refusing anything but regular files with safe
 * names. Returns the names in archive order.
 */
export async function extractTarGz(input: string, dir: string): Promise<string[]> {
  const names: string[] = [];
  let pending: Buffer = Buffer.alloc(0);
  let current: { out: ReturnType<typeof createWriteStream>; left: number; pad: number } | null = null;
  let ended = false;
  const bad = (why: string) => new AppError("BACKUP_INVALID", `not a chungthu backup archive: ${why}`);
  try {
    for await (const chunk of createReadStream(input).pipe(createGunzip())) {
      pending = pending.length ? Buffer.concat([pending, chunk as Buffer]) : (chunk as Buffer);
      for (;;) {
        if (current) {
          if (current.left > 0) {
            if (!pending.length) break;
            const part = pending.subarray(0, Math.min(current.left, pending.length));
            pending = pending.subarray(part.length);
            current.left -= part.length;
            if (!current.out.write(part)) await once(current.out, "drain");
            continue;
          }
          if (pending.length < current.pad) break;
          pending = pending.subarray(current.pad);
          current.out.end();
          await once(current.out, "finish");
          current = null;
        }
        if (ended || pending.length < BLOCK) break;
        const h = pending.subarray(0, BLOCK);
        pending = pending.subarray(BLOCK);
        if (h.every((b) => b === 0)) {
          ended = true;
          break;
        }
        let sum = 0;
        for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
        if (parseInt(readString(h, 148, 8).trim(), 8) !== sum) throw bad("header checksum");
        if (readString(h, 257, 6) !== "ustar") throw bad("not ustar");
        const type = String.fromCharCode(h[156]!);
        const prefix = readString(h, 345, 155);
        const name = (prefix ? `${prefix}/` : "") + readString(h, 0, 100);
        if (type !== "0" && type !== "\0") throw bad(`entry ${name} is not a regular file`);
        if (!safeName(name)) throw bad(`unsafe entry name ${JSON.stringify(name)}`);
        if (names.includes(name)) throw bad(`entry ${name} appears twice`);
        const size = parseInt(readString(h, 124, 12).trim(), 8);
        if (!Number.isSafeInteger(size) || size < 0) throw bad(`entry ${name} has no size`);
        names.push(name);
        const path = join(dir, ...name.split("/"));
        mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
        current = { out: createWriteStream(path, { mode: 0o600 }), left: size, pad: (BLOCK - (size % BLOCK)) % BLOCK };
      }
    }
  } catch (e) {
    if (e instanceof AppError) throw e;
    throw bad((e as Error).message);
  }
  if (current || !ended) throw bad("the archive is truncated");
  return names;
}
