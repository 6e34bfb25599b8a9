/**
 * The detector's configuration: one YAML or JSON file (`--config <file>` or VIGIL_CONFIG) with `VIGIL_*`
 * environment variables over it, validated with zod once at start (unknown keys are errors) into one
 * object that is injected everywhere. The app is the only place that reads the environment; secrets
 * (VIGIL_HASH_KEY, VIGIL_AUDIT_KEY) are meant to come from it, never from the file.
 */
import { resolve } from 'node:path';
import { z } from 'zod';
import { GATEWAY_KINDS } from '@vigil/events';
import { DEFAULT_DEAD_LETTER_MAX_BYTES, DEFAULT_TOPICS } from '@vigil/connectors';
import { serviceConfigSource, validateServiceConfig } from '@vigil/platform';

/** The models shipped with Vigil: `<repo>/models`, found from this file (dist/ or src/). */
export const BUNDLED_MODELS = resolve(__dirname, '..', '..', '..', '..', 'models');

/** The output topics' default names (libs/connectors): re-exported for `vigil topics create`. */
export { DEFAULT_TOPICS };

const sourceTopicSchema = z
  .object({
    topic: z.string().min(1),
    /** A gateway log format (JSON lines, as `vigil replay --source`), or Avro AccessEvents (Confluent framing). */
    format: z.enum([...GATEWAY_KINDS, 'avro']),
    /** Avro only: Schema Registry id → bundled AccessEvent schema version the producer wrote with. */
    avroSchemas: z.record(z.string().regex(/^\d+$/), z.enum(['v1', 'v2'])).optional(),
  })
  .strict()
  .refine((s) => s.format !== 'avro' || (s.avroSchemas && Object.keys(s.avroSchemas).length > 0), {
    message: 'an avro source needs avroSchemas (schema id → v1 | v2)',
  });

export const detectorConfigSchema = z
  .object({
    kafka: z
      .object({
        brokers: z.array(z.string().min(1)).min(1),
        clientId: z.string().min(1).default('vigil-detector'),
        groupId: z.string().min(1).default('vigil-detector'),
        /** Only a broker without a controller (the test mock) needs false. */
        idempotentProducer: z.boolean().default(true),
        /** Dead-letter values longer than this keep their head only (the full length in a header). */
        deadLetterMaxBytes: z.number().int().positive().default(DEFAULT_DEAD_LETTER_MAX_BYTES),
        sessionTimeoutMs: z.number().int().positive().default(30_000),
        heartbeatIntervalMs: z.number().int().positive().default(3_000),
        maxWaitTimeMs: z.number().int().positive().default(500),
        /**
         * Re-key the raw topics by client address before detection: a router (its own consumer group,
         * `<groupId>.router`) reads `sources`, decodes each record and produces the decoded event (Avro)
         * to `topic`, keyed by its resolved client address, with its source position in headers (a record
         * that does not decode goes on as it is); detection reads `topic` instead, dropping a router
         * retry's duplicates by that position.
         * For `redis.windows: partition` when the raw topics are not keyed by client address (a gateway's
         * shipper keying by nothing, or by a CDN's address).
         */
        repartition: z
          .object({
            topic: z.string().min(1).optional(),
            /**
             * Instead of `topic`: the detection lanes (libs/detection lanes.ts), one topic each. The router
             * writes every record to each lane whose key it carries (address; account = principal, else
             * session; API key; logins), keyed by it; each lane's partitions keep only its entity types and
             * run only its detectors, so an account, a key and the login population are whole on one
             * partition. Needs `redis.windows: partition`.
             */
            lanes: z
              .object({
                address: z.string().min(1),
                account: z.string().min(1),
                apiKey: z.string().min(1),
                logins: z.string().min(1),
              })
              .strict()
              .optional(),
          })
          .strict()
          .refine((r) => (r.topic === undefined) !== (r.lanes === undefined), {
            message: 'give exactly one of topic (re-key by client address) or lanes (a topic per detection lane)',
          })
          .optional(),
        topics: z
          .object({
            decisions: z.string().min(1).default(DEFAULT_TOPICS.decisions),
            alerts: z.string().min(1).default(DEFAULT_TOPICS.alerts),
            audit: z.string().min(1).default(DEFAULT_TOPICS.audit),
            deadLetters: z.string().min(1).default(DEFAULT_TOPICS.deadLetters),
          })
          .strict()
          .prefault({}),
      })
      .strict(),
    sources: z.array(sourceTopicSchema).min(1),
    redis: z
      .object({
        /** Standalone: redis://host:port/db. */
        url: z.string().min(1).optional(),
        /** Cluster: seed nodes host:port. */
        cluster: z.array(z.string().min(1)).min(1).optional(),
        keyPrefix: z.string().min(1).optional(),
        /**
         * Where the feature windows are computed: `scripts` (default), in Redis by a script per entity
         * update, every instance sharing every entity; or `partition` (issue #20), in this process per
         * owned partition, Redis the durable copy of each partition's entities, written in bulk together
         * with the partition's checkpoint (see checkpointIntervalMs). With `partition` an entity seen on
         * several partitions (an account tried from many addresses, a route, the login flow) has one
         * independent copy per partition.
         */
        windows: z.enum(['scripts', 'partition']).default('scripts'),
        /**
         * `partition` only: the partition's changed entities and its checkpoint are written (one atomic
         * write) at most this often, in wall milliseconds, at a batch's end; 0 = after every batch. Nothing
         * past the last write is committed, so after a crash the new owner replays up to this much.
         */
        checkpointIntervalMs: z.number().int().min(0).max(60_000).default(1000),
        /** `partition` only: the entities one partition holds at most (least recently seen go first). */
        maxEntitiesPerPartition: z.number().int().positive().default(500_000),
      })
      .strict()
      .refine((r) => (r.url === undefined) !== (r.cluster === undefined), {
        message: 'give exactly one of url (standalone) or cluster (seed nodes)',
      }),
    detection: z
      .object({
        /** Models root, or `none` for statistical baselines only; default the bundled models. */
        models: z.string().min(1).default(BUNDLED_MODELS),
        /**
         * Challenger model directories scored in shadow beside the active ones (as `vigil run
         * --shadow-models`): their decisions are produced marked `shadow: true`, never enforced, and
         * counted apart (vigil_shadow_decisions_total beside vigil_decisions_total).
         */
        shadowModels: z.array(z.string().min(1)).default([]),
        /** Event-time span of a detection batch (as `vigil replay --batch-seconds`). */
        batchSeconds: z.number().positive().max(600).default(10),
        /** A partition quiet this long has its held events detected and committed. */
        idleFlushMs: z.number().int().positive().default(2_000),
        allowedLatenessMs: z.number().int().nonnegative().optional(),
      })
      .strict()
      .prefault({}),
    audit: z
      .object({ enabled: z.boolean().default(true), key: z.string().min(16).optional() })
      .strict()
      .prefault({}),
    http: z
      .object({ host: z.string().default('0.0.0.0'), port: z.number().int().min(0).max(65535).default(9464) })
      .strict()
      .prefault({}),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** The source mapping, as in `vigil replay --config` (libs/events source config); validated there. */
    source: z.record(z.string(), z.unknown()).default({}),
    /** The policy section, as in `vigil replay --config`; validated by @vigil/detection. */
    policy: z.unknown().optional(),
  })
  .strict()
  .refine((c) => !repartitionTopics(c.kafka.repartition).some((t) => c.sources.some((s) => s.topic === t)), {
    message: 'kafka.repartition topics must be topics of their own, not one of sources[].topic',
  })
  .refine(
    (c) => new Set(repartitionTopics(c.kafka.repartition)).size === repartitionTopics(c.kafka.repartition).length,
    {
      message: 'kafka.repartition.lanes needs a topic of its own per lane',
    },
  )
  .refine((c) => !c.kafka.repartition?.lanes || c.redis.windows === 'partition', {
    message:
      'kafka.repartition.lanes needs redis.windows: partition (with shared scripts windows, an event written to several lanes would be counted several times)',
  });

