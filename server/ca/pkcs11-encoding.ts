// Encodings at the PKCS#11 boundary: the RFC 7512 URI kept in cas.key_ref, and
// the ECDSA signature conversion from the token's r || s to DER. No token calls here.
import { AppError } from "../errors/app-error";

export interface Pkcs11Ref {
  token: string;
  object: string;
  id: Buffer;
}

// RFC 7512 2.3: attribute values are percent-encoded except for the unreserved characters.
const enc = (s: string) => Buffer.from(s, "utf8").toString("latin1").replace(/[^A-Za-z0-9\-._~]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
const hexEnc = (b: Buffer) => [...b].map((x) => `%${x.toString(16).padStart(2, "0")}`).join("");

/** `pkcs11:token=…;object=…;id=%..;type=private` (RFC 7512 section 2.3). */
export function pkcs11Ref(ref: Pkcs11Ref): string {
  return `pkcs11:token=${enc(ref.token)};object=${enc(ref.object)};id=${hexEnc(ref.id)};type=private`;
}

export function parsePkcs11Ref(uri: string): Pkcs11Ref {
  const m = /^pkcs11:([^?]*)/.exec(uri);
  if (!m) throw new AppError("CA_NOT_INITIALISED", "not a pkcs11: key reference");
  const attrs = new Map<string, Buffer>();
  for (const part of m[1]!.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const bytes = Buffer.from(part.slice(eq + 1).replace(/%([0-9a-fA-F]{2})|./gs, (all, hex: string | undefined) => (hex ? String.fromCharCode(parseInt(hex, 16)) : all)), "latin1");
    attrs.set(part.slice(0, eq), bytes);
  }
  const token = attrs.get("token");
  const id = attrs.get("id");
  if (!token || !id) throw new AppError("CA_NOT_INITIALISED", "the pkcs11: key reference names no token or id");
  return { token: token.toString("utf8"), object: attrs.get("object")?.toString("utf8") ?? "", id };
}

/** r || s (PKCS#11 v2.40 2.3.1) → Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER } (RFC 3279 2.2.3). */
export function encodeEcdsaSignature(raw: Buffer): Buffer {
  if (raw.length % 2 !== 0 || raw.length === 0) throw new Error("ECDSA signature of odd length");
  const int = (b: Buffer) => {
    let i = 0;
    while (i < b.length - 1 && b[i] === 0) i++;
    let v = b.subarray(i);
    if (v[0]! & 0x80) v = Buffer.concat([Buffer.from([0]), v]);
    return Buffer.concat([Buffer.from([0x02, v.length]), v]);
  };
  const half = raw.length / 2;
  const body = Buffer.concat([int(raw.subarray(0, half)), int(raw.subarray(half))]);
  // P-384 bodies stay under 128 bytes; longer forms are for P-521, which the CA does not use.
  if (body.length > 127) throw new Error("ECDSA signature too long for short-form DER");
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}
