/**
 * Prints the closing line that CI reads ("N passed, N failed", plus skipped when any), after
 * Jest's own summary. A run with no test at all fails, so a broken glob cannot pass silently.
 */
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    // A suite that cannot even load has no failed test of its own; count it as one failure.
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    process.stdout.write(`\n${results.numPassedTests} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
  }

  getLastError() {
    return undefined;
  }
}

module.exports = SummaryReporter;
