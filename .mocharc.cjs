// Mocha configuration (see test/support/ for the harness).
//
// Every test touching the database runs twice, against a fresh sqlite file and
// a fresh PostgreSQL database on a server the harness starts itself; see
// test/support/databases.ts. Useful knobs:
//   TEST_DATABASES=sqlite|postgres|sqlite,postgres   which variants to run (default both)
//   CHUNGTHU_KEEP_TMP=1                              keep temp dirs for debugging
//   PG_BINDIR=/path/to/bin                           PostgreSQL server binaries to use
"use strict";

const path = require("node:path");

// Files named on the command line (`npx mocha test/e2e/x.test.ts`) run alone:
// mocha adds a config `spec` to them, so it is set only when none is named.
const named = process.argv.slice(2).some((a) => /\.test\.ts$/.test(a));

module.exports = {
  ...(named ? {} : { spec: ["test/**/*.test.ts"] }),
  require: ["tsx/cjs", path.join(__dirname, "test/support/root-hooks.ts")],
  reporter: path.join(__dirname, "test/support/reporter.cjs"),
  timeout: 20_000,
  slow: 1_000,
  exit: true,
  // An `it.only` committed by accident would silently skip the rest of the suite in CI.
  forbidOnly: process.env.CI === "true",
};
