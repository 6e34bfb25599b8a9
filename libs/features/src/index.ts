/** @vigil/features: the feature registry, event-time windows per entity, and the WindowStore port. */
export { ENTITY_TYPES, LOGIN_FLOW_ID, RouteIdMemo, entityIdOf } from './registry/entities';
export type { EntityType } from './registry/entities';
export { COUNTERS, GAP_CAP_MS, SENSITIVE_AFTER_LOGIN_MS, SEQUENTIAL_ID_MAX_STEP } from './registry/counters';
export type { CounterName } from './registry/counters';
export { LAYOUTS, DIMENSIONS, MEMORY_KINDS } from './registry/layout';
export type { EntityLayout, DimensionName, MemoryKind, MemorySpec } from './registry/layout';
export {
  RINGS,
  RING_NAMES,
  DEFAULT_ALLOWED_LATENESS_MS,
  DISTINCT_WINDOW_MS,
  DISTINCT_HOP_MS,
  BASE_BUCKET_MS,
} from './registry/windows';
export type { RingName, RingSpec } from './registry/windows';
export { FEATURE_REGISTRY, FEATURE_REGISTRY_VERSION, robustZ, ewma } from './registry/features';
export type { FeatureDefinition, FeatureRegistry, FeatureWindow, FeatureInputs } from './registry/features';
export { countryCentroid } from './registry/country-centroids';
export { HyperLogLog, hllPattern, HLL_REGISTERS } from './hll/redis-hll';
export { aggregateBatch, EVENT_APPLY, EVENT_SKIP, EVENT_TOUCH } from './aggregate/batch-aggregator';
export type { EntityDelta } from './aggregate/entity-delta';
export { travelSpeedKmh } from './aggregate/travel';
export { toFeatureVector, featureRecord } from './state/feature-vector';
export type { FeatureVector } from './state/feature-vector';
export type { EntityView } from './state/entity-view';
export { MemoryWindowStore } from './store/memory-window-store';
export type { MemoryWindowStoreOptions } from './store/memory-window-store';
export { STATE_FORMAT, entityKey, parseEntityKey } from './store/partition-state';
export type { PackedEntity, PackedWindowState } from './store/partition-state';
export {
  PartitionWindowStore,
  PartitionFencedError,
  DEFAULT_PARTITION_KEY_PREFIX,
  OWNER_FIELD,
  partitionStateKey,
} from './store/redis/partition-window-store';
export type { PartitionWindowStoreOptions, RestoreStats, FlushStats } from './store/redis/partition-window-store';
export type {
  WindowStore,
  WindowStoreKind,
  WindowStoreOptions,
  WindowStoreStats,
  ApplyResult,
  BatchPosition,
} from './store/window-store';
export { RedisWindowStore } from './store/redis/redis-window-store';
export type { RedisWindowStoreOptions, RedisClient } from './store/redis/redis-window-store';
export { APPLY_SCRIPT } from './store/redis/apply-script';
export { keySlot } from './store/redis/key-slot';
export { DEFAULT_KEY_PREFIX, entityTag, keyPrefixProblem } from './store/redis/key-layout';
