import { fail, type DecodeResult } from '../dead-letter';
import type { JsonRecordDecoder } from '../decoder';
import type { RawRequest } from '../raw-request';

/** JSON.parse with the failure as a value: the message says where the JSON broke. */
export function parseJsonObject(line: string): DecodeResult<Record<string, unknown>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch (err) {
    return fail('malformed_json', (err as Error).message.slice(0, 200));
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return fail(
      'not_an_object',
      `expected a JSON object, got ${parsed === null ? 'null' : Array.isArray(parsed) ? 'an array' : typeof parsed}`,
    );
  }
  return { ok: true, value: parsed as Record<string, unknown> };
}

/** Builds a JsonRecordDecoder from an object mapper. */
export function jsonDecoder(
  format: string,
  decodeObject: (record: Record<string, unknown>) => DecodeResult<RawRequest>,
): JsonRecordDecoder {
  return {
    format,
    decodeObject(record: unknown) {
      if (typeof record !== 'object' || record === null || Array.isArray(record)) {
        return fail('not_an_object', 'expected a JSON object');
      }
      return decodeObject(record as Record<string, unknown>);
    },
    decode(line: string) {
      const parsed = parseJsonObject(line);
      return parsed.ok ? decodeObject(parsed.value) : parsed;
    },
  };
}
