import type { AccessEvent, DeadLetterRecord, GatewayKind, SourceConfig } from '@vigil/events';

/** Messages between the DecodePool and its workers (structured-cloned; blocks are transferred). */
export interface DecodeWorkerData {
  readonly gateway: GatewayKind;
  readonly config: SourceConfig;
  readonly sourceName: string;
  readonly maxDeadLetterRawBytes: number | undefined;
  /**
   * `ndjson`: the worker serializes events itself, so the main thread only writes them out;
   * `objects`: events come back as objects; `count`: events are only counted.
   */
  readonly output: 'objects' | 'ndjson' | 'count';
}

export interface DecodeRequest {
  readonly seq: number;
  /** Whole lines, as bytes. */
  readonly block: Uint8Array;
  readonly firstLine: number;
}

export interface DecodeResponse {
  readonly seq: number;
  readonly events: AccessEvent[] | null;
  readonly eventsNdjson: string | null;
  readonly eventCount: number;
  readonly deadLetters: DeadLetterRecord[];
  readonly records: number;
  readonly blankLines: number;
}
