#!/usr/bin/env -S node --max-semi-space-size=2 --single-threaded --v8-pool-size=1 --expose-gc --no-allocation-site-pretenuring --no-icu-timezone-data
// The flags: see src/process/node-flags.ts.
import '../dist/src/cli/main.js';
