/**
 * One decoder per source topic: JSON gateway lines through the same `createSourceDecoder` as
 * `vigil replay --source` (train/serve parity), or Avro AccessEvents in the Confluent wire format.
 * A record that does not decode becomes a dead letter carrying its exact bytes.
 */
import {
  ACCESS_EVENT_AVRO_SCHEMA_V1,
  ACCESS_EVENT_AVRO_SCHEMA_V2,
  AvroAccessEventDecoder,
  createSourceDecoder,
  fail,
  StaticSchemaResolver,
  type AccessEvent,
  type DecodeResult,
  type GatewayKind,
  type SourceConfig,
} from '@vigil/events';
import type { SourceRecord } from '@vigil/connectors';
import type { Schema } from 'avsc';
import type { DetectorConfig } from '../config/detector-config';

export interface RecordDecoder {
  readonly format: string;
  /** Binary formats keep their dead letters' raw head as base64. */
  readonly binary: boolean;
  decode(record: SourceRecord): DecodeResult<AccessEvent>;
}

const SCHEMAS = {
  v1: ACCESS_EVENT_AVRO_SCHEMA_V1 as unknown as Schema,
  v2: ACCESS_EVENT_AVRO_SCHEMA_V2 as unknown as Schema,
};

export function buildRecordDecoders(
  sources: DetectorConfig['sources'],
  config: SourceConfig,
): Map<string, RecordDecoder> {
  const out = new Map<string, RecordDecoder>();
  const maxRecordBytes = config.limits.maxRecordBytes;
  /** Checked before any decoder sees the bytes: a huge record costs a length check, not a parse. */
  const tooLarge = (r: SourceRecord): DecodeResult<AccessEvent> | null =>
    r.value && r.value.length > maxRecordBytes
      ? fail('record_too_large', `record is ${r.value.length} bytes, over the limit of ${maxRecordBytes}`)
      : null;
  for (const s of sources) {
    if (s.format === 'avro') {
      const avro = new AvroAccessEventDecoder(
        new StaticSchemaResolver(Object.entries(s.avroSchemas ?? {}).map(([id, v]) => [Number(id), SCHEMAS[v]])),
      );
      out.set(s.topic, {
        format: 'avro',
        binary: true,
        decode: (r) =>
          tooLarge(r) ?? (r.value ? avro.decodeConfluent(r.value) : fail('bad_magic_byte', 'empty record (tombstone)')),
      });
    } else {
      const json = createSourceDecoder(s.format as GatewayKind, config);
      out.set(s.topic, {
        format: s.format,
        binary: false,
        decode: (r) => {
          if (!r.value || r.value.length === 0) return fail('malformed_json', 'empty record');
          return tooLarge(r) ?? json.decode(r.value.toString('utf8'));
        },
      });
    }
  }
  return out;
}

/**
 * kafka.repartition: a record the router wrote as the decoded event (key-router.ts ROUTED_EVENT_HEADER),
 * a bare Avro body of the current AccessEvent schema, validated as any decoded event is.
 */
const routedAvro = new AvroAccessEventDecoder(new StaticSchemaResolver([]));
export const ROUTED_EVENTS: RecordDecoder = {
  format: 'routed-avro',
  binary: true,
  decode: (r) => (r.value ? routedAvro.decodeBare(r.value) : fail('avro_decode_error', 'empty routed record')),
};
