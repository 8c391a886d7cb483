// The bytes an audit checkpoint signature covers. Pure; shared by the signer's
// caller (checkpoint.ts), the verifier and exports for independent tools.
//
// Version 1: five lines of ASCII, each ended by "\n" (no "\r", no trailing blank line):
//   chungthu-audit-checkpoint/1
//   last_entry_id=<decimal>
//   last_hash=<64 lowercase hex digits: the hash of that entry>
//   entry_count=<decimal: entries in the chain up to and including it>
//   signed_at=<YYYY-MM-DDTHH:MM:SSZ>
// The signature is ECDSA P-256 with SHA-256 over these bytes, DER-encoded
// (`openssl dgst -sha256 -verify signer-public.pem -signature sig.der statement.txt`).
export const CHECKPOINT_TAG = "chungthu-audit-checkpoint/1";

export interface CheckpointClaim {
  lastEntryId: number;
  lastHash: string;
  entryCount: number;
  signedAt: string;
}

export function checkpointStatement(c: CheckpointClaim): Buffer {
  return Buffer.from(
    [CHECKPOINT_TAG, `last_entry_id=${c.lastEntryId}`, `last_hash=${c.lastHash}`, `entry_count=${c.entryCount}`, `signed_at=${c.signedAt}`]
      .map((l) => `${l}\n`)
      .join(""),
    "ascii",
  );
}
