/**
 * The notifier's configuration: one YAML or JSON file (`--config <file>` or VIGIL_CONFIG) with `VIGIL_*`
 * environment variables over it, validated with zod once at start (unknown keys are errors) into one
 * object that is injected everywhere. The app is the only place that reads the environment.
 *
 * Secrets never come from the file: a Splunk HEC token is read from `VIGIL_NOTIFIER_<NAME>_TOKEN` and a
 * webhook's HMAC secret from `VIGIL_NOTIFIER_<NAME>_SECRET`, where NAME is the destination's name in
 * upper case with `-` as `_` (destination `splunk-main` → VIGIL_NOTIFIER_SPLUNK_MAIN_TOKEN). TLS
 * material is named by file path (a mounted secret), and read at start.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import {
  DEFAULT_DEAD_LETTER_MAX_BYTES,
  DEFAULT_MAX_ALERT_BYTES,
  DEFAULT_RETRY_POLICY,
  leefDelimiterProblem,
  SIEM_FORMATS,
  SYSLOG_FACILITIES,
} from '@vigil/connectors';
import { DEFAULT_TOPICS } from '@vigil/connectors';
import { serviceConfigSource, validateServiceConfig } from '@vigil/platform';

/** The notifier's own dead-letter topic (alerts a SIEM refused): not the detector's (raw events). */
export const DEFAULT_NOTIFIER_DEAD_LETTERS = 'vigil.notifier.dead-letters';

const PACKAGE_VERSION = (
  JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }
).version;

const positive = () => z.number().int().positive();

const retrySchema = z
  .object({
    maxAttempts: z.number().int().min(1).max(100).default(DEFAULT_RETRY_POLICY.maxAttempts),
    initialBackoffMs: positive().default(DEFAULT_RETRY_POLICY.initialBackoffMs),
    maxBackoffMs: positive().default(DEFAULT_RETRY_POLICY.maxBackoffMs),
  })
  .strict()
  .prefault({});

/** PEM files, read at start (a Kubernetes secret mounted as files, say). */
const tlsFilesSchema = z
  .object({
    caFile: z.string().min(1).optional(),
    certFile: z.string().min(1).optional(),
    keyFile: z.string().min(1).optional(),
    servername: z.string().min(1).optional(),
    /** false only against a throwaway certificate: the peer is then not authenticated. */
    rejectUnauthorized: z.boolean().default(true),
  })
  .strict();

const syslogSchema = z
  .object({
    type: z.literal('syslog'),
    /** tcp: RFC 6587; tls: RFC 5425; udp: RFC 5426. */
    protocol: z.enum(['tcp', 'tls', 'udp']),
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535),
    facility: z.enum(Object.keys(SYSLOG_FACILITIES) as [keyof typeof SYSLOG_FACILITIES]).default('auth'),
    hostname: z.string().min(1).default(hostname()),
    appName: z.string().min(1).max(48).default('vigil'),
    /** An IANA Private Enterprise Number: adds `[vigil@<pen> alertId=… detector=…]` to each message. */
    enterpriseNumber: positive().optional(),
    bom: z.boolean().default(false),
    /** TCP and TLS only: octet-counting (RFC 6587 §3.4.1) or lf (non-transparent framing). */
    framing: z.enum(['octet-counting', 'lf']).default('octet-counting'),
    maxMessageBytes: z
      .number()
      .int()
      .min(480)
      .max(16 * 1024 * 1024)
      .optional(),
    connectTimeoutMs: positive().default(5_000),
    writeTimeoutMs: positive().default(10_000),
    tls: tlsFilesSchema.optional(),
  })
  .strict()
  .refine((s) => s.protocol !== 'udp' || (s.maxMessageBytes ?? 0) <= 65_507, {
    message: 'a UDP datagram carries at most 65507 bytes',
  })
  .refine((s) => s.tls === undefined || s.protocol === 'tls', { message: 'tls settings need protocol: tls' });

