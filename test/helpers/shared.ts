// The project's shared/ folder (specs, samples, the seed config) lives beside the repository,
// both here and in CI's fresh clone.

import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Compiled to dist/test/helpers/, so the repository root is three levels up. */
export const SHARED = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../shared');
export const SAMPLES = path.join(SHARED, 'spec/samples');
export const SEED_CONFIG = path.join(SHARED, 'examples/seed-stats.cfg');
