/**
 * The enforcer's configuration: one YAML or JSON file (`--config <file>` or VIGIL_CONFIG) with `VIGIL_*`
 * variables over it, validated with zod once at start (unknown keys are errors). Secrets come from the
 * environment: VIGIL_ENFORCER_API_KEYS (the enforcement points' keys) and VIGIL_HASH_KEY (the detector's
 * HMAC key, so that checks hash a request's principal, session, device and API key as the detector did).
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { DEFAULT_TOPICS } from '@vigil/connectors';
import { serviceConfigSource, validateServiceConfig } from '@vigil/platform';

export const ENFORCER_ROLES = ['bouncer', 'check', 'push', 'lists', 'admin'] as const;
export type EnforcerRole = (typeof ENFORCER_ROLES)[number];

const apiKeySchema = z
  .object({
    /** The enforcement point, as logs and metrics name it (`edge-nginx`, `crowdsec-fw`). */
    name: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, ".", "_" or "-" (at most 64)'),
    /** The key itself (from the environment, never a committed file), or its SHA-256 in hex. */
    key: z.string().min(16, 'an API key has at least 16 characters').optional(),
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .optional(),
    roles: z.array(z.enum(ENFORCER_ROLES)).min(1),
  })
  .strict()
  .refine((k) => (k.key === undefined) !== (k.sha256 === undefined), { message: 'give exactly one of key or sha256' });

const rateSchema = z
  .object({
    /** Sustained requests per second per API key; 0 turns the limit off. */
    perSecond: z.number().nonnegative(),
    burst: z.number().int().positive(),
  })
  .strict();

