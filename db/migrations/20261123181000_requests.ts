// Requests (dossiers) of Decree 68/2024, Mẫu 01–09: the request itself (type,
// state, managing agency, the form's fields as JSON, the CSR made on the token,
// deadline), every step taken on it (who, when, why), its attachments (the
// scanned signed form), and on certificates the request that produced each one.
// A partial unique index lets at most one live certificate come from a request:
// two officers approving at once can never produce two certificates.
// Portable knex builder (the partial index is the same SQL on both databases).
// Never edit once merged.
import type { Knex } from "knex";

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable("requests", (t) => {
    t.increments("id").primary();
    // server/ra/request-types.ts
    t.string("type", 24).notNullable();
    // server/ra/request-states.ts: draft | submitted | returned | forwarded | approved | completed | rejected | withdrawn
    t.string("state", 16).notNullable();
    // The managing agency filing the request (decides who sees and acts on it).
    t.integer("unit_id").notNullable().references("id").inTable("units");
    t.integer("subscriber_id").nullable().references("id").inTable("subscribers");
    // The certificate a renewal, change or revocation is about.
    t.string("target_serial", 40).nullable().references("serial").inTable("certificates");
    // The token a Mẫu 06–09 request is about, or the token a new certificate goes on.
    t.integer("token_id").nullable().references("id").inTable("tokens");
    // The certificate issued when the request completed.
    t.string("result_serial", 40).nullable();
    // The form's fields (validated per type by server/ra/request-forms.ts), JSON.
    t.text("data").notNullable();
    // Who the request is for, as the lists show it (subscriber or token name).
    t.string("summary", 255).notNullable();
    t.binary("csr_der").nullable();
    // web | api | bulk | system (opened by a transfer, merger or lost-token report)
    t.string("source", 8).notNullable();
    // A client's key for "submit once" (API, bulk import): unique per unit.
    t.string("idempotency_key", 80).nullable();
    t.integer("created_by_user_id").nullable().references("id").inTable("users");
    t.string("created_by", 128).notNullable();
    t.string("created_at", 20).notNullable();
    t.string("updated_at", 20).notNullable();
    t.string("submitted_at", 20).nullable();
    t.string("completed_at", 20).nullable();
    // Working-day deadline, a Vietnam calendar day (server/ra/sla.ts).
    t.string("due_date", 10).nullable();
    // The latest return or rejection reason, shown to the filer.
    t.string("last_reason", 1000).nullable();
    // The latest execution error (e.g. the CSR's key is already certified).
    t.string("last_error", 1000).nullable();
  });
  await knex.schema.alterTable("requests", (t) => {
    // The officer's lists: what waits in my units, by deadline.
    t.index(["unit_id", "state", "due_date"], "requests_unit_state_due");
    // The CA operator's queue and the whole-CA overdue list.
    t.index(["state", "due_date"], "requests_state_due");
    t.index(["subscriber_id"], "requests_subscriber");
    t.index(["target_serial"], "requests_target_serial");
    t.index(["token_id"], "requests_token");
    t.unique(["unit_id", "idempotency_key"], { indexName: "requests_unit_idempotency" });
  });

  await knex.schema.createTable("request_events", (t) => {
    t.increments("id").primary();
    t.integer("request_id").notNullable().references("id").inTable("requests");
    // create | edit | submit | resubmit | forward | return | reject | approve | complete | withdraw | attach | fail | confirm
    t.string("action", 24).notNullable();
    t.string("from_state", 16).nullable();
    t.string("to_state", 16).nullable();
    t.string("actor", 128).notNullable();
    t.integer("user_id").nullable();
    t.string("role", 64).nullable();
    t.string("reason", 1000).nullable();
    t.string("at", 20).notNullable();
    t.index(["request_id", "id"], "request_events_request");
  });

  await knex.schema.createTable("request_attachments", (t) => {
    t.increments("id").primary();
    t.integer("request_id").notNullable().references("id").inTable("requests");
    // signed_form (the scanned, signed Mẫu) | other
    t.string("kind", 24).notNullable();
    t.string("filename", 255).notNullable();
    t.string("content_type", 64).notNullable();
    t.integer("size").notNullable();
    t.string("sha256", 64).notNullable();
    t.binary("content").notNullable();
    t.string("uploaded_by", 128).notNullable();
    t.string("uploaded_at", 20).notNullable();
    t.index(["request_id"], "request_attachments_request");
  });

  await knex.schema.alterTable("certificates", (t) => {
    t.integer("request_id").nullable().references("id").inTable("requests");
  });
  // At most one pending/valid/revoked certificate per request (failed attempts may be retried).
  await knex.raw(
    "CREATE UNIQUE INDEX certificates_one_per_request ON certificates (request_id) WHERE request_id IS NOT NULL AND status <> 'failed'",
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw("DROP INDEX IF EXISTS certificates_one_per_request");
  await knex.schema.alterTable("certificates", (t) => {
    t.dropForeign(["request_id"]);
    t.dropColumn("request_id");
  });
  await knex.schema.dropTableIfExists("request_attachments");
  await knex.schema.dropTableIfExists("request_events");
  await knex.schema.dropTableIfExists("requests");
}
