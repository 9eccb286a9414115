// Prints the plain closing line CI reads ("jest: N passed, N failed, N skipped") after Jest's own
// summary, preceded by the slowest test files (where a CI run's minutes go).
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const files = results.testResults
      .map((r) => ({ s: (r.perfStats.end - r.perfStats.start) / 1000, path: require('path').relative(process.cwd(), r.testFilePath) }))
      .filter((f) => Number.isFinite(f.s))
      .sort((a, b) => b.s - a.s);
    if (files.length > 1) {
      process.stdout.write(`\nslowest test files (of ${files.length}, ${Math.round(files.reduce((t, f) => t + f.s, 0))} s in all):\n`);
      for (const f of files.slice(0, 15)) process.stdout.write(`  ${f.s.toFixed(1).padStart(7)} s  ${f.path}\n`);
    }
    const skipped = results.numPendingTests + results.numTodoTests;
    process.stdout.write(`\njest: ${results.numPassedTests} passed, ${results.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
  }
}
module.exports = SummaryReporter;
