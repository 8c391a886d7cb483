import { strict as assert } from "node:assert";
import { randomBytes } from "node:crypto";
import { canonicalSerial, newSerial } from "../../../server/ca/serial";

describe("serial numbers", () => {
  it("are 128-bit, positive, 32 lowercase hex digits with a non-zero first octet", () => {
    for (let i = 0; i < 2000; i++) {
      const s = newSerial(randomBytes);
      assert.match(s, /^[0-7][0-9a-f]{31}$/);
      assert.notEqual(s.slice(0, 2), "00");
    }
    assert.equal(newSerial(() => Buffer.alloc(16)), "01" + "00".repeat(15));
    assert.equal(newSerial(() => Buffer.alloc(16, 0xff)), "7f" + "ff".repeat(15));
  });
  it("canonicalises what operators type: case, colons, 0x, leading zeros", () => {
    assert.equal(canonicalSerial("0x00AB:CD"), "abcd");
    assert.equal(canonicalSerial("0abc"), "0abc");
    assert.equal(canonicalSerial("000abc"), "0abc");
    assert.equal(canonicalSerial("  17D7E388B1B4E3AC3851F56F20557374 "), "17d7e388b1b4e3ac3851f56f20557374");
  });
  it("refuses zero, non-hex and over-long input", () => {
    for (const bad of ["", "00", "xyz", "12 34", "1".repeat(41)]) assert.equal(canonicalSerial(bad), null, bad);
  });
});
