/**
 * The Avro twin of AccessEvent (record `vigil.AccessEvent`, schema version 2). Kept beside the type;
 * `access-event-avro.spec.ts` checks that every AccessEvent field is here and round-trips.
 * Evolution rule: new fields get a default, enums get a default symbol, so old readers keep working;
 * each version's schema stays here, since records written with it must stay readable (avsc resolver).
 */
import avro from 'avsc';
import {
  AUTH_TYPES,
  GATEWAY_KINDS,
  MALFORMED_REQUESTS,
  PRINCIPAL_SOURCES,
  ROUTE_CLASSES,
  SANITIZE_NOTES,
  SENSITIVE_KINDS,
} from '../access-event';
import type { AccessEvent } from '../access-event';

const nullable = (type: unknown) => ({ type: ['null', type], default: null });

/** v1, as records were written with it. */
export const ACCESS_EVENT_AVRO_SCHEMA_V1 = {
  type: 'record',
  name: 'AccessEvent',
  namespace: 'vigil',
  doc: 'Canonical API access event (Vigil AccessEvent v1)',
  fields: [
    { name: 'v', type: 'int', default: 1 },
    { name: 'ts', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'source', type: 'string' },
    // gateway and routeClass have values with dashes, which Avro enum symbols cannot hold: strings,
    // checked against the TypeScript unions by validateAccessEvent after every decode.
    { name: 'gateway', type: 'string', doc: `one of ${GATEWAY_KINDS.join(', ')}` },
    { name: 'requestId', ...nullable('string') },
    { name: 'clientIp', type: 'string' },
    { name: 'subnet', type: 'string' },
    { name: 'asn', ...nullable('long') },
    { name: 'country', ...nullable('string') },
    { name: 'userAgent', ...nullable('string') },
    { name: 'tlsFingerprint', ...nullable('string') },
    { name: 'deviceId', ...nullable('string') },
    { name: 'sessionId', ...nullable('string') },
    { name: 'apiKeyId', ...nullable('string') },
    { name: 'principal', ...nullable('string') },
    {
      name: 'principalSource',
      ...nullable({ type: 'enum', name: 'PrincipalSource', symbols: [...PRINCIPAL_SOURCES], default: 'field' }),
    },
    { name: 'authType', type: { type: 'enum', name: 'AuthType', symbols: [...AUTH_TYPES], default: 'none' } },
    { name: 'method', type: 'string' },
    { name: 'host', type: 'string' },
    { name: 'path', type: 'string' },
    { name: 'query', ...nullable('string') },
    { name: 'routeTemplate', type: 'string' },
    { name: 'routeClass', type: 'string', doc: `one of ${ROUTE_CLASSES.join(', ')}` },
    { name: 'status', type: 'int' },
    { name: 'bytesIn', type: 'long' },
    { name: 'bytesOut', type: 'long' },
    { name: 'latencyMs', type: 'double' },
    {
      name: 'sensitive',
      type: {
        type: 'array',
        items: { type: 'enum', name: 'SensitiveKind', symbols: [...SENSITIVE_KINDS], default: 'pan' },
      },
      default: [],
    },
    {
      name: 'sanitized',
      type: {
        type: 'array',
        items: { type: 'enum', name: 'SanitizeNote', symbols: [...SANITIZE_NOTES], default: 'field_truncated' },
      },
      default: [],
    },
  ],
} as const;

/** v2: `malformed`, null by default, so a v1 record reads as a valid request. */
export const ACCESS_EVENT_AVRO_SCHEMA_V2 = {
  ...ACCESS_EVENT_AVRO_SCHEMA_V1,
  doc: 'Canonical API access event (Vigil AccessEvent v2)',
  fields: [
    { name: 'v', type: 'int', default: 2 },
    ...ACCESS_EVENT_AVRO_SCHEMA_V1.fields.slice(1),
    {
      name: 'malformed',
      // The default symbol is what a reader that predates a newer writer's flag reads it as.
      ...nullable({ type: 'enum', name: 'MalformedRequest', symbols: [...MALFORMED_REQUESTS], default: 'bad_target' }),
    },
  ],
} as const;

/**
 * avsc maps `timestamp-millis` to Date only with a logical type hook; we keep numbers, so the
 * logical type is informational for other readers (Spark, Flink, ksqlDB) and ts stays a long here.
 */
export const accessEventAvroType: avro.Type = avro.Type.forSchema(
  ACCESS_EVENT_AVRO_SCHEMA_V2 as unknown as avro.Schema,
);

export function encodeAccessEventAvro(event: AccessEvent): Buffer {
  return accessEventAvroType.toBuffer(event);
}

export function decodeAccessEventAvro(buf: Buffer): AccessEvent {
  return accessEventAvroType.fromBuffer(buf) as AccessEvent;
}
