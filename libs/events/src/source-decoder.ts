/**
 * One source = one gateway format + one mapping config. `createSourceDecoder` builds the decoder for
 * it, and `decode(record)` gives an AccessEvent or a failure with its dead-letter reason. This is the
 * single entry point used by the CLI, the detector service, training and the inventory, so that every
 * consumer sees identical events (train/serve parity).
 */
import type { AccessEvent, GatewayKind } from './access-event';
import { fail, type DecodeResult } from './dead-letter';
import type { LineDecoder } from './decoder';
import { createApiGatewayDecoder } from './decoders/apigw';
import { createEnvoyDecoder } from './decoders/envoy';
import { createKongDecoder } from './decoders/kong';
import { createNginxDecoder } from './decoders/nginx';
import { createNginxJsonDecoder } from './decoders/nginx-json';
import { decodeVigilJson } from './decoders/vigil';
import { Normalizer } from './normalize/normalizer';
import type { SourceConfig } from './source-config';

type GatewayDecoderFactory = (config: SourceConfig) => LineDecoder;

/** Gateway formats that go through RawRequest + Normalizer. `vigil` is canonical and skips both. */
const GATEWAY_DECODERS: Partial<Record<Exclude<GatewayKind, 'vigil'>, GatewayDecoderFactory>> = {
  kong: () => createKongDecoder(),
  envoy: createEnvoyDecoder,
  nginx: createNginxDecoder,
  'nginx-json': createNginxJsonDecoder,
  apigw: createApiGatewayDecoder,
};

export function supportedSources(): GatewayKind[] {
  return [...(Object.keys(GATEWAY_DECODERS) as GatewayKind[]), 'vigil'];
}

export interface SourceDecoder {
  readonly gateway: GatewayKind;
  /** Null for canonical `vigil` input, which is already normalized. */
  readonly normalizer: Normalizer | null;
  readonly maxRecordBytes: number;
  /** One record (a log line without its newline). */
  decode(record: string): DecodeResult<AccessEvent>;
}

export function createSourceDecoder(gateway: GatewayKind, config: SourceConfig): SourceDecoder {
  const maxRecordBytes = config.limits.maxRecordBytes;
  if (gateway === 'vigil') {
    return {
      gateway,
      normalizer: null,
      maxRecordBytes,
      decode: (line) => guardSize(line, maxRecordBytes) ?? decodeVigilJson(line),
    };
  }
  const factory = GATEWAY_DECODERS[gateway];
  if (!factory) throw new Error(`no decoder for source "${gateway}"; supported: ${supportedSources().join(', ')}`);
  const decoder = factory(config);
  const normalizer = new Normalizer(config);
  return {
    gateway,
    normalizer,
    maxRecordBytes,
    decode(line: string): DecodeResult<AccessEvent> {
      const tooBig = guardSize(line, maxRecordBytes);
      if (tooBig) return tooBig;
      const raw = decoder.decode(line);
      return raw.ok ? normalizer.normalize(raw.value) : raw;
    },
  };
}

/** Readers cut oversized lines before they get here; this guards direct callers (Kafka messages). */
function guardSize(line: string, max: number) {
  // A JS string of n UTF-16 units is at most 3n UTF-8 bytes; only measure when it could be over.
  if (line.length * 3 <= max || Buffer.byteLength(line, 'utf8') <= max) return null;
  return fail('record_too_large', `record is ${Buffer.byteLength(line, 'utf8')} bytes, over the limit of ${max}`);
}
