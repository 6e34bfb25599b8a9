import type { BenchSuite } from '../harness';
import { decodeMemorySuite, decodeSuite } from './decode';

/** Each suite registers here; `npm run bench -- --suite NAME` runs one. */
export const SUITES: readonly BenchSuite[] = [decodeSuite, decodeMemorySuite];
