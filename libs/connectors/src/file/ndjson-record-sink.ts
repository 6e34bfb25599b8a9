/**
 * A RecordSink writing one JSON line per record (NdjsonWriter): `write` resolves once the lines are
 * handed to the file (flushed, with backpressure). `toJson` picks what a line holds (default: the record).
 */
import type { RecordSink } from '../ports';
import { NdjsonWriter } from './ndjson-writer';

export class NdjsonRecordSink<T> implements RecordSink<T> {
  constructor(
    private readonly out: NdjsonWriter,
    private readonly toJson: (record: T) => unknown = (r) => r,
  ) {}

  static open<T>(
    target: string,
    toJson?: (record: T) => unknown,
    options: { append?: boolean } = {},
  ): NdjsonRecordSink<T> {
    return new NdjsonRecordSink(NdjsonWriter.open(target, options), toJson);
  }

  async write(records: readonly T[]): Promise<void> {
    for (const r of records) this.out.write(this.toJson(r));
    await this.out.flush();
  }

  close(): Promise<void> {
    return this.out.close();
  }
}
