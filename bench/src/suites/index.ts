import type { BenchSuite } from '../harness';
import { complianceSuite } from './compliance';
import { decodeMemorySuite, decodeSuite } from './decode';
import { detectionSuite } from './detection';
import { detectorSuite } from './detector';
import { enforcerSuite } from './enforcer';
import { featuresSuite } from './features';
import { inventorySuite } from './inventory';
import { scaleSuite } from './scale';

/** Each suite registers here; `npm run bench -- --suite NAME` runs one. */
export const SUITES: readonly BenchSuite[] = [
  decodeSuite,
  decodeMemorySuite,
  inventorySuite,
  featuresSuite,
  detectionSuite,
  detectorSuite,
  enforcerSuite,
  complianceSuite,
  scaleSuite,
];
