export * from './config';
export * from './endpoint-key';
export { ExposureClassifier, EXPOSURES } from './exposure';
export type { Exposure } from './exposure';
export { forEachQueryKey, generalKind, QUERY_VALUE_KINDS } from './query-keys';
export type { QueryValueKind } from './query-keys';
export { HyperLogLog } from './sketch/hyperloglog';
export { bucketOf, bucketValue, quantilesOf } from './sketch/quantile-sketch';
export type { Quantiles } from './sketch/quantile-sketch';
export { TemplateResolver, FREE_SLOT, canonicalTemplate } from './templating/template-resolver';
export type { Promotion, TemplateResolverOptions } from './templating/template-resolver';
export { InventoryBuilder, OTHER_HOSTS } from './builder/inventory-builder';
export type { InventoryBuilderOptions, BuilderStats } from './builder/inventory-builder';
export * from './store/inventory-store';
export { MemoryInventoryStore } from './store/memory-inventory-store';
export { RedisInventoryStore } from './store/redis-inventory-store';
export type { RedisInventoryStoreOptions } from './store/redis-inventory-store';
export { loadOpenApiSpec, documentedTemplates, compareVersions, SpecError } from './spec/openapi-spec';
export type { LoadedSpec, SpecOperation } from './spec/openapi-spec';
export { SpecComparison, DOC_STATUSES } from './spec/spec-comparison';
export type { DocStatus, DocumentationMatch, OrphanOperation } from './spec/spec-comparison';
export {
  profileEndpoint,
  pathParameters,
  sensitiveFlowOf,
  AUTH_COVERAGES,
  SENSITIVE_FLOWS,
} from './report/endpoint-profile';
export type { EndpointProfile, AuthCoverage, SensitiveFlow, PathParameter, QueryKey } from './report/endpoint-profile';
export { rateRisk } from './report/risk';
export type { RiskFactor, RiskRating } from './report/risk';
export { buildInventoryReport, endpointId, INVENTORY_REPORT_VERSION } from './report/inventory-report';
export type {
  InventoryReport,
  EndpointReport,
  OverflowReport,
  ReportOptions,
  ChangeStatus,
} from './report/inventory-report';
export { inventoryCsv } from './export/csv-export';
export { observedOpenApi } from './export/openapi-export';
export type { OpenApiExportOptions } from './export/openapi-export';
export { inventoryHtml } from './export/html-report';
export { InventoryCoordinator } from './parallel/inventory-coordinator';
export { INVENTORY_WORKER_AGGREGATOR, InventoryWorkerAggregator } from './parallel/inventory-worker-aggregator';
export type { BlockIdentities, BlockTargets, InventoryWorkerOptions } from './parallel/parallel-protocol';
export { addInParallel } from './parallel/parallel-inventory';
export type { AggregatingPool, AggregatedBatch } from './parallel/parallel-inventory';
