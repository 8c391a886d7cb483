// The exact bytes a checkpoint signature covers (the format auditors check with openssl).
import { strict as assert } from "node:assert";
import { checkpointStatement } from "../../../server/audit/checkpoint-statement";

describe("audit checkpoint statement", () => {
  it("is five LF-terminated ASCII lines in a fixed order", () => {
    const s = checkpointStatement({ lastEntryId: 57, lastHash: "ab".repeat(32), entryCount: 57, signedAt: "2026-11-23T09:00:00Z" });
    assert.equal(
      s.toString("ascii"),
      `chungthu-audit-checkpoint/1\nlast_entry_id=57\nlast_hash=${"ab".repeat(32)}\nentry_count=57\nsigned_at=2026-11-23T09:00:00Z\n`,
    );
  });
});
