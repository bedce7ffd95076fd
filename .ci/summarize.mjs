// Prints "N passed, N failed" from vitest's JSON report and exits non-zero on any failure,
// including a failed run that produced no report or a suite that failed before its tests ran.
import { existsSync, readFileSync } from 'node:fs';

const [reportPath, vitestStatus] = process.argv.slice(2);
const exitStatus = Number(vitestStatus ?? 1);

if (!existsSync(reportPath)) {
  console.log(`vitest exited with status ${exitStatus} and wrote no report at ${reportPath}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}

const report = JSON.parse(readFileSync(reportPath, 'utf8'));
const passed = report.numPassedTests ?? 0;
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
let failed = report.numFailedTests ?? 0;

// A test file that fails to load has no failed tests but fails the run.
const brokenFiles = (report.testResults ?? []).filter((file) => file.status === 'failed' && file.assertionResults.every((test) => test.status !== 'failed'));
for (const file of brokenFiles) console.log(`test file failed outside its tests: ${file.name}: ${String(file.message).split('\n')[0]}`);
failed += brokenFiles.length;
if (exitStatus !== 0 && failed === 0) {
  console.log(`vitest exited with status ${exitStatus} although no test failed`);
  failed = 1;
}
if (passed === 0 && failed === 0) {
  console.log('vitest ran no test');
  failed = 1;
}

console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed === 0 ? 0 : 1);
