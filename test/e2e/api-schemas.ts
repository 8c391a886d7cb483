// Checks the API's real answers against the schemas of its own OpenAPI
// document (as served), with ajv (JSON Schema 2020-12, the dialect of OpenAPI
// 3.1): every documented property has the documented type, required ones are
// there, and no top-level property is undocumented.
import { strict as assert } from "node:assert";
import { Ajv2020 } from "ajv/dist/2020";

export type SchemaCheck = (schema: string, body: unknown) => void;

export function schemaChecker(document: { components: unknown }): SchemaCheck {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addFormat("date-time", /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z$/);
  ajv.addFormat("date", /^\d{4}-\d\d-\d\d$/);
  ajv.addSchema({ $id: "https://chungthu.test/openapi", components: document.components });
  const compiled = new Map<string, ReturnType<typeof ajv.compile>>();
  return (schema, body) => {
    let validate = compiled.get(schema);
    if (!validate) {
      validate = ajv.compile({ $ref: `https://chungthu.test/openapi#/components/schemas/${schema}`, unevaluatedProperties: false });
      compiled.set(schema, validate);
    }
    assert.ok(validate(body), `${schema}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body).slice(0, 600)}`);
  };
}
