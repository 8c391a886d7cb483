// The OCSP HTTP front (RFC 6960 Appendix A): request decoding and the answers
// to requests that are not OCSP at all, without a database.
import { strict as assert } from "node:assert";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { OcspAnswer, OcspResponder } from "../../../server/publish/ocsp-responder";
import { createOcspHttpHandler, decodeGetRequest, isOcspPath } from "../../../server/web/ocsp-http";

describe("OCSP over HTTP", () => {
  it("decodes standard and URL-safe base64, percent-encoded, and refuses anything else", () => {
    const der = Buffer.from([0x30, 0x03, 0x02, 0x01, 0xff, 0xfe]);
    const std = der.toString("base64");
    assert.deepEqual(decodeGetRequest(encodeURIComponent(std)), der);
    assert.deepEqual(decodeGetRequest(std.replace(/\+/g, "-").replace(/\//g, "_")), der);
    for (const bad of ["", "%E0%A4%A", "abc*", "a", "ab=c", "a".repeat(9000)]) assert.equal(decodeGetRequest(bad), null, bad);
  });

  it("routes only /ocsp paths to the OCSP handler", () => {
    for (const yes of ["/ocsp", "/ocsp/MEUw", "/ocsp?x=1"]) assert.ok(isOcspPath(yes), yes);
    for (const no of ["/ocspx", "/", "/pki/ocsp", undefined]) assert.ok(!isOcspPath(no), String(no));
  });

  describe("handler", () => {
    let server: Server;
    let url: string;
    const seen: Buffer[] = [];
    const keys: Array<string | undefined> = [];
    const hot = new Map<string, OcspAnswer>();
    let nowMs = 0;
    // A stand-in with the responder's two entry points: answerFor (the index of repeated requests) and respond.
    const responder = {
      answerFor(key: string): OcspAnswer | undefined {
        return hot.get(key);
      },
      async respond(der: Buffer, key?: string): Promise<OcspAnswer> {
        seen.push(der);
        keys.push(key);
        return { body: Buffer.from("3003", "hex"), status: "successful", thisUpdate: new Date(0), nextUpdate: new Date(86_400_000) };
      },
    } as unknown as OcspResponder;
    before(async () => {
      const handler = createOcspHttpHandler({ responder, clock: () => new Date(nowMs), log: () => {} });
      server = createServer(handler);
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(() => new Promise<void>((r) => server.close(() => r())));

    it("answers POST bodies and GET requests, with caching headers only on GET", async () => {
      const post = await fetch(`${url}/ocsp`, { method: "POST", body: new Uint8Array([0x30, 0x00]) });
      assert.equal(post.headers.get("cache-control"), "no-store");
      assert.equal(post.headers.get("content-type"), "application/ocsp-response");
      const get = await fetch(`${url}/ocsp/${encodeURIComponent(Buffer.from([0x30, 0x00]).toString("base64"))}`);
      assert.match(get.headers.get("cache-control") ?? "", /^max-age=86400, public/);
      assert.equal(seen.length, 2);
    });

    it("hands the responder each request's key (P + the DER bytes, G + the URL segment) and answers a known key without calling respond", async () => {
      const der = Buffer.from([0x30, 0x03, 0x02, 0x01, 0x07]);
      const segment = encodeURIComponent(der.toString("base64"));
      const before = seen.length;
      await fetch(`${url}/ocsp`, { method: "POST", body: new Uint8Array(der) });
      await fetch(`${url}/ocsp/${segment}`);
      assert.deepEqual(keys.slice(before), ["P" + der.toString("latin1"), "G" + segment]);
      const answer: OcspAnswer = { body: Buffer.from("300401020304", "hex"), status: "successful", thisUpdate: new Date(0), nextUpdate: new Date(86_400_000) };
      hot.set("P" + der.toString("latin1"), answer);
      hot.set("G" + segment, answer);
      const post = await fetch(`${url}/ocsp`, { method: "POST", body: new Uint8Array(der) });
      assert.equal(Buffer.from(await post.arrayBuffer()).toString("hex"), "300401020304");
      assert.equal(post.headers.get("cache-control"), "no-store");
      const get = await fetch(`${url}/ocsp/${segment}`);
      assert.equal(Buffer.from(await get.arrayBuffer()).toString("hex"), "300401020304");
      assert.match(get.headers.get("cache-control") ?? "", /^max-age=86400, public/, "RFC 5019 6.2 headers on an indexed GET too");
      assert.equal(seen.length, before + 2, "the indexed requests did not reach respond()");
    });

    it("counts max-age down with the clock for the same cached answer, keeping Last-Modified, Expires and Content-Length (RFC 5019 6.2)", async () => {
      const der = Buffer.from([0x30, 0x03, 0x02, 0x01, 0x09]);
      const segment = encodeURIComponent(der.toString("base64"));
      hot.set("G" + segment, { body: Buffer.from("3003020105", "hex"), status: "successful", thisUpdate: new Date(0), nextUpdate: new Date(86_400_000) });
      try {
        const ages: string[] = [];
        for (const at of [0, 999, 1500, 86_399_400, 90_000_000]) {
          nowMs = at;
          const res = await fetch(`${url}/ocsp/${segment}`);
          ages.push(res.headers.get("cache-control") ?? "");
          assert.equal(res.headers.get("content-length"), "5");
          assert.equal(res.headers.get("last-modified"), "Thu, 01 Jan 1970 00:00:00 GMT");
          assert.equal(res.headers.get("expires"), "Fri, 02 Jan 1970 00:00:00 GMT");
        }
        assert.deepEqual(
          ages.map((v) => v.split(",")[0]),
          ["max-age=86400", "max-age=86399", "max-age=86398", "max-age=0", "max-age=0"],
        );
      } finally {
        nowMs = 0;
      }
    });

    it("answers malformedRequest to an empty or oversized body without asking the responder", async () => {
      const before = seen.length;
      for (const body of [new Uint8Array(0), new Uint8Array(200 * 1024)]) {
        const res = await fetch(`${url}/ocsp`, { method: "POST", body });
        assert.equal(Buffer.from(await res.arrayBuffer()).toString("hex"), "30030a0101");
      }
      assert.equal(seen.length, before);
    });

    it("refuses other methods with 405 and an Allow header", async () => {
      const res = await fetch(`${url}/ocsp`, { method: "PUT", body: "x" });
      assert.equal(res.status, 405);
      assert.equal(res.headers.get("allow"), "GET, POST");
    });
  });
});
