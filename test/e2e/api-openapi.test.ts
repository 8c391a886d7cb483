// The OpenAPI description served at /api/v1/openapi.json: valid OpenAPI 3.1 by
// an independent validator (@readme/openapi-parser, which also checks what the
// schema can't: duplicate operationIds, path parameters), and listing exactly
// the routes the API router serves — no more, no fewer.
import { strict as assert } from "node:assert";
import { validate, compileErrors } from "@readme/openapi-parser";
import { apiRouter, routesOf } from "../../server/api/api-router";
import { unitSourceFromStore } from "../../server/directory/unit-source";
import { startTestServer, type TestServer } from "../support/app";
import { forEachDatabase } from "../support/databases";

type Doc = { paths: Record<string, Record<string, { security?: unknown[]; responses: Record<string, unknown>; parameters?: Array<{ name: string; in: string }> }>> } & Record<string, unknown>;

const METHODS = ["get", "post", "put", "patch", "delete"];

forEachDatabase("api openapi", (db) => {
  let server: TestServer;
  let doc: Doc;

  before(async function () {
    this.timeout(60_000);
    server = await startTestServer(db);
    const res = await fetch(`${server.url}/api/v1/openapi.json`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /application\/json/);
    doc = (await res.json()) as Doc;
  });

  after(async () => {
    await server?.close();
  });

  it("is a valid OpenAPI 3.1 document (independent validator), and the validator does refuse a broken one", async () => {
    assert.equal(doc.openapi, "3.1.0");
    const result = await validate(structuredClone(doc) as never);
    assert.ok(result.valid, compileErrors(result));
    const broken = structuredClone(doc) as Doc;
    (broken.paths["/requests/{id}"]!.get! as { parameters: unknown[] }).parameters = [];
    const refused = await validate(broken as never);
    assert.equal(refused.valid, false, "a path parameter without its declaration must be refused");
  });

  it("lists exactly the routes the API router serves", () => {
    const router = apiRouter({ portal: server.portal, store: server.core.store, units: unitSourceFromStore(server.core.store.units), log: () => {}, publicUrl: "http://x", attachmentMaxBytes: 1024 });
    const served = routesOf(router);
    const documented = Object.entries(doc.paths)
      .flatMap(([path, ops]) => Object.keys(ops).filter((m) => METHODS.includes(m)).map((m) => `${m.toUpperCase()} ${path}`))
      .sort();
    assert.ok(served.length >= 10, served.join("\n"));
    assert.deepEqual(documented, served);
  });

  it("says which calls need a token and documents 401 for them; the server it names is this deployment's /api/v1", () => {
    assert.deepEqual(doc.security, [{ bearer: [] }]);
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const open = Array.isArray(op.security) && op.security.length === 0;
        assert.equal(open, path === "/openapi.json", `${method} ${path}: only the document itself is open`);
        if (!open) assert.ok(op.responses["401"], `${method} ${path} documents 401`);
      }
    }
    assert.deepEqual(doc.servers, [{ url: "http://pki.chungthu.test/api/v1" }]);
  });
});