const httpTlsSchema = z
  .object({ caFile: z.string().min(1).optional(), rejectUnauthorized: z.boolean().default(true) })
  .strict();

const hecSchema = z
  .object({
    type: z.literal('splunk-hec'),
    /** The collector's base URL (https://splunk.example:8088); the path is HEC's /services/collector/event. */
    url: z.url({ protocol: /^https?$/ }),
    /** From VIGIL_NOTIFIER_<NAME>_TOKEN. */
    token: z.string().min(1),
    index: z.string().min(1).optional(),
    source: z.string().min(1).optional(),
    /** Default `vigil:<format>`. */
    sourcetype: z.string().min(1).optional(),
    host: z.string().min(1).optional(),
    timeoutMs: positive().default(10_000),
    /** Indexer acknowledgement: a batch counts as delivered once HEC says it is indexed. */
    ack: z
      .object({ pollIntervalMs: positive().default(1_000), timeoutMs: positive().default(60_000) })
      .strict()
      .optional(),
    tls: httpTlsSchema.optional(),
  })
  .strict();

const webhookSchema = z
  .object({
    type: z.literal('webhook'),
    url: z.url({ protocol: /^https?$/ }),
    /** From VIGIL_NOTIFIER_<NAME>_SECRET; at least 16 characters. */
    secret: z.string().min(16),
    headers: z
      .record(z.string().regex(/^[A-Za-z0-9-]+$/), z.string())
      .refine((h) => !Object.keys(h).some((k) => /^(x-vigil-|content-type$|content-length$|host$)/i.test(k)), {
        message: 'extra headers cannot replace the signature, content or host headers',
      })
      .default({}),
    timeoutMs: positive().default(10_000),
    tls: httpTlsSchema.optional(),
  })
  .strict();

const kafkaSchema = z.object({ type: z.literal('kafka'), topic: z.string().min(1) }).strict();

const destinationSchema = z
  .object({
    /** Also the consumer group's suffix and the metrics' `destination` label. */
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case letters, digits and -, up to 63'),
    format: z.enum(SIEM_FORMATS),
    leef: z
      .object({
        delimiter: z
          .string()
          .refine((d) => leefDelimiterProblem(d) === null, { message: 'not a usable LEEF delimiter' })
          .optional(),
        maxValueChars: positive().optional(),
      })
      .strict()
      .optional(),
    /** Records per send: one HEC or webhook request, one syslog write, one produce. */
    maxBatch: z.number().int().min(1).max(10_000).default(100),
    retry: retrySchema,
    transport: z.discriminatedUnion('type', [syslogSchema, hecSchema, webhookSchema, kafkaSchema]),
  })
  .strict();

