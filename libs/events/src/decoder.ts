import type { DecodeResult } from './dead-letter';
import type { RawRequest } from './raw-request';

/** Turns one text record (a log line without its newline) into a RawRequest, or says why not. */
export interface LineDecoder {
  readonly format: string;
  decode(line: string): DecodeResult<RawRequest>;
}

/** Same, for gateways whose records are JSON objects: decode(line) = decodeObject(JSON.parse(line)). */
export interface JsonRecordDecoder extends LineDecoder {
  decodeObject(record: unknown): DecodeResult<RawRequest>;
}
