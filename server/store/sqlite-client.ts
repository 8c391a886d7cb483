// knex's sqlite3 client with every transaction opened as BEGIN IMMEDIATE. It
// changes how a transaction starts, nothing else; connection.ts uses it.
//
// knex opens sqlite transactions with a plain (deferred) BEGIN: the write lock
// is only asked for at the first write. When another process (a second server
// on the same file, the CLI) committed since this transaction's first read,
// that upgrade fails at once with SQLITE_BUSY — busy_timeout does not apply,
// since waiting cannot refresh a stale snapshot (https://sqlite.org/lang_transaction.html,
// "read transactions versus write transactions"). Two approvals of the same
// request from two processes then failed with "database is locked" instead of
// one of them seeing the request already approved. BEGIN IMMEDIATE takes the
// write lock first, waiting up to busy_timeout, and the transaction then sees
// the other process's commit.

/* eslint-disable @typescript-eslint/no-require-imports */
type Ctor = new (...args: unknown[]) => object;
const Sqlite3Client = require("knex/lib/dialects/sqlite3") as Ctor;
const SqliteTransaction = require("knex/lib/dialects/sqlite3/execution/sqlite-transaction") as Ctor;

class ImmediateTransaction extends SqliteTransaction {
  begin(conn: unknown): unknown {
    return (this as unknown as { query(conn: unknown, sql: string): unknown }).query(conn, "BEGIN IMMEDIATE;");
  }
}

/** Pass as knex's `client` option instead of "sqlite3". */
export class ImmediateSqliteClient extends Sqlite3Client {
  transaction(...args: unknown[]): unknown {
    return new ImmediateTransaction(this, ...args);
  }
}
