// Mocha reporter: the normal Spec output, then one machine-readable last line
//
//   N passed, N failed            (or)   N passed, N failed, N skipped
//
// "failed" counts failed tests and failed hooks (mocha's stats.failures);
// "skipped" counts pending tests (it.skip, this.skip(), tests without a body).
// CI tooling reads the last line matching /^\d+ passed, \d+ failed(, \d+ skipped)?$/.
"use strict";

const Mocha = require("mocha");

const { Spec, Base } = Mocha.reporters;
const { EVENT_RUN_END } = Mocha.Runner.constants;

class SummaryLineReporter extends Spec {
  constructor(runner, options) {
    super(runner, options);
    // Registered after Spec's own listeners, so this prints after its epilogue.
    runner.once(EVENT_RUN_END, () => {
      const stats = this.stats;
      let line = `${stats.passes || 0} passed, ${stats.failures || 0} failed`;
      if (stats.pending) line += `, ${stats.pending} skipped`;
      Base.consoleLog(line);
    });
  }
}

SummaryLineReporter.description = "spec, plus a final `N passed, N failed[, N skipped]` line";

module.exports = SummaryLineReporter;