export const enforcerConfigSchema = z
  .object({
    decisions: z
      .object({
        /** The decisions topic on Kafka (production): every enforcer replica reads all of it. */
        kafka: z
          .object({
            brokers: z.array(z.string().min(1)).min(1),
            clientId: z.string().min(1).default('vigil-enforcer'),
            topic: z.string().min(1).default(DEFAULT_TOPICS.decisions),
            deadLetters: z.string().min(1).default(DEFAULT_TOPICS.deadLetters),
            /** Each replica joins a group of its own (`<prefix>-<host>-<random>`), commits nothing, and reads from the start. */
            groupIdPrefix: z.string().min(1).default('vigil-enforcer'),
            /** Only a broker without a controller (the test mock) needs false. */
            idempotentProducer: z.boolean().default(true),
            maxWaitTimeMs: z.number().int().positive().default(100),
          })
          .strict()
          .optional(),
        /** Or an NDJSON file of decisions (what `vigil run --decisions` writes), followed as it grows. */
        file: z.string().min(1).optional(),
        /** What a TTL counts from: `published` (the decision's record time) or `event` (its event time). */
        ttlClock: z.enum(['published', 'event']).default('published'),
        /** Removed decisions still reported as deleted to a bouncer that starts. */
        removedRetentionSeconds: z.number().int().positive().default(3600),
        /** How often expired decisions are swept out (checks never serve one past its TTL meanwhile). */
        sweepIntervalMs: z.number().int().positive().default(250),
      })
      .strict()
      .refine((d) => (d.kafka === undefined) !== (d.file === undefined), {
        message: 'give exactly one of kafka (the decisions topic) or file (an NDJSON decisions file)',
      }),
    http: z
      .object({
        host: z.string().default('0.0.0.0'),
        port: z.number().int().min(0).max(65535).default(8080),
        /** PEM files; with both, the API is served over HTTPS only. */
        tls: z
          .object({ cert: z.string().min(1), key: z.string().min(1), ca: z.string().min(1).optional() })
          .strict()
          .optional(),
      })
      .strict()
      .prefault({}),
    apiKeys: z.array(apiKeySchema).default([]),
    check: z
      .object({
        /** Where NGINX puts the client address (`proxy_set_header X-Real-IP $remote_addr`). */
        clientIpHeader: z.string().min(1).default('x-real-ip'),
        /**
         * Where Envoy's check request carries it: by default the last hop of X-Forwarded-For, which Envoy
         * appends itself with `use_remote_address: true` (deploy/envoy/envoy.yaml).
         */
        envoyClientIpHeader: z.string().min(1).default('x-forwarded-for'),
        /** The original request line for auth_request (Envoy's ext_authz sends the original path itself). */
        uriHeader: z.string().min(1).default('x-original-uri'),
        methodHeader: z.string().min(1).default('x-original-method'),
        hostHeader: z.string().min(1).default('x-original-host'),
        /** The rate a throttle decision allows its target, per enforcer replica; beyond it, 429. */
        throttle: rateSchema.default({ perSecond: 1, burst: 10 }),
      })
      .strict()
      .prefault({}),
    rateLimit: z
      .object({
        /** The bouncer, push, lists and admin APIs, per key. */
        api: rateSchema.default({ perSecond: 50, burst: 200 }),
        /** auth_request / ext_authz checks, per key: off by default (a proxy asks once per request). */
        check: rateSchema.default({ perSecond: 0, burst: 1 }),
      })
      .strict()
      .prefault({}),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** The source mapping, as the detector's `source` section: the same hashing key and route rules. */
    source: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();

export type EnforcerConfig = z.infer<typeof enforcerConfigSchema>;

export class EnforcerConfigError extends Error {
  override readonly name = 'EnforcerConfigError';
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * VIGIL_ENFORCER_API_KEYS: `name:role+role:key` entries separated by commas, e.g.
 * `edge-nginx:check:3c1f…,firewall:bouncer+lists:9a0e…`; they are added to the file's keys.
 */
export function parseApiKeysVariable(text: string): z.input<typeof apiKeySchema>[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const [name, roles, ...rest] = entry.split(':');
      const key = rest.join(':');
      if (!name || !roles || !key) {
        throw new EnforcerConfigError(
          'VIGIL_ENFORCER_API_KEYS: each entry is name:role+role:key (roles: ' + ENFORCER_ROLES.join(', ') + ')',
        );
      }
      return { name, roles: roles.split('+') as EnforcerRole[], key };
    });
}

export function applyEnvironment(raw: Record<string, unknown>, env: Env): Record<string, unknown> {
  const out: Record<string, unknown> = { ...raw };
  const section = (name: string): Record<string, unknown> => {
    const s = { ...((out[name] as Record<string, unknown> | undefined) ?? {}) };
    out[name] = s;
    return s;
  };
  if (env['VIGIL_KAFKA_BROKERS']) {
    const d = section('decisions');
    d['kafka'] = {
      ...((d['kafka'] as object | undefined) ?? {}),
      brokers: env['VIGIL_KAFKA_BROKERS'].split(',').map((s) => s.trim()),
    };
  }
  if (env['VIGIL_ENFORCER_API_KEYS']) {
    out['apiKeys'] = [
      ...((out['apiKeys'] as unknown[] | undefined) ?? []),
      ...parseApiKeysVariable(env['VIGIL_ENFORCER_API_KEYS']),
    ];
  }
  if (env['VIGIL_HTTP_PORT']) section('http')['port'] = Number(env['VIGIL_HTTP_PORT']);
  if (env['VIGIL_LOG_LEVEL']) out['logLevel'] = env['VIGIL_LOG_LEVEL'];
  if (env['VIGIL_HASH_KEY']) {
    const s = section('source');
    s['hashing'] = { ...((s['hashing'] as object | undefined) ?? {}), key: env['VIGIL_HASH_KEY'] };
  }
  return out;
}

export function parseEnforcerConfig(raw: unknown, env: Env = {}, origin = 'config'): EnforcerConfig {
  const config = validateServiceConfig(
    raw,
    origin,
    (mapping) => enforcerConfigSchema.safeParse(applyEnvironment(mapping, env)),
    (message) => new EnforcerConfigError(message),
  );
  const names = new Set<string>();
  for (const k of config.apiKeys) {
    if (names.has(k.name)) throw new EnforcerConfigError(`${origin}: API key name "${k.name}" is given twice`);
    names.add(k.name);
  }
  return config;
}

/** The file named by `--config <file>` or VIGIL_CONFIG (none: environment only). */
export function loadEnforcerConfig(argv: readonly string[], env: Env): EnforcerConfig {
  const { raw, origin } = serviceConfigSource(argv, env);
  return parseEnforcerConfig(raw, env, origin);
}

export const sha256Hex = (text: string): string => createHash('sha256').update(text).digest('hex');
