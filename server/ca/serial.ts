// Certificate serial numbers: 128 random bits, positive, non-zero first octet,
// so the hex is always 32 characters and the DER INTEGER at most 17 octets
// (RFC 5280 4.1.2.2: positive, unique, at most 20 octets; CA/B BR 7.1: ≥64 bits of CSPRNG output).
export function newSerial(random: (n: number) => Buffer): string {
  const b = random(16);
  b[0] = b[0]! & 0x7f || 0x01;
  return b.toString("hex");
}

/** Canonical form used as the database key: lowercase hex without leading zero octets. */
export function canonicalSerial(input: string): string | null {
  const s = input.trim().toLowerCase().replace(/^0x/, "").replace(/:/g, "");
  if (!/^[0-9a-f]{1,40}$/.test(s)) return null;
  const stripped = s.replace(/^0+/, "");
  if (stripped === "") return null;
  return stripped.length % 2 ? "0" + stripped : stripped;
}
