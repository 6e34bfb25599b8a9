import type { BenchSuite } from '../harness';

/** Each suite registers here; `npm run bench -- --suite NAME` runs one. */
export const SUITES: readonly BenchSuite[] = [];