/** The topics detection reads instead of the sources under kafka.repartition (none without it). */
export function repartitionTopics(
  r: { topic?: string; lanes?: Readonly<Record<string, string>> } | undefined,
): string[] {
  if (!r) return [];
  return r.lanes ? Object.values(r.lanes) : [r.topic!];
}

export type DetectorConfig = z.infer<typeof detectorConfigSchema>;

export class DetectorConfigError extends Error {
  override readonly name = 'DetectorConfigError';
}

type Env = Readonly<Record<string, string | undefined>>;

const list = (v: string) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** `VIGIL_*` variables over the file's values (objects merged, scalars replaced). */
export function applyEnvironment(raw: Record<string, unknown>, env: Env): Record<string, unknown> {
  const out: Record<string, Record<string, unknown> | unknown> = { ...raw };
  const section = (name: string): Record<string, unknown> => {
    const s = { ...((out[name] as Record<string, unknown> | undefined) ?? {}) };
    out[name] = s;
    return s;
  };
  if (env['VIGIL_KAFKA_BROKERS']) section('kafka')['brokers'] = list(env['VIGIL_KAFKA_BROKERS']);
  if (env['VIGIL_KAFKA_GROUP_ID']) section('kafka')['groupId'] = env['VIGIL_KAFKA_GROUP_ID'];
  if (env['VIGIL_REDIS_URL']) {
    const r = section('redis');
    r['url'] = env['VIGIL_REDIS_URL'];
    delete r['cluster'];
  }
  if (env['VIGIL_REDIS_CLUSTER']) {
    const r = section('redis');
    r['cluster'] = list(env['VIGIL_REDIS_CLUSTER']);
    delete r['url'];
  }
  if (env['VIGIL_MODELS']) section('detection')['models'] = env['VIGIL_MODELS'];
  if (env['VIGIL_HTTP_PORT']) section('http')['port'] = Number(env['VIGIL_HTTP_PORT']);
  if (env['VIGIL_LOG_LEVEL']) out['logLevel'] = env['VIGIL_LOG_LEVEL'];
  if (env['VIGIL_AUDIT_KEY']) section('audit')['key'] = env['VIGIL_AUDIT_KEY'];
  if (env['VIGIL_HASH_KEY']) {
    const s = section('source');
    s['hashing'] = { ...((s['hashing'] as object | undefined) ?? {}), key: env['VIGIL_HASH_KEY'] };
  }
  return out;
}

/** Validates `raw` (a parsed file, or an object in tests) with the environment over it. */
export function parseDetectorConfig(raw: unknown, env: Env = {}, origin = 'config'): DetectorConfig {
  return validateServiceConfig(
    raw,
    origin,
    (mapping) => detectorConfigSchema.safeParse(applyEnvironment(mapping, env)),
    (message) => new DetectorConfigError(message),
  );
}

/** The file named by `--config <file>` or VIGIL_CONFIG (none: environment only). */
export function loadDetectorConfig(argv: readonly string[], env: Env): DetectorConfig {
  const { raw, origin } = serviceConfigSource(argv, env);
  return parseDetectorConfig(raw, env, origin);
}
