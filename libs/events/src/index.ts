export * from './access-event';
export * from './dead-letter';
export * from './raw-request';
export * from './decoder';
export * from './source-config';
export * from './source-decoder';
export { decodeKong, createKongDecoder } from './decoders/kong';
export { decodeVigilJson, validateAccessEvent } from './decoders/vigil';
export { AvroAccessEventDecoder, StaticSchemaResolver, confluentFrame, CONFLUENT_MAGIC_BYTE } from './decoders/avro';
export type { SchemaResolver } from './decoders/avro';
export {
  ACCESS_EVENT_AVRO_SCHEMA_V1,
  ACCESS_EVENT_AVRO_SCHEMA_V2,
  accessEventAvroType,
  encodeAccessEventAvro,
  decodeAccessEventAvro,
} from './schema/access-event-avro';
export { Normalizer } from './normalize/normalizer';
export { RouteTemplater, classifySegment, splitPath, SLOT_TYPES } from './normalize/route-templater';
export type { SlotType } from './normalize/route-templater';
export { RouteClassifier } from './normalize/route-classifier';
export { Masker, luhnValid } from './normalize/masking';
export { parseIp, parseCidr, subnetOf, CidrSet } from './normalize/ip';
export type { ParsedIp, Cidr } from './normalize/ip';
export { IdHasher } from './normalize/hasher';
export { parseAnyTime, parseClfTime, parseIsoTime, parseEpoch } from './decoders/timestamps';