export const notifierConfigSchema = z
  .object({
    kafka: z
      .object({
        brokers: z.array(z.string().min(1)).min(1),
        clientId: z.string().min(1).default('vigil-notifier'),
        /** Each destination consumes in its own group, `<groupId>.<destination name>`. */
        groupId: z.string().min(1).default('vigil-notifier'),
        /** Only a broker without a controller (the test mock) needs false. */
        idempotentProducer: z.boolean().default(true),
        sessionTimeoutMs: positive().default(30_000),
        heartbeatIntervalMs: positive().default(3_000),
        maxWaitTimeMs: positive().default(500),
        deadLetterMaxBytes: positive().default(DEFAULT_DEAD_LETTER_MAX_BYTES),
        topics: z
          .object({
            alerts: z.string().min(1).default(DEFAULT_TOPICS.alerts),
            deadLetters: z.string().min(1).default(DEFAULT_NOTIFIER_DEAD_LETTERS),
          })
          .strict()
          .prefault({}),
      })
      .strict(),
    /** The product fields of every format's header. */
    product: z
      .object({
        vendor: z.string().min(1).default('Vigil'),
        product: z.string().min(1).default('Vigil'),
        version: z.string().min(1).default(PACKAGE_VERSION),
      })
      .strict()
      .prefault({}),
    /** An alerts-topic record larger than this is dead-lettered unread. */
    maxAlertBytes: positive().default(DEFAULT_MAX_ALERT_BYTES),
    destinations: z
      .array(destinationSchema)
      .min(1)
      .refine((ds) => new Set(ds.map((d) => d.name)).size === ds.length, {
        message: 'destination names must be unique',
      }),
    http: z
      .object({ host: z.string().default('0.0.0.0'), port: z.number().int().min(0).max(65535).default(9465) })
      .strict()
      .prefault({}),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .strict();

export type NotifierConfig = z.infer<typeof notifierConfigSchema>;
export type DestinationConfig = NotifierConfig['destinations'][number];
export type TransportConfig = DestinationConfig['transport'];

export class NotifierConfigError extends Error {
  override readonly name = 'NotifierConfigError';
}

type Env = Readonly<Record<string, string | undefined>>;

/** The environment variable holding a destination's secret. */
export function secretVariable(destination: string, kind: 'TOKEN' | 'SECRET'): string {
  return `VIGIL_NOTIFIER_${destination.toUpperCase().replace(/-/g, '_')}_${kind}`;
}

const asRecord = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

/**
 * `VIGIL_*` over the file: VIGIL_KAFKA_BROKERS (comma-separated), VIGIL_KAFKA_GROUP_ID, VIGIL_HTTP_PORT,
 * VIGIL_LOG_LEVEL; each destination's secret from its variable. A secret written in the file is refused,
 * with the variable to use instead.
 */
export function withEnvironment(raw: Record<string, unknown>, env: Env): Record<string, unknown> {
  const kafka = { ...asRecord(raw['kafka']) };
  if (env['VIGIL_KAFKA_BROKERS'])
    kafka['brokers'] = env['VIGIL_KAFKA_BROKERS']
      .split(',')
      .map((b) => b.trim())
      .filter(Boolean);
  if (env['VIGIL_KAFKA_GROUP_ID']) kafka['groupId'] = env['VIGIL_KAFKA_GROUP_ID'];
  const http = { ...asRecord(raw['http']) };
  if (env['VIGIL_HTTP_PORT']) http['port'] = Number(env['VIGIL_HTTP_PORT']);
  const destinations = Array.isArray(raw['destinations'])
    ? raw['destinations'].map((d) => {
        const dest = asRecord(d);
        const transport = { ...asRecord(dest['transport']) };
        const name = typeof dest['name'] === 'string' ? dest['name'] : '';
        const secretKey =
          transport['type'] === 'splunk-hec' ? 'token' : transport['type'] === 'webhook' ? 'secret' : null;
        if (secretKey) {
          const variable = secretVariable(name, secretKey === 'token' ? 'TOKEN' : 'SECRET');
          if (transport[secretKey] !== undefined)
            throw new NotifierConfigError(
              `destination ${name}: the ${secretKey} is read from ${variable}, never from the config file`,
            );
          if (env[variable] === undefined)
            throw new NotifierConfigError(`destination ${name}: set ${variable} (its ${secretKey})`);
          transport[secretKey] = env[variable];
        }
        return { ...dest, transport };
      })
    : raw['destinations'];
  return {
    ...raw,
    kafka,
    http,
    destinations,
    ...(env['VIGIL_LOG_LEVEL'] ? { logLevel: env['VIGIL_LOG_LEVEL'] } : {}),
  };
}

/** Validates `raw` (a parsed file, or an object in tests) with the environment over it. */
export function parseNotifierConfig(raw: unknown, env: Env = {}, origin = 'config'): NotifierConfig {
  return validateServiceConfig(
    raw,
    origin,
    (mapping) => notifierConfigSchema.safeParse(withEnvironment(mapping, env)),
    (message) => new NotifierConfigError(message),
  );
}

/** The file named by `--config <file>` or VIGIL_CONFIG (none: environment only). */
export function loadNotifierConfig(argv: readonly string[], env: Env): NotifierConfig {
  const { raw, origin } = serviceConfigSource(argv, env);
  return parseNotifierConfig(raw, env, origin);
}
