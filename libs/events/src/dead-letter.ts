/**
 * Why a record could not become an AccessEvent. A closed set, so that dashboards and alerts can count
 * by reason; `detail` carries the human explanation.
 */
export const DEAD_LETTER_REASONS = [
  'malformed_json',
  'not_an_object',
  'unparseable_line',
  'missing_field',
  'invalid_field_type',
  'invalid_ip',
  'invalid_timestamp',
  'invalid_status',
  'invalid_method',
  'record_too_large',
  'bad_magic_byte',
  'unknown_schema_id',
  'avro_decode_error',
  'invalid_event',
  /** A record on the decisions topic that is not a Decision (the enforcer's input). */
  'invalid_decision',
  /** A record on the detector's repartition topic without the router's source headers, or from a topic no source names. */
  'unknown_source',
] as const;
export type DeadLetterReason = (typeof DEAD_LETTER_REASONS)[number];

export interface DecodeFailure {
  readonly ok: false;
  readonly reason: DeadLetterReason;
  readonly detail: string;
}

export type DecodeResult<T> = { readonly ok: true; readonly value: T } | DecodeFailure;

export function fail(reason: DeadLetterReason, detail: string): DecodeFailure {
  return { ok: false, reason, detail };
}

/** What a dead-letter sink receives: enough to find, understand and replay the record. */
export interface DeadLetterRecord {
  readonly reason: DeadLetterReason;
  readonly detail: string;
  /** The source id and where in it the record was (line number for files, partition/offset for Kafka). */
  readonly source: string;
  readonly position: string;
  /** Size of the original record in bytes. */
  readonly rawBytes: number;
  /** The record itself, cut at `maxRawBytes` on a character boundary (utf8) or as base64 for binary. */
  readonly raw: string;
  readonly rawEncoding: 'utf8' | 'base64';
  readonly rawTruncated: boolean;
  /** When Vigil dead-lettered it (ms). */
  readonly at: number;
}

export const DEFAULT_MAX_DEAD_LETTER_RAW_BYTES = 8192;

/**
 * Builds a dead-letter record from raw bytes or text, truncating safely: never splitting a UTF-8
 * sequence, never keeping more than `maxRawBytes` of a hostile multi-megabyte line.
 */
export function deadLetter(
  failure: DecodeFailure,
  raw: string | Uint8Array,
  where: { source: string; position: string; rawBytes?: number; binary?: boolean },
  maxRawBytes: number = DEFAULT_MAX_DEAD_LETTER_RAW_BYTES,
  now: number = Date.now(),
): DeadLetterRecord {
  let text: string;
  let encoding: 'utf8' | 'base64';
  let truncated: boolean;
  let size: number;
  if (typeof raw === 'string') {
    size = where.rawBytes ?? Buffer.byteLength(raw, 'utf8');
    const cut = truncateUtf8(raw, maxRawBytes);
    text = cut;
    truncated = size > Buffer.byteLength(cut, 'utf8');
    encoding = 'utf8';
  } else {
    size = where.rawBytes ?? raw.byteLength;
    const head = Buffer.from(raw.buffer, raw.byteOffset, Math.min(raw.byteLength, maxRawBytes));
    truncated = size > head.byteLength;
    if (where.binary) {
      text = head.toString('base64');
      encoding = 'base64';
    } else {
      text = truncateUtf8(head.toString('utf8'), maxRawBytes);
      encoding = 'utf8';
    }
  }
  return {
    reason: failure.reason,
    detail: failure.detail,
    source: where.source,
    position: where.position,
    rawBytes: size,
    raw: text,
    rawEncoding: encoding,
    rawTruncated: truncated,
    at: now,
  };
}

/** Cuts a string to at most `maxBytes` UTF-8 bytes without splitting a character or a surrogate pair. */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (text.length * 3 <= maxBytes) return text;
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  let bytes = 0;
  let i = 0;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    let n: number;
    if (c < 0x80) n = 1;
    else if (c < 0x800) n = 2;
    else if (c >= 0xd800 && c <= 0xdbff) n = 4;
    else n = 3;
    if (bytes + n > maxBytes) break;
    bytes += n;
    if (n === 4) i++;
  }
  return text.slice(0, i);
}
