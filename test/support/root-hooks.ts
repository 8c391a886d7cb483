// Mocha root hooks (loaded through .mocharc.cjs `require`).
//
// The shared PostgreSQL server is started lazily, by the first [postgres]
// describe (see databases.ts), so a run that touches no database — or
// TEST_DATABASES=sqlite — never pays for initdb. It is stopped here, once,
// after every suite has run; if the process dies instead, the watchdog in
// postgres.ts shuts it down and removes its directory.
import type { RootHookObject } from "mocha";
import { postgresRunReport, stopSharedPostgres } from "./databases";

export const mochaHooks: RootHookObject = {
  async afterAll(this: Mocha.Context) {
    this.timeout(60_000);
    await stopSharedPostgres();
    const report = postgresRunReport();
    if (report) console.error(report);
  },
};
