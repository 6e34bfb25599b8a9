/**
 * @vigil/simulator: seeded, labeled traffic of a bank's API, written as gateway logs.
 *
 * - formats/: SimRequest → one log line of Kong, Envoy, NGINX (text and JSON) or API Gateway.
 * - bench-corpus: fast unlabeled corpora for the benchmarks.
 * - Simulation / simulateToDirectory: the labeled simulation (benign population, traps, attack campaigns).
 * - labels: the ground-truth file types and the hashing helper.
 */
export * from './sim-request';
export * from './formats';
export { Random, hashString, drawInt, drawLog } from './random';
export type { Range } from './random';
export {
  API_HOST,
  AUTH_HOST,
  WEB_HOST,
  BANK_HOSTS,
  ENDPOINTS,
  STATIC_ASSETS,
  endpoint,
  fillTemplate,
} from './bank/api-surface';
export type { EndpointSpec, EndpointAuth } from './bank/api-surface';
export { buildSurface, BANK_SURFACE } from './bank/api-surface';
export type { ApiSurface, Catalog, EndpointDef, ServiceDef } from './bank/surface';
export { NORTHBANK_SURFACE, NB_API_HOST, NB_ID_HOST, NB_WEB_HOST } from './bank/northbank-surface';
export {
  BANK_PROFILE_IDS,
  BANK_PROFILES,
  BANK_PROFILE,
  NORTHBANK_PROFILE,
  bankProfile,
  isBankProfileId,
} from './bank/profiles';
export type {
  BankProfile,
  BankProfileId,
  PopulationProfile,
  HabitsProfile,
  BenignProfile,
  CrawlerProfile,
} from './bank/profiles';
export { buildRequest, NO_SESSION } from './bank/request-builder';
export type { ClientContext, SessionState, CallOptions } from './bank/request-builder';
export { benchRequests, benchCorpusLines, generateBenchCorpus, BENCH_DEFAULT_START_MS } from './bench-corpus';
export type { BenchCorpusOptions, BenchCorpusResult } from './bench-corpus';
export { Simulation, DEFAULT_START_MS } from './simulation';
export type { SimulationOptions, LabeledRequest, RoutesFile, RouteEntry, SimulationStats } from './simulation';
export { simulateToDirectory, SIMULATOR_VERSION } from './output/directory';
export type {
  SimulateToDirectoryOptions,
  SimulateSummary,
  SimulationFiles,
  SimulationManifest,
} from './output/directory';
export * from './labels';
export { NETWORKS, PROFILE_NETWORKS, CDN_CIDR } from './scenario/networks';
export type { Network, NetworkKind } from './scenario/networks';
