#!/usr/bin/env node
// Stands in for a slow aws stage: prints a line, then waits until killed.
process.stdout.write('started\n');
setTimeout(() => {}, 600_000);
