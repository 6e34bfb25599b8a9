import type { AccessEvent, DeadLetterRecord, GatewayKind, SourceConfig } from '@vigil/events';

/** Messages between the DecodePool and its workers (structured-cloned). */
export interface DecodeWorkerData {
  readonly gateway: GatewayKind;
  readonly config: SourceConfig;
  readonly maxDeadLetterRawBytes: number | undefined;
}

export interface DecodeRequest {
  readonly seq: number;
  readonly lines: readonly string[];
  readonly lineNumbers: readonly number[];
  readonly sourceName: string;
  /**
   * `ndjson`: the worker serializes events itself, so the main thread only writes them out;
   * `count`: events are only counted (a replay that validates without writing events).
   */
  readonly output: 'objects' | 'ndjson' | 'count';
}

export interface DecodeResponse {
  readonly seq: number;
  readonly events: AccessEvent[] | null;
  readonly eventsNdjson: string | null;
  readonly eventCount: number;
  readonly deadLetters: DeadLetterRecord[];
}
